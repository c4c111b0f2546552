"""Runs as sequences for the HR kind (FitRec: Ni, Muhlstein & McAuley, WWW 2019).

Each run becomes two grids:
- a time grid of STEP_S = 10 s (FitRec's): the inputs TIME_INPUTS and the target HR (bpm, the mean
  of the clean readings in each 10 s bin; NaN where none);
- a distance grid of STEP_M = 50 m: the route's inputs ROUTE_INPUTS and the target speed (km/h,
  moving speed over the 50 m). On a time grid the distance input would give the speed away (it is
  distance per step), and a route that was never run has no time axis, so speed is predicted along
  the route and the time grid of a new route follows from it (`time_inputs`).

Split per athlete by time (FitRec): drop the first run (no history), then 80/10/10 train/val/test.
Athletes with fewer than MIN_RUNS runs are not trained on; the population model (unknown athlete)
predicts them. Scalers are fitted on the training runs only.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.load.report import hr_profile
from engine.models.registry import NotEnoughData
from engine.models.scaling import Scaler
from engine.session.detail import grade_pct, shows_pace
from engine.store import queries
from engine.store.db import Store

STEP_S = 10.0           # time grid, s (FitRec)
STEP_M = 50.0           # distance grid, m
MIN_RUNS = 5            # athletes with fewer runs are predicted by the population model
SPLIT = (0.8, 0.1, 0.1)  # train / val / test share of each athlete's runs after the first, by time
TIME_INPUTS = ["distance_km", "altitude_m", "grade_pct", "elapsed_min", "speed_kmh"]  # speed = distance change / 10 s
ROUTE_INPUTS = ["distance_km", "altitude_m", "grade_pct"]
INPUT_UNITS = {"distance_km": "km from the start", "altitude_m": "m", "grade_pct": "% over 50 m",
               "elapsed_min": "min since the start", "speed_kmh": "km/h over the 10 s step"}
HR_VALID_BPM = (30.0, 230.0)  # readings outside are sensor errors
SPIKE_BPM = 25.0        # a reading this far from the median of its 60 s is a spike (optical HR artefact)
SPIKE_WINDOW_S = 60.0
LOCK_WINDOW_S = 300.0   # cadence lock: in the first 5 min, HR within LOCK_BPM of the step rate for
LOCK_BPM = 3.0          # LOCK_HOLD_S or more is the sensor counting steps, not beats (a known
LOCK_HOLD_S = 30.0      # optical-HR artefact)
MOVING_KMH = 1.8        # slower over a 10 s step is standing (auto-pause, traffic lights)
SPEED_KMH = (2.0, 30.0)  # moving speeds outside are GPS errors (clipped)
MIN_DISTANCE_M = 1000.0
MIN_DURATION_S = 300.0
MIN_HR_SHARE = 0.6      # a run needs clean HR on 60 % of its time steps


@dataclass(frozen=True, eq=False)
class Run:
    """One run on both grids, raw units: time_x (n_t, TIME_INPUTS), hr_bpm (n_t, NaN = no clean
    reading); route_x (n_d, ROUTE_INPUTS), speed_kmh (n_d)."""
    activity_id: int
    athlete_id: int
    sport: str
    sex: str | None
    start_time: dt.datetime
    name: str
    hr_max_bpm: float
    time_x: np.ndarray
    hr_bpm: np.ndarray
    route_x: np.ndarray
    speed_kmh: np.ndarray
    lat: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))  # on the distance grid
    lon: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))


@dataclass(frozen=True)
class Scalers:
    """Fitted on the training runs only."""
    time_x: Scaler
    route_x: Scaler
    hr: Scaler
    speed: Scaler

    @classmethod
    def fit(cls, runs: list[Run]) -> Scalers:
        return cls(Scaler.fit(np.concatenate([r.time_x for r in runs])),
                   Scaler.fit(np.concatenate([r.route_x for r in runs])),
                   Scaler.fit(np.concatenate([r.hr_bpm for r in runs])),
                   Scaler.fit(np.concatenate([r.speed_kmh for r in runs])))

    def to_dict(self) -> dict:
        return {k: getattr(self, k).to_dict() for k in ("time_x", "route_x", "hr", "speed")}

    @classmethod
    def from_dict(cls, d: dict) -> Scalers:
        return cls(**{k: Scaler.from_dict(v) for k, v in d.items()})


@dataclass(frozen=True)
class HrData:
    """The split: train/val/test runs of athletes with >= MIN_RUNS runs, `cold` the runs (after the
    first) of the others; `previous` maps a run's activity_id to the athlete's run before it (the
    context), None for a first run; `runs` holds every run, first runs too."""
    train: list[Run]
    val: list[Run]
    test: list[Run]
    cold: list[Run]
    previous: dict[int, Run | None]
    runs: list[Run]
    scalers: Scalers
    athletes: list[int]     # vocabulary: index i + 1 (0 = unknown athlete, the population model)
    sports: list[str]       # vocabulary: index i + 1 (0 = unknown sport)


def clean_hr(t_s: np.ndarray, hr_bpm: np.ndarray, cadence_spm: np.ndarray | None = None) -> np.ndarray:
    """HR readings with artefacts set to NaN: outside HR_VALID_BPM; spikes (more than SPIKE_BPM
    from the median of a centred SPIKE_WINDOW_S); cadence lock (in the first LOCK_WINDOW_S, HR
    within LOCK_BPM of the step rate through a whole centred LOCK_HOLD_S). The cadence is stored as
    the device reports it, per foot (FIT, TCX) or both feet, so both readings are tried."""
    hr = np.asarray(hr_bpm, dtype=float).copy()
    hr[(hr < HR_VALID_BPM[0]) | (hr > HR_VALID_BPM[1])] = np.nan
    index = pd.to_timedelta(t_s, unit="s")
    if cadence_spm is not None and np.isfinite(cadence_spm).any():
        cadence = np.asarray(cadence_spm, dtype=float)
        with np.errstate(invalid="ignore"):
            near = (np.abs(hr - cadence) <= LOCK_BPM) | (np.abs(hr - 2 * cadence) <= LOCK_BPM)
        held = pd.Series(near.astype(float), index=index).rolling(pd.Timedelta(seconds=LOCK_HOLD_S), center=True,
                                                                  min_periods=1).min().to_numpy()
        hr[(t_s < LOCK_WINDOW_S) & (held == 1.0)] = np.nan
    series = pd.Series(hr, index=index)
    median = series.rolling(pd.Timedelta(seconds=SPIKE_WINDOW_S), center=True, min_periods=1).median().to_numpy()
    with np.errstate(invalid="ignore"):
        hr[np.abs(hr - median) > SPIKE_BPM] = np.nan
    return hr


def _bin_mean(bins: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    ok = np.isfinite(values)
    total = np.bincount(bins[ok], values[ok], minlength=n)[:n]
    count = np.bincount(bins[ok], minlength=n)[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def time_grid(t_s: np.ndarray, distance_m: np.ndarray, altitude_m: np.ndarray, hr_bpm: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """(time_x, hr_bpm) on the STEP_S grid from one run's records (t_s sorted, distance cumulative).
    Step k covers [k STEP_S, (k + 1) STEP_S): HR and altitude are bin means, distance is read at the
    step's end, so speed_kmh is the distance covered in the step."""
    n = int(t_s[-1] // STEP_S) + 1
    bins = (t_s // STEP_S).astype(np.int64)
    ends = (np.arange(n) + 1) * STEP_S
    distance = np.interp(ends, t_s, distance_m)
    altitude = _bin_mean(bins, altitude_m, n)
    if np.isfinite(altitude).any():
        altitude = pd.Series(altitude).interpolate(limit_direction="both").to_numpy()
    else:
        altitude = np.zeros(n)
    return _time_x(ends, distance, altitude), _bin_mean(bins, hr_bpm, n)


def _time_x(ends_s: np.ndarray, distance_m: np.ndarray, altitude_m: np.ndarray) -> np.ndarray:
    """TIME_INPUTS of steps ending at ends_s (every STEP_S) with the distance and altitude there."""
    speed = np.diff(distance_m, prepend=0.0) / STEP_S * 3.6
    grade = np.nan_to_num(grade_pct(distance_m, altitude_m))
    return np.column_stack([distance_m / 1000, altitude_m, grade, ends_s / 60, speed])


def route_grid(time_x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(route_x, speed_kmh) on the STEP_M grid from a run's time grid: point j is at (j + 1/2)
    STEP_M; its speed is STEP_M over the moving time spent around it (steps slower than MOVING_KMH
    are standing and do not count)."""
    distance_m = np.concatenate([[0.0], time_x[:, 0] * 1000])
    moving_s = np.concatenate([[0.0], np.cumsum(np.where(time_x[:, 4] >= MOVING_KMH, STEP_S, 0.0))])
    altitude_m = np.concatenate([time_x[:1, 1], time_x[:, 1]])
    d, first = np.unique(np.maximum.accumulate(distance_m), return_index=True)
    n = int(d[-1] // STEP_M)
    if n < 1:
        return np.empty((0, len(ROUTE_INPUTS))), np.empty(0)
    centres = (np.arange(n) + 0.5) * STEP_M
    t_edges = np.interp(np.arange(n + 1) * STEP_M, d, moving_s[first])
    with np.errstate(divide="ignore"):
        speed = np.clip(STEP_M / np.diff(t_edges) * 3.6, *SPEED_KMH)
    altitude = np.interp(centres, d, altitude_m[first])
    return route_profile(centres, altitude), speed


def route_profile(distance_m: np.ndarray, altitude_m: np.ndarray) -> np.ndarray:
    """route_x (ROUTE_INPUTS) at the given distances (m) and altitudes (m)."""
    return np.column_stack([distance_m / 1000, altitude_m, np.nan_to_num(grade_pct(distance_m, altitude_m))])


def time_inputs(route_x: np.ndarray, speed_kmh: np.ndarray) -> np.ndarray:
    """The time grid (TIME_INPUTS) of running a route (route_x on the STEP_M grid) at the given
    speed per route point (km/h) without stopping."""
    seconds = STEP_M / (np.clip(speed_kmh, *SPEED_KMH) / 3.6)
    t_edges = np.concatenate([[0.0], np.cumsum(seconds)])
    d_edges = np.arange(len(route_x) + 1) * STEP_M
    ends = (np.arange(int(t_edges[-1] // STEP_S)) + 1) * STEP_S
    distance = np.interp(ends, t_edges, d_edges)
    return _time_x(ends, distance, np.interp(distance, route_x[:, 0] * 1000, route_x[:, 1]))


def scale_time(time_x: np.ndarray, pace_factor: float) -> np.ndarray:
    """A run's time grid as if run `pace_factor` times as fast (1.1 = 10 % faster), same stops."""
    distance_m = np.concatenate([[0.0], time_x[:, 0] * 1000])
    t_s = np.arange(len(distance_m)) * STEP_S / pace_factor
    ends = (np.arange(int(t_s[-1] // STEP_S)) + 1) * STEP_S
    return _time_x(ends, np.interp(ends, t_s, distance_m), np.interp(ends, t_s[1:], time_x[:, 1]))


RUN_SQL = """
SELECT a.activity_id, a.athlete_id, a.sport, a.start_time, coalesce(a.name, '') AS name, t.sex
FROM activities a JOIN athletes t USING (athlete_id)
WHERE a.distance_m >= ? AND a.duration_s >= ?
  AND EXISTS (SELECT 1 FROM samples s WHERE s.activity_id = a.activity_id AND s.heart_rate IS NOT NULL)
ORDER BY a.athlete_id, a.start_time, a.activity_id
"""


def load_runs(store: Store, athlete_ids: list[int] | None = None) -> list[Run]:
    """Every run-like activity (sport read as pace) with distance, HR and at least MIN_HR_SHARE
    clean HR steps, ordered by athlete and start time."""
    meta = store.query(RUN_SQL, [MIN_DISTANCE_M, MIN_DURATION_S])
    meta = meta[meta["sport"].map(shows_pace)]
    if athlete_ids is not None:
        meta = meta[meta["athlete_id"].isin(athlete_ids)]
    if meta.empty:
        return []
    ids = meta["activity_id"].astype(int).tolist()
    samples = store.query(
        "SELECT activity_id, t_s, distance_m, altitude_m, heart_rate, cadence, lat, lon FROM samples "
        f"WHERE activity_id IN ({', '.join(map(str, ids))}) ORDER BY activity_id, t_s")
    hr_max = {a: hr_profile(store, int(a))["hr_max"] for a in meta["athlete_id"].unique()}
    by_id = dict(tuple(samples.groupby("activity_id", sort=False)))
    runs = []
    for m in meta.itertuples():
        s = by_id[m.activity_id].drop_duplicates("t_s")
        t = s["t_s"].to_numpy(dtype=float)
        distance = s["distance_m"].astype(float).ffill().fillna(0.0).to_numpy()
        if not np.isfinite(distance).any() or distance.max() < MIN_DISTANCE_M:
            continue
        hr = clean_hr(t, s["heart_rate"].to_numpy(dtype=float, na_value=np.nan),
                      s["cadence"].to_numpy(dtype=float, na_value=np.nan))
        time_x, hr_grid = time_grid(t, np.maximum.accumulate(distance),
                                    s["altitude_m"].to_numpy(dtype=float, na_value=np.nan), hr)
        if np.isfinite(hr_grid).mean() < MIN_HR_SHARE:
            continue
        route_x, speed = route_grid(time_x)
        along = route_x[:, 0] * 1000
        lat = np.interp(along, distance, s["lat"].to_numpy(dtype=float, na_value=np.nan))
        lon = np.interp(along, distance, s["lon"].to_numpy(dtype=float, na_value=np.nan))
        runs.append(Run(int(m.activity_id), int(m.athlete_id), str(m.sport), m.sex if isinstance(m.sex, str) else None,
                        pd.Timestamp(m.start_time).to_pydatetime(), m.name, float(hr_max[m.athlete_id]),
                        time_x, hr_grid, route_x, speed, lat, lon))
    return runs


def split(runs: list[Run], names: dict[int, str] | None = None) -> HrData:
    """Per athlete by start time: the first run is context only; of athletes with >= MIN_RUNS runs,
    the rest go 80/10/10 to train/val/test (at least one each to val and test); the rest of the
    others' runs are `cold`. NotEnoughData without any training run (naming, from `names`, the
    athlete closest to MIN_RUNS)."""
    train, val, test, cold, previous = [], [], [], [], {}
    by_athlete: dict[int, list[Run]] = {}
    for r in runs:
        by_athlete.setdefault(r.athlete_id, []).append(r)
    for athlete_runs in by_athlete.values():
        athlete_runs.sort(key=lambda r: (r.start_time, r.activity_id))
        for before, r in zip([None, *athlete_runs[:-1]], athlete_runs):
            previous[r.activity_id] = before
        rest = athlete_runs[1:]
        if len(athlete_runs) < MIN_RUNS:
            cold += rest
            continue
        n_test = max(1, round(SPLIT[2] * len(rest)))
        n_val = max(1, round(SPLIT[1] * len(rest)))
        n_train = len(rest) - n_val - n_test
        train += rest[:n_train]
        val += rest[n_train:n_train + n_val]
        test += rest[n_train + n_val:]
    if not train:
        most = max(by_athlete.values(), key=len, default=[])
        who = f"{(names or {}).get(most[0].athlete_id, f'athlete {most[0].athlete_id}')} has {len(most)}" if most \
            else "none has any"
        raise NotEnoughData(f"the HR model needs at least {MIN_RUNS} runs with heart rate from one athlete; {who}")
    return HrData(train, val, test, cold, previous, runs, Scalers.fit(train),
                  sorted({r.athlete_id for r in train}), sorted({r.sport for r in train}))


def build(store: Store) -> HrData:
    return split(load_runs(store), queries.athletes(store).set_index("athlete_id")["name"].to_dict())
