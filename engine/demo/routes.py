"""A dozen fixed closed running loops around one town, with terrain-consistent elevation.

The town sits on a river plain with a ridge to the west (shaped after Changsha and Yuelu Shan);
all geometry and terrain are assumptions [A]. Routes depend only on the generator passed in.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOWN_LAT, TOWN_LON = 28.1960, 112.9720   # town centre, degrees
BASE_ALTITUDE_M = 45.0
STEP_M = 5.0                             # spacing of route points, m
MAX_SLOPE = 0.095                        # steepest terrain slope, decimal [A]
M_PER_DEG_LAT = 111_320.0
FLAT_PLACES = ["Riverside", "Old Town", "Park", "Lakeside", "Canal", "Campus", "Stadium",
               "Orchard", "Island", "Harbour", "Garden", "Market"]
HILL_PLACES = ["Ridge", "Hilltop", "Summit", "Quarry", "Pine Hill", "Lookout", "Temple",
               "Forest", "Reservoir", "Tea Hill", "Pagoda", "Bamboo Hill"]


@dataclass(frozen=True)
class Route:
    """A closed loop sampled every STEP_M metres; the last point equals the first."""
    route_id: int
    name: str
    s_m: np.ndarray          # distance along the loop, m
    lat: np.ndarray          # degrees
    lon: np.ndarray          # degrees
    altitude_m: np.ndarray
    grade: np.ndarray        # d altitude / d distance, decimal

    @property
    def length_m(self) -> float:
        return float(self.s_m[-1])

    @property
    def max_grade(self) -> float:
        return float(np.abs(self.grade).max())


def _hills(rng: np.random.Generator) -> np.ndarray:
    """Gaussian hills (x_m, y_m, height_m, sigma_m): the western ridge plus three smaller ones,
    each sized so its steepest slope (height/sigma e^-1/2) is 5-8 % [A]."""
    ridge = [-5500.0, 800.0, 220.0, 1700.0]          # max slope 7.9 %
    angle = rng.uniform(0, 2 * np.pi, 3)
    dist_m = rng.uniform(2500, 7000, 3)
    sigma_m = rng.uniform(500, 1000, 3)
    height_m = rng.uniform(0.05, 0.08, 3) * sigma_m / np.exp(-0.5)
    small = np.column_stack([dist_m * np.cos(angle), dist_m * np.sin(angle), height_m, sigma_m])
    hills = np.vstack([ridge, small])
    # overlapping hills add up: scale heights so no slope on a 50 m grid exceeds MAX_SLOPE
    grid_m = np.arange(-15000.0, 15001.0, 50.0)
    altitude_m = terrain_altitude_m(*np.meshgrid(grid_m, grid_m), hills)
    hills[:, 2] *= min(1.0, MAX_SLOPE / np.hypot(*np.gradient(altitude_m, 50.0)).max())
    return hills


def terrain_altitude_m(x_m, y_m, hills: np.ndarray):
    """Altitude (m) at east/north offsets from the town centre: a gently rolling plain
    (+-4 m, slopes < 1 %) plus Gaussian hills [A]."""
    d2 = (x_m[..., None] - hills[:, 0]) ** 2 + (y_m[..., None] - hills[:, 1]) ** 2
    rolling_m = 4.0 * np.sin(x_m / 700.0) * np.cos(y_m / 900.0)
    return BASE_ALTITUDE_M + rolling_m + (hills[:, 2] * np.exp(-d2 / (2 * hills[:, 3] ** 2))).sum(axis=-1)


def _loop_xy(length_m: float, direction_rad: float, rng: np.random.Generator):
    """A smooth closed loop (x_m, y_m) of the given perimeter, starting at its point nearest
    the town centre: r(theta) = R (1 + sum a_k cos(k theta + phi_k)), k = 2..4."""
    theta = np.linspace(0, 2 * np.pi, 4001)
    k = np.arange(2, 5)[:, None]
    wobble = (rng.uniform(0, 0.12, (3, 1)) * np.cos(k * theta + rng.uniform(0, 2 * np.pi, (3, 1)))).sum(0)
    x, y = (1 + wobble) * np.cos(theta), (1 + wobble) * np.sin(theta)
    perimeter = np.hypot(np.diff(x), np.diff(y)).sum()
    scale = length_m / perimeter
    offset_m = scale + rng.uniform(200, 1500)
    x = x * scale + offset_m * np.cos(direction_rad)
    y = y * scale + offset_m * np.sin(direction_rad)
    start = int(np.argmin(np.hypot(x[:-1], y[:-1])))
    x, y = np.roll(x[:-1], -start), np.roll(y[:-1], -start)
    x, y = np.append(x, x[0]), np.append(y, y[0])
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    s_m = np.arange(0.0, s[-1], STEP_M)
    s_m = np.append(s_m, s[-1]) if s[-1] - s_m[-1] > 1.0 else np.append(s_m[:-1], s[-1])
    return s_m, np.interp(s_m, s, x), np.interp(s_m, s, y)


def build_routes(rng: np.random.Generator, n_routes: int = 12) -> list[Route]:
    """`n_routes` loops of 3-21 km (geometric spacing, +-5 %) in spread-out directions."""
    hills = _hills(rng)
    lengths_m = np.geomspace(3000, 21000, n_routes) * rng.uniform(0.95, 1.05, n_routes)
    lengths_m[-1] = min(lengths_m[-1], 21000.0)
    directions = (np.arange(n_routes) * 2 * np.pi / n_routes)[rng.permutation(n_routes)]
    flat_names, hill_names = list(rng.permutation(FLAT_PLACES)), list(rng.permutation(HILL_PLACES))
    routes = []
    for route_id, (length_m, direction) in enumerate(zip(lengths_m, directions), start=1):
        s_m, x_m, y_m = _loop_xy(length_m, direction + rng.uniform(-0.2, 0.2), rng)
        altitude_m = terrain_altitude_m(x_m, y_m, hills)
        # central differences around the closed loop (first and last point coincide)
        alt = altitude_m[:-1]
        ds = np.diff(s_m)
        grade = (np.roll(alt, -1) - np.roll(alt, 1)) / (ds + np.roll(ds, 1))
        grade = np.append(grade, grade[0])
        place = (hill_names if np.abs(grade).max() > 0.05 else flat_names).pop()
        lat = TOWN_LAT + y_m / M_PER_DEG_LAT
        lon = TOWN_LON + x_m / (M_PER_DEG_LAT * np.cos(np.radians(TOWN_LAT)))
        routes.append(Route(route_id, f"{place} Loop {length_m / 1000:.0f}K", s_m, lat, lon,
                            altitude_m, grade))
    return routes
