"""Strength-training CSVs (Strong, Hevy, native) -> one row per set, STRENGTH_COLUMNS.

The format is read from the header (names case-insensitive, `,` or `;` separated, UTF-8).

Strong (every dialect seen in real exports, see ../shared/samples/SOURCES.md):
`Date,Workout Name,[Duration,]Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,
Workout Notes[,RPE]`, the Android variant with `Weight Unit`, `Distance Unit`, `Workout Duration`,
the one with `Workout #`, `Duration (sec)`, `Weight (kg)`/`Weight (lbs)`, `Distance (meters)`,
and the 2016 one `Date,Workout Name,Exercise Name,Set Order,kg,Reps,km,Seconds,Notes` whose
weight column is `kg` or `lbs` and distance column `km` or `mi`. A unit in a column name, or a
`Weight Unit`/`Distance Unit` cell, wins over the `weight_unit` argument; only without either
is the weight unit the argument and the distance unit assumed km (weight_unit "kg") or miles
("lb"): Strong's export does not say. Durations such as
`2h 18m`, `58m`, `38min`, `45s`. `Set Order` is a number (normal set) or W (warm-up), D (drop
set), F (failure); the pseudo-rows `Note` and `Rest Timer` are skipped. Timed sets have Reps 0
and Seconds > 0.

Hevy: `"title","start_time","end_time","description","exercise_title","superset_id",
"exercise_notes","set_index","set_type","weight_kg","reps","distance_km","duration_seconds","rpe"`
(imperial: `weight_lbs`, `distance_miles`). Times `15 Sep 2024, 18:02` or ISO 8601;
session_duration_s = end - start; set_type normal | warmup | failure | dropset.

Native (this project's format), one row per set, in the order performed:

    date,exercise,set,weight_kg,reps,rpe,rir,rest_s

| column | required | meaning |
| --- | --- | --- |
| date | yes | session start, `YYYY-MM-DD` or `YYYY-MM-DD HH:MM` (local time) |
| exercise | yes | exercise name; matched to the catalog, else kept as a custom exercise |
| set | no | set number (informational: file order is set order), W (warm-up), D (drop set), F (failure) |
| weight_kg | yes | external load, kg; empty for body-weight sets; 0 stays 0 |
| reps | yes | whole repetitions; empty or 0 for a timed set |
| rpe | no | RPE 0-10 (RIR-based scale) |
| rir | no | repetitions in reserve, 0-10 |
| rest_s | no | rest after the set, s |
| duration_s | no | duration of a timed set, s |
| workout | no | workout name; rows with the same date and workout form one session |
| duration_min | no | session duration, min |
| athlete | no | ignored if it names one athlete; a file naming several is rejected |

In every format: a duration or distance of 0 means "not recorded" (NaN); empty reps are 0; a
set type other than normal / warm-up / drop set / failure is skipped; a missing RIR is 10 - RPE
and a missing RPE is 10 - RIR (RIR-based RPE scale, Zourdos et al. 2016, Helms et al. 2016).
Rows with a bad date, no exercise name, a non-numeric number, negative reps, RPE/RIR outside
0-10, or no weight, reps, time or distance are dropped with a warning that counts them.
Impossible values, outside common.BOUNDS["strength_sets"], are blanked with a warning that counts
them: reps over MAX_REPS are stored as NULL (never 0, so such a set never reaches an e1RM), and
weights < 0 or over MAX_WEIGHT_KG, set durations, distances and rests < 0 or too long, and workout
durations outside BOUNDS["activities"] as NaN; so is an unreadable workout duration (Strong) or an
end time that is unreadable or not after the start (Hevy). Dates before 1980 or in the future are
bad dates.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from engine.ingest.common import (BOUNDS, MAX_REPS, STRENGTH_COLUMNS, ParsedStrength, ParseReport, RejectedFile,
                                  bounds_text, outside)
from engine.ingest.tables import dates, drop_note, numbers, read_csv

LB_KG = 0.45359237  # kg per international pound
MILE_M = 1609.344
UNKNOWN_HEADER = "unrecognised CSV header: expected a Strong, Hevy or native strength export"
SET_TAGS = {"w": "warmup", "d": "dropset", "f": "failure"}
HEVY_SET_TYPES = {"normal", "warmup", "failure", "dropset"}
STRONG_WEIGHT_COLUMNS = {"weight": None, "weight (kg)": 1.0, "weight (lbs)": LB_KG, "kg": 1.0, "lbs": LB_KG}  # -> kg
STRONG_DISTANCE_COLUMNS = {"distance": None, "distance (meters)": 1.0, "km": 1000.0, "mi": MILE_M}  # -> m
WORKOUT_S = BOUNDS["activities"]["duration_s"]  # a workout's duration, s (stored as its activity's duration_s)


def strength_format(columns: list[str]) -> str | None:
    """"strong", "hevy" or "native" from lower-case header names, else None."""
    cols = set(columns)
    if {"date", "workout name", "exercise name", "set order", "reps"} <= cols and cols & set(STRONG_WEIGHT_COLUMNS):
        return "strong"
    if {"title", "start_time", "end_time", "exercise_title", "set_index", "reps"} <= cols and cols & {
            "weight_kg", "weight_lbs"}:
        return "hevy"
    if {"date", "exercise", "weight_kg", "reps"} <= cols:
        return "native"
    return None


def parse_duration(text: str) -> float:
    """`2h 18m`, `1h`, `58m`, `38min`, `45s` or plain seconds -> s; NaN if unreadable."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*(h|min|m|s)\b", text)
    if not parts or re.sub(r"\d+(?:\.\d+)?\s*(?:h|min|m|s)\b", "", text).strip():
        return np.nan
    return sum(float(v) * {"h": 3600, "min": 60, "m": 60, "s": 1}[u] for v, u in parts)


