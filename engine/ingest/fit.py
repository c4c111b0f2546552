"""Garmin/ANT FIT activity files, decoded with fitdecode (CRC checked).

Record fields used (FIT profile units): timestamp, position_lat/position_long (semicircles ->
degrees), enhanced_altitude or altitude (m), distance (m, cumulative), enhanced_speed or speed
(m/s), heart_rate (bpm), cadence (rpm, or strides/min per foot when running). A field that
decodes as a tuple/array (some devices write enhanced_speed/enhanced_altitude so) gives its
first valid number; a non-numeric value is NaN.

Timestamps: fitdecode turns FIT date_time values into datetimes, compressed-timestamp headers
included, but leaves relative "system time" (< 0x10000000, s since the device was switched on)
as integers. Such records are placed from file_id.time_created: the earliest relative time at
time_created, the others at their offsets from it (with a warning; session and lap starts
likewise); without a real time_created the file is rejected. A number is never read as a date.

A file is one activity. Several sessions (multisport): start = the first record's time, sport =
the sessions' common sport else "multisport", name "Multisport: swimming, cycling, running"
(sessions in time order), totals from the records. One session: its start, sport and totals
(without a session, e.g. a truncated file: the `sport` message's sport, the first record's time,
totals from the records). Laps come from every `lap` message.

A file whose data section ends in a decode error (truncated, corrupt tail, "local message N not
defined") keeps the records decoded before the error when they span MIN_PARTIAL_SPAN_S, with a
warning; a bad header or a bad CRC rejects the file.
"""
from __future__ import annotations

import struct

import datetime as dt
import io
import math
from array import array
from dataclasses import dataclass, field

import fitdecode
import pandas as pd

from engine.ingest.activity import RECORD_COLUMNS, Lap, multisport, summarise
from engine.ingest.common import MIN_PARTIAL_SPAN_S, ParsedActivity, ParseReport, RejectedFile

SEMICIRCLE_DEG = 180 / 2**31  # degrees per semicircle
_SESSION_TOTALS = {"total_distance": "distance_m", "total_ascent": "ascent_m",
                   "avg_heart_rate": "avg_hr", "max_heart_rate": "max_hr"}
_NUMERIC = RECORD_COLUMNS[1:]  # lat, lon, altitude_m, distance_m, speed_mps, heart_rate, cadence


def _number(value) -> float:
    """A field value as float: the first finite number of a tuple/list; NaN for anything else."""
    if isinstance(value, (tuple, list)):
        value = next((v for v in value if _is_number(v)), None)
    return float(value) if _is_number(value) else math.nan


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _first(values: dict, *names) -> float:
    """The number of the first field in `names` that has one, else NaN."""
    return next((x for x in (_number(values.get(n)) for n in names) if not math.isnan(x)), math.nan)


def _first_raw(values: dict, *names):
    """Value of the first field in `names` that is present and valid (not None)."""
    return next((values[n] for n in names if values.get(n) is not None), None)


@dataclass
class _Decoded:
    """What one pass over the file collected: record columns (compact arrays), sessions, laps,
    file_id, and the decode error that ended the data section early (None if it did not)."""
    times: list = field(default_factory=list)
    columns: dict = field(default_factory=lambda: {c: array("d") for c in _NUMERIC})
    sessions: list = field(default_factory=list)
    sports: list = field(default_factory=list)  # `sport` messages (a truncated file may lack its session)
    laps: list = field(default_factory=list)
    file_id: dict = field(default_factory=dict)
    error: str | None = None

    def add_record(self, v: dict) -> None:
        self.times.append(v.get("timestamp"))
        lat, lon = _number(v.get("position_lat")), _number(v.get("position_long"))
        for col, x in zip(_NUMERIC, (
                lat * SEMICIRCLE_DEG, lon * SEMICIRCLE_DEG, _first(v, "enhanced_altitude", "altitude"),
                _number(v.get("distance")), _first(v, "enhanced_speed", "speed"),
                _number(v.get("heart_rate")), _number(v.get("cadence")))):
            self.columns[col].append(x)


