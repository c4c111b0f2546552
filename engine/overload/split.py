"""A 4-week training split from an athlete's own exercises and the model's next-session
prescription (the original GNN project's "future work").

Each training day targets muscle groups (SPLITS, the catalog's muscle names). A day takes 4-6
exercises whose primary muscle is a target: the athlete's own first (compound before isolation,
then the most often done), one per target muscle; a target nobody of them covers gets one catalog
exercise with no weight ("new: pick a starting weight"). An exercise appears at most once a week;
every week repeats week 1's exercises. Weeks 1-3 progress the load, week 4 deloads.
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from engine.load.session import foster_load
from engine.store.plans import PLAN_COLUMNS

_PUSH = ("Push", ["chest", "shoulders", "triceps"])
_PULL = ("Pull", ["lats", "middle back", "lower back", "biceps"])
_LEGS = ("Legs", ["quadriceps", "hamstrings", "glutes", "calves", "abdominals"])
_UPPER = ["chest", "lats", "shoulders", "middle back", "biceps", "triceps"]
_LOWER = ["quadriceps", "hamstrings", "glutes", "calves", "lower back", "abdominals"]
SPLITS: dict[int, list[tuple[str, list[str]]]] = {
    3: [_PUSH, _PULL, _LEGS],
    4: [("Upper A", _UPPER), ("Lower A", _LOWER), ("Upper B", _UPPER), ("Lower B", _LOWER)],
    5: [_PUSH, _PULL, _LEGS, ("Upper", _UPPER), ("Lower", _LOWER)],
}
DAY_OFFSETS = {3: (0, 2, 4), 4: (0, 1, 3, 4), 5: (0, 1, 2, 4, 5)}  # days after first_day, week 1

WEEKS = 4
DELOAD_WEEK = 4
# ACSM 2009 position stand: increase the load 2-10 % when it can be done for 1-2 reps over the
# target (research/physiology.md §4.2). We take the low end, 2.5 % a week, compounded from week 1.
WEEKLY_INCREASE = 0.025
BODYWEIGHT_REPS_PER_WEEK = 1   # bodyweight exercises (0 kg) add a rep a week instead
# The project's deload choice (not from a source): week 4 keeps 60 % of the sets (at least 2)
# at 90 % of week 3's weight.
DELOAD_SETS_FRACTION = 0.6
DELOAD_MIN_SETS = 2
DELOAD_WEIGHT_FRACTION = 0.9
ROUNDING_KG = {"barbell": 2.5, "e-z curl bar": 2.5, "machine": 2.5, "cable": 2.5,
               "dumbbell": 1.0, "kettlebells": 1.0}   # plate / pin / dumbbell steps, kg
DEFAULT_ROUNDING_KG = 2.5   # any other equipment
ROUNDING_TEXT = ("; ".join(f"{step:g} kg: " + ", ".join(e for e, s in ROUNDING_KG.items() if s == step)
                           for step in sorted(set(ROUNDING_KG.values()), reverse=True))
                 + f"; else {DEFAULT_ROUNDING_KG:g} kg")
# A new exercise: 3 sets of 8-12 (ACSM 2009 novice range, physiology.md §4.2), 90 s rest.
NEW_SETS = 3
NEW_REPS = (8, 12)
DEFAULT_REST_S = 90.0
MIN_EXERCISES, OWN_EXERCISES, MAX_EXERCISES = 4, 5, 6  # a day: at least 4, the athlete's own up to 5, at most 6
NOTE_NEW = "new: pick a starting weight"
NOTE_DELOAD = "deload"
NOTE_NO_WEIGHT = "no weight on record: pick a starting weight"
# The project's assumptions for the planned Foster load: session RPE (CR-10) 7 in a training week,
# 5 in the deload week; 40 s of work per set plus its rest.
PLANNED_RPE = 7.0
DELOAD_RPE = 5.0
WORK_S_PER_SET = 40.0
SPLIT_COLUMNS = ["week", "day_no", "day", "day_label", "targets", "exercise_id", "exercise", "sets", "reps_low",
                 "reps_high", "weight_low_kg", "weight_high_kg", "rest_s", "note"]


PROGRESSION_TEXT = (f"Week 1 takes the model's next session; weeks 2 to {DELOAD_WEEK - 1} add "
                    f"{100 * WEEKLY_INCREASE:g} % "
                    "a week (ACSM 2009: 2-10 % when the load allows 1-2 reps over target); week "
                    f"{DELOAD_WEEK} is a deload ({100 * DELOAD_SETS_FRACTION:g} % of the sets at "
                    f"{100 * DELOAD_WEIGHT_FRACTION:g} % of week {DELOAD_WEEK - 1}'s weight).")


class SplitError(ValueError):
    """A split that cannot be made; str(err) is the one-line reason shown to the coach."""


def rounding_step_kg(equipment) -> float:
    """The weight step of the equipment, kg: 2.5 barbell / machine / cable, 1 dumbbell / kettlebell."""
    return ROUNDING_KG.get(equipment, DEFAULT_ROUNDING_KG) if isinstance(equipment, str) else DEFAULT_ROUNDING_KG


def _round_to(weight_kg: float, step_kg: float) -> float:
    """Nearest multiple of the step, halves up (the epsilon absorbs float error, e.g. 20 x 1.025)."""
    return step_kg * math.floor(weight_kg / step_kg + 0.5 + 1e-9)


def _half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def _muscles(value) -> list[str]:
    return [str(m) for m in value]


def _own_exercises(history: pd.DataFrame, prescription: pd.DataFrame, catalog: pd.DataFrame) -> pd.DataFrame:
    """One row per exercise of the athlete in the catalog: name, muscles, compound, equipment,
    sessions, sets (median), rest_s, weight_kg, reps (prescription, else the last session)."""
    h = history.sort_values("day", kind="stable")
    per = h.groupby("exercise_id", sort=True).agg(
        sessions=("day", "size"), sets=("sets", "median"), median_rest_s=("rest_s", "median"),
        last_weight_kg=("top_weight_kg", "last"), last_reps=("top_reps", "last"))
    p = prescription.drop_duplicates("exercise_id", keep="last").set_index("exercise_id")
    per = per.join(p[["weight_kg", "reps", "rest_s"]], how="left")
    per = per.join(catalog.set_index("exercise_id")[["name", "primary_muscles", "mechanic", "equipment"]],
                   how="inner")
    per["weight_kg"] = per["weight_kg"].astype("float64").fillna(per["last_weight_kg"].astype("float64"))
    per["reps"] = per["reps"].astype("float64").fillna(per["last_reps"].astype("float64"))
    per["rest_s"] = (per["rest_s"].astype("float64").fillna(per["median_rest_s"].astype("float64"))
                     .fillna(DEFAULT_REST_S))
    per["sets"] = [max(1, _half_up(s)) if s == s else NEW_SETS for s in per["sets"].astype("float64")]
    per["muscles"] = per["primary_muscles"].map(_muscles)
    per["compound"] = per["mechanic"].eq("compound")
    per = per.reset_index().rename(columns={"index": "exercise_id"})
    # compound before isolation, then the most often done, then by name: the order of preference
    return per.sort_values(["compound", "sessions", "name"], ascending=[False, False, True],
                           kind="stable").reset_index(drop=True)


def _catalog_pick(catalog: pd.DataFrame, muscle: str, equipment: set[str], used: set[str]) -> pd.Series | None:
    """A catalog exercise for a muscle: strength, beginner or intermediate, not used this week, on
    equipment the athlete uses if there is one; compound first, then by name."""
    fits = catalog[catalog["category"].eq("strength") & catalog["level"].isin(["beginner", "intermediate"])
                   & ~catalog["exercise_id"].isin(used)
                   & catalog["primary_muscles"].map(lambda ms: muscle in _muscles(ms))]
    if "is_custom" in fits:
        fits = fits[~fits["is_custom"].astype(bool)]
    on_own = fits[fits["equipment"].isin(equipment)]
    fits = on_own if len(on_own) else fits
    if fits.empty:
        return None
    order = fits.assign(_isolation=~fits["mechanic"].eq("compound")).sort_values(
        ["_isolation", "name", "exercise_id"], kind="stable")
    return order.iloc[0]


def _choose_days(own: pd.DataFrame, catalog: pd.DataFrame, days_per_week: int) -> list[list[tuple]]:
    """Per day of the split, the chosen exercises in order: ("own", row of own) or ("new", catalog row).

    Three passes over the week, so that later days also get some of the athlete's own exercises:
    1. day by day, one own exercise per target muscle not yet covered that day (best first);
    2. day by day, more own exercises up to OWN_EXERCISES;
    3. day by day, a catalog exercise for each target muscle still uncovered (up to MAX_EXERCISES),
       then catalog exercises target by target until the day has MIN_EXERCISES.
    """
    plan = SPLITS[days_per_week]
    equipment = {e for e in own["equipment"] if isinstance(e, str)}
    rank = {exercise_id: i for i, exercise_id in enumerate(own["exercise_id"])}
    own_rows = list(own.itertuples(index=False))
    used: set[str] = set()
    chosen_own: list[list] = [[] for _ in plan]
    covered: list[set[str]] = [set() for _ in plan]

    def pool(targets):
        return [r for r in own_rows if r.exercise_id not in used and set(targets) & set(r.muscles)]

    for d, (_label, targets) in enumerate(plan):          # 1: cover each target muscle once
        for r in pool(targets):
            gain = (set(targets) & set(r.muscles)) - covered[d]
            if gain and len(chosen_own[d]) < MAX_EXERCISES:
                chosen_own[d].append(r)
                covered[d] |= gain
                used.add(r.exercise_id)
    for d, (_label, targets) in enumerate(plan):          # 2: more of their own
        for r in pool(targets)[:max(0, OWN_EXERCISES - len(chosen_own[d]))]:
            chosen_own[d].append(r)
            covered[d] |= set(targets) & set(r.muscles)
            used.add(r.exercise_id)
    days = []
    for d, (_label, targets) in enumerate(plan):          # 3: catalog exercises for what is left
        chosen_new = []

        def add_new(muscle: str) -> bool:
            pick = _catalog_pick(catalog, muscle, equipment, used)
            if pick is not None:
                chosen_new.append(pick)
                used.add(pick["exercise_id"])
            return pick is not None

        for muscle in targets:
            if muscle not in covered[d] and len(chosen_own[d]) + len(chosen_new) < MAX_EXERCISES:
                add_new(muscle)
        added = True
        while added and len(chosen_own[d]) + len(chosen_new) < MIN_EXERCISES:
            added = False
            for muscle in targets:
                if len(chosen_own[d]) + len(chosen_new) >= MIN_EXERCISES:
                    break
                added = add_new(muscle) or added
        days.append([("own", r) for r in sorted(chosen_own[d], key=lambda r: rank[r.exercise_id])]
                    + [("new", r) for r in chosen_new])
    return days


def _week_values(kind: str, r, week: int) -> dict:
    """sets, reps_low/high, weight_low/high_kg, rest_s and note of one exercise in one week."""
    deload = week == DELOAD_WEEK
    if kind == "new":
        sets = NEW_SETS
        values = {"reps_low": NEW_REPS[0], "reps_high": NEW_REPS[1], "weight_low_kg": np.nan,
                  "weight_high_kg": np.nan, "rest_s": DEFAULT_REST_S}
        notes = [NOTE_NEW]
    else:
        sets = int(r.sets)
        step = rounding_step_kg(r.equipment)
        reps = r.reps
        values = {"rest_s": float(r.rest_s)}
        notes = []
        if reps == reps:
            reps = max(1, _half_up(reps))
        if not r.weight_kg == r.weight_kg:     # no weight known
            low = high = np.nan
            notes.append(NOTE_NO_WEIGHT)
        elif r.weight_kg <= 0:                 # bodyweight: 0 kg, a rep more each week
            low = high = 0.0
            if reps == reps and not deload:
                reps += BODYWEIGHT_REPS_PER_WEEK * (week - 1)
        else:
            peak_week = DELOAD_WEEK - 1 if deload else week
            high = _round_to(r.weight_kg * (1 + WEEKLY_INCREASE) ** (peak_week - 1), step)
            if deload:
                high = _round_to(high * DELOAD_WEIGHT_FRACTION, step)
            low = max(0.0, high - step)
        values |= {"weight_low_kg": low, "weight_high_kg": high}
        if reps == reps:
            values |= {"reps_low": max(1, reps - 1), "reps_high": reps + 1}
        else:
            values |= {"reps_low": NEW_REPS[0], "reps_high": NEW_REPS[1]}
    if deload:
        sets = min(sets, max(DELOAD_MIN_SETS, _half_up(sets * DELOAD_SETS_FRACTION)))
        notes.insert(0, NOTE_DELOAD)
    return {"sets": sets, **values, "note": "; ".join(notes)}


def generate_split(history: pd.DataFrame, prescription: pd.DataFrame, catalog: pd.DataFrame,
                   days_per_week: int, first_day: dt.date) -> pd.DataFrame:
    """A WEEKS-week split for one athlete, one row per exercise per training day (SPLIT_COLUMNS).

    history: one row per exercise session: exercise_id, day, sets, top_weight_kg, top_reps, rest_s.
    prescription: the model's next session per exercise: exercise_id, weight_kg, reps, rest_s.
    catalog: the exercises table. Week 1 weight = the prescription (else the last session), then
    +WEEKLY_INCREASE a week, rounded to the equipment's step; week 4 deloads. Weight range = the
    week's weight minus one step to it; reps = predicted reps +-1; sets = the athlete's median;
    rest = the prescription's, else the athlete's median, else 90 s.
    """
    if days_per_week not in SPLITS:
        raise SplitError(f"a split has {', '.join(map(str, SPLITS))} training days a week, not {days_per_week}")
    if history is None or history.empty:
        raise SplitError("no strength history: log some sessions before generating a split")
    own = _own_exercises(history, prescription, catalog)
    chosen = _choose_days(own, catalog, days_per_week)
    rows = []
    for week in range(1, WEEKS + 1):
        for day_no, ((label, targets), exercises) in enumerate(zip(SPLITS[days_per_week], chosen), start=1):
            day = first_day + dt.timedelta(days=DAY_OFFSETS[days_per_week][day_no - 1] + 7 * (week - 1))
            for kind, r in exercises:
                exercise_id, name = (r.exercise_id, r.name) if kind == "own" else (r["exercise_id"], r["name"])
                rows.append({"week": week, "day_no": day_no, "day": day, "day_label": label,
                             "targets": ", ".join(targets), "exercise_id": exercise_id, "exercise": name,
                             **_week_values(kind, r, week)})
    out = pd.DataFrame(rows, columns=SPLIT_COLUMNS)
    for column in ("week", "day_no", "sets", "reps_low", "reps_high"):
        out[column] = out[column].astype("int64")
    for column in ("weight_low_kg", "weight_high_kg", "rest_s"):
        out[column] = out[column].astype("float64")
    return out


def session_load_au(rows: pd.DataFrame) -> pd.Series:
    """Each row's planned Foster load, a.u. = planned session RPE (PLANNED_RPE, DELOAD_RPE in the
    deload week) x minutes, minutes = sets x (WORK_S_PER_SET + rest_s) / 60 (rest NaN = 90 s)."""
    deload = rows["week"].eq(DELOAD_WEEK) if "week" in rows else pd.Series(False, index=rows.index)
    rpe = pd.Series(np.where(deload, DELOAD_RPE, PLANNED_RPE), index=rows.index)
    duration_s = rows["sets"].astype("float64") * (WORK_S_PER_SET + rows["rest_s"].astype("float64")
                                                  .fillna(DEFAULT_REST_S))
    return pd.Series(foster_load(rpe, duration_s), index=rows.index, name="load_au")


def planned_week(split: pd.DataFrame) -> pd.DataFrame:
    """Week 1 of a split in the shape engine.store.plans.save_planned_exercises takes (PLAN_COLUMNS)."""
    week = split[split["week"] == 1]
    return week.assign(load_au=session_load_au(week))[PLAN_COLUMNS].reset_index(drop=True)
