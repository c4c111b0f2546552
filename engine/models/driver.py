"""The one driver of every model kind (engine.models.contract.Trainer): train = fit the served model,
evaluate it and its baselines on the held-out split, register; evaluate_full = the kind's long
evaluation, added to the version's card; evaluate_json = the `evaluate --json` object; export =
ONNX with its parity check. The CLI, the worker, the Models page and `make bench` all go through it.
"""
from __future__ import annotations

import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from engine import clock
from engine.models import registry
from engine.models.contract import N_SEEDS, FullEvaluation, ModelCard, Progress, Result, key, merged
from engine.models.kinds import trainer
from engine.store.db import Store


def train(store: Store, kind: str, quick: bool = False, progress: Progress | None = None) -> ModelCard:
    """Fit, evaluate on the held-out split, register; returns the registered card. NotEnoughData
    (nothing written) when the store cannot train the kind; AdminOnly through a scoped store."""
    t = trainer(kind)
    data = t.prepare(store, quick)
    params = t.make_params(quick)
    start = time.perf_counter()
    fitted = t.fit(data, params, progress)
    train_s = time.perf_counter() - start
    evaluation = t.evaluate(fitted, data)
    text = t.describe(data, evaluation, train_s)
    card = ModelCard(kind=kind, version=0, trained_at="", data_fingerprint=t.fingerprint(data), params=asdict(params),
                     quick=quick, models=tuple(t.MODELS), baselines=tuple(t.BASELINES), headline_metric=t.HEADLINE,
                     lower_is_better=t.LOWER_IS_BETTER, metrics=evaluation.results, train_s=train_s,
                     predict_ms_per_item=evaluation.predict_ms_per_item, n_train=evaluation.n_train,
                     n_test=evaluation.n_test, inputs=text.inputs, outputs=text.outputs, description=text.description,
                     reading=text.reading, details=evaluation.details)
    return registry.register(store, fitted, card)


def evaluate_full(store: Store, kind: str, version: int | None = None, progress: Progress | None = None
                  ) -> ModelCard:
    """The long evaluation of the latest (or a pinned) version, added to its card: every model and
    baseline trained with N_SEEDS seeds (params.seed, +1, ...) and scored on the held-out split,
    as mean ± SD ("db"; the first seed's run is the card's own when the data is unchanged), then
    the kind's own long evaluation when it has one (FULL: folds, other datasets)."""
    t = trainer(kind)
    card = registry.card(store, kind, version)
    start = time.perf_counter()
    data = t.prepare(store, card.quick)
    fingerprint = t.fingerprint(data)
    params = t.make_params(card.quick)
    phases = N_SEEDS + t.FULL
    runs = [card.metrics] if fingerprint == card.data_fingerprint else []
    for k in range(len(runs), N_SEEDS):
        fitted = t.fit(data, replace(params, seed=params.seed + k), _phase(progress, k, phases))
        runs.append(t.evaluate(fitted, data).results)
    results, details = spread(runs), {}
    if t.FULL:
        extra, details = t.full(data, card, _phase(progress, N_SEEDS, phases))
        results += extra
    full = FullEvaluation(tuple(results), details, fingerprint, clock.now().isoformat(), time.perf_counter() - start)
    return registry.add_full(store, card, full)


def spread(runs: list[tuple[Result, ...]]) -> list[Result]:
    """One row per (dataset, model, metric) of several runs: the mean, the SD (ddof 1) and n_runs."""
    values: dict[tuple[str, str, str], list[float]] = {}
    for rows in runs:
        for r in rows:
            values.setdefault(key(r), []).append(r.value)
    return [Result(*k, float(np.mean(v)), float(np.std(v, ddof=1)) if len(v) > 1 else None, len(v))
            for k, v in values.items()]


def _phase(progress: Progress | None, phase: int, phases: int, steps: int = 100) -> Progress | None:
    """A progress callback for one phase of several, reporting on the whole job's scale."""
    if progress is None:
        return None
    return lambda step, total: progress(phase * steps + round(steps * step / max(total, 1)), phases * steps)


def evaluate_json(store: Store, kind: str, version: int | None = None) -> dict:
    """The `evaluate --json` object: the registered model and its baselines scored again on the
    store's held-out split (replaced by their mean ± SD over the seeds once the full evaluation
    has run), then the other rows of the version's full evaluation."""
    t = trainer(kind)
    fitted, card = registry.load(store, kind, version, t.load)
    data = t.prepare(store, card.quick)
    evaluation = t.evaluate(fitted, data)
    rows = merged(evaluation.results, card.full.results if card.full else ())
    return {"kind": kind, "version": card.version, "results": [asdict(r) for r in rows],
            "timing": {"train_s": round(card.train_s, 3),
                       "predict_ms_per_item": round(evaluation.predict_ms_per_item, 4)}}


def export(store: Store, kind: str, out: Path | None = None, version: int | None = None) -> list[dict]:
    """Write out/<kind>/<model>.onnx, .card.json and .parity.json for the latest (or a pinned)
    version, or with no `out` into the version's registry directory (the worker's export job);
    returns the parity records."""
    t = trainer(kind)
    fitted, card = registry.load(store, kind, version, t.load)
    if out is None:
        exported = registry.add_export(store, card, lambda staged: t.export(store, staged, fitted, card))
        return [e.parity for e in exported]
    return t.export(store, out, fitted, card)
