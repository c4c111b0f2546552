"""Held-out evaluation of the HR kind (names as in `evaluate hr --json`, DESIGN.md "Model contract").

- Curve models (`fitrec` and the baselines): hr_mae_bpm, hr_rmse_bpm over every test time step
  with a clean HR reading; speed_mae_kmh over every test route point. Pooled over steps.
- `short_term` and its baseline `last_value` (the last HR again): hr_mae_bpm of the next step;
  warning_f1_85 / warning_f1_90: the warning "HR above 85 % / 90 % HRmax next step" against what
  happened (precision and recall in the card).
- `route_rank` (FitRec's protocol): each test run's route is the positive among 100 random other
  runs' routes (inputs only); candidates are ranked by the mean squared gap between the HR
  predicted on them (this run's athlete and context) and this run's real HR, over the steps both
  have. auc, hit_at_10, ndcg_at_10; the same for a `random` ranker.
"""
from __future__ import annotations

import time

import numpy as np

from engine.hr.dataset import HrData, Run
from engine.hr.model import encode, predict_items, predict_short, windows
from engine.models.registry import Result

CEILINGS = {"85": 0.85, "90": 0.90}
N_NEGATIVES = 100
CURVE_MODELS = ["fitrec", "mlp", "lightgbm", "first_order", "athlete_mean", "global_mean"]


def curve_predictions(model, runs: list[Run], previous: dict, name: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(HR per run on its time grid, speed per run on its distance grid) of one curve model."""
    if name == "fitrec":
        return model.fitrec(runs, previous, "hr"), model.fitrec(runs, previous, "speed")
    baseline = model.baselines[name]
    return [baseline.predict_hr(r) for r in runs], [baseline.predict_speed(r) for r in runs]


def _errors(pred: list[np.ndarray], truth: list[np.ndarray]) -> np.ndarray:
    err = np.concatenate([p - t for p, t in zip(pred, truth)]) if pred else np.empty(0)
    return err[np.isfinite(err)]


def warning_scores(forecast: np.ndarray, actual: np.ndarray, ceiling_bpm: np.ndarray) -> dict:
    """precision, recall, f1 of "above the ceiling" (forecast) against the actual next HR."""
    fired, happened = forecast > ceiling_bpm, actual > ceiling_bpm
    tp = float((fired & happened).sum())
    precision = tp / fired.sum() if fired.sum() else 0.0
    recall = tp / happened.sum() if happened.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "events": int(happened.sum())}


def rank_metrics(gaps: np.ndarray) -> dict:
    """auc, hit_at_10, ndcg_at_10 of candidate 0 (the positive) when a smaller gap ranks higher;
    ties count half for auc and against the positive for the rank."""
    pos, neg = gaps[0], gaps[1:]
    rank = int((neg <= pos).sum())  # 0 = first
    return {"auc": float(((neg > pos).sum() + 0.5 * (neg == pos).sum()) / len(neg)),
            "hit_at_10": float(rank < 10), "ndcg_at_10": float(1 / np.log2(rank + 2)) if rank < 10 else 0.0}


def candidates(run: Run, pool: list[Run], seed: int) -> list[Run]:
    """The positive (run) first, then min(N_NEGATIVES, others) random other runs of `pool`."""
    others = [r for r in pool if r.activity_id != run.activity_id]
    rng = np.random.default_rng([seed, run.activity_id])
    pick = rng.choice(len(others), min(N_NEGATIVES, len(others)), replace=False)
    return [run, *(others[k] for k in sorted(pick))]


def route_gaps(model, run: Run, previous: Run | None, cands: list[Run]) -> np.ndarray:
    """Mean squared gap (bpm^2) between the HR predicted on each candidate's inputs and run's HR."""
    items = [encode(run, previous, model.vocab, "hr", model.fill("hr"), x=c.time_x) for c in cands]
    gaps = []
    for pred in predict_items(model.hr_net, items):
        n = min(len(pred), len(run.hr_bpm))
        gaps.append(np.nanmean((pred[:n] - run.hr_bpm[:n]) ** 2))
    return np.array(gaps)


def evaluate(model, data: HrData, dataset: str) -> tuple[list[Result], dict]:
    """Every model on data.test; extra holds the card's details and predict_ms_per_item."""
    results, extra = [], {"n_train": len(data.train), "n_val": len(data.val), "n_test": len(data.test),
                          "n_cold": len(data.cold), "n_athletes": len(data.athletes)}
    test = data.test

    def add(name, metric, value):
        results.append(Result(dataset, name, metric, round(float(value), 4)))

    truth_hr, truth_speed = [r.hr_bpm for r in test], [r.speed_kmh for r in test]
    for name in CURVE_MODELS:
        hr, speed = curve_predictions(model, test, data.previous, name)
        err_hr, err_speed = _errors(hr, truth_hr), _errors(speed, truth_speed)
        add(name, "hr_mae_bpm", np.abs(err_hr).mean())
        add(name, "hr_rmse_bpm", np.sqrt((err_hr ** 2).mean()))
        add(name, "speed_mae_kmh", np.abs(err_speed).mean())

    w, y, athlete_ids, hr_max = windows(test)
    athletes = np.array([model.vocab.athlete(a) for a in athlete_ids], dtype=np.int64)
    forecasts = {"short_term": predict_short(model.short_net, w, athletes), "last_value": w[:, -1, 0].astype(float)}
    extra["warning"] = {}
    for name, forecast in forecasts.items():
        add(name, "hr_mae_bpm", np.abs(forecast - y).mean())
        for label, fraction in CEILINGS.items():
            scores = warning_scores(forecast, y, fraction * hr_max)
            add(name, f"warning_f1_{label}", scores["f1"])
            extra["warning"][f"{name}_{label}"] = scores
    extra["n_windows"] = int(len(y))

    pool = data.runs
    rng = np.random.default_rng(model.params.seed)
    ranked = {"route_rank": [], "random": []}
    for run in test:
        cands = candidates(run, pool, model.params.seed)
        ranked["route_rank"].append(rank_metrics(route_gaps(model, run, data.previous[run.activity_id], cands)))
        ranked["random"].append(rank_metrics(rng.random(len(cands))))
    for name, rows in ranked.items():
        for metric in ("auc", "hit_at_10", "ndcg_at_10"):
            add(name, metric, np.mean([r[metric] for r in rows]) if rows else np.nan)

    sample = test[:20]
    start = time.perf_counter()
    for run in sample:
        model.run_curves(run, data.previous[run.activity_id])
    extra["predict_ms_per_item"] = 1000 * (time.perf_counter() - start) / max(len(sample), 1)
    return results, extra

