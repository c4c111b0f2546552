"""One activity's samples as smoothed curves, and its splits.

`track(samples)` turns the stored samples into the curves the session view draws: cumulative
distance, smoothed speed and pace, smoothed altitude and grade, heart rate. `splits(track,
windows)` summarises any time windows of a track; per-km splits (`km_windows`) and per-lap splits
(`lap_windows`, from the device's laps) are both computed by it, so both use one method.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.ingest.common import PAUSE_GAP_S

SMOOTH_WINDOW_S = 25.0     # speed: rolling median, then rolling mean, each over a centred 25 s window
ALTITUDE_WINDOW_S = 30.0   # altitude: the same two passes over 30 s (GPS/baro noise of a few metres)
WALK_FLOOR_MPS = 1.4       # walking speed (5 km/h, 11:54 min/km): slower gets no pace, so standing and
                           # walking do not stretch the pace axis
GRADE_SPAN_M = 50.0        # grade = rise / run over 50 m of distance centred on the sample
MAX_GRADE_PCT = 40.0       # steeper is altitude noise on a short run, not terrain
MIN_SPLIT_M = 10.0         # a split shorter than this gets no pace
KM_M = 1000.0

TRACK_COLUMNS = ["t_s", "t_min", "distance_m", "distance_km", "lat", "lon", "heart_rate", "altitude_m",
                 "altitude_smooth_m", "speed_mps", "speed_kmh", "pace_min_per_km", "grade_pct"]
SPLIT_COLUMNS = ["split", "start_s", "end_s", "distance_m", "elapsed_s", "moving_s", "pace_s_per_km",
                 "avg_hr_bpm", "gain_m", "loss_m"]


def shows_pace(sport: str | None) -> bool:
    """Runs, walks and hikes are read as pace (min/km); rides as speed (km/h)."""
    sport = (sport or "").lower()
    return not any(word in sport for word in ("cycl", "bik", "ride"))


def smooth(values, t_s, window_s: float = SMOOTH_WINDOW_S) -> np.ndarray:
    """A rolling median (drops spikes: a GPS jump of one or two records) followed by a rolling mean
    (evens out the rest), both over centred windows of `window_s` seconds of `t_s` (sorted).
    Missing values are skipped; a window without any value stays NaN."""
    series = pd.Series(np.asarray(values, dtype=float), index=pd.to_timedelta(np.asarray(t_s, dtype=float), unit="s"))
    window = pd.Timedelta(seconds=window_s)
    median = series.rolling(window, center=True, min_periods=1).median()
    return median.rolling(window, center=True, min_periods=1).mean().to_numpy(copy=True)


def _cumulative_distance(distance_m: pd.Series) -> np.ndarray:
    """The recorded cumulative distance, gaps filled, never decreasing (0 without any distance)."""
    d = pd.to_numeric(distance_m, errors="coerce").astype(float).ffill().bfill().fillna(0.0).to_numpy()
    return np.maximum.accumulate(d)


def grade_pct(distance_m, altitude_m, span_m: float = GRADE_SPAN_M) -> np.ndarray:
    """Grade (%) at each point: altitude change over `span_m` of distance centred on the point
    (shorter at the ends), clipped to +-MAX_GRADE_PCT; NaN without altitude or where the run is too
    short (standing still)."""
    distance_m, altitude_m = np.asarray(distance_m, dtype=float), np.asarray(altitude_m, dtype=float)
    ok = np.isfinite(distance_m) & np.isfinite(altitude_m)
    out = np.full(len(distance_m), np.nan)
    if ok.sum() < 2:
        return out
    d, first = np.unique(distance_m[ok], return_index=True)
    a = altitude_m[ok][first]
    if len(d) < 2:
        return out
    lo = np.clip(distance_m - span_m / 2, d[0], d[-1])
    hi = np.clip(distance_m + span_m / 2, d[0], d[-1])
    run = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        grade = 100.0 * (np.interp(hi, d, a) - np.interp(lo, d, a)) / run
    grade[~(run >= span_m / 4)] = np.nan
    return np.clip(grade, -MAX_GRADE_PCT, MAX_GRADE_PCT)


def track(samples: pd.DataFrame) -> pd.DataFrame:
    """The curves of one activity from its samples (SAMPLE_COLUMNS, any order): TRACK_COLUMNS.

    speed_mps is the recorded speed (else distance change / time) smoothed by `smooth`, so a GPS
    spike never shows; pace_min_per_km = 1000 / speed / 60, blank below WALK_FLOOR_MPS (standing
    still would stretch the pace axis); altitude_smooth_m is the altitude smoothed over
    ALTITUDE_WINDOW_S; grade_pct comes from it (`grade_pct`). heart_rate (bpm) is as recorded.
    """
    s = samples.sort_values("t_s", kind="stable").drop_duplicates("t_s").reset_index(drop=True)
    t = s["t_s"].to_numpy(dtype=float)
    distance = _cumulative_distance(s["distance_m"])
    recorded = pd.to_numeric(s["speed_mps"], errors="coerce").astype(float).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        derived = np.concatenate([[np.nan], np.diff(distance) / np.diff(t)]) if len(t) else np.array([])
    raw_speed = np.where(np.isfinite(recorded), recorded, derived)
    speed = smooth(raw_speed, t) if len(t) else raw_speed
    altitude = pd.to_numeric(s["altitude_m"], errors="coerce").astype(float).to_numpy()
    altitude_smooth = smooth(altitude, t, ALTITUDE_WINDOW_S) if len(t) else altitude
    altitude_smooth[~np.isfinite(altitude)] = np.nan  # no altitude is drawn where none was recorded
    with np.errstate(invalid="ignore", divide="ignore"):
        pace = np.where(speed >= WALK_FLOOR_MPS, KM_M / speed / 60.0, np.nan)
    return pd.DataFrame({
        "t_s": t, "t_min": t / 60.0, "distance_m": distance, "distance_km": distance / KM_M,
        "lat": s["lat"].astype(float).to_numpy(), "lon": s["lon"].astype(float).to_numpy(),
        "heart_rate": pd.to_numeric(s["heart_rate"], errors="coerce").astype(float).to_numpy(),
        "altitude_m": altitude, "altitude_smooth_m": altitude_smooth,
        "speed_mps": speed, "speed_kmh": speed * 3.6, "pace_min_per_km": pace,
        "grade_pct": grade_pct(distance, altitude_smooth),
    }, columns=TRACK_COLUMNS)


def crossing_times(track: pd.DataFrame, distances_m) -> np.ndarray:
    """The time (s) at which the cumulative distance first reaches each of `distances_m`
    (linear between records)."""
    t, d = track["t_s"].to_numpy(dtype=float), track["distance_m"].to_numpy(dtype=float)
    targets = np.asarray(distances_m, dtype=float)
    i = np.clip(np.searchsorted(d, targets, side="left"), 1, max(len(d) - 1, 1))
    d0, d1, t0, t1 = d[i - 1], d[i], t[i - 1], t[i]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(d1 > d0, (targets - d0) / (d1 - d0), 1.0)
    return t0 + np.clip(frac, 0.0, 1.0) * (t1 - t0)


def km_windows(track: pd.DataFrame, split_m: float = KM_M) -> pd.DataFrame:
    """Time windows (split, start_s, end_s) of each `split_m` of distance; the last holds the rest
    (a remainder under half a metre joins the split before)."""
    if track.empty:
        return pd.DataFrame({"split": pd.Series(dtype="int64"), "start_s": [], "end_s": []})
    total = float(track["distance_m"].iloc[-1])
    marks = crossing_times(track, np.arange(split_m, total - 0.5, split_m))
    edges = np.concatenate([[track["t_s"].iloc[0]], marks, [track["t_s"].iloc[-1]]])
    return pd.DataFrame({"split": np.arange(1, len(edges)), "start_s": edges[:-1], "end_s": edges[1:]})


def lap_windows(laps: pd.DataFrame) -> pd.DataFrame:
    """Time windows (split = lap_no, start_s, end_s) of the device's laps. A lap lasts until the next
    one starts (devices round lap starts to the second, leaving gaps of a few seconds between a lap's
    duration and the next start), the last one its duration; a lap without a start begins where
    the one before ended."""
    laps = laps.sort_values("lap_no")
    duration = laps["duration_s"].astype(float).fillna(0.0)
    start = laps["start_s"].astype(float).fillna(duration.cumsum().shift(fill_value=0.0)).to_numpy()
    last_end = start[-1:] + duration.to_numpy()[-1:]
    return pd.DataFrame({"split": laps["lap_no"].astype("int64").to_numpy(), "start_s": start,
                         "end_s": np.concatenate([start[1:], last_end])})


def _at(t: np.ndarray, values: np.ndarray, when: float) -> float:
    ok = np.isfinite(values)
    return float(np.interp(when, t[ok], values[ok])) if ok.any() else np.nan


def splits(track: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """Summary of each time window (split, start_s, end_s) of a track: SPLIT_COLUMNS.

    distance_m: cumulative distance at the end minus at the start; elapsed_s: end - start;
    moving_s: the time between records inside the window, gaps over PAUSE_GAP_S left out (the
    import's rule for pauses); pace_s_per_km = moving_s per km (blank under MIN_SPLIT_M);
    avg_hr_bpm: time-weighted mean HR over the moving time; gain_m / loss_m: climbs / descents of
    the smoothed altitude. Windows are clipped to the recording. Consecutive windows add up to the
    whole: distance, times, gain and loss of the parts sum to those of the activity.
    """
    t = track["t_s"].to_numpy(dtype=float)
    d = track["distance_m"].to_numpy(dtype=float)
    hr = track["heart_rate"].to_numpy(dtype=float)
    alt = track["altitude_smooth_m"].to_numpy(dtype=float)
    gaps = np.diff(t)
    moving = gaps <= PAUSE_GAP_S
    has_alt = np.isfinite(alt)
    rows = []
    for w in windows.itertuples(index=False):
        start = float(np.clip(w.start_s, t[0], t[-1])) if len(t) else 0.0
        end = float(np.clip(w.end_s, start, t[-1])) if len(t) else 0.0
        overlap = np.clip(np.minimum(end, t[1:]) - np.maximum(start, t[:-1]), 0.0, None) * moving
        distance = float(np.interp(end, t, d) - np.interp(start, t, d)) if len(t) else 0.0
        moving_s = float(overlap.sum())
        hr_weight = np.where(np.isfinite(hr[:-1]), overlap, 0.0)
        avg_hr = float((np.nan_to_num(hr[:-1]) * hr_weight).sum() / hr_weight.sum()) if hr_weight.sum() > 0 else np.nan
        gain = loss = np.nan
        if has_alt.any():
            inside = has_alt & (t > start) & (t < end)
            profile = np.concatenate([[_at(t, alt, start)], alt[inside], [_at(t, alt, end)]])
            steps = np.diff(profile)
            gain, loss = float(steps[steps > 0].sum()), float(-steps[steps < 0].sum()) + 0.0  # + 0.0: no -0.0
        pace = moving_s / (distance / KM_M) if distance >= MIN_SPLIT_M else np.nan
        rows.append([int(w.split), start, end, distance, end - start, moving_s, pace, avg_hr, gain, loss])
    return pd.DataFrame(rows, columns=SPLIT_COLUMNS).astype({"split": "int64"})


def km_splits(track: pd.DataFrame) -> pd.DataFrame:
    """Splits of every kilometre (the last one holds the rest)."""
    return splits(track, km_windows(track))


def lap_splits(track: pd.DataFrame, laps: pd.DataFrame) -> pd.DataFrame:
    """Splits of the device's laps (the `laps` table), by the same method as the km splits."""
    return splits(track, lap_windows(laps))


def pace_s_per_km(seconds: float | None, distance_m: float | None) -> float:
    """Seconds per km; NaN without a distance of at least MIN_SPLIT_M."""
    if seconds is None or distance_m is None or pd.isna(seconds) or pd.isna(distance_m) or distance_m < MIN_SPLIT_M:
        return np.nan
    return float(seconds) / (float(distance_m) / KM_M)


def thin(frame: pd.DataFrame, max_points: int) -> pd.DataFrame:
    """At most `max_points` rows of `frame`, evenly spaced, first and last kept (for drawing)."""
    if len(frame) <= max_points:
        return frame
    index = np.unique(np.linspace(0, len(frame) - 1, max_points).round().astype(int))
    return frame.iloc[index]
