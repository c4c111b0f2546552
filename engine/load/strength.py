"""Strength-training load: estimated 1RM, weekly volume per muscle, personal records.

Sets frames carry session_date, exercise_id, weight_kg, reps, set_type (normal | warmup | failure |
dropset; missing = normal), optionally exercise_name (carried into the results) and athlete_id
(then every result is per athlete). Warm-ups never count.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

MAX_E1RM_REPS = 10  # e1RM only from sets of 1-10 reps (DESIGN.md): the formulas drift beyond
SECONDARY_MUSCLE_SHARE = 0.5  # project's choice: a set counts fully for primary muscles, half for secondary


def _reps_ok(reps) -> np.ndarray:
    reps = np.asarray(reps, dtype=float)
    return (reps >= 1) & (reps <= MAX_E1RM_REPS)


def epley(weight_kg, reps):
    """e1RM, kg = w x (1 + r/30) (Epley 1985); NaN outside 1-10 reps."""
    w, r = np.asarray(weight_kg, dtype=float), np.asarray(reps, dtype=float)
    return np.where(_reps_ok(r), w * (1.0 + r / 30.0), np.nan)[()]


def brzycki(weight_kg, reps):
    """e1RM, kg = w x 36 / (37 - r) (Brzycki 1993); NaN outside 1-10 reps."""
    w, r = np.asarray(weight_kg, dtype=float), np.asarray(reps, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(_reps_ok(r), w * 36.0 / (37.0 - r), np.nan)[()]


def _working(sets: pd.DataFrame) -> pd.DataFrame:
    """Sets that are not warm-ups, with float weight_kg and reps."""
    kind = sets["set_type"].fillna("normal").astype(str).str.lower()
    work = sets[(kind != "warmup").to_numpy()].copy()
    work["weight_kg"] = pd.to_numeric(work["weight_kg"]).astype("float64")
    work["reps"] = pd.to_numeric(work["reps"]).astype("float64")
    return work


def _keys(sets: pd.DataFrame, *columns: str) -> list[str]:
    """[athlete_id,] columns[, exercise_name]: the optional columns when `sets` has them."""
    return ((["athlete_id"] if "athlete_id" in sets else []) + list(columns)
            + (["exercise_name"] if "exercise_name" in sets and "exercise_id" in columns else []))


def e1rm_by_session(sets: pd.DataFrame) -> pd.DataFrame:
    """Best e1RM per session day and exercise: [athlete_id,] session_date, exercise_id, [exercise_name,]
    e1rm_epley_kg, e1rm_brzycki_kg (each the best set by its own formula). Working sets of 1-10
    reps with a weight > 0 only; exercises without such a set that day get no row."""
    work = _working(sets)
    work = work[(work["weight_kg"] > 0) & _reps_ok(work["reps"])]
    work = work.assign(e1rm_epley_kg=epley(work["weight_kg"], work["reps"]),
                       e1rm_brzycki_kg=brzycki(work["weight_kg"], work["reps"]))
    keys = _keys(sets, "session_date", "exercise_id")
    return (work.groupby(keys, dropna=False, sort=True)[["e1rm_epley_kg", "e1rm_brzycki_kg"]].max()
            .reset_index())


def _week_monday(dates: pd.Series) -> pd.Series:
    day = pd.to_datetime(dates).dt.normalize()
    return day - pd.to_timedelta(day.dt.day_of_week, unit="D")


def weekly_muscle_volume(sets: pd.DataFrame, exercises: pd.DataFrame) -> pd.DataFrame:
    """Per [athlete,] week (Monday) and muscle: volume_kg = sum of weight x reps (kg) and sets, working
    sets only. Each exercise's primary muscles get the full set, secondary muscles half a set
    (volume and set count; SECONDARY_MUSCLE_SHARE, the project's choice). Sets without a weight add
    0 kg but still count as sets; exercises without muscles in `exercises` are left out."""
    shares = pd.concat([
        exercises[["exercise_id", column]].explode(column)
        .rename(columns={column: "muscle"}).assign(share=share)
        for column, share in (("primary_muscles", 1.0), ("secondary_muscles", SECONDARY_MUSCLE_SHARE))
    ]).dropna(subset=["muscle"])
    shares = shares.groupby(["exercise_id", "muscle"], as_index=False)["share"].max()
    work = _working(sets)
    work = work.assign(week=_week_monday(work["session_date"]),
                       set_volume_kg=(work["weight_kg"] * work["reps"]).fillna(0.0))
    per_muscle = work.merge(shares, on="exercise_id", how="inner")
    per_muscle = per_muscle.assign(volume_kg=per_muscle["set_volume_kg"] * per_muscle["share"])
    keys = _keys(sets, "week", "muscle")
    return (per_muscle.groupby(keys, sort=True)
            .agg(volume_kg=("volume_kg", "sum"), sets=("share", "sum")).reset_index())


def _best(work: pd.DataFrame, keys: list[str], value: str, date_column: str) -> pd.DataFrame:
    """Per keys, the largest `value` and the first session_date it was reached (NaN/NaT if none)."""
    ranked = work.sort_values([value, "session_date"], ascending=[False, True], na_position="last")
    best = ranked.drop_duplicates(keys)[[*keys, value, "session_date"]]
    return best.rename(columns={"session_date": date_column}).assign(
        **{date_column: lambda f: f[date_column].where(f[value].notna())})


def personal_records(sets: pd.DataFrame) -> pd.DataFrame:
    """Per [athlete and] exercise: max_weight_kg with max_weight_date, best_e1rm_kg (Epley, sets of
    1-10 reps) with best_e1rm_date; dates are the first session that reached the record."""
    work = _working(sets)
    loaded_kg = work["weight_kg"].where(work["weight_kg"] > 0)
    work = work.assign(best_e1rm_kg=epley(loaded_kg, work["reps"]), max_weight_kg=work["weight_kg"])
    keys = _keys(sets, "exercise_id")
    heaviest = _best(work, keys, "max_weight_kg", "max_weight_date")
    strongest = _best(work, keys, "best_e1rm_kg", "best_e1rm_date")
    return heaviest.merge(strongest, on=keys, how="left").sort_values(keys, ignore_index=True)


def exercise_sessions(sets: pd.DataFrame) -> pd.DataFrame:
    """One row per athlete, exercise and session of `sets` (queries.working_sets_by_session): its
    top set (heaviest weight, then most reps: top_weight_kg, top_reps), sets, volume_kg, the best
    Epley e1rm_kg, mean rpe, rir and rest_s, and entry_no (the first set's place in the log: the
    exercise's order in the session). Body-weight sets count as 0 kg."""
    sets = sets.assign(weight_kg=sets["weight_kg"].fillna(0.0), reps=sets["reps"].astype(float))
    sets = sets[sets["reps"] >= 1]
    keys = ["athlete_id", "exercise_id", "session_id"]
    top = sets.sort_values(["weight_kg", "reps"], ascending=False).drop_duplicates(keys)
    agg = sets.assign(volume_kg=sets["weight_kg"] * sets["reps"],
                      e1rm_kg=epley(sets["weight_kg"].where(sets["weight_kg"] > 0), sets["reps"])).groupby(keys).agg(
        start_time=("start_time", "first"), mechanic=("mechanic", "first"), force=("force", "first"),
        sets=("reps", "size"), volume_kg=("volume_kg", "sum"), e1rm_kg=("e1rm_kg", "max"),
        rpe=("rpe", "mean"), rir=("rir", "mean"), rest_s=("rest_s", "mean"), entry_no=("entry_no", "min"))
    top = top.set_index(keys)[["weight_kg", "reps"]].rename(columns={"weight_kg": "top_weight_kg", "reps": "top_reps"})
    return agg.join(top).reset_index().sort_values(["athlete_id", "exercise_id", "start_time"], ignore_index=True)
