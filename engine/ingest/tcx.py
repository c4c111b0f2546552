"""Garmin Training Center (TCX v2) activities, read with a hardened lxml parser.

Elements are matched by namespace URI, never by prefix. Per Trackpoint: Time, Position
(degrees), AltitudeMeters (m), DistanceMeters (m, cumulative), HeartRateBpm/Value (bpm),
ActivityExtension TPX/Speed (m/s) and TPX/RunCadence (steps/min per foot) or Cadence (rpm).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from lxml import etree

from engine.ingest.activity import RECORD_COLUMNS, sport_name, summarise, to_float, xml_root
from engine.ingest.common import ParsedActivity, ParseReport, RejectedFile

NS = {"t": "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2",
      "x": "http://www.garmin.com/xmlschemas/ActivityExtension/v2"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _num(el, path: str) -> float:
    return to_float(el.findtext(path, namespaces=NS))


def _trackpoint(tp) -> list:
    run_cadence = _num(tp, "t:Extensions/x:TPX/x:RunCadence")
    return [
        tp.findtext("t:Time", namespaces=NS),
        _num(tp, "t:Position/t:LatitudeDegrees"),
        _num(tp, "t:Position/t:LongitudeDegrees"),
        _num(tp, "t:AltitudeMeters"),
        _num(tp, "t:DistanceMeters"),
        _num(tp, "t:Extensions/x:TPX/x:Speed"),
        _num(tp, "t:HeartRateBpm/t:Value"),
        _num(tp, "t:Cadence") if np.isnan(run_cadence) else run_cadence,
    ]


def _lap_totals(laps) -> dict:
    """Distance = sum of lap DistanceMeters; HR = lap-time-weighted average and max of the laps.

    Each total is given only when every lap carries the values it needs (else None, so it is
    computed from the records).
    """
    dist, secs, avg, top = (np.array([_num(lap, path) for lap in laps]) for path in (
        "t:DistanceMeters", "t:TotalTimeSeconds",
        "t:AverageHeartRateBpm/t:Value", "t:MaximumHeartRateBpm/t:Value"))
    hr_complete = np.isfinite(avg).all() and np.isfinite(secs).all() and secs.sum() > 0
    return {
        "distance_m": dist.sum() if np.isfinite(dist).all() else None,
        "avg_hr": (avg * secs).sum() / secs.sum() if hr_complete else None,
        "max_hr": top.max() if np.isfinite(top).all() else None,
    }


def parse_tcx(data: bytes) -> ParsedActivity:
    """TCX bytes -> ParsedActivity for the file's first Activity."""
    xml_root(data)  # rejects DOCTYPE/entity declarations before lxml sees the bytes
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as err:
        raise RejectedFile(f"not valid XML: {err}") from err
    if root.tag != f"{{{NS['t']}}}TrainingCenterDatabase":
        raise RejectedFile(f"not a TCX file: root element is <{etree.QName(root).localname}>")
    activities = root.findall("t:Activities/t:Activity", NS)
    if not activities:
        raise RejectedFile("TCX has no activity")
    activity = activities[0]
    trackpoints = activity.findall("t:Lap/t:Track/t:Trackpoint", NS)
    if not trackpoints:
        raise RejectedFile("TCX has no trackpoints")

    report = ParseReport()
    if len(activities) > 1:
        report.warnings.append(f"{len(activities)} activities in the file; only the first was read")
    return summarise(
        pd.DataFrame([_trackpoint(tp) for tp in trackpoints], columns=RECORD_COLUMNS),
        start_time=activity.findtext("t:Id", namespaces=NS),
        sport=sport_name(activity.get("Sport")),
        name=None,
        device=(activity.findtext("t:Creator/t:Name", namespaces=NS) or "").strip() or None,
        report=report,
        file_summary=_lap_totals(activity.findall("t:Lap", NS)),
    )
