"""The fitness kind's Trainer (engine.models.contract).

train: the hybrid fitted on the training part of one stratified group split of the db batteries
(the CV's first fold) is the served model; it and the five baselines are scored on the held-out
part. evaluate --full: the stratified 5-fold CV of every model on db (the hybrid, its two
ablations, the baselines: dataset "db_cv") and of the hybrid and the baselines on the synthetic
strong-signal cohort ("strong_signal"), each row the mean and SD over the folds.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.fitness import model
from engine.fitness.battery import CLASSES, CUTOFF_LABELS, TESTS
from engine.fitness.dataset import COLUMNS, Battery, db_dataset, strong_signal_dataset
from engine.fitness.evaluate import ALL_MODELS, cross_validate, holdout, predict, scores
from engine.fitness.model import BASELINES, HYBRIDS, MODEL_LABELS, N_CLASSES, HybridModel, Params
from engine.models.contract import Description, Evaluation, Input, ModelCard, Result
from engine.models.registry import fingerprint as hash_rows
from engine.store import app_settings
from engine.store.db import Store

KIND = "fitness"
HEADLINE = "macro_f1"
LOWER_IS_BETTER = False
MODELS = ["hybrid"]
FULL = True     # the 5-fold CV with the ablations, and the strong-signal cohort
QUICK_ROWS = 900             # --quick: a seeded sample of each dataset
STRONG_MODELS = ["hybrid", *BASELINES]
TIMING_ROWS = 2000           # batteries predicted in one batch to time the pipeline
load = HybridModel.load


@dataclass(frozen=True)
class FitnessData:
    """The db batteries under the cut-offs in force, and the held-out split's row indices."""
    battery: Battery
    cutoffs: str
    train: np.ndarray
    test: np.ndarray


def make_params(quick: bool) -> Params:
    return Params.quick() if quick else Params()


def _sample(data: Battery, quick: bool) -> Battery:
    """With quick, a seeded sample of QUICK_ROWS batteries."""
    if not quick:
        return data
    return data.take(np.sort(np.random.default_rng(0).choice(len(data), min(QUICK_ROWS, len(data)), replace=False)))


def prepare(store: Store, quick: bool) -> FitnessData:
    """NotEnoughData when the labelled batteries cannot be split by class and person."""
    cutoffs = app_settings.get(store, "bmi_cutoffs")
    battery = _sample(db_dataset(store, cutoffs), quick)
    train, test = holdout(battery, make_params(quick))
    return FitnessData(battery, cutoffs, train, test)


def fit(data: FitnessData, params: Params, progress=None) -> HybridModel:
    return model.fit_hybrid(data.battery.take(data.train), params, progress=progress)


def fingerprint(data: FitnessData) -> str:
    b = data.battery
    return hash_rows(pd.DataFrame(np.column_stack([b.table(), b.y]), columns=[*COLUMNS, "y"]))


def predict_ms_per_item(fitted: HybridModel, data: Battery) -> float:
    """Batched CPU time of the whole pipeline (extractor and LightGBM), ms per battery."""
    table = data.table()[:TIMING_ROWS]
    fitted.predict_proba(table[:10])                      # warm-up
    start = time.perf_counter()
    fitted.predict_proba(table)
    return 1000 * (time.perf_counter() - start) / len(table)


def evaluate(fitted: HybridModel, data: FitnessData) -> Evaluation:
    """The served hybrid and the baselines (fitted on the same training part) on the held-out part."""
    from sklearn.metrics import confusion_matrix

    truth = data.battery.y[data.test]
    results, confusion = [], {}
    for name in [*MODELS, *BASELINES]:
        predicted = predict(name, fitted, data.battery, data.train, data.test, fitted.params)
        results += [Result("db", name, metric, float(value)) for metric, value in scores(truth, predicted).items()]
        confusion[name] = confusion_matrix(truth, predicted, labels=list(range(N_CLASSES))).tolist()
    return Evaluation(tuple(results), len(data.train), len(data.test),
                      predict_ms_per_item(fitted, data.battery.take(data.test)),
                      {"cutoffs": data.cutoffs, "confusion": confusion,
                       "class_counts": np.bincount(truth, minlength=N_CLASSES).tolist(),
                       "tests": [asdict(t) for t in TESTS], "model_labels": MODEL_LABELS,
                       "ablations": [m for m in HYBRIDS if m != "hybrid"]})


def describe(data: FitnessData, evaluation: Evaluation, train_s: float) -> Description:
    return Description(
        inputs=tuple(Input(c, "s" if c.endswith("_s") else "reps",
                           "standard, training rows' mean and SD (the 15 laps share one)") for c in COLUMNS),
        outputs={"classes": list(CLASSES), "meaning": f"BMI class, {CUTOFF_LABELS[data.cutoffs]}"},
        description=(f"BMI class ({CUTOFF_LABELS[data.cutoffs]}) from the 3,000 m laps, pull-ups, sit-ups and the "
                     f"shuttle: the paper's 1D-CNN + attention feature extractor with LightGBM on its 256 features, "
                     f"SMOTE and noise on the training rows only. db: {evaluation.n_train:,} batteries (the cohort "
                     f"table and the squad's) to train in {train_s:.0f} s, {evaluation.n_test:,} held out (one "
                     f"person's batteries on one side). The full evaluation adds db_cv (5-fold CV with the "
                     f"ablations) and strong_signal, a synthetic cohort whose tests carry more of the BMI signal. "
                     f"The paper reports accuracy 0.945 and kappa 0.91 on its own data."),
        reading=("Higher is better. db: the held-out split (one run); db_cv and strong_signal: means ± SD over 5 "
                 "stratified folds. macro_f1 weighs the four classes alike, so it shows whether the rare "
                 "underweight and obese classes are found; accuracy alone rewards predicting 'normal' (the "
                 "majority model)."))


def full(data: FitnessData, card: ModelCard, progress=None) -> tuple[list[Result], dict]:
    """CV on db (every model, "db_cv") and on strong_signal (the hybrid and the baselines)."""
    params = Params.from_dict(card.params)
    datasets = {"db_cv": data.battery, "strong_signal": _sample(strong_signal_dataset(data.cutoffs), card.quick)}
    plan = [("db_cv", ALL_MODELS), ("strong_signal", STRONG_MODELS)]
    total = sum(len(m) for _, m in plan) * params.folds
    results, extra, done = [], {}, 0
    for name, models in plan:
        def step(i, _n, offset=done):
            if progress:
                progress(offset + i, total)
        start = time.perf_counter()
        rows, extra[name] = cross_validate(datasets[name], params, name, models, step)
        extra[name]["cv_s"] = time.perf_counter() - start
        results += rows
        done += len(models) * params.folds
    return results, extra


def export(store: Store, out: Path, fitted: HybridModel, card: ModelCard) -> list[dict]:
    """out/fitness/extractor.onnx (raw 18 inputs -> z, 256) and head.onnx (z -> class
    probabilities), each with its card and a parity record on db batteries."""
    import torch

    from engine.models.onnx_export import (export_lightgbm, export_torch_inputs, parity, regression_parity,
                                           write_parity)

    table = db_dataset(store, card.details["cutoffs"]).table()[:500].astype(np.float32)
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
            **card.to_json(), "onnx": {"model": name,
                             "input": "features: float32 [batch, 18] (15 laps s, pull-ups, sit-ups, shuttle s)"
                             if name == "extractor" else "features: float32 [batch, 256] (z)",
                             "output": "z: float32 [batch, 256]" if name == "extractor"
                             else f"probabilities: float32 [batch, 4] ({', '.join(CLASSES)})"}},
            indent=2, default=float))
    return records