def parse_strength_csv(data: bytes, weight_unit: str = "kg") -> ParsedStrength:
    """Sets of a Strong, Hevy or native CSV; `weight_unit` ("kg" | "lb") is used only when the
    file does not say (Strong without a unit column)."""
    if weight_unit not in ("kg", "lb"):
        raise ValueError(f"weight unit must be 'kg' or 'lb', not {weight_unit!r}")
    df, misaligned = read_csv(data)
    source = strength_format(list(df.columns))
    if source is None:
        raise RejectedFile(UNKNOWN_HEADER)
    if df.empty:
        raise RejectedFile(f"{source} CSV has a header but no data rows")
    bad = {"more fields than the header": misaligned}  # label -> mask of rows dropped
    blanked = {}  # label -> mask of rows whose workout duration is unreadable (left NaN)
    sets = {"strong": _strong, "hevy": _hevy, "native": _native}[source](df, weight_unit, bad, blanked)
    return _finish(source, df, sets, bad, blanked)


def _col(df: pd.DataFrame, *names: str) -> pd.Series:
    """The first of `names` present, else a column of ""."""
    return next((df[n] for n in names if n in df), pd.Series("", index=df.index))


def _num(df: pd.DataFrame, bad: dict, *names: str) -> pd.Series:
    """Floats of the first present column; non-numeric cells are recorded in `bad`."""
    values, invalid = numbers(_col(df, *names))
    if invalid.any():
        bad[f"non-numeric {names[0]}"] = invalid
    return values


def _unit_factor(units: pd.Series, table: dict, default: float, bad: dict, what: str) -> pd.Series:
    """Per-row factor to kg or m from a unit column; `default` where it is empty."""
    factor = units.str.lower().map(table).where(units != "", default)
    if factor.isna().any():
        bad[f"unknown {what} unit"] = factor.isna()
    return factor


