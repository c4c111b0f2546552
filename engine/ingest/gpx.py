"""GPX 1.0/1.1 tracks, read with gpxpy after a defusedxml safety pass.

Per trkpt: time, lat/lon (degrees), <ele> (m), and heart rate `hr` (bpm), cadence `cad` (rpm or
steps/min per foot) and speed `speed` (m/s, TrackPointExtension v2 only) from Garmin
TrackPointExtension elements, matched by namespace URI + local name (files use `gpxtpx:`, `ns3:` or
any other prefix). Distance, and speed when no point has one, are derived from positions
(haversine) by `summarise`.
"""
from __future__ import annotations

import gpxpy
import numpy as np
import pandas as pd

from engine.ingest.activity import RECORD_COLUMNS, local_name, sport_name, summarise, to_float, xml_root
from engine.ingest.common import ParsedActivity, ParseReport, RejectedFile

TPX_NS_PREFIX = "{http://www.garmin.com/xmlschemas/TrackPointExtension/"  # v1 and v2


def _tpx_values(point) -> dict:
    """{local name: number} of the point's TrackPointExtension elements (hr, cad, speed, ...)."""
    found = {}
    for ext in point.extensions:
        for el in ext.iter():
            if isinstance(el.tag, str) and el.tag.startswith(TPX_NS_PREFIX):
                found.setdefault(local_name(el.tag), to_float(el.text))
    return found


def parse_gpx(data: bytes) -> ParsedActivity:
    """GPX bytes -> ParsedActivity; all tracks and segments are read as one activity."""
    root = xml_root(data)
    if local_name(root.tag) != "gpx":
        raise RejectedFile(f"not a GPX file: root element is <{local_name(root.tag)}>")
    try:
        gpx = gpxpy.parse(data, version=root.get("version") or "1.1")  # gpxpy ignores extensions in 1.0
    except (gpxpy.gpx.GPXException, ValueError) as err:
        raise RejectedFile(f"GPX could not be read: {err}") from err
    tracks = [t for t in gpx.tracks if any(seg.points for seg in t.segments)]
    if not tracks:
        raise RejectedFile("GPX has no track points")

    rows = []
    for point in (p for t in tracks for seg in t.segments for p in seg.points):
        tpx = _tpx_values(point)
        rows.append([point.time, point.latitude, point.longitude, point.elevation,
                     np.nan, tpx.get("speed"), tpx.get("hr"), tpx.get("cad")])
    name = (tracks[0].name or gpx.name or "").strip() or None
    return summarise(
        pd.DataFrame(rows, columns=RECORD_COLUMNS),
        start_time=None,
        sport=sport_name(tracks[0].type),
        name=name,
        device=gpx.creator,
        report=ParseReport(),
    )
