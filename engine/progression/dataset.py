"""Rows for the progression model: one per athlete, exercise and session, labelled with what the
athlete actually did at their next session of that exercise (observed, never a rule over the
inputs: ExerTrack's flaw, research/anchors.md).

Label, from this session's top set (heaviest working weight; its most reps) to the next one's:
weight up by more than WEIGHT_STEP -> increase_weight; down by more -> decrease; otherwise reps up
by at least REP_STEP -> increase_reps, down by at least REP_STEP -> decrease, else hold.
Split by time per athlete: the sessions in the last TEST_FRACTION of each athlete's strength
session days are the test set; a training row whose next session falls in the test period is
dropped, so no label looks into the test period.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.load.strength import exercise_sessions
from engine.store import queries
from engine.store.db import Store

CLASSES = ["increase_weight", "increase_reps", "hold", "decrease"]
WEIGHT_STEP = 0.01      # +-1 % of the top-set weight
REP_STEP = 1            # +-1 rep on the top set
TEST_FRACTION = 0.2     # the last 20 % of each athlete's strength-session days
MOVING_SESSIONS = 3     # moving averages and trends over the exercise's last 3 sessions
FEATURES = [
    "top_weight_kg", "top_reps", "sets", "volume_kg", "e1rm_kg", "rpe", "rir",
    "weight_ma_kg", "reps_ma", "volume_ma_kg", "weight_change_pct", "reps_change", "volume_change_pct",
    "e1rm_trend_pct", "days_since_last", "sessions_done", "last_action", "week_load_au",
    "compound", "force_push", "force_pull", "force_static",
]
FEATURE_UNITS = {"top_weight_kg": "kg", "top_reps": "reps", "sets": "sets", "volume_kg": "kg",
                 "e1rm_kg": "kg (Epley)", "rpe": "RPE 0-10", "rir": "reps in reserve",
                 "weight_ma_kg": "kg", "reps_ma": "reps", "volume_ma_kg": "kg", "weight_change_pct": "%",
                 "reps_change": "reps", "volume_change_pct": "%", "e1rm_trend_pct": "%",
                 "days_since_last": "days", "sessions_done": "sessions", "last_action": "class index",
                 "week_load_au": "a.u. (7 days before)", "compound": "0/1", "force_push": "0/1",
                 "force_pull": "0/1", "force_static": "0/1"}


@dataclass(frozen=True)
class ProgressionData:
    """rows: one per athlete-exercise-session with FEATURES, label (class index), day, is_test."""
    rows: pd.DataFrame

    @property
    def train(self) -> pd.DataFrame:
        return self.rows[~self.rows["is_test"]]

    @property
    def test(self) -> pd.DataFrame:
        return self.rows[self.rows["is_test"]]


def label(weight_kg, reps, next_weight_kg, next_reps) -> np.ndarray:
    """Class index (CLASSES) of the change from one top set to the next; NaN when either is missing.
    Body-weight sets (weight 0 or missing) compare reps unless the next one adds weight."""
    w, r = np.nan_to_num(np.asarray(weight_kg, dtype=float)), np.asarray(reps, dtype=float)
    wn, rn = np.asarray(next_weight_kg, dtype=float), np.asarray(next_reps, dtype=float)
    has_next = ~np.isnan(rn) & ~np.isnan(r)
    wn = np.nan_to_num(wn)
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.where(w > 0, (wn - w) / w, np.where(wn > 0, np.inf, 0.0))
    reps_change = rn - r
    out = np.select([change > WEIGHT_STEP, change < -WEIGHT_STEP, reps_change >= REP_STEP, reps_change <= -REP_STEP],
                    [0, 3, 1, 3], 2).astype(float)
    return np.where(has_next, out, np.nan)


def _pct(now: pd.Series, before: pd.Series) -> pd.Series:
    return (100.0 * (now - before) / before.where(before > 0)).astype(float)


def features(sets: pd.DataFrame, daily_load: pd.DataFrame) -> pd.DataFrame:
    """FEATURES, label and day for every athlete-exercise-session of `sets`
    (queries.working_sets_by_session); daily_load: athlete_id, day, load_au."""
    s = exercise_sessions(sets)
    by = s.groupby(["athlete_id", "exercise_id"], sort=False)
    prev = by[["top_weight_kg", "top_reps", "volume_kg", "start_time"]].shift(1)
    nxt = by[["top_weight_kg", "top_reps"]].shift(-1)
    moving = by[["top_weight_kg", "top_reps", "volume_kg"]].rolling(MOVING_SESSIONS, min_periods=1).mean()
    moving = moving.reset_index(level=[0, 1], drop=True).sort_index()
    s["day"] = s["start_time"].dt.normalize()
    s["label"] = label(s["top_weight_kg"], s["top_reps"], nxt["top_weight_kg"], nxt["top_reps"])
    s["next_day"] = by["day"].shift(-1)
    s["last_action"] = label(prev["top_weight_kg"], prev["top_reps"], s["top_weight_kg"], s["top_reps"])
    s["weight_ma_kg"], s["reps_ma"], s["volume_ma_kg"] = (moving[c] for c in ("top_weight_kg", "top_reps", "volume_kg"))
    s["weight_change_pct"] = _pct(s["top_weight_kg"], prev["top_weight_kg"])
    s["reps_change"] = s["top_reps"] - prev["top_reps"]
    s["volume_change_pct"] = _pct(s["volume_kg"], prev["volume_kg"])
    s["e1rm_trend_pct"] = _pct(s["e1rm_kg"], by["e1rm_kg"].shift(MOVING_SESSIONS - 1))
    s["days_since_last"] = (s["start_time"] - prev["start_time"]).dt.total_seconds() / 86_400
    s["sessions_done"] = by.cumcount().astype(float)
    load = daily_load.assign(day=pd.to_datetime(daily_load["day"])).sort_values(["athlete_id", "day"])
    load["week_load_au"] = load.groupby("athlete_id")["load_au"].transform(
        lambda x: x.rolling(7, min_periods=1).sum().shift(1))  # the 7 days before, not the day itself
    s = s.merge(load[["athlete_id", "day", "week_load_au"]], on=["athlete_id", "day"], how="left")
    s["compound"] = np.where(s["mechanic"].isna(), np.nan, (s["mechanic"] == "compound").astype(float))
    for force in ("push", "pull", "static"):
        s[f"force_{force}"] = (s["force"] == force).astype(float)
    return s


def time_split(rows: pd.DataFrame) -> pd.Series:
    """is_test per row: the row's day is in the last TEST_FRACTION of its athlete's session days."""
    days = rows[["athlete_id", "day"]].drop_duplicates().sort_values(["athlete_id", "day"])
    rank = days.groupby("athlete_id")["day"].rank(method="first")
    count = days.groupby("athlete_id")["day"].transform("size")
    days["first_test_day"] = np.where(rank > np.floor((1 - TEST_FRACTION) * count), days["day"], pd.NaT)
    first_test = days.groupby("athlete_id")["first_test_day"].min()
    return rows["day"] >= rows["athlete_id"].map(first_test)


def build(store: Store) -> ProgressionData:
    """Labelled rows from a store, split by time; rows without a next session are left out, and so
    are training rows whose next session lies in the test period."""
    from engine.load.report import daily_metrics  # the load engine, read once for every athlete

    sets = queries.working_sets_by_session(store)
    if sets.empty:
        return ProgressionData(pd.DataFrame(columns=[*FEATURES, "label", "day", "is_test", "athlete_id"]))
    end = sets["start_time"].max().date()
    rows = features(sets, daily_metrics(store, end)[["athlete_id", "day", "load_au"]])
    rows["is_test"] = time_split(rows)
    first_test = rows[rows["is_test"]].groupby("athlete_id")["day"].min()
    leaks = ~rows["is_test"] & (rows["next_day"] >= rows["athlete_id"].map(first_test))
    rows = rows[rows["label"].notna() & ~leaks].reset_index(drop=True)
    rows["label"] = rows["label"].astype(int)
    return ProgressionData(rows)
