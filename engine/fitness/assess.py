"""What the fitness page asks of the classifier: assessments of stored batteries (kept in DuckDB),
what-if changes, the reassessment timeline with FRBI, the weekly plan, and the squad view."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.models.contract import ModelCard
from engine.fitness import prescribe
from engine.fitness.battery import CLASSES, CUTOFF_LABELS, HEALTHY_CLASS, SCALAR_TESTS, TESTS, bmi, bmi_class_index
from engine.fitness.explain import shap_by_test
from engine.fitness.model import HybridModel
from engine.load import report
from engine.load.planner import frbi_cut
from engine.load.session import foster_load
from engine.load.settings import LoadSettings
from engine.models import registry
from engine.store import app_settings, assessments, plans, queries
from engine.store.db import Store

KIND = "fitness"
# what-if slider per test: (lowest, highest, step) change in the test's unit
WHAT_IF = {"run_3000m_s": (-120.0, 120.0, 5.0), "pullups": (-10.0, 10.0, 1.0), "situps_60s": (-20.0, 20.0, 1.0),
           "shuttle_30x2_s": (-1.5, 1.5, 0.05)}


def model(store: Store) -> tuple[HybridModel, ModelCard]:
    """(model, card) of the latest fitness model; ModelNotTrained when there is none or it was
    trained under other BMI cut-offs than the app setting."""
    fitted, card = registry.latest(store, KIND, HybridModel.load)
    cutoffs = app_settings.get(store, "bmi_cutoffs")
    if card.details["cutoffs"] != cutoffs:
        raise registry.ModelNotTrained(
            f"the fitness model was trained with the {CUTOFF_LABELS[card.details['cutoffs']]} cut-offs and the "
            f"setting is now {CUTOFF_LABELS[cutoffs]}: train it again")
    return fitted, card


def row(battery) -> np.ndarray:
    """A battery (mapping with lap_200m_s and the three tests) -> the raw 18 inputs."""
    return np.concatenate([np.asarray(battery["lap_200m_s"], dtype=float),
                           [float(battery[c]) for c in SCALAR_TESTS]])


def changed(battery, deltas: dict[str, float]) -> dict:
    """The battery with each test moved by its delta (test's unit): the 3,000 m change is spread
    over the laps in proportion to each lap (the pacing shape is kept); counts stay >= 0."""
    out = dict(battery)
    run_delta = float(deltas.get("run_3000m_s", 0.0))
    laps = np.asarray(battery["lap_200m_s"], dtype=float)
    out["lap_200m_s"] = (laps * (laps.sum() + run_delta) / laps.sum()).tolist()
    out["run_3000m_s"] = float(laps.sum() + run_delta)
    for c in SCALAR_TESTS:
        out[c] = max(0.0, float(battery[c]) + float(deltas.get(c, 0.0)))
    return out


@dataclass(frozen=True)
class Assessment:
    """One battery through the model: probabilities per class, the most likely class, SHAP per test
    (push toward 1 - P(normal)), SHAP's base value, and the deficiencies (weakest first)."""
    probabilities: dict[str, float]
    predicted_class: str
    shap: dict[str, float]
    base_value: float
    deficiencies: list[str]


def assess(fitted: HybridModel, battery) -> Assessment:
    x = row(battery)
    probabilities = fitted.predict_proba(x[None, :])[0]
    shap, base = shap_by_test(fitted, x)
    return Assessment(dict(zip(CLASSES, map(float, probabilities))), CLASSES[int(np.argmax(probabilities))],
                      shap, base, prescribe.deficiencies(shap))


def _measured(batteries: pd.DataFrame, cutoffs: str) -> pd.DataFrame:
    body = bmi(batteries["height_cm"], batteries["mass_kg"])
    measured = np.where(np.isfinite(body), np.asarray(CLASSES, dtype=object)[
        np.minimum(bmi_class_index(np.nan_to_num(body), cutoffs), len(CLASSES) - 1)], None)
    return batteries.assign(bmi=body, measured_class=measured)


def athlete_assessments(store: Store, athlete_id: int) -> pd.DataFrame:
    """Every battery of the athlete (oldest first) with its measured BMI and class and the current
    model's assessment: predicted_class, probabilities, shap (TESTS order), deficiencies. Batteries
    not yet assessed by this model version are assessed and stored now."""
    fitted, card = model(store)
    batteries = queries.fitness_tests(store, athlete_id).drop_duplicates("test_date", keep="last")
    stored = assessments.assessments(store, card.version, card.details["cutoffs"], athlete_id)
    done = set(pd.to_datetime(stored["test_date"]).dt.date)
    new = []
    for battery in batteries.to_dict("records"):
        if pd.Timestamp(battery["test_date"]).date() in done:
            continue
        a = assess(fitted, battery)
        new.append({"athlete_id": athlete_id, "test_date": battery["test_date"], "model_version": card.version,
                    "cutoffs": card.details["cutoffs"], "predicted_class": a.predicted_class,
                    "probabilities": [a.probabilities[c] for c in CLASSES],
                    "shap": [a.shap[t.column] for t in TESTS], "deficiencies": a.deficiencies})
    if new:
        assessments.save_assessments(store, pd.DataFrame(new))
        stored = assessments.assessments(store, card.version, card.details["cutoffs"], athlete_id)
    stored["test_date"] = pd.to_datetime(stored["test_date"])
    batteries["test_date"] = pd.to_datetime(batteries["test_date"])
    return _measured(batteries, card.details["cutoffs"]).merge(
        stored[["test_date", "predicted_class", "probabilities", "shap", "deficiencies"]], on="test_date", how="left")


def frbi_by_day(store: Store, athlete_id: int, today: dt.date) -> pd.Series:
    """The athlete's daily FRBI (engine.load, the project's definition) up to `today`, by day."""
    daily = report.daily_metrics(store, today, athlete_id)
    return pd.Series(daily["frbi"].to_numpy(dtype=float), index=pd.to_datetime(daily["day"]))


STORED_REASSESSMENT = ["test_date", "test", "baseline", "previous", "latest", "vs_previous", "vs_baseline", "status",
                       "streak", "action", "level", "frbi", "cut", "cut_days"]


def reassessment(store: Store, athlete_id: int, today: dt.date) -> pd.DataFrame:
    """prescribe.reassess on the athlete's batteries with the FRBI of each test day (up to
    `today`); stored when it differs from the stored one (which it replaces), and returned."""
    batteries = queries.fitness_tests(store, athlete_id)
    out = prescribe.reassess(batteries, frbi_by_day(store, athlete_id, today),
                             report.athlete_settings(store, athlete_id))
    rows = out.rename(columns={"column": "test"})[STORED_REASSESSMENT].reset_index(drop=True)
    stored = assessments.reassessments(store, athlete_id)[STORED_REASSESSMENT]
    stored["test_date"] = pd.to_datetime(stored["test_date"]).dt.date
    if not rows.sort_values(["test_date", "test"]).reset_index(drop=True).astype(str).equals(stored.astype(str)):
        assessments.replace_reassessments(store, athlete_id, rows)
    return out


@dataclass(frozen=True)
class Prescription:
    """A week's plan (prescribe.PLAN_FRAME_COLUMNS), the levels it applied, FRBI on the day before
    the week (NaN without load data) and the cut it triggered (fraction, days; 0 = none)."""
    plan: pd.DataFrame
    levels: dict[str, int]
    frbi: float
    cut: float
    cut_days: int


def prescription(deficient: list[str], reassessed: pd.DataFrame, frbi: pd.Series, settings: LoadSettings,
                 week_start: dt.date) -> Prescription:
    """The weekly plan from the deficiencies and the last reassessment's levels; when the FRBI
    (frbi_by_day) of the last day before the week that has one is above the team's threshold
    (`settings`, the athlete's team), the week's first frbi_cut_days days are cut."""
    levels = prescribe.levels_now(reassessed)
    plan = prescribe.weekly_plan(deficient, week_start, levels)
    before = frbi[frbi.index < pd.Timestamp(week_start)].dropna()
    now = float(before.iloc[-1]) if len(before) else np.nan
    if now > settings.frbi_threshold:
        cut, days = frbi_cut(settings), int(settings.frbi_cut_days)
        return Prescription(prescribe.cut_plan(plan, week_start, days, cut), levels, now, cut, days)
    return Prescription(plan, levels, now, 0.0, 0)


def save_plan(store: Store, athlete_id: int, plan: pd.DataFrame) -> None:
    """Save an (edited) plan as the athlete's planned week: load_au = foster_load(rpe, duration_min)
    per row, then engine.store.plans (source "fitness"; PlanError on a bad row)."""
    rpe = pd.to_numeric(plan["rpe"], errors="coerce")
    if rpe.isna().any() or not rpe.between(0, 10).all():
        raise plans.PlanError("every planned RPE must be a number from 0 to 10 (CR-10)")
    priced = plan.assign(load_au=foster_load(rpe, pd.to_numeric(plan["duration_min"], errors="coerce") * 60.0))
    plans.save_planned_exercises(store, athlete_id, priced, "fitness")


def squad(store: Store) -> pd.DataFrame:
    """Per athlete with a battery: the latest battery's date, measured class, predicted class,
    P(unhealthy) = 1 - P(normal) and deficiencies; the athletes who most need attention first."""
    model(store)   # ModelNotTrained before any work
    athletes = queries.athletes(store)
    rows = []
    for athlete_id in queries.fitness_tests(store)["athlete_id"].unique():
        latest = athlete_assessments(store, int(athlete_id)).iloc[-1]
        rows.append({"athlete_id": int(athlete_id), "test_date": latest["test_date"],
                     "bmi": latest["bmi"], "measured_class": latest["measured_class"],
                     "predicted_class": latest["predicted_class"],
                     "p_unhealthy": 1.0 - latest["probabilities"][CLASSES.index(HEALTHY_CLASS)],
                     "deficiencies": list(latest["deficiencies"])})
    out = pd.DataFrame(rows, columns=["athlete_id", "test_date", "bmi", "measured_class", "predicted_class",
                                      "p_unhealthy", "deficiencies"])
    return (out.merge(athletes[["athlete_id", "name"]], on="athlete_id")
            .sort_values("p_unhealthy", ascending=False, kind="stable").reset_index(drop=True))

