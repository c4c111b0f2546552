"""What the pages ask of the HR kind: one session's predicted curves against the real ones (with a
pace change or on another route), where the "ease off" warning would have fired, and the route
finder. Raises ModelNotTrained without a registered model and NoPrediction for a session the
models cannot read.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine import clock
from engine.models.contract import ModelCard
from engine.hr import routes as route_catalog
from engine.hr.dataset import MIN_RUNS, Run, load_runs, scale_time, split
from engine.hr.fitted import HrModel
from engine.load.report import hr_profile
from engine.models.registry import latest
from engine.store import queries
from engine.store.db import Store

KIND = "hr"
CEILING_FRACTIONS = (0.85, 0.90)   # of HRmax, the warning's ceilings (evaluated in engine.hr.evaluate)
PACE_RANGE = (0.8, 1.2)            # the what-if pace factor
_CACHE: dict = {}


class NoPrediction(LookupError):
    """The session is not a run the HR models can read; str(err) says why."""


def model(store: Store) -> tuple[HrModel, ModelCard]:
    """(fitted, card) of the latest HR model, loaded once per version."""
    return latest(store, KIND, HrModel.load)


def all_runs(store: Store) -> list[Run]:
    """Every readable run of the store, read once per data version."""
    key = ("runs", str(store.path), store.data_version())
    if key not in _CACHE:
        _CACHE[key] = load_runs(store)
    return _CACHE[key]


def routes(store: Store) -> list[route_catalog.Route]:
    key = ("routes", str(store.path), store.data_version())
    if key not in _CACHE:
        _CACHE[key] = route_catalog.catalog(all_runs(store))
    return _CACHE[key]


@dataclass(frozen=True)
class SessionPrediction:
    """time: t_min, hr_bpm (real), hr_pred_bpm (on the run's own pace), forecast_bpm (short-term,
    10 s ahead); route: distance_km, speed_kmh (real), speed_pred_kmh; what_if: t_min, hr_pred_bpm
    at another pace or on another route (None for neither). The MAEs are of the run's own pace."""
    time: pd.DataFrame
    route: pd.DataFrame
    what_if: pd.DataFrame | None
    hr_mae_bpm: float
    speed_mae_kmh: float
    population: bool
    split: str
    version: int
    hr_max_bpm: float


def _athlete_runs(store: Store, athlete_id: int) -> list[Run]:
    return sorted((r for r in all_runs(store) if r.athlete_id == athlete_id),
                  key=lambda r: (r.start_time, r.activity_id))


def _split_of(runs: list[Run], activity_id: int) -> str:
    """Where the run falls in the split of today's data (the model was trained on the data of its day)."""
    if runs and runs[0].activity_id == activity_id:
        return "first run (context only, never predicted in evaluation)"
    if len(runs) < MIN_RUNS:
        return f"not trained on: the athlete has fewer than {MIN_RUNS} runs"
    data = split(runs)
    for label, part in (("training", data.train), ("validation", data.val), ("test (held out)", data.test)):
        if any(r.activity_id == activity_id for r in part):
            return label
    return "unknown"


