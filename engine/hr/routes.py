"""The squad's routes: every run's track grouped into routes (demo loops and uploaded real runs
alike), and the route finder that ranks them for an athlete by predicted HR against a target.

Two runs share a route when their lengths differ by less than SAME_LENGTH and their tracks, read at
SAME_POINTS points spread over the distance, lie on average within SAME_TRACK_M of each other.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.hr.dataset import STEP_M, STEP_S, Run

SAME_LENGTH = 0.04       # relative
SAME_TRACK_M = 120.0
SAME_POINTS = 12
M_PER_DEG = 111_320.0


@dataclass(frozen=True, eq=False)
class Route:
    """One route: its most recent run is the representative (route_x on the STEP_M grid, lat/lon)."""
    route_id: int
    name: str
    distance_km: float
    ascent_m: float
    runs: int
    athletes: int
    representative: Run

    @property
    def route_x(self) -> np.ndarray:
        return self.representative.route_x

    @property
    def label(self) -> str:
        return f"{self.name} ({self.distance_km:.1f} km)"


def _points(run: Run) -> np.ndarray:
    """SAME_POINTS track points (m, local plane) evenly spread over the run's distance grid."""
    idx = np.linspace(0, len(run.route_x) - 1, SAME_POINTS).round().astype(int)
    lat, lon = run.lat[idx], run.lon[idx]
    return np.column_stack([lat * M_PER_DEG, lon * M_PER_DEG * np.cos(np.radians(np.nanmean(run.lat)))])


def _name(runs: list[Run], number: int) -> str:
    """The commonest place in the runs' names ("Easy run - Riverside" -> "Riverside"), else a number."""
    places = Counter(r.name.split(" - ", 1)[1] for r in runs if " - " in r.name)
    return places.most_common(1)[0][0] if places else f"Route {number}"


def catalog(runs: list[Run]) -> list[Route]:
    """Every route of `runs` (with a GPS track), most-run first."""
    groups: list[tuple[np.ndarray, float, list[Run]]] = []
    for run in sorted((r for r in runs if len(r.route_x) >= 2 and np.isfinite(r.lat).all()),
                      key=lambda r: r.start_time):
        length, pts = len(run.route_x), _points(run)
        for g_pts, g_len, members in groups:
            if abs(length / g_len - 1) < SAME_LENGTH and np.linalg.norm(pts - g_pts, axis=1).mean() < SAME_TRACK_M:
                members.append(run)
                break
        else:
            groups.append((pts, float(length), [run]))
    groups.sort(key=lambda g: (-len(g[2]), g[1]))
    routes = []
    for number, (_, _, members) in enumerate(groups, start=1):
        rep = members[-1]
        distance_km = len(rep.route_x) * STEP_M / 1000
        ascent = float(np.clip(np.diff(rep.route_x[:, 1]), 0, None).sum())
        routes.append(Route(number, _name(members, number), distance_km, round(ascent),
                            len(members), len({r.athlete_id for r in members}), rep))
    return routes


def route_frame(routes: list[Route]) -> pd.DataFrame:
    """One row per route for a table: route_id, name, distance_km, ascent_m, runs, athletes."""
    return pd.DataFrame([{"route_id": r.route_id, "name": r.name, "distance_km": round(r.distance_km, 2),
                          "ascent_m": r.ascent_m, "runs": r.runs, "athletes": r.athletes} for r in routes],
                        columns=["route_id", "name", "distance_km", "ascent_m", "runs", "athletes"])


def to_distance(route_x: np.ndarray, distance_km: float) -> np.ndarray:
    """The route run over `distance_km`: looped as often as needed (a loop ends where it starts),
    cut at the distance. route_x on the STEP_M grid."""
    n = max(int(round(distance_km * 1000 / STEP_M)), 1)
    reps = int(np.ceil(n / len(route_x)))
    tiled = np.tile(route_x, (reps, 1))[:n].copy()
    tiled[:, 0] = (np.arange(n) + 0.5) * STEP_M / 1000
    return tiled


def rank(model, routes: list[Route], athlete: Run, previous: Run | None, distance_km: float,
         target_hr_bpm: float | None = None, ceiling_bpm: float | None = None,
         start: dt.datetime | None = None) -> tuple[pd.DataFrame, dict]:
    """Routes ranked for one athlete over `distance_km`: by |predicted mean HR - target| when a
    target is given, else by predicted minutes above the ceiling (then mean HR). `athlete` stands
    for the athlete (a run of theirs, or `athlete_stub`), `previous` is their latest run (context).
    Columns: route_id, name, loops, hr_mean_bpm, hr_max_bpm, minutes_above, duration_min,
    speed_kmh, gap_bpm (|mean - target|); and the curves: route_id -> (t_min, hr_bpm)."""
    if target_hr_bpm is None and ceiling_bpm is None:
        raise ValueError("give a target average HR or a ceiling")
    rows, curves = [], {}
    for route in routes:
        route_x = to_distance(route.route_x, distance_km)
        speed, time_x, hr = model.run_curves(athlete, previous, route_x=route_x, start=start)
        above = float((hr > ceiling_bpm).sum() * STEP_S / 60) if ceiling_bpm is not None else np.nan
        mean = float(hr.mean())
        rows.append({"route_id": route.route_id, "name": route.name,
                     "loops": round(distance_km / route.distance_km, 1), "hr_mean_bpm": round(mean, 1),
                     "hr_max_bpm": round(float(hr.max()), 1), "minutes_above": round(above, 1),
                     "duration_min": round(float(time_x[-1, 3]) if len(time_x) else 0.0, 1),
                     "speed_kmh": round(float(distance_km / (time_x[-1, 3] / 60)) if len(time_x) else np.nan, 2),
                     "gap_bpm": abs(mean - target_hr_bpm) if target_hr_bpm is not None else np.nan})
        curves[route.route_id] = (time_x[:, 3], hr)
    order = ["gap_bpm", "route_id"] if target_hr_bpm is not None else ["minutes_above", "hr_mean_bpm", "route_id"]
    return pd.DataFrame(rows).sort_values(order).reset_index(drop=True), curves