def _strong(df: pd.DataFrame, weight_unit: str, bad: dict, blanked: dict) -> pd.DataFrame:
    lb = weight_unit == "lb"
    weight = next((c for c in STRONG_WEIGHT_COLUMNS if c in df), "weight")
    distance = next((c for c in STRONG_DISTANCE_COLUMNS if c in df), "distance")
    w_factor = STRONG_WEIGHT_COLUMNS.get(weight) or _unit_factor(
        _col(df, "weight unit"), {"kg": 1.0, "kgs": 1.0, "lb": LB_KG, "lbs": LB_KG},
        LB_KG if lb else 1.0, bad, "weight")
    d_factor = STRONG_DISTANCE_COLUMNS.get(distance) or _unit_factor(
        _col(df, "distance unit"), {"km": 1000.0, "m": 1.0, "mi": MILE_M, "mi.": MILE_M, "miles": MILE_M},
        MILE_M if lb else 1000.0, bad, "distance")
    order = _col(df, "set order").str.lower()
    numbered = order.str.fullmatch(r"\d+(\.0+)?")
    duration = _col(df, "duration", "workout duration", "duration (sec)")
    duration_s = duration.map({v: parse_duration(v) for v in duration.unique()})
    blanked["unreadable workout durations"] = (duration != "") & duration_s.isna()
    return pd.DataFrame({
        "start": dates(df["date"]),
        "workout_name": df["workout name"],
        "session_duration_s": duration_s,
        "exercise_name": df["exercise name"],
        "set_type": order.map(SET_TAGS).where(~numbered, "normal"),  # None = Note / Rest Timer row
        "weight_kg": _num(df, bad, weight) * w_factor,
        "reps": _num(df, bad, "reps"),
        "duration_s": _num(df, bad, "seconds"),
        "distance_m": _num(df, bad, distance) * d_factor,
        "rpe": _num(df, bad, "rpe"),
        "rir": np.nan,
        "rest_s": np.nan,
    })


def _hevy(df: pd.DataFrame, weight_unit: str, bad: dict, blanked: dict) -> pd.DataFrame:
    start, end = (dates(df[c], ("%d %b %Y, %H:%M", "ISO8601")) for c in ("start_time", "end_time"))
    blanked["end times unreadable, impossible or not after the start"] = (df["end_time"] != "") & ~(end > start)
    kind = df["set_type"].str.lower().replace("", "normal")
    weight, w_factor = ("weight_lbs", LB_KG) if "weight_lbs" in df else ("weight_kg", 1.0)
    distance, d_factor = ("distance_miles", MILE_M) if "distance_miles" in df else ("distance_km", 1e3)
    return pd.DataFrame({
        "start": start,
        "workout_name": df["title"],
        "session_duration_s": (end - start).dt.total_seconds().where(end > start),
        "exercise_name": df["exercise_title"],
        "set_type": kind.where(kind.isin(HEVY_SET_TYPES), None),
        "weight_kg": _num(df, bad, weight) * w_factor,
        "reps": _num(df, bad, "reps"),
        "duration_s": _num(df, bad, "duration_seconds"),
        "distance_m": _num(df, bad, distance) * d_factor,
        "rpe": _num(df, bad, "rpe"),
        "rir": np.nan,
        "rest_s": np.nan,
    })


def _native(df: pd.DataFrame, weight_unit: str, bad: dict, blanked: dict) -> pd.DataFrame:
    athletes = set(df["athlete"]) - {""} if "athlete" in df else set()
    if len(athletes) > 1:
        raise RejectedFile(f"the file names {len(athletes)} athletes: upload one file per athlete")
    tag = _col(df, "set").str.lower()
    return pd.DataFrame({
        "start": dates(df["date"], ("%Y-%m-%d %H:%M", "%Y-%m-%d")),
        "workout_name": _col(df, "workout"),
        "session_duration_s": _num(df, bad, "duration_min") * 60,
        "exercise_name": df["exercise"],
        "set_type": tag.map(SET_TAGS).where(~tag.str.fullmatch(r"\d*"), "normal"),
        "weight_kg": _num(df, bad, "weight_kg"),
        "reps": _num(df, bad, "reps"),
        "duration_s": _num(df, bad, "duration_s"),
        "distance_m": np.nan,
        "rpe": _num(df, bad, "rpe"),
        "rir": _num(df, bad, "rir"),
        "rest_s": _num(df, bad, "rest_s"),
    })


