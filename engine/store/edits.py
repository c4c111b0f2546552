"""A coach's edits to sessions: session RPE, duration and note; sRPE for many sessions at once.

Everything is validated before anything is written; a bad edit raises InvalidEdit and changes
nothing. Loads are computed from the stored values on every read, so every figure follows.
"""
from __future__ import annotations

import math

from engine.store.db import Store, fetch_one

SRPE_RANGE = (0.0, 10.0)            # Foster CR-10 session RPE
DURATION_RANGE_S = (1.0, 86_400.0)  # one second to one day
NOTE_MAX_CHARS = 2_000
SESSION_FIELDS = ("srpe", "duration_s", "note")


class InvalidEdit(ValueError):
    """An edit that is refused; str(err) is the one-line reason shown to the coach."""


def _number(name: str, value, low: float, high: float, unit: str = "") -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidEdit(f"{name} must be a number, not {value!r}") from None
    if not low <= number <= high:
        raise InvalidEdit(f"{name} must be between {low:g} and {high:g}{unit}, not {number:g}")
    return number


def _checked(changes: dict) -> dict:
    unknown = set(changes) - set(SESSION_FIELDS)
    if unknown:
        raise InvalidEdit(f"not a session field: {', '.join(sorted(unknown))}")
    out = {}
    if "srpe" in changes:
        out["srpe"] = _number("session RPE", changes["srpe"], *SRPE_RANGE, " (CR-10)")
    if "duration_s" in changes:
        out["duration_s"] = _number("duration", changes["duration_s"], *DURATION_RANGE_S, " s")
    if "note" in changes:
        note = (changes["note"] or "").strip()
        if len(note) > NOTE_MAX_CHARS:
            raise InvalidEdit(f"the note is {len(note):,} characters long; at most {NOTE_MAX_CHARS:,}")
        out["note"] = note or None
    return out


def update_session(store: Store, activity_id: int, **changes) -> dict:
    """Set any of srpe (CR-10, None clears it), duration_s (s, None clears it) and note (text, empty
    clears it) on one activity in one transaction; returns the saved values."""
    values = _checked(changes)
    with store.cursor() as cur:
        if fetch_one(cur, "SELECT 1 FROM activities WHERE activity_id = ?", [int(activity_id)]) is None:
            raise InvalidEdit(f"no session with id {activity_id}")
    if values:
        with store.transaction() as cur:  # column names come from SESSION_FIELDS, never from the caller
            cur.execute("UPDATE activities SET " + ", ".join(f"{k} = ?" for k in values) + " WHERE activity_id = ?",
                        [*values.values(), int(activity_id)])
    return values


def set_srpe(store: Store, athlete_id: int, srpe_by_activity: dict[int, float | None]) -> int:
    """Set the session RPE of many of one athlete's sessions in one transaction; every value is
    checked first and every id must be one of the athlete's sessions. Returns the sessions changed."""
    values = {int(a): _checked({"srpe": v})["srpe"] for a, v in srpe_by_activity.items()}
    if not values:
        return 0
    ids = list(values)
    with store.cursor() as cur:
        found = cur.execute("SELECT activity_id FROM activities WHERE athlete_id = ? AND list_contains(?, activity_id)",
                            [int(athlete_id), ids]).fetchall()
    missing = set(ids) - {row[0] for row in found}
    if missing:
        raise InvalidEdit(f"not sessions of this athlete: {', '.join(map(str, sorted(missing)))}")
    with store.transaction() as cur:
        cur.executemany("UPDATE activities SET srpe = ? WHERE activity_id = ?", [[v, a] for a, v in values.items()])
    return len(values)
