"""Next-session suggestions for one athlete: per exercise, the LightGBM model's most likely action
at the next session, its probability, and the top reasons from SHAP values. LightGBM computes
them with `pred_contrib=True`, which is TreeSHAP (Lundberg et al. 2020), the algorithm that
shap's TreeExplainer runs on tree models."""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.load.report import daily_metrics
from engine.models.registry import load
from engine.progression.dataset import CLASSES, FEATURE_UNITS, FEATURES, features
from engine.progression.model import ProgressionModel, lightgbm_input
from engine.progression.trainer import KIND
from engine.store import queries
from engine.store.db import Store

TOP_REASONS = 3
LABELS = {"increase_weight": "add weight", "increase_reps": "add reps", "hold": "hold", "decrease": "back off"}


def _reason(feature: str, value: float) -> str:
    """"rir = 3.0 (reps in reserve)", "last action = add weight", "days since last = missing"."""
    if np.isnan(value):
        return f"{feature.replace('_', ' ')} = missing"
    if feature == "last_action":
        return f"last action = {LABELS[CLASSES[int(value)]]}"
    return f"{feature.replace('_', ' ')} = {value:,.1f} ({FEATURE_UNITS[feature]})"


def next_session(store: Store, athlete_id: int) -> pd.DataFrame:
    """exercise_id, exercise_name, last_done, suggestion, probability, reasons (the TOP_REASONS
    features that push most toward the suggestion, with their values), model_version; one row per
    exercise the athlete has done, latest first. ModelNotTrained without a registered model."""
    model, card = load(store, KIND, None, ProgressionModel.load)
    sets = queries.working_sets_by_session(store)
    sets = sets[sets["athlete_id"] == athlete_id]
    if sets.empty:
        return pd.DataFrame(columns=["exercise_id", "exercise_name", "last_done", "suggestion", "probability",
                                     "reasons", "model_version"])
    daily = daily_metrics(store, sets["start_time"].max().date(), athlete_id)[["athlete_id", "day", "load_au"]]
    rows = features(sets, daily).groupby("exercise_id").tail(1).reset_index(drop=True)
    proba = model.proba(rows, "lightgbm")
    best = proba.argmax(axis=1)
    contributions = model.booster.predict(lightgbm_input(rows), pred_contrib=True).reshape(
        len(rows), len(CLASSES), len(FEATURES) + 1)[np.arange(len(rows)), best, :-1]  # the last column is the bias
    values = rows[FEATURES].to_numpy(dtype=float)
    reasons = [[_reason(FEATURES[j], values[i, j])
                for j in np.argsort(-contributions[i])[:TOP_REASONS] if contributions[i, j] > 0]
               for i in range(len(rows))]
    names = queries.exercises(store).set_index("exercise_id")["name"]
    return pd.DataFrame({
        "exercise_id": rows["exercise_id"], "exercise_name": rows["exercise_id"].map(names),
        "last_done": rows["start_time"], "suggestion": [LABELS[CLASSES[b]] for b in best],
        "probability": proba[np.arange(len(rows)), best], "reasons": reasons, "model_version": card.version,
    }).sort_values("last_done", ascending=False, ignore_index=True)