def _finish(source: str, df: pd.DataFrame, s: pd.DataFrame, bad: dict, unreadable: dict) -> ParsedStrength:
    """Blank impossible values, drop unusable rows, number the sets, fill RPE/RIR, build the report."""
    for col in ("duration_s", "distance_m"):  # 0 = not recorded (Strong writes 0 for every set)
        s[col] = s[col].where(s[col] != 0)
    limits = BOUNDS["strength_sets"]
    reps_label = f"reps over {MAX_REPS}"
    checks = [("weights", "weight_kg", limits["weight_kg"], "kg"),
              ("set durations", "duration_s", limits["duration_s"], "s"),
              ("set distances", "distance_m", limits["distance_m"], "m"),
              ("rests", "rest_s", limits["rest_s"], "s"),
              ("workout durations", "session_duration_s", WORKOUT_S, "s")]
    impossible = {reps_label: ("reps", s["reps"] > MAX_REPS)}  # label -> (column, mask); negative reps drop the row
    impossible |= {bounds_text(noun, limit, unit): (col, pd.Series(outside(s[col], limit), index=s.index))
                   for noun, col, limit, unit in checks}
    impossible |= {label: ("session_duration_s", mask) for label, mask in unreadable.items()}  # already NaN
    negative_reps = s["reps"] < 0
    for col, mask in impossible.values():
        s[col] = s[col].where(~mask)
    pseudo = s["set_type"].isna()  # Strong Note / Rest Timer rows, unknown set tags
    empty = s[["weight_kg", "reps", "duration_s", "distance_m"]].isna().all(axis=1)
    bad = {"bad date": s["start"].isna(), "no exercise name": s["exercise_name"] == "", **bad,
           "negative reps": negative_reps, "no weight, reps, time or distance": empty,
           "RPE outside 0-10": pd.Series(outside(s["rpe"], limits["rpe"]), index=s.index),
           "RIR outside 0-10": pd.Series(outside(s["rir"], limits["rir"]), index=s.index)}
    bad = {k: m & ~pseudo for k, m in bad.items()}
    warnings = [w for w in [drop_note(bad, len(df))] if w]
    if pseudo.any():
        warnings.append(f"skipped {int(pseudo.sum())} non-set rows (notes, rest timers, other tags)")
    keep = ~pseudo & ~pd.concat(bad.values(), axis=1).any(axis=1)
    blanked = {what: int((mask & keep).sum()) for what, (_, mask) in impossible.items()}
    if sum(blanked.values()):
        warnings.append(f"{sum(blanked.values())} impossible values blanked: "
                        + ", ".join(f"{n} {what}" for what, n in blanked.items() if n))
    s, too_many_reps = s[keep].reset_index(drop=True), impossible[reps_label][1][keep].to_numpy()
    if s.empty:
        raise RejectedFile("no usable sets: " + "; ".join(warnings))

    s["workout_name"] = s["workout_name"].astype(object).where(s["workout_name"] != "", None)
    s["session_key"] = s["start"].dt.strftime("%Y-%m-%dT%H:%M:%S") + " " + s["workout_name"].fillna("")
    s["session_key"] = s["session_key"].str.strip()
    s["session_start"] = s["start"]
    s["session_duration_s"] = s.groupby("session_key", sort=False)["session_duration_s"].transform("first")
    s["set_order"] = s.groupby(["session_key", "exercise_name"], sort=False).cumcount() + 1
    s["reps"] = s["reps"].fillna(0).round().astype("Int64").mask(too_many_reps)  # empty = 0, impossible = NULL
    s["rir"] = s["rir"].fillna(10 - s["rpe"])
    s["rpe"] = s["rpe"].fillna(10 - s["rir"])
    sets = s[STRENGTH_COLUMNS].astype({c: float for c in (
        "session_duration_s", "weight_kg", "duration_s", "distance_m", "rpe", "rir", "rest_s")})
    return ParsedStrength(source, sets, ParseReport(rows_in=len(df), rows_kept=len(sets), warnings=warnings))
