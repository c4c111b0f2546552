"""Typed read functions: each returns a pandas DataFrame; every value is an SQL parameter."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from engine.store.db import Store


def athletes(store: Store) -> pd.DataFrame:
    return store.query("SELECT * FROM athletes ORDER BY name")


def activities(store: Store, athlete_id: int | None = None, sport: str | None = None) -> pd.DataFrame:
    """Activities, newest first, optionally for one athlete and/or one sport; start_time in the local
    time of the athlete's team (view activities_local)."""
    return store.query(
        """SELECT * FROM activities_local
           WHERE (CAST(? AS INTEGER) IS NULL OR athlete_id = ?) AND (CAST(? AS VARCHAR) IS NULL OR sport = ?)
           ORDER BY start_time DESC, activity_id DESC""",
        [athlete_id, athlete_id, sport, sport],
    )


def activity_days(store: Store, athlete_id: int) -> pd.Series:
    """The start dates of the athlete's activities, oldest first (one per activity)."""
    days = store.query("SELECT CAST(start_time AS DATE) AS day FROM activities_local WHERE athlete_id = ? "
                       "ORDER BY start_time", [athlete_id])["day"]
    return pd.to_datetime(days).dt.date


def samples(store: Store, activity_id: int) -> pd.DataFrame:
    return store.query("SELECT * FROM samples WHERE activity_id = ? ORDER BY t_s", [activity_id])


def strength_sets(store: Store, athlete_id: int | None = None) -> pd.DataFrame:
    """One athlete's sets (None: everyone's) with the exercise name, in session and set order."""
    return store.query(
        """SELECT s.*, e.name AS exercise_name, e.is_custom
           FROM strength_sets s JOIN exercises e USING (exercise_id)
           WHERE CAST(? AS INTEGER) IS NULL OR s.athlete_id = ?
           ORDER BY s.athlete_id, s.session_date, s.session_id, s.exercise_id, s.set_order""",
        [athlete_id, athlete_id],
    )


def fitness_tests(store: Store, athlete_id: int | None = None) -> pd.DataFrame:
    return store.query(
        "SELECT * FROM fitness_tests WHERE CAST(? AS INTEGER) IS NULL OR athlete_id = ? "
        "ORDER BY athlete_id, test_date",
        [athlete_id, athlete_id],
    )


def wellness(store: Store, athlete_id: int) -> pd.DataFrame:
    return store.query("SELECT * FROM wellness WHERE athlete_id = ? ORDER BY day", [athlete_id])


def imports(store: Store, limit: int = 200) -> pd.DataFrame:
    """The import log, newest first."""
    return store.query(
        """SELECT i.*, a.name AS athlete FROM imports i LEFT JOIN athletes a USING (athlete_id)
           ORDER BY import_id DESC LIMIT ?""",
        [limit],
    )


def exercises(store: Store) -> pd.DataFrame:
    """The catalog (custom exercises included), muscle lists empty rather than NULL."""
    return store.query("SELECT * REPLACE (coalesce(primary_muscles, []) AS primary_muscles, "
                       "coalesce(secondary_muscles, []) AS secondary_muscles) FROM exercises ORDER BY name")


def exercise_log(store: Store, athlete_id: int | None = None) -> pd.DataFrame:
    """One row per athlete (or one athlete's), strength session and catalog exercise (custom
    exercises and warm-ups left out): athlete_id, session_id, session_date, exercise_id, sets
    (working sets) and volume_kg (sum of weight x reps, body weight as 0), in session order."""
    return store.query(
        """SELECT s.athlete_id, s.session_id, min(s.session_date) AS session_date, s.exercise_id,
                  count(*) AS sets, sum(coalesce(s.weight_kg, 0) * coalesce(s.reps, 0)) AS volume_kg
           FROM strength_sets s JOIN exercises e USING (exercise_id)
           WHERE NOT e.is_custom AND coalesce(s.set_type, 'normal') <> 'warmup'
             AND (CAST(? AS INTEGER) IS NULL OR s.athlete_id = ?)
           GROUP BY s.athlete_id, s.session_id, s.exercise_id
           ORDER BY s.athlete_id, session_date, s.session_id, s.exercise_id""", [athlete_id, athlete_id])


def last_session_day(store: Store, up_to: dt.date) -> dt.date | None:
    """The last day (start date) with any athlete's session on or before `up_to`; None without one."""
    with store.cursor() as cur:
        return cur.execute("SELECT max(CAST(start_time AS DATE)) FROM activities_local "
                           "WHERE start_time < CAST(? AS DATE) + 1", [up_to]).fetchone()[0]


