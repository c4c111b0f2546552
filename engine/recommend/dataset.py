"""The recommender's data: the exercise log (queries.exercise_log), the catalog, and the
leave-last-sessions-out split.

Split (issue #13): per athlete with at least MIN_SESSIONS sessions, the last HOLDOUT_SHARE of their
sessions (rounded up) are held out; the catalog exercises they first did in those sessions are the
positives. Training keeps every athlete's earlier sessions; athletes without a positive are not
scored, but their earlier sessions still train the models.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.models.registry import NotEnoughData
from engine.store import queries
from engine.store.db import Store

HOLDOUT_SHARE = 0.2
MIN_SESSIONS = 5
LOG_COLUMNS = ["athlete_id", "session_id", "session_date", "exercise_id", "sets", "volume_kg"]
CATALOG_COLUMNS = ["exercise_id", "name", "primary_muscles", "secondary_muscles", "equipment", "level", "mechanic",
                   "force", "category"]


@dataclass(frozen=True)
class Split:
    """train: the log rows before each athlete's held-out sessions; positives: athlete_id -> the
    catalog exercises first done in the held-out sessions (athletes with at least one)."""
    train: pd.DataFrame
    positives: dict[int, frozenset[str]]


def catalog(store: Store) -> pd.DataFrame:
    """The catalog the recommender ranks: every non-custom exercise, CATALOG_COLUMNS, by exercise_id."""
    frame = queries.exercises(store)
    return frame[~frame["is_custom"]][CATALOG_COLUMNS].sort_values("exercise_id", ignore_index=True)


def db_log(store: Store, athlete_id: int | None = None) -> pd.DataFrame:
    """The store's exercise log (LOG_COLUMNS; one athlete's, or everyone's), session_date as a date."""
    log = queries.exercise_log(store, athlete_id)[LOG_COLUMNS]
    return log.assign(session_date=pd.to_datetime(log["session_date"]).dt.date)


def split(log: pd.DataFrame, holdout_share: float = HOLDOUT_SHARE, min_sessions: int = MIN_SESSIONS) -> Split:
    """Leave-last-sessions-out (module docstring); sessions ordered by date, then id."""
    sessions = (log.drop_duplicates(["athlete_id", "session_id"])
                .sort_values(["athlete_id", "session_date", "session_id"]))
    held = []
    for _, own in sessions.groupby("athlete_id", sort=True):
        if len(own) >= min_sessions:
            held += own["session_id"].iloc[len(own) - math.ceil(holdout_share * len(own)):].tolist()
    key = pd.MultiIndex.from_frame(log[["athlete_id", "session_id"]])
    held_key = pd.MultiIndex.from_frame(sessions[sessions["session_id"].isin(held)][["athlete_id", "session_id"]])
    test_rows = key.isin(held_key)
    train, test = log[~test_rows], log[test_rows]
    seen = set(zip(train["athlete_id"], train["exercise_id"]))
    positives: dict[int, set[str]] = {}
    for athlete_id, exercise_id in zip(test["athlete_id"], test["exercise_id"]):
        if (athlete_id, exercise_id) not in seen:
            positives.setdefault(int(athlete_id), set()).add(exercise_id)
    if not positives:
        raise NotEnoughData(f"no athlete with {min_sessions}+ strength sessions did a new exercise in their last "
                            f"{HOLDOUT_SHARE:.0%} of sessions: nothing to evaluate on")
    return Split(train.reset_index(drop=True), {a: frozenset(p) for a, p in sorted(positives.items())})


def sessions_per_athlete(log: pd.DataFrame) -> pd.Series:
    return log.groupby("athlete_id")["session_id"].nunique()


def with_offset_ids(log: pd.DataFrame, offset: int) -> pd.DataFrame:
    """`log` with athlete_id and session_id moved by `offset` (two stores' logs in one frame)."""
    return log.assign(athlete_id=log["athlete_id"] + offset, session_id=log["session_id"] + np.int64(offset) * 10**9)