def _decode(data: bytes) -> _Decoded:
    """Read every message; a decode error after the header is kept in `.error` (the records
    read so far stay), a bad header or CRC raises RejectedFile."""
    out = _Decoded()
    try:
        with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE,
                                 error_handling=fitdecode.ErrorHandling.RAISE) as reader:
            for frame in reader:
                if not isinstance(frame, fitdecode.FitDataMessage):
                    continue
                values = {f.name: f.value for f in frame.fields}
                if frame.name == "record":
                    out.add_record(values)
                elif frame.name == "lap":
                    out.laps.append(values)
                elif frame.name == "session":
                    out.sessions.append(values)
                elif frame.name == "sport":
                    out.sports.append(values)
                elif frame.name == "file_id" and not out.file_id:
                    out.file_id = values
    except fitdecode.FitHeaderError as err:
        if not out.times:
            raise RejectedFile("not a FIT file: bad header") from err
        out.error = f"bad header of a chained FIT file: {err}"
    except fitdecode.FitCRCError as err:
        raise RejectedFile("FIT file is truncated or corrupt (CRC error)") from err
    except fitdecode.FitEOFError:
        out.error = "truncated"
    except (fitdecode.FitError, struct.error, ValueError, IndexError, KeyError) as err:  # malformed messages
        out.error = str(err).splitlines()[0] if str(err) else type(err).__name__
    return out


def _place_relative_times(decoded: _Decoded, report: ParseReport):
    """Turn relative (integer) timestamps into datetimes from file_id.time_created; returns a
    function applying the same placement to other times (session and lap starts)."""
    relative = [t for t in decoded.times if _is_number(t)]
    if not relative:
        return lambda t: t
    anchor = decoded.file_id.get("time_created")
    if not isinstance(anchor, dt.datetime):
        raise RejectedFile(f"FIT records carry relative timestamps (device time, {len(relative):,} records) "
                           "and the file has no creation time to place them")
    first = min(relative)
    report.warnings.append(f"{len(relative):,} records carry relative timestamps (device time): placed from "
                           f"the file's creation time {anchor:%Y-%m-%d %H:%M:%S}")

    def place(t):
        return anchor + dt.timedelta(seconds=t - first) if _is_number(t) else t
    decoded.times = [place(t) for t in decoded.times]
    return place


def _sort_key(session: dict):
    start = session.get("start_time")
    return (0, start) if isinstance(start, dt.datetime) else (1, dt.datetime.min.replace(tzinfo=dt.UTC))


def parse_fit(data: bytes) -> ParsedActivity:
    """FIT bytes -> ParsedActivity (one activity per file; see the module docstring)."""
    if not data:
        raise RejectedFile("file is empty")
    decoded = _decode(data)
    if not decoded.times:
        if decoded.error:
            raise RejectedFile(f"FIT file is truncated or corrupt: decode error before any record ({decoded.error})")
        raise RejectedFile("FIT file has no activity records")

    report = ParseReport()
    place = _place_relative_times(decoded, report)
    sessions = sorted(decoded.sessions, key=_sort_key)  # stable: sessions without a start keep file order
    if len(sessions) > 1:
        sport, name = multisport(str(s.get("sport") or "unknown").lower() for s in sessions)
        start, summary = None, {}
        report.warnings.append(f"{len(sessions)} sessions in the file: one activity, totals computed from the records")
    else:
        session = sessions[0] if sessions else {}
        sport = _first_raw(session, "sport") or next((s["sport"] for s in decoded.sports if s.get("sport")), None)
        sport, name = str(sport or "unknown").lower(), None
        start = place(session.get("start_time"))
        summary = {key: _number(session.get(f)) for f, key in _SESSION_TOTALS.items()}
    laps = [Lap(start=place(lap.get("start_time")), duration_s=_number(lap.get("total_elapsed_time")),
                distance_m=_number(lap.get("total_distance")), avg_hr=_number(lap.get("avg_heart_rate")),
                max_hr=_number(lap.get("max_heart_rate"))) for lap in decoded.laps]
    maker = (decoded.file_id.get("manufacturer"), _first_raw(decoded.file_id, "garmin_product", "product"))
    device = " ".join(str(x) for x in maker if x is not None) or None  # e.g. "garmin fenix5"
    records = pd.DataFrame({"time": pd.Series(decoded.times, dtype=object),
                            **{c: decoded.columns[c] for c in _NUMERIC}}, columns=RECORD_COLUMNS)
    try:
        parsed = summarise(records, start_time=start, sport=sport, name=name, device=device,
                           report=report, file_summary=summary, laps=laps)
    except RejectedFile as err:
        if decoded.error:
            raise RejectedFile(f"FIT file is truncated or corrupt ({decoded.error}): {err}") from err
        raise
    if decoded.error:
        kept_s = parsed.activity["duration_s"]
        n = len(decoded.times)
        if kept_s < MIN_PARTIAL_SPAN_S:
            raise RejectedFile(f"FIT file is truncated or corrupt: decode error ({decoded.error}) after {n:,} "
                               f"records spanning {kept_s:.0f} s, under {MIN_PARTIAL_SPAN_S:.0f} s")
        report.warnings.insert(0, f"file ends with a decode error ({decoded.error}) after {n:,} records: "
                                  f"kept {kept_s / 60:.1f} min")
    return parsed
