"""Shared steps of the FIT, GPX and TCX parsers: safe XML, cleaning records, activity totals.

A parser collects one row per record of the file into a frame with RECORD_COLUMNS (`time` as
datetime/ISO text, the rest in SAMPLE_COLUMNS units) and hands it to `summarise`, which cleans
it, fills speed/distance the file lacks and computes the activity's totals.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import defusedxml
import defusedxml.ElementTree as DET
import numpy as np
import pandas as pd

from engine.ingest.common import PAUSE_GAP_S, SAMPLE_COLUMNS, ParsedActivity, ParseReport, RejectedFile

RECORD_COLUMNS = ["time", *SAMPLE_COLUMNS[1:]]
EARTH_RADIUS_M = 6_371_008.8  # IUGG mean Earth radius
ASCENT_SMOOTHING = 5  # records in the centred rolling mean applied to altitude before summing climbs
STRAVA_TYPES = {"1": "cycling", "9": "running"}  # Strava GPX <type> codes: 1 = Ride, 9 = Run


def xml_root(data: bytes) -> ET.Element:
    """Parse XML with defusedxml, refusing any DOCTYPE/entity declaration (entity bombs, XXE)."""
    if not data.strip():
        raise RejectedFile("file is empty")
    try:
        return DET.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as err:
        raise RejectedFile("XML entity/DOCTYPE declarations are not allowed") from err
    except ET.ParseError as err:
        raise RejectedFile(f"not valid XML: {err}") from err


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


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance (m) between points given in degrees; works on arrays."""
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _utc_naive(values) -> pd.Series:
    """Datetimes or ISO-8601 text (naive = UTC) -> naive UTC datetimes, NaT where unreadable."""
    return pd.to_datetime(pd.Series(values, dtype=object), utc=True, errors="coerce",
                          format="ISO8601").dt.tz_localize(None)


def _cumulative_distance(s: pd.DataFrame) -> pd.Series:
    """Cumulative haversine distance (m) along the records that have a position; NaN elsewhere."""
    pos = s[["lat", "lon"]].dropna()
    steps = haversine_m(pos.lat.shift(), pos.lon.shift(), pos.lat, pos.lon).fillna(0.0)
    return steps.cumsum().reindex(s.index)


def _derived_speed(s: pd.DataFrame) -> pd.Series:
    """Speed (m/s) = Δdistance / Δt between records with a distance; NaN where Δt is 0."""
    d = s[["t_s", "distance_m"]].dropna()
    dt = d.t_s.diff()
    return (d.distance_m.diff() / dt.where(dt > 0)).reindex(s.index)


def _ascent(altitude: pd.Series) -> float | None:
    """Sum of climbs (m) after a centred ASCENT_SMOOTHING-record rolling mean; None without altitude."""
    alt = altitude.dropna()
    if len(alt) < 2:
        return None
    smooth = alt.rolling(ASCENT_SMOOTHING, center=True, min_periods=1).mean()
    return float(smooth.diff().clip(lower=0).sum())


def _opt(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def summarise(records: pd.DataFrame, start_time, sport: str, name: str | None, device: str | None,
              report: ParseReport, file_summary: dict | None = None) -> ParsedActivity:
    """Clean the records of one file and compute its activity row.

    records: RECORD_COLUMNS, one row per record of the file (sets report.rows_in).
    start_time: datetime/ISO text from the file's summary; None/unreadable -> first record.
    file_summary: device totals that win over computed ones (keys distance_m, ascent_m, avg_hr,
    max_hr; None values ignored).
    Cleaning: records without a timestamp are dropped, rows sorted by time, duplicate timestamps
    dropped keeping the first (each with a warning). Distance missing from the whole file ->
    cumulative haversine of positions; speed missing from the whole file -> Δdistance/Δt.
    Totals: duration_s = last - first t_s (elapsed); every gap > PAUSE_GAP_S between consecutive
    records is a pause and moving_time_s = duration_s - those gaps; distance_m = file total, else
    last cumulative distance; ascent_m = file total, else climbs of the smoothed altitude (an
    estimate, noisier than a barometric total); avg_hr/max_hr = file values, else plain mean/max
    of the records, None without HR.
    """
    summary = {k: v for k, v in (file_summary or {}).items() if v is not None}
    report.rows_in = len(records)
    s = records.assign(time=_utc_naive(records["time"]))
    missing = int(s.time.isna().sum())
    if missing:
        report.warnings.append(f"{missing} records without a timestamp dropped")
        s = s[s.time.notna()]
    if s.empty:
        raise RejectedFile("file has no records with a timestamp")
    start = _utc_naive([start_time]).iloc[0]
    if pd.isna(start):
        start = s.time.min()
    s = s.assign(t_s=(s.time - start).dt.total_seconds())
    if not s.t_s.is_monotonic_increasing:
        report.warnings.append("records were out of time order and have been sorted")
        s = s.sort_values("t_s", kind="stable")
    dups = int(s.t_s.duplicated().sum())
    if dups:
        report.warnings.append(f"{dups} records with a duplicate timestamp dropped (first kept)")
        s = s[~s.t_s.duplicated()]
    s = s[SAMPLE_COLUMNS].astype(float).reset_index(drop=True)
    if s.distance_m.isna().all():
        s["distance_m"] = _cumulative_distance(s)
    if s.speed_mps.isna().all():
        s["speed_mps"] = _derived_speed(s)

    gaps = s.t_s.diff()
    pauses = gaps[gaps > PAUSE_GAP_S]
    duration = float(s.t_s.iloc[-1] - s.t_s.iloc[0])
    report.rows_kept = len(s)
    activity = {
        "sport": sport,
        "name": name,
        "start_time": start,
        "duration_s": duration,
        "moving_time_s": duration - float(pauses.sum()),
        "pause_count": len(pauses),
        "distance_m": _opt(summary.get("distance_m", s.distance_m.ffill().iloc[-1])),
        "ascent_m": _opt(summary.get("ascent_m", _ascent(s.altitude_m))),
        "avg_hr": _opt(summary.get("avg_hr", s.heart_rate.mean())),
        "max_hr": _opt(summary.get("max_hr", s.heart_rate.max())),
        "device": device,
    }
    return ParsedActivity(activity=activity, samples=s, report=report)
