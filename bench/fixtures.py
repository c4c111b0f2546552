"""Synthetic one-hour runs written as real FIT (fit-tool) and GPX (gpxpy) files for the benchmark,
and a large GPX written as plain XML text."""
from __future__ import annotations

import datetime as dt

import xml.etree.ElementTree as ET

import gpxpy.gpx
import numpy as np
from fitdecode.utils import compute_crc

DURATION_S = 3600
START = dt.datetime(2026, 1, 5, 7, 0, tzinfo=dt.UTC)


def _track(seed: int, duration_s: int = DURATION_S) -> dict[str, np.ndarray]:
    """A 1 Hz loop (one hour by default): ~3 m/s with a hill and an HR that follows speed."""
    rng = np.random.default_rng(seed)
    t_s = np.arange(duration_s, dtype=float)
    speed_mps = 3.0 + 0.3 * np.sin(t_s / 300) + rng.normal(0, 0.05, duration_s)
    distance_m = np.cumsum(speed_mps)
    angle = distance_m / distance_m[-1] * 2 * np.pi
    return {
        "t_s": t_s, "speed_mps": speed_mps, "distance_m": distance_m,
        "lat": 52.37 + 0.02 * np.sin(angle), "lon": 4.89 + 0.03 * np.cos(angle),
        "altitude_m": 5 + 20 * np.sin(angle) ** 2,
        "heart_rate": np.round(120 + 10 * speed_mps + rng.normal(0, 2, duration_s)),
    }


def _fit_template(start: dt.datetime) -> bytes:
    from fit_tool.fit_file_builder import FitFileBuilder
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.messages.record_message import RecordMessage
    from fit_tool.profile.messages.session_message import SessionMessage
    from fit_tool.profile.profile_type import FileType, Manufacturer, Sport

    track = _track(0)
    start_ms = int(start.timestamp() * 1000)
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    file_id = FileIdMessage()
    file_id.type, file_id.manufacturer, file_id.product = FileType.ACTIVITY, Manufacturer.DEVELOPMENT.value, 0
    file_id.time_created, file_id.serial_number = start_ms, 1
    builder.add(file_id)
    records = []
    for i in range(DURATION_S):
        r = RecordMessage()
        r.timestamp = start_ms + i * 1000
        r.position_lat, r.position_long = float(track["lat"][i]), float(track["lon"][i])
        r.altitude, r.distance = float(track["altitude_m"][i]), float(track["distance_m"][i])
        r.speed, r.heart_rate = float(track["speed_mps"][i]), int(track["heart_rate"][i])
        records.append(r)
    builder.add_all(records)
    session = SessionMessage()
    session.sport, session.start_time, session.total_elapsed_time = Sport.RUNNING, start_ms, DURATION_S
    builder.add(session)
    return builder.build().to_bytes()


def one_hour_fit_files(n: int) -> list[tuple[str, bytes]]:
    """n FIT files of the same run on n successive days (one fit-tool build, then every FIT
    timestamp field shifted by a day per file and the file CRC recomputed)."""
    template = np.frombuffer(_fit_template(START), dtype=np.uint8)
    # a second build 2^24 s later differs only in the top byte of each uint32 timestamp field
    later = np.frombuffer(_fit_template(START + dt.timedelta(seconds=2**24)), dtype=np.uint8)
    fields = np.flatnonzero(template[:-2] != later[:-2]) - 3
    seconds = template[fields[:, None] + np.arange(4)].copy().view("<u4").ravel()
    files = []
    for i in range(n):
        data = template.copy()
        shifted = (seconds + i * 86_400).astype("<u4").view(np.uint8).reshape(-1, 4)
        data[fields[:, None] + np.arange(4)] = shifted
        data[-2:] = np.frombuffer(compute_crc(data.tobytes(), end=len(data) - 2).to_bytes(2, "little"), np.uint8)
        files.append((f"bench-{i:03d}.fit", data.tobytes()))
    return files