def session_prediction(store: Store, activity_id: int, pace_factor: float = 1.0,
                       other_route_id: int | None = None) -> SessionPrediction:
    fitted, model_card = model(store)
    row = queries.activities(store)
    row = row[row["activity_id"] == activity_id]
    if row.empty:
        raise NoPrediction(f"no session {activity_id}")
    runs = _athlete_runs(store, int(row["athlete_id"].iloc[0]))
    index = next((k for k, r in enumerate(runs) if r.activity_id == activity_id), None)
    if index is None:
        raise NoPrediction("the HR models read runs of at least 1 km and 5 min with GPS distance and heart rate "
                           "on most of the run; this session is not one")
    if not PACE_RANGE[0] <= pace_factor <= PACE_RANGE[1]:
        raise ValueError(f"pace factor {pace_factor} is outside {PACE_RANGE}")
    run, previous = runs[index], runs[index - 1] if index else None
    hr_pred = fitted.hr_on(run, previous, run.time_x)
    speed_pred = fitted.speed_on(run, previous)
    what_if = None
    if other_route_id is not None:
        chosen = next((r for r in routes(store) if r.route_id == other_route_id), None)
        if chosen is None:
            raise NoPrediction(f"no route {other_route_id}")
        _, time_x, hr = fitted.run_curves(run, previous, route_x=chosen.route_x, pace_factor=pace_factor,
                                          start=run.start_time)
        what_if = pd.DataFrame({"t_min": time_x[:, 3], "hr_pred_bpm": hr})
    elif pace_factor != 1.0:
        time_x = scale_time(run.time_x, pace_factor)
        what_if = pd.DataFrame({"t_min": time_x[:, 3], "hr_pred_bpm": fitted.hr_on(run, previous, time_x)})
    ok = np.isfinite(run.hr_bpm)
    return SessionPrediction(
        pd.DataFrame({"t_min": run.time_x[:, 3], "hr_bpm": run.hr_bpm, "hr_pred_bpm": hr_pred,
                      "forecast_bpm": fitted.forecast(run)}),
        pd.DataFrame({"distance_km": run.route_x[:, 0], "speed_kmh": run.speed_kmh, "speed_pred_kmh": speed_pred}),
        what_if, float(np.abs(hr_pred[ok] - run.hr_bpm[ok]).mean()), float(np.abs(speed_pred - run.speed_kmh).mean()),
        not fitted.knows(run.athlete_id), _split_of(runs, activity_id), model_card.version, run.hr_max_bpm)


def ease_off(prediction: SessionPrediction, fraction: float) -> pd.DataFrame:
    """Where the warning fires on the run: the steps at which the short-term forecast crosses above
    `fraction` x HRmax (onsets), with the forecast and the HR that followed. Columns t_min,
    forecast_bpm, hr_bpm, ceiling_bpm."""
    frame = prediction.time.dropna(subset=["forecast_bpm"])
    ceiling = fraction * prediction.hr_max_bpm
    above = (frame["forecast_bpm"] > ceiling).to_numpy()
    onset = above & ~np.concatenate([[False], above[:-1]])
    out = frame.loc[onset, ["t_min", "forecast_bpm", "hr_bpm"]].reset_index(drop=True)
    return out.assign(ceiling_bpm=ceiling)


def athlete_stub(store: Store, athlete_id: int, start: dt.datetime) -> tuple[Run, Run | None]:
    """(a Run standing for the athlete on `start`, their latest run as context or None)."""
    runs = _athlete_runs(store, athlete_id)
    athlete = queries.athletes(store).set_index("athlete_id").loc[athlete_id]
    sex = athlete["sex"] if isinstance(athlete["sex"], str) else None
    empty = np.empty((0, 3))
    stub = Run(-1, athlete_id, runs[-1].sport if runs else "running", sex, start, "",
               float(hr_profile(store, athlete_id)["hr_max"]),
               np.empty((0, 5)), np.empty(0), empty, np.empty(0))
    return stub, (runs[-1] if runs else None)


@dataclass(frozen=True)
class RouteRanking:
    """routes.rank's table and curves (route_id -> (t_min, hr_bpm)); population: the athlete has
    no embedding of their own; history: they have a run to serve as the context."""
    table: pd.DataFrame
    curves: dict
    population: bool
    history: bool


def find_routes(store: Store, athlete_id: int, distance_km: float, target_hr_bpm: float | None = None,
                ceiling_bpm: float | None = None) -> RouteRanking:
    """routes.rank for the athlete running tomorrow morning, their latest run as the context."""
    if not 1.0 <= distance_km <= 60.0:
        raise ValueError("the distance must be 1-60 km")
    fitted, _ = model(store)
    start = dt.datetime.combine(clock.today() + dt.timedelta(days=1), dt.time(8))
    stub, previous = athlete_stub(store, athlete_id, start)
    table, curves = route_catalog.rank(fitted, routes(store), stub, previous, distance_km, target_hr_bpm, ceiling_bpm,
                                       start)
    return RouteRanking(table, curves, not fitted.knows(athlete_id), previous is not None)
