"""Garmin Training Center (TCX v2) activities, read with a hardened lxml parser.

Safety: any DOCTYPE/ENTITY before the root element rejects the file (`refuse_dtd`); lxml runs
with resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False.

Elements are matched by namespace URI, never by prefix. Per Trackpoint: Time, Position
(degrees), AltitudeMeters (m), DistanceMeters (m, cumulative), HeartRateBpm/Value (bpm),
ActivityExtension TPX/Speed (m/s) and TPX/RunCadence (steps/min per foot) or Cadence (rpm).
Per <Lap StartTime=...>: TotalTimeSeconds (s), DistanceMeters (m), AverageHeartRateBpm and
MaximumHeartRateBpm (bpm) -> the activity's laps.

A file is one activity: `Activities/Activity` (the first one if there are several, with a
warning), or a `Activities/MultiSportSession` whose FirstSport/Activity and NextSport/Activity
legs form one activity (start = the first record, sport = the legs' common sport else
"multisport", name "Multisport: cycling, running", totals from the records).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from lxml import etree

from engine.ingest.activity import (NO_DTD, RECORD_COLUMNS, Lap, multisport, refuse_dtd, sport_name, summarise,
                                    to_float, utc_naive)
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


def _lap(lap) -> Lap:
    return Lap(start=lap.get("StartTime"), duration_s=_num(lap, "t:TotalTimeSeconds"),
               distance_m=_num(lap, "t:DistanceMeters"), avg_hr=_num(lap, "t:AverageHeartRateBpm/t:Value"),
               max_hr=_num(lap, "t:MaximumHeartRateBpm/t:Value"))


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


def _legs(root, report: ParseReport) -> list:
    """The Activity elements that form the file's one activity."""
    activities = root.findall("t:Activities/t:Activity", NS)
    if activities:
        if len(activities) > 1:
            report.warnings.append(f"{len(activities)} activities in the file; only the first was read")
        return activities[:1]
    session = root.find("t:Activities/t:MultiSportSession", NS)
    if session is None:
        return []
    legs = session.findall("t:FirstSport/t:Activity", NS) + session.findall("t:NextSport/t:Activity", NS)
    starts = utc_naive([leg.findtext("t:Id", namespaces=NS) for leg in legs])
    order = np.argsort(starts.fillna(pd.Timestamp.max).to_numpy(), kind="stable")  # legs in time order
    return [legs[i] for i in order]


def parse_tcx(data: bytes) -> ParsedActivity:
    """TCX bytes -> ParsedActivity (one activity per file; see the module docstring)."""
    refuse_dtd(data)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as err:
        raise RejectedFile(f"not valid XML: {err}") from err
    if root.getroottree().docinfo.doctype:  # defence in depth: refuse_dtd already scanned the prolog
        raise RejectedFile(NO_DTD)
    if root.tag != f"{{{NS['t']}}}TrainingCenterDatabase":
        name = etree.QName(root)
        if name.localname == "TrainingCenterDatabase":
            raise RejectedFile(f"not a TCX v2 file: its root element is in the namespace {name.namespace or '(none)'}, "
                               f"not {NS['t']}")
        raise RejectedFile(f"not a TCX file: root element is <{name.localname}>")
    report = ParseReport()
    legs = _legs(root, report)
    if not legs:
        raise RejectedFile("TCX has no activity")
    trackpoints = [tp for leg in legs for tp in leg.findall("t:Lap/t:Track/t:Trackpoint", NS)]
    if not trackpoints:
        raise RejectedFile("TCX has no trackpoints")

    laps = [lap for leg in legs for lap in leg.findall("t:Lap", NS)]
    if len(legs) > 1:
        sport, name = multisport(sport_name(leg.get("Sport")) for leg in legs)
        start, summary = None, {}
        report.warnings.append(f"multisport session of {len(legs)} legs: one activity, "
                               "totals computed from the records")
    else:
        sport, name = sport_name(legs[0].get("Sport")), None
        start, summary = legs[0].findtext("t:Id", namespaces=NS), _lap_totals(laps)
    return summarise(
        pd.DataFrame([_trackpoint(tp) for tp in trackpoints], columns=RECORD_COLUMNS),
        start_time=start,
        sport=sport,
        name=name,
        device=(legs[0].findtext("t:Creator/t:Name", namespaces=NS) or "").strip() or None,
        report=report,
        file_summary=summary,
        laps=[_lap(lap) for lap in laps],
    )