def counts(store: Store) -> dict[str, int]:
    """Row counts of the main tables (for the first-run screen and the CLI)."""
    tables = ["athletes", "activities", "samples", "strength_sets", "fitness_tests", "wellness",
              "fitness_cohort", "imports", "exercises"]
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in tables)  # constant names only
    with store.cursor() as cur:
        return dict(cur.execute(sql).fetchall())



def squad_summary(store: Store, today: dt.date) -> pd.DataFrame:
    """One row per athlete for the squad table, as of the end of `today`.

    Columns: athlete_id, name, team, last_activity (timestamp), last_activity_id, last_sport, sessions_7d,
    minutes_7d, week_vs_4wk (minutes in the last 7 days / weekly mean of the last 28 days; NaN
    without training in 28 days), last_test (date). Loads come from engine.load.report, not from here.
    """
    return store.query(
        """WITH acts AS (
               SELECT athlete_id, activity_id, sport, start_time, duration_s / 60.0 AS minutes,
                      date_diff('day', CAST(start_time AS DATE), CAST(? AS DATE)) AS days_ago
               FROM activities_local WHERE start_time < CAST(? AS DATE) + 1),
           windows AS (
               SELECT athlete_id,
                      count(*) FILTER (WHERE days_ago < 7) AS sessions_7d,
                      coalesce(sum(minutes) FILTER (WHERE days_ago < 7), 0) AS minutes_7d,
                      sum(minutes) FILTER (WHERE days_ago < 28) / 4 AS weekly_min_28d,
                      max(start_time) AS last_activity,
                      arg_max(sport, start_time) AS last_sport,
                      arg_max(activity_id, start_time) AS last_activity_id
               FROM acts GROUP BY athlete_id),
           tests AS (SELECT athlete_id, max(test_date) AS last_test FROM fitness_tests GROUP BY athlete_id)
           SELECT a.athlete_id, a.name, a.team, w.last_activity, w.last_activity_id, w.last_sport,
                  coalesce(w.sessions_7d, 0) AS sessions_7d, coalesce(w.minutes_7d, 0) AS minutes_7d,
                  w.minutes_7d / nullif(w.weekly_min_28d, 0) AS week_vs_4wk, t.last_test
           FROM athletes a LEFT JOIN windows w USING (athlete_id) LEFT JOIN tests t USING (athlete_id)
           ORDER BY a.name""",
        [today, today],
    )


def strength_sessions(store: Store, athlete_id: int) -> pd.DataFrame:
    """One row per strength session, newest first: session_id, start_time, workout, minutes,
    exercises (names in order), sets, volume_kg (sum of weight x reps, warm-ups excluded)."""
    return store.query(
        """SELECT s.session_id, a.start_time, a.name AS workout, a.duration_s / 60.0 AS minutes,
                  list(DISTINCT e.name ORDER BY e.name) AS exercises, count(*) AS sets,
                  sum(s.weight_kg * s.reps) FILTER (WHERE coalesce(s.set_type, 'normal') <> 'warmup') AS volume_kg
           FROM strength_sets s JOIN exercises e USING (exercise_id)
           JOIN activities_local a ON a.activity_id = s.session_id
           WHERE s.athlete_id = ?
           GROUP BY ALL ORDER BY a.start_time DESC""",
        [athlete_id],
    )


def training_days(store: Store, athlete_id: int) -> pd.DataFrame:
    """Per training day: day, sessions, minutes (for the calendar heatmap)."""
    return store.query(
        """SELECT CAST(start_time AS DATE) AS day, count(*) AS sessions, sum(duration_s) / 60.0 AS minutes
           FROM activities_local WHERE athlete_id = ? GROUP BY 1 ORDER BY 1""",
        [athlete_id],
    )


def working_sets_by_session(store: Store) -> pd.DataFrame:
    """Every strength set that is not a warm-up, with its session's start time and the exercise's
    catalog mechanic and force: athlete_id, session_id, start_time, exercise_id, mechanic, force,
    weight_kg, reps, rpe, rir, rest_s, entry_no (the order the sets were logged in)."""
    return store.query(
        """SELECT s.athlete_id, s.session_id, a.start_time, s.exercise_id, e.mechanic, e.force,
                  s.weight_kg, s.reps, s.rpe, s.rir, s.rest_s, s.rowid AS entry_no
           FROM strength_sets s JOIN activities_local a ON a.activity_id = s.session_id
           JOIN exercises e USING (exercise_id)
           WHERE coalesce(s.set_type, 'normal') <> 'warmup'
           ORDER BY s.athlete_id, s.exercise_id, a.start_time, s.set_order""")
