"""The athlete's planned week, shared by every page: planned exercises and the day's planned load.

`planned_days.planned_au` (what-if planner) is the planned Foster load of the whole day, sRPE x min
(Foster et al., JSCR 2001;15:109); each row of `planned_exercises` records the load_au it added to
its day, so saving or removing exercises moves the day's load by exactly that much. Everything is
validated before anything is written; a refused plan raises PlanError and changes nothing.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from engine import clock
from engine.store.db import Store, insert_frame

SOURCES = ("split", "recommend", "fitness")  # overload page's split | recommender | fitness prescription
PLAN_COLUMNS = ["day", "exercise_id", "sets", "reps_low", "reps_high", "weight_low_kg", "weight_high_kg",
                "rest_s", "load_au"]
OPTIONAL_COLUMNS = ["duration_min", "intensity"]   # timed items (min) and their intensity text


class PlanError(ValueError):
    """A plan that is refused; str(err) is the one-line reason shown to the coach."""


def planned_exercises(store: Store, athlete_id: int, first_day: dt.date | None = None,
                      last_day: dt.date | None = None) -> pd.DataFrame:
    """The athlete's planned exercises between two days (inclusive; None = open) with the
    catalog name as `exercise`, ordered by day then name. load_au: planned Foster load, a.u."""
    return store.query(
        """SELECT p.day, p.exercise_id, e.name AS exercise, p.sets, p.reps_low, p.reps_high,
                  p.weight_low_kg, p.weight_high_kg, p.rest_s, p.duration_min, p.intensity, p.load_au,
                  p.source, p.saved_at
           FROM planned_exercises p JOIN exercises e USING (exercise_id)
           WHERE p.athlete_id = ?
             AND (CAST(? AS DATE) IS NULL OR p.day >= ?)
             AND (CAST(? AS DATE) IS NULL OR p.day <= ?)
           ORDER BY p.day, e.name, p.exercise_id""",
        [athlete_id, first_day, first_day, last_day, last_day],
    )


def _checked_rows(rows: pd.DataFrame, source: str) -> pd.DataFrame:
    """The rows to insert, typed, or PlanError with the first problem found."""
    if source not in SOURCES:
        raise PlanError(f"unknown plan source {source!r}: expected one of {', '.join(SOURCES)}")
    missing = [c for c in PLAN_COLUMNS if c not in rows.columns]
    if missing:
        raise PlanError(f"planned exercises lack the column(s): {', '.join(missing)}")
    try:
        day = pd.to_datetime(rows["day"], format="mixed").dt.date
        numbers = {c: pd.to_numeric(rows[c]).astype("float64")
                   for c in PLAN_COLUMNS if c not in ("day", "exercise_id")}
    except (TypeError, ValueError):
        raise PlanError("planned exercises hold a day or a number that cannot be read") from None
    if day.isna().any() or rows["exercise_id"].isna().any():
        raise PlanError("every planned exercise needs a day and an exercise_id")
    if numbers["load_au"].isna().any() or (numbers["load_au"] < 0).any():
        raise PlanError("planned load (a.u.) must be a number of at least 0")
    if numbers["sets"].isna().any() or (numbers["sets"] < 1).any() or (numbers["sets"] % 1 != 0).any():
        raise PlanError("planned sets must be whole numbers of at least 1")
    if "duration_min" in rows:
        try:
            numbers["duration_min"] = pd.to_numeric(rows["duration_min"]).astype("float64")
        except (TypeError, ValueError):
            raise PlanError("planned duration_min holds a value that is not a number") from None
    for name in ("reps_low", "reps_high", "weight_low_kg", "weight_high_kg", "rest_s", "duration_min"):
        if name in numbers and (numbers[name] < 0).any():
            raise PlanError(f"planned {name} cannot be negative")
    out = pd.DataFrame({"day": day.to_numpy(), "exercise_id": rows["exercise_id"].astype(str).to_numpy()})
    if out.duplicated(["day", "exercise_id"]).any():
        first = out[out.duplicated(["day", "exercise_id"])].iloc[0]
        raise PlanError(f"{first['exercise_id']} is planned twice on {first['day']}")
    for name, values in numbers.items():
        integer = name in ("sets", "reps_low", "reps_high")
        out[name] = values.round().astype("Int64").to_numpy() if integer else values.to_numpy()
    if "intensity" in rows:
        out["intensity"] = rows["intensity"].astype("string").to_numpy()
    return out


def save_planned_exercises(store: Store, athlete_id: int, rows: pd.DataFrame, source: str) -> None:
    """Replace `source`'s planned exercises on the days `rows` cover and move each day's planned
    load: planned_au = (before, or 0) - load_au of the replaced rows + load_au of the new rows.

    rows: day, exercise_id, sets, reps_low, reps_high, weight_low_kg, weight_high_kg, rest_s (s),
    load_au (planned Foster load, a.u.); optionally duration_min (min) and intensity (text).
    A new row also replaces the same exercise on the same day
    saved by the other source (one row per athlete, day and exercise). One transaction.
    """
    new = _checked_rows(rows, source)
    if new.empty:
        return
    days = sorted(set(new["day"]))
    with store.transaction() as cur:
        ids = new["exercise_id"].unique().tolist()
        known = {r[0] for r in cur.execute("SELECT exercise_id FROM exercises WHERE list_contains(?, exercise_id)",
                                           [ids]).fetchall()}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise PlanError(f"unknown exercise id(s): {', '.join(unknown)}")
        cur.register("new_plan", new[["day", "exercise_id"]])
        try:
            replaced = (
                """FROM planned_exercises p
                   WHERE p.athlete_id = ? AND list_contains(?, p.day)
                     AND (p.source = ? OR EXISTS (SELECT 1 FROM new_plan n
                                                  WHERE n.day = p.day AND n.exercise_id = p.exercise_id))""")
            params = [athlete_id, days, source]
            removed = cur.execute(f"SELECT p.day, sum(p.load_au) {replaced} GROUP BY p.day", params).fetchall()
            cur.execute(f"DELETE {replaced}", params)
        finally:
            cur.unregister("new_plan")
        saved_at = pd.Timestamp(clock.now())
        insert_frame(cur, "planned_exercises", new.assign(athlete_id=athlete_id, source=source, saved_at=saved_at))
        before = dict(cur.execute("SELECT day, planned_au FROM planned_days "
                                  "WHERE athlete_id = ? AND list_contains(?, day)", [athlete_id, days]).fetchall())
        removed_au = {d: float(au) for d, au in removed}
        added_au = new.groupby("day")["load_au"].sum()
        planned = pd.DataFrame({
            "athlete_id": athlete_id,
            "day": days,
            "planned_au": [max(0.0, float(before.get(d, 0.0)) - removed_au.get(d, 0.0) + float(added_au[d]))
                           for d in days],
            "saved_at": saved_at,
        })
        insert_frame(cur, "planned_days", planned, on_conflict="ON CONFLICT (athlete_id, day) DO UPDATE SET "
                     "planned_au = excluded.planned_au, saved_at = excluded.saved_at")


def remove_planned_exercise(store: Store, athlete_id: int, day: dt.date, exercise_id: str) -> None:
    """Delete one planned exercise and take its load_au (a.u.) off the day's planned_au (not below 0)."""
    with store.transaction() as cur:
        found = cur.execute("DELETE FROM planned_exercises WHERE athlete_id = ? AND day = ? AND exercise_id = ? "
                            "RETURNING load_au", [athlete_id, day, exercise_id]).fetchall()
        if not found:
            raise PlanError(f"no planned {exercise_id} on {day} for this athlete")
        load_au = float(np.nan_to_num(found[0][0]))
        cur.execute("UPDATE planned_days SET planned_au = greatest(planned_au - ?, 0), saved_at = ? "
                    "WHERE athlete_id = ? AND day = ?", [load_au, pd.Timestamp(clock.now()), athlete_id, day])
