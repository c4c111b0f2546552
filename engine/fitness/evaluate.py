"""The fitness kind's evaluations: the held-out split of `train` (one stratified group fold: the
served hybrid and the baselines) and the stratified 5-fold cross-validation of `evaluate --full`
(the hybrid, its ablations and the baselines).

Folds: sklearn's StratifiedGroupKFold (one person's batteries stay in one fold), seeded once per
dataset; every model sees the same folds. SMOTE and the noise run inside fit_hybrid on the training
rows only; the validation fold holds original rows only. Metrics per fold, then mean and SD.
"""
from __future__ import annotations

import time

import numpy as np

from engine.fitness.battery import CLASSES
from engine.fitness.dataset import Battery
from engine.fitness.model import BASELINES, HYBRIDS, N_CLASSES, Params, fit_baseline, fit_hybrid
from engine.models.registry import NotEnoughData, Result

METRICS = ("accuracy", "kappa", "macro_f1", "weighted_f1")
ALL_MODELS = [*HYBRIDS, *BASELINES]


def folds(data: Battery, params: Params) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train rows, validation rows) of each fold; NotEnoughData when a fold cannot be stratified."""
    from sklearn.model_selection import StratifiedGroupKFold

    labelled = data.y >= 0
    counts = np.bincount(data.y[labelled], minlength=N_CLASSES)
    if labelled.sum() < 10 * params.folds or (counts > 0).sum() < 2:
        raise NotEnoughData(f"{int(labelled.sum())} batteries with a BMI class in {int((counts > 0).sum())} "
                            f"class(es): cross-validation needs at least {10 * params.folds} in 2 classes")
    splitter = StratifiedGroupKFold(n_splits=params.folds, shuffle=True, random_state=params.seed)
    rows = np.flatnonzero(labelled)
    return [(rows[a], rows[b]) for a, b in splitter.split(rows, data.y[rows], data.groups[rows])]


def holdout(data: Battery, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, test rows): the first of the CV's folds is the held-out split of `train`
    (about 1 / params.folds of the labelled batteries, one person's in one part)."""
    return folds(data, params)[0]


def predict(model: str, fitted, data: Battery, train: np.ndarray, test: np.ndarray, params: Params) -> np.ndarray:
    """Class indices of the test rows: `fitted` (the hybrid, fitted on `train`) or a baseline fitted
    on `train` here."""
    table = data.table()
    if model == "hybrid":
        return fitted.predict_proba(table[test]).argmax(axis=1)
    return fit_baseline(model, table[train], data.y[train], params).predict(table[test])


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

    labels = list(range(N_CLASSES))
    return {"accuracy": accuracy_score(y_true, y_pred),
            "kappa": cohen_kappa_score(y_true, y_pred, labels=labels) if len(set(y_true) | set(y_pred)) > 1 else 0.0,
            "macro_f1": f1_score(y_true, y_pred, labels=sorted(set(y_true)), average="macro", zero_division=0),
            "weighted_f1": f1_score(y_true, y_pred, average="weighted", zero_division=0)}


def cross_validate(data: Battery, params: Params, dataset: str, models: list[str], progress=None
                   ) -> tuple[list[Result], dict]:
    """Results (mean and SD over the folds) for every model, and the card's extras: the
    confusion matrix summed over the folds (rows = true class, CLASSES order),
    and the timing (hybrid's training s per fold, predict ms per battery)."""
    from sklearn.metrics import confusion_matrix

    split = folds(data, params)
    per_fold = {m: {k: [] for k in METRICS} for m in models}
    confusion = {m: np.zeros((N_CLASSES, N_CLASSES), dtype=int) for m in models}
    train_s, predict_ms = [], []
    table = data.table()
    for i, (train, valid) in enumerate(split):
        for j, model in enumerate(models):
            if progress:
                progress(i * len(models) + j, len(split) * len(models))
            start = time.perf_counter()
            if model in HYBRIDS:
                fitted = fit_hybrid(data.take(train), params, **HYBRIDS[model])
                if model == "hybrid":
                    train_s.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    predicted = fitted.predict_proba(table[valid]).argmax(axis=1)
                    predict_ms.append(1000 * (time.perf_counter() - start) / len(valid))
                else:
                    predicted = fitted.predict_proba(table[valid]).argmax(axis=1)
            else:
                predicted = fit_baseline(model, table[train], data.y[train], params).predict(table[valid])
            for name, value in scores(data.y[valid], predicted).items():
                per_fold[model][name].append(value)
            confusion[model] += confusion_matrix(data.y[valid], predicted, labels=list(range(N_CLASSES)))
    results = [Result(dataset, m, k, float(np.mean(v)), float(np.std(v)), len(v))
               for m in models for k, v in per_fold[m].items()]
    extra = {"confusion": {m: c.tolist() for m, c in confusion.items()}, "classes": list(CLASSES),
             "n": int((data.y >= 0).sum()),
             "class_counts": np.bincount(data.y[data.y >= 0], minlength=N_CLASSES).tolist(),
             "folds": len(split), "train_s_per_fold": float(np.mean(train_s)) if train_s else None,
             "predict_ms_per_item": float(np.mean(predict_ms)) if predict_ms else None}
    return results, extra

