"""Held-out errors of every overload model on the test weeks, per target in its own unit (flaw 2 of
the original averaged kg, reps and s into one MAE)."""
from __future__ import annotations

import time

import numpy as np

from engine.models.registry import Result
from engine.overload.dataset import TARGETS, Graph
from engine.overload.model import BASELINES, LEARNT, OverloadModel

METRICS = {"weight": "weight_mae_kg", "reps": "reps_mae_reps", "rest": "rest_mae_s"}
SPREAD_MODEL = "graphsage"   # the original's GraphSAGE collapsed to a constant; its spread is reported


def errors(predicted: np.ndarray, observed: np.ndarray) -> dict[str, float]:
    """MAE per target (skipping unknown targets; a target never observed gets no entry) and the
    weight RMSE."""
    out = {}
    for j, target in enumerate(TARGETS):
        known = ~np.isnan(observed[:, j])
        if known.any():
            out[METRICS[target]] = float(np.abs(predicted[known, j] - observed[known, j]).mean())
    out["weight_rmse_kg"] = float(np.sqrt(((predicted[:, 0] - observed[:, 0]) ** 2).mean()))
    return out


def evaluate(fitted: OverloadModel, graph: Graph, dataset: str) -> tuple[list[Result], dict]:
    """Results of every model on the labelled test nodes (predicted in the full graph, whose test
    nodes only hear from their past), and extra: n_train, n_test, weight_target_std_kg,
    predict_ms_per_item (graphsage on the whole graph, per node)."""
    test = graph.mask("test")
    observed = graph.nodes.loc[test, list(TARGETS.values())].to_numpy(dtype=float)
    results = []
    for model in [*LEARNT, *BASELINES]:
        start = time.perf_counter()
        predicted = fitted.predict(graph, model)
        if model == SPREAD_MODEL:
            predict_ms = 1000 * (time.perf_counter() - start) / max(len(graph.nodes), 1)
        predicted = predicted[test]
        metrics = errors(predicted, observed) if test.any() else {}
        if model == SPREAD_MODEL and test.any():
            metrics["weight_pred_std_kg"] = float(predicted[:, 0].std())
        results += [Result(dataset, model, metric, value) for metric, value in metrics.items()]
    extra = {"n_train": int(graph.mask("train").sum()), "n_test": int(test.sum()),
             "weight_target_std_kg": float(observed[:, 0].std()) if test.any() else float("nan"),
             "predict_ms_per_item": predict_ms}
    return results, extra
