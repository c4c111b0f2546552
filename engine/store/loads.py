"""Reads and writes for training load: sessions, HR samples, morning HR, settings, planned days."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from engine import clock
from engine.store.db import Store, insert_frame


def sessions(store: Store, athlete_id: int | None = None) -> pd.DataFrame:
    """Every activity with its athlete's team: activity_id, athlete_id, team, sport, day,
    duration_s, srpe, and for strength sessions sets (count) and set_rpe (mean RPE of the working
    sets; the parsers fill RPE from RIR)."""
    return store.query(
        """SELECT a.activity_id, a.athlete_id, coalesce(p.team, '') AS team, a.sport,
                  CAST(a.start_time AS DATE) AS day, a.duration_s, a.srpe, s.sets, s.set_rpe
           FROM activities_local a JOIN athletes p USING (athlete_id)
           LEFT JOIN (SELECT session_id, count(*) AS sets,
                             avg(rpe) FILTER (WHERE coalesce(set_type, 'normal') <> 'warmup') AS set_rpe
                      FROM strength_sets GROUP BY session_id) s ON s.session_id = a.activity_id
           WHERE CAST(? AS INTEGER) IS NULL OR a.athlete_id = ?
           ORDER BY a.athlete_id, a.start_time""",
        [athlete_id, athlete_id],
    )


def hr_seconds(store: Store, athlete_ids: list[int], max_gap_s: float) -> pd.DataFrame:
    """Seconds spent at each heart rate in each activity of these athletes: activity_id,
    athlete_id, heart_rate (bpm), dt_s. A record lasts until the next record with HR, at most
    `max_gap_s` (a pause counts that much); the last record 0 s. Summing per HR value first makes
    every per-record HR load (TRIMP, zones) exact at a fraction of the rows."""
    return store.query(
        """WITH records AS (
               SELECT s.activity_id, a.athlete_id, s.heart_rate,
                      least(coalesce(lead(s.t_s) OVER (PARTITION BY s.activity_id ORDER BY s.t_s) - s.t_s, 0), ?)
                          AS dt_s
               FROM samples s JOIN activities a USING (activity_id)
               WHERE s.heart_rate > 0 AND list_contains(?, a.athlete_id))
           SELECT activity_id, athlete_id, heart_rate, sum(dt_s) AS dt_s
           FROM records GROUP BY ALL ORDER BY activity_id, heart_rate""",
        [max_gap_s, [int(a) for a in athlete_ids]],
    )


def morning_hr(store: Store) -> pd.DataFrame:
    """Morning resting HR per athlete and day (bpm), from wellness."""
    return store.query("SELECT athlete_id, day, hr_rest_morning FROM wellness "
                       "WHERE hr_rest_morning IS NOT NULL ORDER BY athlete_id, day")


def settings_json(store: Store) -> dict[str, dict]:
    """Saved load settings per team ('' = athletes without a team)."""
    rows = store.query("SELECT team, settings FROM load_settings")
    return {r.team: json.loads(r.settings) for r in rows.itertuples()}


def save_settings_json(store: Store, team: str, settings: dict) -> None:
    with store.transaction() as cur:
        cur.execute("INSERT OR REPLACE INTO load_settings VALUES (?, ?, ?)", [team, json.dumps(settings), clock.now()])


def planned_days(store: Store, athlete_id: int) -> pd.DataFrame:
    """The athlete's saved plans: day, planned_au, saved_at."""
    return store.query("SELECT day, planned_au, saved_at FROM planned_days WHERE athlete_id = ? ORDER BY day",
                       [athlete_id])


def save_plan(store: Store, athlete_id: int, first_day: dt.date, planned_au: list[float]) -> None:
    """Save a plan of daily Foster loads starting at `first_day` (replaces plans for those days)."""
    if any(x < 0 for x in planned_au):
        raise ValueError("planned loads cannot be negative")
    frame = pd.DataFrame({
        "athlete_id": athlete_id,
        "day": [first_day + dt.timedelta(days=i) for i in range(len(planned_au))],
        "planned_au": [float(x) for x in planned_au],
        "saved_at": pd.Timestamp(clock.now()),
    })
    with store.transaction() as cur:
        insert_frame(cur, "planned_days", frame, on_conflict="ON CONFLICT (athlete_id, day) DO UPDATE SET "
                     "planned_au = excluded.planned_au, saved_at = excluded.saved_at")
