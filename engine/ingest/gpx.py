"""GPX 1.0/1.1 tracks, streamed with lxml.etree.iterparse (hardened, constant memory per point).

Safety: any DOCTYPE/ENTITY before the root element rejects the file (`refuse_dtd`); the parser
runs with resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False. Each
<trkpt> is cleared once read and its values go into compact per-column arrays.

Per trkpt: <time>, lat/lon (degrees), <ele> (m), <speed> (m/s, GPX 1.0), and from anything under
<extensions>, in any namespace (Garmin TrackPointExtension v1/v2 with `gpxtpx:`, `ns3:` or any
prefix, cluetrust `gpxdata:`, ...), the elements whose local name is, case-insensitively,
hr / heartrate / heart_rate (bpm), cad / cadence (rpm or steps/min per foot) or speed (m/s); the
first match of each wins.

All tracks and segments are one activity, points in file order. Distance is the cumulative
haversine of positions, never bridging two segments or tracks (the step from one segment's last
point to the next one's first point counts 0 m). A point without <time> between timed points
is kept for the map and the distance, its time interpolated linearly by point order between the
timed neighbours (k untimed points between neighbours at t0 and t1 get t0 + i (t1 - t0)/(k + 1));
untimed points before the first or after the last timed point are dropped with a warning
(`summarise`). Speed, when no point has one, is derived by `summarise` over >= 5 s and capped.
Name: the first track with points' <name>, else the file's; sport: that track's <type>;
device: the `creator` attribute.
"""
from __future__ import annotations

import datetime as dt
import io
from array import array

import numpy as np
import pandas as pd
from lxml import etree

from engine.ingest.activity import (ISO_DATE, NO_DTD, RECORD_COLUMNS, local_name, refuse_dtd, sport_name, summarise,
                                    to_float)
from engine.ingest.common import ParsedActivity, ParseReport, RejectedFile

EXTENSION_FIELDS = {"hr": "heart_rate", "heartrate": "heart_rate", "heart_rate": "heart_rate",
                    "cad": "cadence", "cadence": "cadence", "speed": "speed_mps"}  # local name -> column
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_UTC = _EPOCH.replace(tzinfo=dt.UTC)
_US = dt.timedelta(microseconds=1)
NAT = np.iinfo(np.int64).min  # numpy's NaT as int64
# the only elements iterparse reports (any namespace or none); everything inside a trkpt is read from it
_TAGS = tuple(f"{{*}}{name}" for name in
              ("gpx", "metadata", "trk", "trkseg", "trkpt", "name", "type", "wpt", "rte"))


def _epoch_us(text: str | None) -> int:
    """ISO-8601 text (naive = UTC) -> µs since 1970 (UTC); NAT when absent or unreadable."""
    if not text or not ISO_DATE.match(text):
        return NAT
    try:
        t = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            t = pd.Timestamp(text.strip()).to_pydatetime()
        except ValueError:
            return NAT
    return (t - (_EPOCH if t.tzinfo is None else _EPOCH_UTC)) // _US


class _Track:
    """Columns of the points read so far, in compact arrays."""

    def __init__(self):
        self.time_us = array("q")
        self.segment = array("q")
        self.cols = {c: array("d") for c in ("lat", "lon", "altitude_m", "speed_mps", "heart_rate", "cadence")}

    def add(self, point, segment: int) -> None:
        found = {"lat": to_float(point.get("lat")), "lon": to_float(point.get("lon"))}  # range: `summarise`
        time_text = None
        for child in point:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            name = local_name(tag)
            if name == "time":
                time_text = child.text
            elif name == "ele":
                found["altitude_m"] = to_float(child.text)
            elif name == "speed":
                found["speed_mps"] = to_float(child.text)
            elif name == "extensions":
                for el in child.iter(tag=etree.Element):
                    col = EXTENSION_FIELDS.get(local_name(el.tag).lower())
                    if col and col not in found and not np.isnan(value := to_float(el.text)):
                        found[col] = value
        self.time_us.append(_epoch_us(time_text))
        self.segment.append(segment)
        for col, values in self.cols.items():
            values.append(found.get(col, np.nan))


