"""What the Recommendations page reads and writes: an athlete's list under constraints, a fitness
deficiency as a target, an exercise's instructions, "add to plan", and the squad view (the
exercises recommended most, and the muscle groups the squad trains below a cited reference)."""
from __future__ import annotations

import datetime as dt
import json
from functools import cache

import numpy as np
import pandas as pd

from engine.models.contract import VERDICT_WORDS, ModelCard, verdict
from engine.ingest.exercise_names import CATALOG_PATH
from engine.load.strength import SECONDARY_MUSCLE_SHARE, weekly_muscle_volume
from engine.models import registry
from engine.overload.split import session_load_au
from engine.recommend import constraints as cons
from engine.recommend.dataset import db_log
from engine.recommend.model import TOP_K, Recommendation, Recommender
from engine.recommend.trainer import KIND
from engine.store import assessments, plans, queries
from engine.store.db import Store

WINDOW_WEEKS = 4                  # the squad's recent training: each athlete's last 4 logged weeks
REFERENCE_SETS_PER_WEEK = 10.0    # working sets per muscle group and week
REFERENCE_SOURCE = ("Schoenfeld, Ogborn & Krieger, J Sports Sci 2017;35:1073: 10 or more weekly sets per muscle "
                    "group gave more hypertrophy than fewer; ACSM 2009 (Ratamess et al., MSSE 2009;41:687): "
                    "train every major muscle group")
MAJOR_MUSCLES = ("chest", "shoulders", "triceps", "lats", "middle back", "biceps", "abdominals", "lower back",
                 "quadriceps", "hamstrings", "glutes", "calves")


def model(store: Store) -> tuple[Recommender, ModelCard]:
    """The latest recommend model and its card; ModelNotTrained if none."""
    return registry.latest(store, KIND, Recommender.load)


def evaluation_text(card: ModelCard) -> str:
    """How the models did on this database's held-out sessions (the card's "db" rows), for the page."""
    rows = {m.model: m for m in card.results() if m.dataset == "db" and m.metric == "hit_at_10"}
    hit = {name: m.value for name, m in rows.items()}
    words = VERDICT_WORDS[verdict(rows["hybrid"], rows["popularity"], lower_is_better=False)]
    db = card.details["db"]
    return (f"On this database's held-out sessions ({db['n_scored']} athletes, {db['n_positives']} new exercises), "
            f"the hybrid's top 10 held a new exercise for {hit['hybrid']:.0%} of athletes; "
            f"popularity for {hit['popularity']:.0%}, content {hit['content']:.0%}, collaborative "
            f"{hit['collaborative']:.0%}: the hybrid {words} the popularity baseline. Details on the Models page.")


def recommendations(store: Store, athlete_id: int, c: cons.Constraints, k: int = TOP_K) -> list[Recommendation]:
    """The athlete's hybrid top k under `c`, from their current log (new sessions count at once)."""
    fitted, _ = model(store)
    return fitted.recommend(db_log(store, athlete_id), c, k=k)


def fitness_targets(store: Store, athlete_id: int) -> tuple[dt.date, list[str]] | None:
    """(test date, the deficient tests that set a target, weakest first) of the athlete's latest
    assessed fitness battery; None without one."""
    latest = assessments.latest_deficiencies(store, athlete_id)
    if latest is None:
        return None
    return latest[0], [t for t in latest[1] if t in cons.DEFICIENCY_TARGETS]


@cache
def _instructions() -> dict[str, list[str]]:
    return {e["id"]: list(e.get("instructions") or []) for e in json.loads(CATALOG_PATH.read_text(encoding="utf-8"))}


def instructions(exercise_id: str) -> list[str]:
    """The catalog's numbered instructions of an exercise (none for a custom exercise)."""
    return _instructions().get(exercise_id, [])


def plan_row(exercise_id: str, day: dt.date, goal: str | None) -> pd.DataFrame:
    """One planned exercise (plans.PLAN_COLUMNS) with the goal's ACSM scheme (DEFAULT_GOAL without
    one) and its planned Foster load (overload.split.session_load_au, the split's own rule)."""
    scheme = cons.GOALS[goal or cons.DEFAULT_GOAL]
    row = pd.DataFrame({"day": [day], "exercise_id": [exercise_id], "sets": [scheme.sets],
                        "reps_low": [scheme.reps_low], "reps_high": [scheme.reps_high], "weight_low_kg": [np.nan],
                        "weight_high_kg": [np.nan], "rest_s": [scheme.rest_s]})
    return row.assign(load_au=session_load_au(row))[plans.PLAN_COLUMNS]