def one_hour_gpx_files(n: int) -> list[tuple[str, bytes]]:
    """n distinct GPX 1.1 files with Garmin TrackPointExtension heart rate."""
    ns = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
    files = []
    for i in range(n):
        track = _track(i + 1)
        gpx = gpxpy.gpx.GPX()
        gpx.nsmap["gpxtpx"] = ns
        segment = gpxpy.gpx.GPXTrackSegment()
        start = START + dt.timedelta(days=i, hours=10)  # the FIT runs are at 07:00
        for j in range(DURATION_S):
            point = gpxpy.gpx.GPXTrackPoint(track["lat"][j], track["lon"][j], elevation=track["altitude_m"][j],
                                            time=start + dt.timedelta(seconds=j))
            ext = ET.Element(f"{{{ns}}}TrackPointExtension")
            hr = ET.SubElement(ext, f"{{{ns}}}hr")
            hr.text = str(int(track["heart_rate"][j]))
            point.extensions.append(ext)
            segment.points.append(point)
        trk = gpxpy.gpx.GPXTrack(name=f"Bench run {i}")
        trk.type = "running"
        trk.segments.append(segment)
        gpx.tracks.append(trk)
        files.append((f"bench-{i:03d}.gpx", gpx.to_xml(version="1.1").encode()))
    return files


GPX_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="{creator}" '
            'xmlns="http://www.topografix.com/GPX/1/1" xmlns:gpxtpx="{ns}">\n'
            '<trk><name>{name}</name><type>running</type><trkseg>\n')
GPX_TAIL = "</trkseg></trk></gpx>\n"


def run_gpx_bytes(duration_s: int, seed: int = 0) -> bytes:
    """A GPX 1.1 run of `duration_s` 1 Hz points (one loop of `_track`) with <ele>, <time> and
    Garmin TrackPointExtension v1 <hr>."""
    ns = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
    track = _track(seed, duration_s)
    start = START.replace(tzinfo=None)
    points = "".join(
        f'<trkpt lat="{track["lat"][j]:.7f}" lon="{track["lon"][j]:.7f}"><ele>{track["altitude_m"][j]:.1f}</ele>'
        f"<time>{(start + dt.timedelta(seconds=j)).isoformat(timespec='seconds')}Z</time><extensions>"
        f"<gpxtpx:TrackPointExtension><gpxtpx:hr>{int(track['heart_rate'][j])}</gpxtpx:hr>"
        f"</gpxtpx:TrackPointExtension></extensions></trkpt>\n" for j in range(duration_s))
    return (GPX_HEAD.format(creator="bench run_gpx_bytes", ns=ns, name=f"Bench {duration_s / 3600:g} h run")
            + points + GPX_TAIL).encode()


def large_gpx_bytes(size_mb: float, seed: int = 0) -> bytes:
    """A GPX 1.1 file of about `size_mb` MiB (2^20 bytes): one track of 1 Hz points (about 232 B
    each, so 48 MiB is ~217,000 points, ~60 h) with <ele>, <time> and Garmin TrackPointExtension
    v1 <hr> and <cad>: the one-hour loop of `_track` run again and again."""
    rng = np.random.default_rng(seed)
    ns = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
    head = GPX_HEAD.format(creator="bench large_gpx_bytes", ns=ns, name="Bench long run")
    tail = GPX_TAIL
    track = _track(seed)
    start = START.replace(tzinfo=None)
    target = int(size_mb * 2**20) - len(head) - len(tail)
    parts, size, i = [], 0, 0
    while size < target:
        j = i % DURATION_S
        time = (start + dt.timedelta(seconds=i)).isoformat(timespec="seconds")
        part = (f'<trkpt lat="{track["lat"][j]:.7f}" lon="{track["lon"][j]:.7f}">'
                f'<ele>{track["altitude_m"][j]:.1f}</ele>'
                f"<time>{time}Z</time><extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{int(track['heart_rate'][j])}"
                f"</gpxtpx:hr><gpxtpx:cad>{80 + int(rng.integers(0, 10))}</gpxtpx:cad></gpxtpx:TrackPointExtension>"
                f"</extensions></trkpt>\n")
        parts.append(part)
        size += len(part)
        i += 1
    return (head + "".join(parts) + tail).encode()