def _fill_times(time_us: np.ndarray) -> tuple[np.ndarray, int]:
    """Interpolate the times of untimed points lying between timed ones, by point order; returns
    (times as datetime64[us], number filled). Leading/trailing untimed points stay NaT."""
    timed = np.flatnonzero(time_us != NAT)
    inner = np.flatnonzero(time_us == NAT)
    if len(timed) >= 2:
        inner = inner[(inner > timed[0]) & (inner < timed[-1])]
    else:
        inner = inner[:0]
    out = time_us.copy()
    if len(inner):
        origin = time_us[timed[0]]
        offsets_us = np.interp(inner, timed, (time_us[timed] - origin).astype(float))
        out[inner] = origin + np.round(offsets_us).astype(np.int64)
    return out.view("datetime64[us]"), len(inner)


def _checked_root(tree):
    """The root element, after refusing a DOCTYPE the prolog scan missed and a root that is not <gpx>."""
    if tree.docinfo.doctype:  # defence in depth: refuse_dtd already scanned the prolog
        raise RejectedFile(NO_DTD)
    root = tree.getroot()
    if local_name(root.tag) != "gpx":
        raise RejectedFile(f"not a GPX file: root element is <{local_name(root.tag)}>")
    return root


def parse_gpx(data: bytes) -> ParsedActivity:
    """GPX bytes -> ParsedActivity; all tracks and segments are read as one activity."""
    refuse_dtd(data)
    track = _Track()
    file_name = None
    tracks = []  # (name, type, number of points) per <trk>
    trk_name = trk_type = None
    creator = None
    segment = -1
    n_points = 0
    events = etree.iterparse(io.BytesIO(data), events=("start", "end"), tag=_TAGS, resolve_entities=False,
                             no_network=True, load_dtd=False, huge_tree=False, remove_comments=True,
                             remove_pis=True)
    root = None
    try:
        for event, elem in events:
            if root is None:
                root = _checked_root(elem.getroottree())
                creator = (root.get("creator") or "").strip() or None
            name = local_name(elem.tag)
            if event == "start":
                if name in ("trk", "trkseg"):
                    segment += 1
                if name == "trk":
                    trk_name = trk_type = None
                    n_points = len(track.time_us)
                continue
            parent = elem.getparent()
            parent_name = local_name(parent.tag) if parent is not None else None
            if name == "trkpt":
                track.add(elem, segment)
                elem.clear(keep_tail=False)
                while elem.getprevious() is not None:
                    del parent[0]
            elif name in ("name", "type") and parent_name == "trk":
                text = (elem.text or "").strip() or None
                trk_name, trk_type = (text, trk_type) if name == "name" else (trk_name, text)
            elif name == "name" and parent_name in ("metadata", "gpx") and file_name is None:
                file_name = (elem.text or "").strip() or None
            elif name == "trk":
                tracks.append((trk_name, trk_type, len(track.time_us) - n_points))
                elem.clear(keep_tail=False)
            elif name in ("wpt", "rte"):
                elem.clear(keep_tail=False)
        if root is None:  # no element of interest at all: still say what the root was
            _checked_root(events.root.getroottree())
    except etree.XMLSyntaxError as err:
        raise RejectedFile(f"not valid XML: {err}") from err

    with_points = [t for t in tracks if t[2]]
    if not with_points:
        raise RejectedFile("GPX has no track points")
    report = ParseReport()
    times, filled = _fill_times(np.frombuffer(track.time_us, dtype=np.int64))
    if filled:
        report.warnings.append(f"{filled:,} points without a time placed between their timed neighbours")
    seg = np.frombuffer(track.segment, dtype=np.int64)
    cols = {c: np.frombuffer(v, dtype=np.float64) for c, v in track.cols.items()}
    records = pd.DataFrame({"time": times, "lat": cols["lat"], "lon": cols["lon"], "altitude_m": cols["altitude_m"],
                            "distance_m": np.nan,  # summarise: haversine, segment by segment
                            "speed_mps": cols["speed_mps"], "heart_rate": cols["heart_rate"],
                            "cadence": cols["cadence"], "segment": seg}, columns=[*RECORD_COLUMNS, "segment"])
    first_name, first_type, _ = with_points[0]
    return summarise(records, start_time=None, sport=sport_name(first_type), name=first_name or file_name,
                     device=creator, report=report)
