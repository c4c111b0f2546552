"""The progression kind's Trainer (engine.models.contract): its data, fit, held-out evaluation, the
Strong sample as its full evaluation, and its ONNX export."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from engine.models.contract import Description, Evaluation, Input, ModelCard, Result
from engine.models.onnx_export import INPUT, ONNX_OPSET, OUTPUT, export_lightgbm, export_torch, parity, write_parity
from engine.models.registry import fingerprint as hash_rows
from engine.models.samples import strong_sample_store
from engine.progression import model
from engine.progression.dataset import CLASSES, FEATURE_UNITS, FEATURES, REP_STEP, WEIGHT_STEP, ProgressionData, build
from engine.progression.model import LEARNT, Params, ProgressionModel, ScaledMLP
from engine.store.db import Store

KIND = "progression"
HEADLINE = "macro_f1"
LOWER_IS_BETTER = False
MODELS = LEARNT
BASELINES = model.BASELINES
FULL = True     # the recipe on the real Strong sample
load = ProgressionModel.load
fit = model.fit


def make_params(quick: bool) -> Params:
    return Params.quick() if quick else Params()


def prepare(store: Store, quick: bool) -> ProgressionData:
    return build(store)


def fingerprint(data: ProgressionData) -> str:
    return hash_rows(data.train[[*FEATURES, "label"]])


def evaluate(fitted: ProgressionModel, data: ProgressionData) -> Evaluation:
    """Every model on the store's test split; the confusion matrices as details."""
    results, extra = model.evaluate(fitted, data, "db")
    return Evaluation(tuple(results), extra["n_train"], extra["n_test"], extra["predict_ms_per_item"],
                      {"confusion": extra["confusion"]})


def describe(data: ProgressionData, evaluation: Evaluation, train_s: float) -> Description:
    return Description(
        inputs=tuple(Input(f, FEATURE_UNITS[f], "standard, train mean and SD (mlp); none (lightgbm)")
                     for f in FEATURES),
        outputs={"classes": CLASSES, "meaning": "what the athlete does at the next session of the exercise",
                 "label_rule": f"top-set weight +-{100 * WEIGHT_STEP:g} %, else reps +-{REP_STEP}"},
        description=(f"What an athlete does at the next session of an exercise ({', '.join(CLASSES)}; top-set weight "
                     f"+-{100 * WEIGHT_STEP:g} %, else reps +-{REP_STEP}). Trained on {evaluation.n_train:,} rows in "
                     f"{train_s:.1f} s; tested on {evaluation.n_test:,}."),
        reading="accuracy, macro_f1, f1_<class>: higher is better.")


def full(_data: ProgressionData, card: ModelCard, progress=None) -> tuple[list[Result], dict]:
    """The recipe on the real Strong export (none without ../shared/samples): split by time,
    fitted on its own training part and evaluated on its own test part."""
    with strong_sample_store() as scratch:
        if scratch is None:
            return [], {}
        data = build(scratch)
        results, extra = model.evaluate(model.fit(data, Params(**card.params)), data, "strong_sample")
        return results, {"strong_sample": {"n_train": extra["n_train"], "n_test": extra["n_test"]}}


def export(store: Store, out: Path, fitted: ProgressionModel, card: ModelCard) -> list[dict]:
    """Write out/progression/<model>.onnx, <model>.card.json and <model>.parity.json for the learnt
    models; parity is checked on the store's test split. Both ONNX models take the raw FEATURES
    (float32, batch axis dynamic) and give probabilities."""
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
            **card.to_json(), "onnx": {"model": name, "input": f"{INPUT}: float32 [batch, {len(FEATURES)}], "
                                                                "FEATURES order, raw units (the scaler is inside "
                                                                "the graph)",
                             "output": f"{OUTPUT}: float32 [batch, {len(CLASSES)}], CLASSES order",
                             "opset": ONNX_OPSET}}, indent=2, default=float))
    return records
