"""Reads for the session view: one activity, its samples and laps, the sets of a strength session."""
from __future__ import annotations

import pandas as pd

from engine.store.db import Store
from engine.store.queries import samples  # noqa: F401  (one query for an activity's samples; re-exported)


def activity(store: Store, activity_id: int) -> pd.DataFrame:
    """The activity row with its athlete's name (athlete_name); no row when the id is unknown."""
    return store.query(
        """SELECT a.*, p.name AS athlete_name
           FROM activities_local a JOIN athletes p USING (athlete_id)
           WHERE a.activity_id = ?""",
        [activity_id],
    )


def laps(store: Store, activity_id: int) -> pd.DataFrame:
    """The device's laps of an activity in order: lap_no, start_s, duration_s, distance_m, avg_hr, max_hr."""
    return store.query(
        """SELECT lap_no, start_s, duration_s, distance_m, avg_hr, max_hr
           FROM laps WHERE activity_id = ? ORDER BY lap_no""",
        [activity_id],
    )


def strength_sets(store: Store, activity_id: int) -> pd.DataFrame:
    """The sets of one strength session with the exercise name, exercises in the order they were
    first done (the file's order), then set order."""
    return store.query(
        """WITH s AS (SELECT rowid AS row_no, * FROM strength_sets WHERE session_id = ?)
           SELECT s.* EXCLUDE (row_no), e.name AS exercise_name, e.is_custom
           FROM s JOIN exercises e USING (exercise_id)
           ORDER BY min(s.row_no) OVER (PARTITION BY s.exercise_id), s.set_order, s.row_no""",
        [activity_id],
    )


def earlier_sets(store: Store, activity_id: int) -> pd.DataFrame:
    """The athlete's sets of this session's exercises in sessions that started before it (for each
    exercise's best e1RM before this session): session_date, exercise_id, set_type, weight_kg, reps."""
    return store.query(
        """WITH this AS (SELECT athlete_id, start_time FROM activities_local WHERE activity_id = ?)
           SELECT s.session_date, s.exercise_id, s.set_type, s.weight_kg, s.reps
           FROM strength_sets s JOIN activities_local a ON a.activity_id = s.session_id, this
           WHERE s.athlete_id = this.athlete_id AND a.start_time < this.start_time
             AND s.exercise_id IN (SELECT exercise_id FROM strength_sets WHERE session_id = ?)
           ORDER BY s.session_date""",
        [activity_id, activity_id],
    )
