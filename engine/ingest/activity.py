"""Shared steps of the FIT, GPX and TCX parsers: safe XML, cleaning records, laps, activity totals.

A parser collects one row per record of the file into a frame with RECORD_COLUMNS (`time` as
datetime / datetime64 / ISO-8601 text, the rest in SAMPLE_COLUMNS units; optionally a `segment`
column) and hands it to `summarise`, which cleans it, fills speed/distance the file lacks and
computes the activity's totals. Value limits (common.BOUNDS) and time rules (common.date_window,
CLOCK_JUMP_S) are in common.py.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.ingest.common import (BOUNDS, CLOCK_JUMP_S, LAP_COLUMNS, PAUSE_GAP_S, SAMPLE_COLUMNS, SPEED_WINDOW_S,
                                  UTF16_BOMS, ParsedActivity, ParseReport, RejectedFile, bounds_text, date_window,
                                  max_speed_mps, no_laps, outside)

RECORD_COLUMNS = ["time", *SAMPLE_COLUMNS[1:]]
EARTH_RADIUS_M = 6_371_008.8  # IUGG mean Earth radius
ASCENT_SMOOTHING = 5  # records in the centred rolling mean applied to altitude before summing climbs
STRAVA_TYPES = {"1": "cycling", "9": "running"}  # Strava GPX <type> codes: 1 = Ride, 9 = Run
TRANSITION = "transition"  # FIT/TCX multisport transition legs: not a sport of their own
NO_DTD = "XML entity/DOCTYPE declarations are not allowed"
ISO_DATE = re.compile(r"\s*\d{4}-\d\d-\d\d")  # a date text must start YYYY-MM-DD (never a bare number)
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.S)  # what may precede the root element


@dataclass(frozen=True)
class Lap:
    """One device lap as the file gives it: start (datetime or ISO text, UTC), elapsed time (s),
    distance (m), average and maximum heart rate (bpm); NaN where the file has no value."""
    start: object
    duration_s: float = np.nan
    distance_m: float = np.nan
    avg_hr: float = np.nan
    max_hr: float = np.nan


def refuse_dtd(data: bytes) -> None:
    """RejectedFile unless `data` is non-empty and nothing before its root element declares a
    DOCTYPE or ENTITY (entity bombs, XXE). Only the prolog is scanned (whitespace, <?...?>,
    comments); parsers then use lxml with resolve_entities=False, no_network=True, load_dtd=False."""
    if not data.strip():
        raise RejectedFile("file is empty")
    if data[:2] in UTF16_BOMS:
        data = data[:65_536].decode("utf-16", errors="ignore").encode("utf-8")
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while (item := _PROLOG_ITEM.match(data, pos)) is not None:
        pos = item.end()
    if data.startswith(b"<!", pos):
        raise RejectedFile(NO_DTD)


def local_name(tag: str) -> str:
    """`{uri}name` -> `name`."""
    return tag.rpartition("}")[2]


def to_float(text) -> float:
    """Number from XML text; NaN when absent or not a number."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return np.nan


def sport_name(text: str | None) -> str:
    """Lower-case sport from a file's free text: Strava numeric codes mapped (others -> "other"),
    run words -> "running", ride/bike/cycle words -> "cycling" (as FIT says), none -> "unknown"."""
    text = (text or "").strip().lower()
    if text.isdigit():
        return STRAVA_TYPES.get(text, "other")
    if "run" in text:
        return "running"
    if any(word in text for word in ("bik", "ride", "cycl")):
        return "cycling"
    return text or "unknown"


def multisport(sports: Iterable[str]) -> tuple[str, str | None]:
    """(sport, name) of one activity made of legs with these sports, in time order: the legs'
    common sport and no name, else "multisport" and e.g. "Multisport: swimming, cycling, running".
    Transition legs are left out."""
    legs = list(dict.fromkeys(s for s in sports if s != TRANSITION))
    if len(legs) <= 1:
        return (legs[0] if legs else "unknown"), None
    return "multisport", "Multisport: " + ", ".join(legs)


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance (m) between points given in degrees; works on arrays."""
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def cumulative_distance_m(lat, lon, segment=None) -> np.ndarray:
    """Cumulative haversine distance (m) along the points that have a position, NaN elsewhere.

    `segment` (one label per point, optional): a step between two points of different segments
    counts 0 m, so distance never bridges the gap between two GPX tracks or segments."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    out = np.full(len(lat), np.nan)
    has = np.flatnonzero(~np.isnan(lat) & ~np.isnan(lon))
    if len(has):
        steps = haversine_m(lat[has[:-1]], lon[has[:-1]], lat[has[1:]], lon[has[1:]])
        if segment is not None:
            seg = np.asarray(segment)[has]
            steps = np.where(seg[1:] == seg[:-1], steps, 0.0)
        out[has] = np.concatenate([[0.0], np.cumsum(steps)])
    return out