def add_to_plan(store: Store, athlete_id: int, exercise_id: str, day: dt.date, goal: str | None) -> None:
    """Put one exercise into the athlete's planned week on `day` (source "recommend"), keeping the
    day's other recommended exercises; the same plan every page reads. PlanError if refused."""
    kept = plans.planned_exercises(store, athlete_id, day, day).query("source == 'recommend'")
    kept = kept[kept["exercise_id"] != exercise_id][plans.PLAN_COLUMNS]
    plans.save_planned_exercises(store, athlete_id, pd.concat([kept, plan_row(exercise_id, day, goal)],
                                                              ignore_index=True), "recommend")


def most_recommended(store: Store, top: int = 15) -> pd.DataFrame:
    """The exercises in most athletes' hybrid top 10 (no constraints): exercise_id, exercise,
    athletes (how many lists hold it), primary muscles, equipment; most first."""
    fitted, _ = model(store)
    log = db_log(store)
    counts: dict[int, int] = {}
    for _, own in log.groupby("athlete_id"):
        weights = fitted.weights_of(own)
        for i in fitted.rank("hybrid", weights, own["session_id"].nunique(), weights == 0):
            counts[int(i)] = counts.get(int(i), 0) + 1
    text = fitted.labels
    rows = [{"exercise_id": fitted.catalog.at[i, "exercise_id"], "exercise": text["name"][i], "athletes": n,
             "primary_muscles": ", ".join(text["primary"][i]), "equipment": text["kit"][i]} for i, n in counts.items()]
    frame = pd.DataFrame(rows, columns=["exercise_id", "exercise", "athletes", "primary_muscles", "equipment"])
    return frame.sort_values(["athletes", "exercise"], ascending=[False, True], ignore_index=True).head(top)


def muscle_balance(store: Store) -> pd.DataFrame:
    """Per major muscle group: the squad's median weekly working sets over each lifting athlete's
    last WINDOW_WEEKS logged weeks (primary muscles count a set, secondary SECONDARY_MUSCLE_SHARE),
    the athletes below REFERENCE_SETS_PER_WEEK, and `neglected` (median below it); most neglected first."""
    columns = ["muscle", "median_sets_per_week", "athletes_below", "athletes", "neglected"]
    sets = queries.strength_sets(store)
    if sets.empty:
        return pd.DataFrame(columns=columns)
    weekly = weekly_muscle_volume(sets, queries.exercises(store))
    last_week = weekly.groupby("athlete_id")["week"].transform("max")
    recent = weekly[weekly["week"] > last_week - pd.Timedelta(weeks=WINDOW_WEEKS)]
    athletes = np.sort(sets["athlete_id"].unique())
    per = (recent.groupby(["athlete_id", "muscle"])["sets"].sum() / WINDOW_WEEKS).unstack(fill_value=0.0)
    per = per.reindex(index=athletes, columns=list(MAJOR_MUSCLES), fill_value=0.0)
    out = pd.DataFrame({"muscle": list(MAJOR_MUSCLES), "median_sets_per_week": per.median().to_numpy(),
                        "athletes_below": (per < REFERENCE_SETS_PER_WEEK).sum().to_numpy(),
                        "athletes": len(athletes)})
    out["neglected"] = out["median_sets_per_week"] < REFERENCE_SETS_PER_WEEK
    return out.sort_values(["median_sets_per_week", "muscle"], ignore_index=True)[columns]


def balance_text() -> str:
    """The squad view's help: the reference and how sets are counted, from the constants in force."""
    return (f"Median working sets per week over each lifter's last {WINDOW_WEEKS} logged weeks; a set counts "
            f"fully for its exercise's primary muscles and {SECONDARY_MUSCLE_SHARE:g} for secondary ones. "
            f"Reference: {REFERENCE_SETS_PER_WEEK:g} sets per week ({REFERENCE_SOURCE}).")
