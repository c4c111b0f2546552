"""The progression kind's entry for the registry and the CLI: train, register, evaluate (contract
in DESIGN.md, "Model contract")."""
from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from engine.models.onnx_export import INPUT, ONNX_OPSET, OUTPUT, export_lightgbm, export_torch, parity, write_parity
from engine.models.registry import Result, fingerprint, load, register
from engine.models.samples import strong_sample_store
from engine.progression.dataset import CLASSES, FEATURE_UNITS, FEATURES, REP_STEP, WEIGHT_STEP, ProgressionData, build
from engine.progression.model import BASELINES, LEARNT, Params, ProgressionModel, ScaledMLP, evaluate, fit
from engine.store.db import Store

KIND = "progression"
HEADLINE = "macro_f1"  # the metric the Models page compares with the best baseline


def _fingerprint(data: ProgressionData) -> str:
    return fingerprint(data.train[[*FEATURES, "label"]])


def train(store: Store, quick: bool = False, progress=None) -> tuple[int, list[Result]]:
    """Fit on the store's training split, evaluate on its test split (and the recipe on the Strong
    sample), register. Returns (version, results)."""
    data = build(store)
    params = Params.quick() if quick else Params()
    start = time.perf_counter()
    fitted = fit(data, params, progress)
    train_s = time.perf_counter() - start
    results, extra = evaluate(fitted, data, "db")
    results += strong_sample_results(params)
    card = {
        "inputs": [{"name": f, "unit": FEATURE_UNITS[f],
                    "scaling": "standard, train mean and SD (mlp); none (lightgbm)"} for f in FEATURES],
        "outputs": {"classes": CLASSES, "meaning": "what the athlete does at the next session of the exercise",
                    "label_rule": f"top-set weight +-{100 * WEIGHT_STEP:g} %, else reps +-{REP_STEP}"},
        "models": LEARNT, "baselines": BASELINES, "headline_metric": HEADLINE,
        "train_s": train_s, "predict_ms_per_item": extra["predict_ms_per_item"], "confusion": extra["confusion"],
        "n_train": extra["n_train"], "n_test": extra["n_test"],
    }
    version = register(store, KIND, fitted, asdict(params), results, _fingerprint(data), card)
    return version, results


def strong_sample_results(params: Params) -> list[Result]:
    """The recipe on the real Strong export (none without ../shared/samples): split by time,
    fitted on its own training part and evaluated on its own test part."""
    with strong_sample_store() as scratch:
        if scratch is None:
            return []
        data = build(scratch)
        return evaluate(fit(data, params), data, "strong_sample")[0]


def evaluate_json(store: Store, version: int | None = None) -> dict:
    """The `evaluate --json` object: the registered model on the store's test split ("db"), and the
    same recipe on the Strong sample ("strong_sample") when ../shared/samples is present."""
    fitted, card = load(store, KIND, version, ProgressionModel.load)
    results, extra = evaluate(fitted, build(store), "db")
    results += strong_sample_results(Params(**card["params"]))
    return {"kind": KIND, "version": card["version"], "results": [asdict(r) for r in results],
            "timing": {"train_s": round(card["train_s"], 3),
                       "predict_ms_per_item": round(extra["predict_ms_per_item"], 4)}}


def export(store: Store, out: Path, version: int | None = None) -> list[dict]:
    """Write out/progression/<model>.onnx, <model>.card.json and <model>.parity.json for the learnt
    models of the latest (or a pinned) version; parity is checked on the store's test split.
    Both ONNX models take the raw FEATURES (float32, batch axis dynamic) and give probabilities."""
    fitted, card = load(store, KIND, version, ProgressionModel.load)
    held_out = build(store).test
    x = held_out[FEATURES].to_numpy(dtype=np.float32)
    directory = out / KIND
    directory.mkdir(parents=True, exist_ok=True)
    records = []
    for name in LEARNT:
        path = directory / f"{name}.onnx"
        if name == "mlp":
            export_torch(ScaledMLP(fitted), len(FEATURES), path)
        else:
            export_lightgbm(fitted.booster, len(FEATURES), path)
        records.append(parity(name, path, x, fitted.proba(held_out, name)))
        write_parity(records[-1], directory / f"{name}.parity.json")
        (directory / f"{name}.card.json").write_text(json.dumps({
            **card, "onnx": {"model": name, "input": f"{INPUT}: float32 [batch, {len(FEATURES)}], FEATURES order, "
                                                     "raw units (the scaler is inside the graph)",
                             "output": f"{OUTPUT}: float32 [batch, {len(CLASSES)}], CLASSES order",
                             "opset": ONNX_OPSET}}, indent=2, default=float))
    return records