def utc_naive(values) -> pd.Series:
    """Naive-UTC datetimes from datetimes (naive = UTC, aware ones converted), datetime64 values
    or ISO-8601 text that starts YYYY-MM-DD; NaT for anything else. A number or a digit string
    is never read as a date (pandas would read 17220104 as 1722-01-04)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.dt.tz_convert(None) if s.dt.tz is not None else s
    s = s.astype(object)
    ok = s.map(lambda v: isinstance(v, (dt.datetime, np.datetime64))
               or (isinstance(v, str) and ISO_DATE.match(v) is not None))
    return pd.to_datetime(s.where(ok, None), utc=True, errors="coerce", format="ISO8601").dt.tz_localize(None)


def _derived_speed(t_s: pd.Series, distance_m: pd.Series, window_s: float = SPEED_WINDOW_S) -> pd.Series:
    """Speed (m/s) of each record with a distance = Δdistance / Δt over a window of at least
    `window_s` centred on it: from the last record at or before t - window/2 to the first at or
    after t + window/2 (the window is shifted, not shortened, at the ends of the activity).
    GPS points 1 ms apart thus never give absurd speeds. `t_s` is sorted and unique."""
    d = pd.DataFrame({"t": t_s, "d": distance_m}).dropna()
    out = pd.Series(np.nan, index=t_s.index)
    if len(d) < 2:
        return out
    t, dist = d.t.to_numpy(), d.d.to_numpy()
    lo = np.clip(t - window_s / 2, t[0], max(t[-1] - window_s, t[0]))
    hi = np.minimum(lo + window_s, t[-1])
    a = np.searchsorted(t, lo, side="right") - 1
    b = np.minimum(np.searchsorted(t, hi, side="left"), len(t) - 1)
    span = t[b] - t[a]
    with np.errstate(invalid="ignore", divide="ignore"):
        out[d.index] = np.where(span > 0, (dist[b] - dist[a]) / span, np.nan)
    return out


def _ascent(altitude: pd.Series) -> float | None:
    """Sum of climbs (m) after a centred ASCENT_SMOOTHING-record rolling mean; None without altitude."""
    alt = altitude.dropna()
    if len(alt) < 2:
        return None
    smooth = alt.rolling(ASCENT_SMOOTHING, center=True, min_periods=1).mean()
    return float(smooth.diff().clip(lower=0).sum())


def _opt(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# what a blanked value is called in a warning: column -> (plural noun, unit); bounds from common.BOUNDS
VALUE_NAMES = {"altitude_m": ("altitudes", "m"), "distance_m": ("distances", "m"), "heart_rate": ("heart rates", "bpm"),
               "cadence": ("cadences", "/min"), "avg_hr": ("heart rates", "bpm"), "max_hr": ("heart rates", "bpm"),
               "ascent_m": ("ascents", "m"), "duration_s": ("durations", "s"), "start_s": ("starts", "s")}
SAMPLE_BOUNDS, ACTIVITY_BOUNDS, LAP_BOUNDS = BOUNDS["samples"], BOUNDS["activities"], BOUNDS["laps"]


def _blank(frame: pd.DataFrame, col: str, bounds: tuple[float, float], label: str, blanked: Counter) -> None:
    """Set the values of `col` outside `bounds` to NaN (in place) and count them under `label`."""
    bad = outside(frame[col], bounds)
    blanked[label] += int(bad.sum())
    if bad.any():
        frame.loc[bad, col] = np.nan


def _blank_value(frame: pd.DataFrame, col: str, blanked: Counter, prefix: str = "",
                 table: dict = SAMPLE_BOUNDS) -> None:
    noun, unit = VALUE_NAMES[col]
    _blank(frame, col, table[col], bounds_text(prefix + noun, table[col], unit), blanked)


def _drop_clock_jumps(s: pd.DataFrame, report: ParseReport) -> pd.DataFrame:
    """Drop records dated more than CLOCK_JUMP_S from the median record's time (a robust centre,
    itself a record); RejectedFile when that leaves fewer than half of them (no clock to trust)."""
    centre = s.time.sort_values().iloc[(len(s) - 1) // 2]
    far = (s.time - centre).abs() > pd.Timedelta(seconds=CLOCK_JUMP_S)
    days = f"{CLOCK_JUMP_S / 86_400:g} days"
    if far.sum() > len(s) / 2:
        raise RejectedFile(f"the records' dates are scattered: {int(far.sum()):,} of {len(s):,} are more than "
                           f"{days} from the median record (the file's clock is wrong)")
    if far.any():
        report.warnings.append(f"{int(far.sum())} records dated more than {days} from the rest dropped")
        s = s[~far]
    return s


def _drop_impossible_dates(s: pd.DataFrame, report: ParseReport) -> pd.DataFrame:
    """Drop records dated outside common.date_window() (before 1980, or in the future); RejectedFile
    when none is left."""
    earliest, latest = date_window()
    bad = (s.time < earliest) | (s.time > latest)
    window = f"between {earliest:%Y-%m-%d} and {latest:%Y-%m-%d %H:%M} UTC"
    if bad.all():
        raise RejectedFile(f"no record is dated {window} (the file's clock is wrong)")
    if bad.any():
        report.warnings.append(f"{int(bad.sum()):,} records not dated {window} dropped")
        s = s[~bad]
    return s


def laps_frame(laps: Iterable[Lap], start: pd.Timestamp, blanked: Counter) -> pd.DataFrame:
    """LAP_COLUMNS from device laps: numbered 1.. in time order (laps without a start last, in
    file order); start_s = s since `start`; values outside BOUNDS["laps"] blanked and counted in `blanked`."""
    laps = list(laps)
    if not laps:
        return no_laps()
    frame = pd.DataFrame({
        "start_s": (utc_naive([lap.start for lap in laps]) - start).dt.total_seconds(),
        **{c: [float(getattr(lap, c)) for lap in laps] for c in ("duration_s", "distance_m", "avg_hr", "max_hr")},
    })
    for col in ("start_s", "duration_s", "distance_m", "avg_hr", "max_hr"):
        _blank_value(frame, col, blanked, "lap ", LAP_BOUNDS)
    frame = frame.sort_values("start_s", kind="stable", na_position="last").reset_index(drop=True)
    frame.insert(0, "lap_no", np.arange(1, len(frame) + 1, dtype="int64"))
    return frame[LAP_COLUMNS]


def _start(start_time, s: pd.DataFrame, report: ParseReport) -> pd.Timestamp:
    """The activity's start: the file's start time, unless it is missing, unreadable, more than
    CLOCK_JUMP_S from the records' median, after the first record or before common.EARLIEST_DATE
    (then the first record's time)."""
    start = utc_naive([start_time]).iloc[0]
    first = s.time.min()
    if pd.notna(start) and abs(start - s.time.median()) > pd.Timedelta(seconds=CLOCK_JUMP_S):
        report.warnings.append(f"the file's start time {start} is more than {CLOCK_JUMP_S / 86_400:g} days "
                               "from its records: the first record's time is used")
        start = pd.NaT
    elif pd.notna(start) and start > first:
        report.warnings.append(f"the file's start time {start} is after its first record ({first}): "
                               "the first record's time is used")
        start = pd.NaT
    elif pd.notna(start) and start < date_window()[0]:
        report.warnings.append(f"the file's start time {start} is impossible: the first record's time is used")
        start = pd.NaT
    return first if pd.isna(start) else start


def summarise(records: pd.DataFrame, start_time, sport: str, name: str | None, device: str | None,
              report: ParseReport, file_summary: dict | None = None, laps: Iterable[Lap] = ()) -> ParsedActivity:
    """Clean the records of one file and compute its activity row.

    records: RECORD_COLUMNS, one row per record of the file (sets report.rows_in), optionally a
    `segment` column (distance is not carried across segments).
    start_time: datetime/ISO text from the file's summary; None, unreadable, more than
    CLOCK_JUMP_S from the records, or after the first record -> the first record's time.
    file_summary: device totals that win over computed ones (keys distance_m, ascent_m, avg_hr,
    max_hr; None values ignored; a value outside common.BOUNDS["activities"] is dropped and
    computed from the records).
    laps: the file's device laps (-> `laps`, LAP_COLUMNS).
    Cleaning, each step with a warning that counts what it changed: records without a timestamp
    dropped; records dated outside common.date_window() (before 1980, in the future) dropped,
    none left -> RejectedFile; records dated more than CLOCK_JUMP_S from the median record time
    dropped (clock jumps); rows sorted by time; duplicate timestamps dropped keeping the first;
    values outside common.BOUNDS["samples"] blanked (a position outside ±90° / ±180° loses both
    coordinates; speeds over the sport's cap, common.max_speed_mps, too).
    Distance missing from the whole file -> cumulative haversine of positions; speed missing
    from the whole file -> Δdistance/Δt over >= SPEED_WINDOW_S (see _derived_speed), capped.
    Totals: duration_s = last - first t_s (elapsed); every gap > PAUSE_GAP_S between consecutive
    records is a pause and moving_time_s = duration_s - those gaps; distance_m = file total, else
    last cumulative distance; ascent_m = file total, else climbs of the smoothed altitude (an
    estimate, noisier than a barometric total); avg_hr/max_hr = file values, else plain mean/max
    of the cleaned records, None without HR. A computed total outside BOUNDS["activities"] is None.
    """
    summary = {k: v for k, v in (file_summary or {}).items() if v is not None and not pd.isna(v)}
    report.rows_in = len(records)
    s = records.assign(time=utc_naive(records["time"]).to_numpy())
    if "segment" not in s:
        s["segment"] = 0
    missing = int(s.time.isna().sum())
    if missing:
        report.warnings.append(f"{missing} records without a timestamp dropped")
        s = s[s.time.notna()]
    if s.empty:
        raise RejectedFile("file has no records with a timestamp")
    s = _drop_impossible_dates(s, report)
    s = _drop_clock_jumps(s, report)
    start = _start(start_time, s, report)
    s = s.assign(t_s=(s.time - start).dt.total_seconds())
    if not s.t_s.is_monotonic_increasing:
        report.warnings.append("records were out of time order and have been sorted")
        s = s.sort_values("t_s", kind="stable")
    dups = int(s.t_s.duplicated().sum())
    if dups:
        report.warnings.append(f"{dups} records with a duplicate timestamp dropped (first kept)")
        s = s[~s.t_s.duplicated()]
    segment = s["segment"].to_numpy()
    s = s[SAMPLE_COLUMNS].astype(float).reset_index(drop=True)

    blanked = Counter()
    off_globe = outside(s.lat, SAMPLE_BOUNDS["lat"]) | outside(s.lon, SAMPLE_BOUNDS["lon"])
    blanked["positions outside ±90° latitude or ±180° longitude"] = int(off_globe.sum())
    s.loc[off_globe, ["lat", "lon"]] = np.nan
    for col in ("altitude_m", "distance_m", "heart_rate", "cadence"):
        _blank_value(s, col, blanked)
    if s.distance_m.isna().all():
        s["distance_m"] = cumulative_distance_m(s.lat, s.lon, segment)
        _blank_value(s, "distance_m", blanked, "distances from positions: ")
    cap = (0.0, max_speed_mps(sport))
    speed_label = bounds_text("speeds", cap, "m/s")
    if s.speed_mps.isna().all():
        s["speed_mps"] = _derived_speed(s.t_s, s.distance_m)
        speed_label = bounds_text("speeds derived from positions/distance", cap, "m/s")
    _blank(s, "speed_mps", cap, speed_label, blanked)
    for key in ("distance_m", "ascent_m", "avg_hr", "max_hr"):
        if key in summary and outside([summary[key]], ACTIVITY_BOUNDS[key])[0]:
            noun, unit = VALUE_NAMES[key]
            blanked[bounds_text("file summary " + noun, ACTIVITY_BOUNDS[key], unit)] += 1
            del summary[key]
    lap_rows = laps_frame(laps, start, blanked)

    gaps = s.t_s.diff()
    pauses = gaps[gaps > PAUSE_GAP_S]
    duration = float(s.t_s.iloc[-1] - s.t_s.iloc[0])
    totals = {
        "distance_m": _opt(summary.get("distance_m", s.distance_m.ffill().iloc[-1])),
        "ascent_m": _opt(summary.get("ascent_m", _ascent(s.altitude_m))),
        "avg_hr": _opt(summary.get("avg_hr", s.heart_rate.mean())),
        "max_hr": _opt(summary.get("max_hr", s.heart_rate.max())),
    }
    for key, value in totals.items():
        if value is not None and outside([value], ACTIVITY_BOUNDS[key])[0]:
            noun, unit = VALUE_NAMES[key]
            blanked[bounds_text("computed " + noun, ACTIVITY_BOUNDS[key], unit)] += 1
            totals[key] = None
    if sum(blanked.values()):
        report.warnings.append(f"{sum(blanked.values()):,} impossible values blanked: "
                               + ", ".join(f"{n:,} {what}" for what, n in blanked.items() if n))
    report.rows_kept = len(s)
    activity = {
        "sport": sport,
        "name": name,
        "start_time": start,
        "duration_s": duration,
        "moving_time_s": duration - float(pauses.sum()),
        "pause_count": len(pauses),
        **totals,
        "device": device,
    }
    return ParsedActivity(activity=activity, samples=s, report=report, laps=lap_rows)
