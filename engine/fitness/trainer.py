"""The fitness kind's entry for the registry and the CLI: train, register, evaluate, export
(contract in DESIGN.md, "Model contract").

train: stratified 5-fold CV of every model on "db" (hybrid, its two ablations, the five baselines)
and of the hybrid and the baselines on "strong_signal"; then the hybrid fitted on every labelled db
battery is the registered model that the page uses. evaluate --json reports the card's CV figures
while the db's batteries are the ones it was trained on (same fingerprint), else runs the CV again.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from engine.fitness.battery import CLASSES, CUTOFF_LABELS, TESTS
from engine.fitness.dataset import COLUMNS, Battery, db_dataset, strong_signal_dataset
from engine.fitness.evaluate import ALL_MODELS, cross_validate
from engine.fitness.model import BASELINES, HYBRIDS, MODEL_LABELS, HybridModel, Params, fit_hybrid
from engine.models.registry import Result, fingerprint, load, register
from engine.store import app_settings
from engine.store.db import Store

KIND = "fitness"
HEADLINE = "macro_f1"
QUICK_ROWS = 900             # --quick: a seeded sample of each dataset
STRONG_MODELS = ["hybrid", *BASELINES]
TIMING_ROWS = 2000           # batteries predicted in one batch to time the pipeline


def _dataset(name: str, store: Store, cutoffs: str, quick: bool) -> Battery:
    """"db" or "strong_signal"; with quick, a seeded sample of QUICK_ROWS."""
    data = db_dataset(store, cutoffs) if name == "db" else strong_signal_dataset(cutoffs)
    if not quick:
        return data
    return data.take(np.sort(np.random.default_rng(0).choice(len(data), min(QUICK_ROWS, len(data)), replace=False)))


def _fingerprint(data: Battery) -> str:
    return fingerprint(pd.DataFrame(np.column_stack([data.table(), data.y]), columns=[*COLUMNS, "y"]))


def predict_ms_per_item(fitted: HybridModel, data: Battery) -> float:
    """Batched CPU time of the whole pipeline (extractor and LightGBM), ms per battery."""
    table = data.table()[:TIMING_ROWS]
    fitted.predict_proba(table[:10])                      # warm-up
    start = time.perf_counter()
    fitted.predict_proba(table)
    return 1000 * (time.perf_counter() - start) / len(table)


def _cv(store: Store, cutoffs: str, quick: bool, db: Battery, params: Params, progress=None
        ) -> tuple[list[Result], dict]:
    """CV on db (every model) and strong_signal (the hybrid and the baselines)."""
    data = {"db": db, "strong_signal": _dataset("strong_signal", store, cutoffs, quick)}
    plan = [("db", ALL_MODELS), ("strong_signal", STRONG_MODELS)]
    total = sum(len(m) for _, m in plan) * params.folds
    results, extra, done = [], {}, 0
    for name, models in plan:
        def step(i, _n, offset=done):
            if progress:
                progress(offset + i, total + 1)
        start = time.perf_counter()
        rows, extra[name] = cross_validate(data[name], params, name, models, step)
        extra[name]["cv_s"] = time.perf_counter() - start
        results += rows
        done += len(models) * params.folds
    return results, extra


def train(store: Store, quick: bool = False, progress=None) -> tuple[int, list[Result]]:
    """Cross-validate on both datasets, fit the hybrid on every labelled db battery, register."""
    cutoffs = app_settings.get(store, "bmi_cutoffs")
    params = Params.quick() if quick else Params()
    db_data = _dataset("db", store, cutoffs, quick)
    start = time.perf_counter()
    results, extra = _cv(store, cutoffs, quick, db_data, params, progress)
    labelled = db_data.take(db_data.y >= 0)
    fitted = fit_hybrid(labelled, params)
    if progress:
        progress(1, 1)
    train_s = time.perf_counter() - start
    db = extra["db"]
    card = {
        "cutoffs": cutoffs, "quick": quick, "lower_is_better": False, "headline_metric": HEADLINE, "train_s": train_s,
        "inputs": [{"name": c, "unit": "s" if c.endswith("_s") else "reps",
                    "scaling": "standard, training rows' mean and SD (the 15 laps share one)"} for c in COLUMNS],
        "outputs": {"classes": list(CLASSES), "meaning": f"BMI class, {CUTOFF_LABELS[cutoffs]}"},
        "models": ["hybrid"], "ablations": [m for m in HYBRIDS if m != "hybrid"], "baselines": BASELINES,
        "tests": [asdict(t) for t in TESTS],
        "model_labels": MODEL_LABELS, "cv": extra, "confusion": db["confusion"],
        "sd": {name: part["sd"] for name, part in extra.items()},
        "predict_ms_per_item": predict_ms_per_item(fitted, labelled),
        "reading": ("Means over 5 stratified folds (± their SD) (one person's batteries in one fold); "
                    "higher is better; the confusion matrix sums the 5 validation folds. "
                    "macro_f1 weighs the four classes alike, so it shows whether the rare underweight and obese "
                    "classes are found; accuracy alone rewards predicting 'normal' (the majority model)."),
        "description": (f"BMI class ({CUTOFF_LABELS[cutoffs]}) from the 3,000 m laps, pull-ups, sit-ups and the "
                        f"shuttle: the paper's 1D-CNN + attention feature extractor with LightGBM on its 256 "
                        f"features, SMOTE and noise inside the training folds. db: {db['n']:,} batteries (the "
                        f"cohort table and the squad's); strong_signal: a synthetic cohort whose tests carry more "
                        f"of the BMI signal. The paper reports accuracy 0.945 and kappa 0.91 on its own data."),
    }
    version = register(store, KIND, fitted, {**asdict(params), "cutoffs": cutoffs}, results,
                       _fingerprint(db_data), card)
    return version, results


def evaluate_json(store: Store, version: int | None = None) -> dict:
    """The `evaluate --json` object (see the module docstring)."""
    fitted, card = load(store, KIND, version, HybridModel.load)
    db_data = _dataset("db", store, card["cutoffs"], card["quick"])
    if _fingerprint(db_data) == card["data_fingerprint"]:
        results = card["metrics"]
    else:
        params = Params.from_dict(card["params"])
        results = [asdict(r) for r in _cv(store, card["cutoffs"], card["quick"], db_data, params)[0]]
    return {"kind": KIND, "version": card["version"], "results": results,
            "timing": {"train_s": round(card["train_s"], 3),
                       "predict_ms_per_item": round(predict_ms_per_item(fitted, db_data), 4)}}


def export(store: Store, out: Path, version: int | None = None) -> list[dict]:
    """out/fitness/extractor.onnx (raw 18 inputs -> z, 256) and head.onnx (z -> class
    probabilities), each with its card and a parity record on db batteries."""
    import torch

    from engine.models.onnx_export import (export_lightgbm, export_torch_inputs, parity, regression_parity,
                                           write_parity)

    fitted, card = load(store, KIND, version, HybridModel.load)
    table = db_dataset(store, card["cutoffs"]).table()[:500].astype(np.float32)
    directory = out / KIND
    directory.mkdir(parents=True, exist_ok=True)
    extractor_path, head_path = directory / "extractor.onnx", directory / "head.onnx"
    export_torch_inputs(fitted.extractor, {"features": torch.from_numpy(table[:2])}, "z",
                        {"features": {0: "batch"}, "z": {0: "batch"}}, extractor_path)
    z = fitted.z(table)
    records = [regression_parity("extractor", extractor_path, [{"features": table}], [z])]
    export_lightgbm(fitted.booster, z.shape[1], head_path)
    records.append(parity("head", head_path, z, fitted.booster.predict(z)))
    for name, record in zip(("extractor", "head"), records):
        write_parity(record, directory / f"{name}.parity.json")
        (directory / f"{name}.card.json").write_text(json.dumps({
            **card, "onnx": {"model": name,
                             "input": "features: float32 [batch, 18] (15 laps s, pull-ups, sit-ups, shuttle s)"
                             if name == "extractor" else "features: float32 [batch, 256] (z)",
                             "output": "z: float32 [batch, 256]" if name == "extractor"
                             else f"probabilities: float32 [batch, 4] ({', '.join(CLASSES)})"}},
            indent=2, default=float))
    return records
