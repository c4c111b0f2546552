"""Garmin/ANT FIT activity files, decoded with fitdecode (CRC checked, decode errors fatal).

Record fields used (FIT profile units): timestamp, position_lat/position_long (semicircles ->
degrees), enhanced_altitude or altitude (m), distance (m, cumulative), enhanced_speed or speed
(m/s), heart_rate (bpm), cadence (rpm, or strides/min per foot when running).
"""
from __future__ import annotations

import io

import fitdecode
import pandas as pd

from engine.ingest.activity import RECORD_COLUMNS, summarise
from engine.ingest.common import ParsedActivity, ParseReport, RejectedFile

SEMICIRCLE_DEG = 180 / 2**31  # degrees per semicircle
_SESSION_TOTALS = {"total_distance": "distance_m", "total_ascent": "ascent_m",
                   "avg_heart_rate": "avg_hr", "max_heart_rate": "max_hr"}


def _first(values: dict, *names):
    """Value of the first field in `names` that is present and valid (not None)."""
    return next((values[n] for n in names if values.get(n) is not None), None)


def _record(v: dict) -> list:
    lat, lon = v.get("position_lat"), v.get("position_long")
    return [
        v.get("timestamp"),
        None if lat is None else lat * SEMICIRCLE_DEG,
        None if lon is None else lon * SEMICIRCLE_DEG,
        _first(v, "enhanced_altitude", "altitude"),
        v.get("distance"),
        _first(v, "enhanced_speed", "speed"),
        v.get("heart_rate"),
        v.get("cadence"),
    ]


def parse_fit(data: bytes) -> ParsedActivity:
    """FIT bytes -> ParsedActivity; sport, start and totals come from the (single) session message."""
    if not data:
        raise RejectedFile("file is empty")
    rows, sessions, file_id = [], [], {}
    try:
        with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE,
                                 error_handling=fitdecode.ErrorHandling.RAISE) as reader:
            for frame in reader:
                if not isinstance(frame, fitdecode.FitDataMessage):
                    continue
                values = {f.name: f.value for f in frame.fields}
                if frame.name == "record":
                    rows.append(_record(values))
                elif frame.name == "session":
                    sessions.append(values)
                elif frame.name == "file_id" and not file_id:
                    file_id = values
    except fitdecode.FitHeaderError as err:
        raise RejectedFile("not a FIT file: bad header") from err
    except (fitdecode.FitEOFError, fitdecode.FitCRCError) as err:
        raise RejectedFile("FIT file is truncated or corrupt (CRC/length error)") from err
    except Exception as err:  # fitdecode raises assorted errors on malformed messages
        raise RejectedFile(f"FIT file could not be decoded: {err}") from err
    if not rows:
        raise RejectedFile("FIT file has no activity records")

    report = ParseReport()
    session = sessions[0] if sessions else {}
    summary = {key: session.get(field) for field, key in _SESSION_TOTALS.items()}
    if len(sessions) > 1:
        report.warnings.append(f"{len(sessions)} sessions in the file; totals computed from all records")
        summary = {}
    maker = (file_id.get("manufacturer"), _first(file_id, "garmin_product", "product"))
    device = " ".join(str(x) for x in maker if x is not None) or None  # e.g. "garmin fenix5"
    return summarise(
        pd.DataFrame(rows, columns=RECORD_COLUMNS),
        start_time=session.get("start_time"),
        sport=str(session.get("sport") or "unknown").lower(),
        name=None,
        device=device,
        report=report,
        file_summary=summary,
    )
