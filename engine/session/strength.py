"""One strength session: volume per exercise and each exercise's best e1RM against its earlier best.

Sets frames carry session_date, exercise_id, exercise_name, set_order, set_type (normal | warmup |
failure | dropset; missing = normal), weight_kg, reps. The e1RM is engine.load.strength's (Epley,
working sets of 1-10 reps with a weight).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.load.strength import e1rm_by_session

SUMMARY_COLUMNS = ["exercise_id", "exercise_name", "sets", "working_sets", "volume_kg", "best_e1rm_kg",
                   "previous_best_e1rm_kg", "e1rm_change_kg"]


def is_warmup(sets: pd.DataFrame) -> pd.Series:
    return sets["set_type"].fillna("normal").astype(str).str.lower().eq("warmup")


def set_volume_kg(sets: pd.DataFrame) -> pd.Series:
    """weight x reps of each set (kg); 0 for warm-ups and sets without a weight or reps."""
    volume = pd.to_numeric(sets["weight_kg"]).astype(float) * pd.to_numeric(sets["reps"]).astype(float)
    return volume.where(~is_warmup(sets), 0.0).fillna(0.0)


def _best_e1rm(sets: pd.DataFrame) -> pd.Series:
    """Best Epley e1RM (kg) per exercise_id over the given sets."""
    if sets.empty:
        return pd.Series(dtype=float)
    best = e1rm_by_session(sets.drop(columns="athlete_id", errors="ignore"))
    return best.groupby("exercise_id")["e1rm_epley_kg"].max()


def exercise_summary(sets: pd.DataFrame, earlier: pd.DataFrame) -> pd.DataFrame:
    """Per exercise of the session, in the session's order: SUMMARY_COLUMNS.

    sets / working_sets: all sets / sets that are not warm-ups; volume_kg: sum of weight x reps
    over working sets; best_e1rm_kg: best Epley e1RM this session; previous_best_e1rm_kg: best
    before this session (`earlier`: the athlete's sets of earlier sessions); e1rm_change_kg = this
    session's best - the previous best (blank when either is missing).
    """
    order = pd.unique(sets["exercise_id"])
    work = sets.assign(volume_kg=set_volume_kg(sets), working=~is_warmup(sets))
    per = work.groupby("exercise_id", sort=False).agg(
        exercise_name=("exercise_name", "first"), sets=("set_order", "size"),
        working_sets=("working", "sum"), volume_kg=("volume_kg", "sum"))
    per = per.reindex(order)
    per["best_e1rm_kg"] = _best_e1rm(sets).reindex(order).to_numpy()
    per["previous_best_e1rm_kg"] = _best_e1rm(earlier).reindex(order).to_numpy()
    per["e1rm_change_kg"] = per["best_e1rm_kg"] - per["previous_best_e1rm_kg"]
    return per.reset_index()[SUMMARY_COLUMNS].astype({"sets": "int64", "working_sets": "int64"})


def total_volume_kg(sets: pd.DataFrame) -> float:
    """Sum of weight x reps over the session's working sets (kg)."""
    return float(np.sum(set_volume_kg(sets))) if len(sets) else 0.0
