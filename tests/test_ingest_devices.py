"""Real-device quirks: FIT arrays, relative and compressed timestamps, corrupt tails, multisport,
laps, clock jumps, impossible values, streamed GPX (segments, untimed points, extension
namespaces, noisy GPS speed), TCX multisport. Files are built here: FIT with fit-tool, GPX/TCX as
XML text."""
from __future__ import annotations

import datetime as dt
import math
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.lap_message import LapMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.profile_type import FileType, Manufacturer, Sport
from fitdecode.utils import compute_crc

from bench.fixtures import large_gpx_bytes
from engine.ingest.activity import utc_naive
from engine.ingest.common import CLOCK_JUMP_S, MIN_PARTIAL_SPAN_S, RejectedFile
from engine.ingest.fit import _number, parse_fit
from engine.ingest.gpx import parse_gpx
from engine.ingest.tcx import parse_tcx
from engine.store.imports import import_file

FIT_EPOCH_S = 631_065_600  # FIT time 0 (1989-12-31T00:00:00Z) as a Unix time
START = dt.datetime(2024, 5, 1, 7, 0, tzinfo=dt.UTC)
START_NAIVE = pd.Timestamp("2024-05-01 07:00:00")


# --- building FIT files --------------------------------------------------------------------

def _ms(t) -> int:
    """fit-tool's time value (ms since 1970) for a datetime, or for a raw relative FIT time (int s)."""
    return int(t.timestamp() * 1000) if isinstance(t, dt.datetime) else (FIT_EPOCH_S + t) * 1000


def _set(message, values: dict) -> None:
    for key, value in values.items():
        if key in ("timestamp", "start_time", "time_created"):
            setattr(message, key, _ms(value))
        elif isinstance(value, tuple):
            message.get_field_by_name(key).set_values(list(value))
        else:
            setattr(message, key, value)


def fit_file(records: list[dict], sessions: list[dict] = (), laps: list[dict] = (),
             time_created=START) -> tuple[bytes, list[int]]:
    """FIT bytes and the byte offset of each record message. A record with `compressed` = a
    datetime is written with a compressed-timestamp header (local message 1, no timestamp field)."""
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    file_id = FileIdMessage()
    file_id.type, file_id.manufacturer, file_id.product, file_id.serial_number = (
        FileType.ACTIVITY, Manufacturer.DEVELOPMENT.value, 0, 1)
    _set(file_id, {"time_created": time_created})
    builder.add(file_id)
    offsets = []
    for values in records:
        values = dict(values)
        compressed = values.pop("compressed", None)
        message = RecordMessage(local_id=1 if compressed else 0)
        _set(message, values)
        builder.add(message)
        offsets.append(sum(r.size for r in builder.records[:-1]))  # in the data section
        if compressed:
            header = builder.records[-1].header
            header.is_time_compressed = True
            header.time_offset_seconds = (int(compressed.timestamp()) - FIT_EPOCH_S) & 0x1F
    for cls, rows in ((LapMessage, laps), (SessionMessage, sessions)):
        for values in rows:
            message = cls()
            _set(message, values)
            builder.add(message)
    data = builder.build().to_bytes()
    return data, [data[0] + o for o in offsets]  # data[0]: the file header's size


def run_records(n: int, start=START, hr=150, speed_mps=3.0) -> list[dict]:
    """n records at 1 Hz along a meridian at `speed_mps`."""
    return [{"timestamp": start + dt.timedelta(seconds=i), "heart_rate": hr, "distance": speed_mps * i,
             "speed": speed_mps, "position_lat": 52.0 + speed_mps * i / 111_195, "position_long": 4.0}
            for i in range(n)]


def cut_with_undefined_message(data: bytes, offset: int) -> bytes:
    """The file's first `offset` bytes, then a data record of the undefined local message 14 and
    some bytes; data size and both CRCs rewritten, so only the undefined message is wrong."""
    header_size = data[0]
    body = bytearray(data[:offset] + bytes([0x0E]) + b"\x01\x02\x03\x04")
    body[4:8] = (len(body) - header_size).to_bytes(4, "little")
    if header_size == 14:  # a header CRC
        body[12:14] = compute_crc(bytes(body[:12])).to_bytes(2, "little")
    return bytes(body) + compute_crc(bytes(body)).to_bytes(2, "little")


# --- FIT -----------------------------------------------------------------------------------

def test_fit_fields_decoded_as_arrays_give_their_first_valid_number():
    records = run_records(3)
    records[0] |= {"enhanced_speed": (3.5, 4.0), "enhanced_altitude": (100.0, 101.0)}
    records[1] |= {"enhanced_speed": (3.25,), "enhanced_altitude": (102.0, 103.0, 104.0)}
    data, _ = fit_file(records, sessions=[{"sport": Sport.RUNNING, "start_time": START}])
    parsed = parse_fit(data)
    s = parsed.samples
    assert s.speed_mps.tolist() == [3.5, 3.25, 3.0] and s.altitude_m.tolist()[:2] == [100.0, 102.0]
    assert np.isnan(s.altitude_m.iloc[2])
    assert _number((None, 4.0)) == 4.0  # fitdecode gives None for an invalid element
    assert _number(("n/a", 2)) == 2.0
    assert all(math.isnan(_number(v)) for v in ("fast", None, (None, None), (), True, float("inf")))


def test_a_number_is_never_read_as_a_date():
    got = utc_naive([17220104, "17220104", 1.7e9, "2024-05-01T07:00:00Z", START, "2024-05-01T09:00:00+02:00"])
    assert got.isna().tolist() == [True, True, True, False, False, False]
    assert (got.iloc[3:] == START_NAIVE).all()


def test_fit_relative_timestamps_are_placed_from_the_creation_time():
    records = [{"timestamp": 5000 + i, "heart_rate": 140, "distance": 3.0 * i} for i in range(120)]
    parsed = parse_fit(fit_file(records)[0])
    assert parsed.activity["start_time"] == START_NAIVE  # the first relative record at time_created
    assert parsed.samples.t_s.tolist() == [float(i) for i in range(120)]
    assert parsed.report.warnings == ["120 records carry relative timestamps (device time): placed from the file's "
                                      "creation time 2024-05-01 07:00:00"]


def test_fit_relative_timestamps_without_a_real_creation_time_are_rejected():
    records = [{"timestamp": 5000 + i, "heart_rate": 140} for i in range(120)]
    with pytest.raises(RejectedFile, match="relative timestamps .* no creation time"):
        parse_fit(fit_file(records, time_created=4900)[0])


def test_fit_compressed_timestamp_headers_resolve_to_datetimes():
    records = []
    for i in range(100):
        t = START + dt.timedelta(seconds=i)
        records.append({"timestamp": t, "heart_rate": 130} if i % 5 == 0 else {"compressed": t, "heart_rate": 131})
    data, _ = fit_file(records)
    assert sum(1 for b in (data[o] for o in fit_file(records)[1]) if b & 0x80) == 80  # really compressed headers
    parsed = parse_fit(data)
    assert parsed.samples.t_s.tolist() == [float(i) for i in range(100)] and parsed.report.warnings == []
    assert parsed.activity["start_time"] == START_NAIVE


def test_fit_undefined_local_message_keeps_the_records_decoded_before_it():
    data, offsets = fit_file(run_records(180))
    parsed = parse_fit(cut_with_undefined_message(data, offsets[120]))
    assert parsed.report.rows_kept == 120 and parsed.activity["duration_s"] == 119.0
    assert parsed.report.warnings[0] == ("file ends with a decode error (FIT parsing error @ "
                                         f"{offsets[120]}: local message 14 not defined) after 120 records: "
                                         "kept 2.0 min")
    assert parse_fit(data).report.rows_kept == 180  # the intact file


def test_fit_decode_error_before_60_s_of_records_is_rejected():
    data, offsets = fit_file(run_records(180))
    assert MIN_PARTIAL_SPAN_S == 60.0
    with pytest.raises(RejectedFile, match=r"truncated or corrupt: decode error .* after 30 records spanning 29 s"):
        parse_fit(cut_with_undefined_message(data, offsets[30]))
    with pytest.raises(RejectedFile, match="truncated or corrupt"):  # truncated inside the 30th record
        parse_fit(data[: offsets[30] + 3])
    with pytest.raises(RejectedFile, match=r"CRC error"):
        parse_fit(data[:-2] + bytes([data[-2] ^ 0xFF, data[-1]]))


def test_fit_multisport_is_one_activity_in_time_order():
    swim, bike, run = (START + dt.timedelta(seconds=s) for s in (5, 120, 300))
    sessions = [  # in the file: run, swim, bike; totals deliberately wrong (the records' totals win)
        {"sport": Sport.RUNNING, "start_time": run, "total_elapsed_time": 120, "total_distance": 1.0},
        {"sport": Sport.SWIMMING, "start_time": swim, "total_elapsed_time": 115, "total_distance": 1.0},
        {"sport": Sport.CYCLING, "start_time": bike, "total_elapsed_time": 180, "total_distance": 1.0},
    ]
    laps = [{"start_time": t, "total_elapsed_time": d, "total_distance": 100.0 * k, "avg_heart_rate": 120 + k}
            for k, (t, d) in enumerate([(run, 120), (swim, 115), (bike, 180)], start=1)]
    parsed = parse_fit(fit_file(run_records(420), sessions=sessions, laps=laps)[0])
    a = parsed.activity
    assert (a["sport"], a["name"]) == ("multisport", "Multisport: swimming, cycling, running")
    assert a["start_time"] == START_NAIVE  # the first record, before the first session's start
    assert a["duration_s"] == 419.0 and a["distance_m"] == pytest.approx(3.0 * 419)
    assert parsed.laps.lap_no.tolist() == [1, 2, 3]
    assert parsed.laps.start_s.tolist() == [5.0, 120.0, 300.0]  # swim, bike, run
    assert parsed.laps.avg_hr.tolist() == [122.0, 123.0, 121.0]
    assert "3 sessions in the file: one activity" in parsed.report.warnings[0]


def test_fit_two_sessions_of_one_sport_keep_that_sport():
    sessions = [{"sport": Sport.RUNNING, "start_time": START}, {"sport": Sport.RUNNING,
                                                                "start_time": START + dt.timedelta(seconds=60)}]
    parsed = parse_fit(fit_file(run_records(120), sessions=sessions)[0])
    assert (parsed.activity["sport"], parsed.activity["name"]) == ("running", None)


def test_fit_records_dated_years_away_are_dropped():
    records = run_records(300)
    jumped = START - dt.timedelta(days=2500)  # in the past: a date in the future is dropped as impossible anyway
    for i in (0, 150, 299):  # a clock that jumped for three records
        records[i] = records[i] | {"timestamp": jumped + dt.timedelta(seconds=i)}
    parsed = parse_fit(fit_file(records, sessions=[{"sport": Sport.RUNNING, "start_time": START}])[0])
    assert CLOCK_JUMP_S == 7 * 86_400
    assert "3 records dated more than 7 days from the rest dropped" in parsed.report.warnings
    assert parsed.report.rows_kept == 297 and parsed.activity["duration_s"] == 297.0  # 1 s .. 298 s
    assert parsed.activity["start_time"] == START_NAIVE and parsed.samples.t_s.iloc[0] == 1.0


def test_fit_impossible_heart_rates_and_speeds_are_blanked_before_the_averages():
    records = run_records(120, hr=150, speed_mps=3.0)
    records[10] |= {"heart_rate": 0}
    records[11] |= {"heart_rate": 251}
    records[12] |= {"speed": 30.0}  # 30 m/s while running
    sessions = [{"sport": Sport.RUNNING, "start_time": START, "avg_heart_rate": 252, "max_heart_rate": 254}]
    parsed = parse_fit(fit_file(records, sessions=sessions)[0])
    s, a = parsed.samples, parsed.activity
    assert s.heart_rate.isna().sum() == 2 and np.isnan(s.speed_mps.iloc[12])
    assert (a["avg_hr"], a["max_hr"]) == (150.0, 150.0)  # the session's impossible HR is dropped too
    assert parsed.report.warnings == ["5 impossible values blanked: 2 heart rates < 20 or > 250 bpm, "
                                      "1 speeds < 0 or > 12 m/s, 2 file summary heart rates < 20 or > 250 bpm"]


def test_fit_cycling_gets_the_generous_speed_cap():
    records = run_records(60, speed_mps=20.0)
    parsed = parse_fit(fit_file(records, sessions=[{"sport": Sport.CYCLING, "start_time": START}])[0])
    assert parsed.samples.speed_mps.eq(20.0).all() and parsed.report.warnings == []


# --- GPX -----------------------------------------------------------------------------------

GPX_HEAD = ('<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="test" '
            'xmlns:tpx1="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" '
            'xmlns:tpx2="http://www.garmin.com/xmlschemas/TrackPointExtension/v2" '
            'xmlns:gpxdata="http://www.cluetrust.com/XML/GPXDATA/1/0" xmlns:other="urn:some:app">')


def _time(s: float) -> str:
    return (START + dt.timedelta(seconds=s)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def trkpt(lat: float, lon: float, t: float | None = None, ext: str = "") -> str:
    time = "" if t is None else f"<time>{_time(t)}</time>"
    ext = f"<extensions>{ext}</extensions>" if ext else ""
    return f'<trkpt lat="{lat}" lon="{lon}">{time}{ext}</trkpt>'


def gpx(*tracks: list[list[str]], sport: str = "running") -> bytes:
    """GPX bytes: tracks, each a list of segments, each a list of <trkpt> strings."""
    body = "".join(f"<trk><type>{sport}</type>" + "".join(f"<trkseg>{''.join(seg)}</trkseg>" for seg in trk)
                   + "</trk>" for trk in tracks)
    return (GPX_HEAD + body + "</gpx>").encode()


STEP_DEG = 0.001  # along the equator: 111.195 m
STEP_M = 111.19508


@pytest.mark.parametrize("data", [
    b'<?xml version="1.0"?><!DOCTYPE gpx><gpx version="1.1"><trk/></gpx>',
    b'<?xml version="1.0"?>\n<!-- made by hand -->\n<!DOCTYPE gpx SYSTEM "http://example.com/x.dtd"><gpx/>',
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE gpx [<!ENTITY a "b">]><gpx/>'.encode("utf-16"),
    b'\xef\xbb\xbf<!ENTITY a "b"><gpx/>',
])
def test_gpx_any_doctype_or_entity_in_the_prolog_is_refused(data):
    with pytest.raises(RejectedFile, match="DOCTYPE declarations are not allowed"):
        parse_gpx(data)


def test_gpx_a_doctype_inside_a_comment_is_only_a_comment():
    data = b"<?xml version='1.0'?><!-- <!DOCTYPE x> -->" + gpx([[trkpt(0, 0, 0), trkpt(0, STEP_DEG, 30)]])
    assert parse_gpx(data).report.rows_kept == 2


def test_gpx_distance_never_bridges_segments_or_tracks():
    data = gpx([[trkpt(0, 0, 0), trkpt(0, STEP_DEG, 40)],          # track 1, segment 1
                [trkpt(0, 0.01, 100), trkpt(0, 0.011, 140)]],      # segment 2, 1 km further on
               [[trkpt(0, 0.05, 200), trkpt(0, 0.051, 240)]])      # track 2, 4 km further on
    parsed = parse_gpx(data)
    s = parsed.samples
    assert s.distance_m.tolist() == pytest.approx([0, STEP_M, STEP_M, 2 * STEP_M, 2 * STEP_M, 3 * STEP_M])
    assert parsed.activity["distance_m"] == pytest.approx(3 * STEP_M)
    assert s.speed_mps.max() < 3.0  # no jump at the gaps


def test_gpx_untimed_points_between_timed_ones_are_interpolated_others_dropped():
    data = gpx([[trkpt(0, 0), trkpt(0, STEP_DEG, 0), trkpt(0, 2 * STEP_DEG), trkpt(0, 3 * STEP_DEG),
                 trkpt(0, 4 * STEP_DEG, 30), trkpt(0, 5 * STEP_DEG)]])
    parsed = parse_gpx(data)
    s, r = parsed.samples, parsed.report
    assert (r.rows_in, r.rows_kept) == (6, 4)
    assert s.t_s.tolist() == [0.0, 10.0, 20.0, 30.0]  # evenly by point order between 0 s and 30 s
    assert s.lon.tolist() == pytest.approx([STEP_DEG, 2 * STEP_DEG, 3 * STEP_DEG, 4 * STEP_DEG])
    assert parsed.activity["distance_m"] == pytest.approx(3 * STEP_M)
    assert r.warnings == ["2 points without a time placed between their timed neighbours",
                          "2 records without a timestamp dropped"]


def test_gpx_heart_rate_and_cadence_in_any_extension_namespace():
    exts = [
        "<tpx1:TrackPointExtension><tpx1:hr>101</tpx1:hr><tpx1:cad>81</tpx1:cad></tpx1:TrackPointExtension>",
        "<tpx2:TrackPointExtension><tpx2:hr>102</tpx2:hr><tpx2:cad>82</tpx2:cad>"
        "<tpx2:speed>2.5</tpx2:speed></tpx2:TrackPointExtension>",
        "<gpxdata:hr>103</gpxdata:hr><gpxdata:cadence>83</gpxdata:cadence>",
        "<other:HeartRate>104</other:HeartRate><other:Cadence>84</other:Cadence>",
        "<heart_rate>105</heart_rate>",
        "<other:data><other:heartrate> 106 </other:heartrate></other:data>",
    ]
    parsed = parse_gpx(gpx([[trkpt(0, i * STEP_DEG / 40, i, ext) for i, ext in enumerate(exts)]]))
    s = parsed.samples
    assert s.heart_rate.tolist() == [101.0, 102.0, 103.0, 104.0, 105.0, 106.0]
    assert s.cadence.tolist()[:4] == [81.0, 82.0, 83.0, 84.0] and s.cadence.iloc[4:].isna().all()
    assert s.speed_mps.iloc[1] == 2.5 and s.speed_mps.drop(index=1).isna().all()  # a file speed: not derived


def test_gpx_impossible_heart_rates_are_counted_and_left_out_of_the_average():
    hrs = [150, 0, 300, 160, -5]
    parsed = parse_gpx(gpx([[trkpt(0, i * STEP_DEG / 40, i, f"<tpx1:hr>{hr}</tpx1:hr>") for i, hr in enumerate(hrs)]]))
    assert parsed.samples.heart_rate.isna().tolist() == [False, True, True, False, True]
    assert (parsed.activity["avg_hr"], parsed.activity["max_hr"]) == (155.0, 160.0)
    assert "3 impossible values blanked: 3 heart rates < 20 or > 250 bpm" in parsed.report.warnings


def test_gpx_speed_from_gps_is_windowed_and_capped():
    """A run at 3 m/s, 1 point a second, with one GPS glitch 1 ms after a point and 76 m off the
    line: a point-to-point speed would be 76 km/s there."""
    step = 3.0 / STEP_M * STEP_DEG  # degrees per 3 m
    points = [trkpt(0, i * step, i) for i in range(61)]
    points.insert(31, trkpt(76 / STEP_M * STEP_DEG, 30 * step, 30.001))  # 76 m north, 1 ms later
    parsed = parse_gpx(gpx([points]))
    s = parsed.samples
    assert len(s) == 62 and s.speed_mps.max() <= 12.0
    assert s.speed_mps.iloc[:20].tolist() == pytest.approx([3.0] * 20)  # windows before the glitch: exact
    assert s.speed_mps.isna().sum() >= 1  # windows over the 152 m detour exceed the running cap
    assert any("speeds derived from positions/distance < 0 or > 12 m/s" in w for w in parsed.report.warnings)
    cycling = parse_gpx(gpx([points], sport="cycling")).samples.speed_mps  # under cycling's 40 m/s: kept
    assert cycling.notna().all() and cycling.max() < 40.0


def test_gpx_1_0_name_speed_and_creator():
    data = (b'<?xml version="1.0"?><gpx version="1.0" creator="Old Logger" xmlns="http://www.topografix.com/GPX/1/0">'
            b"<name>Morning loop</name><trk><trkseg>"
            + "".join(f'<trkpt lat="0" lon="{i * STEP_DEG / 40}"><ele>{10 + i}</ele><time>{_time(i)}</time>'
                      f"<speed>2.{i}</speed></trkpt>" for i in range(3)).encode()
            + b"</trkseg></trk></gpx>")
    parsed = parse_gpx(data)
    assert (parsed.activity["name"], parsed.activity["device"]) == ("Morning loop", "Old Logger")
    assert parsed.samples.speed_mps.tolist() == [2.0, 2.1, 2.2] and parsed.samples.altitude_m.tolist() == [10, 11, 12]


def test_gpx_is_streamed_into_compact_columns():
    """A ~3 MB GPX (13,600 points with HR): Python allocations peak near the file's size (gpxpy
    peaks at about 4x); the values are the file's."""
    data = large_gpx_bytes(3)
    tracemalloc.start()
    try:
        parsed = parse_gpx(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * len(data)
    n = data.count(b"<trkpt ")
    assert parsed.report.rows_in == parsed.report.rows_kept == n > 13_000
    assert parsed.samples.heart_rate.notna().all() and parsed.activity["duration_s"] == n - 1


# --- TCX -----------------------------------------------------------------------------------

TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"


def tcx_leg(sport: str, t0: float, n: int, lap_max_hr: float = 150) -> str:
    points = "".join(f"<Trackpoint><Time>{_time(t0 + i)}</Time><DistanceMeters>{3.0 * i}</DistanceMeters>"
                     f"<HeartRateBpm><Value>{140 + i}</Value></HeartRateBpm></Trackpoint>" for i in range(n))
    return (f'<Activity Sport="{sport}"><Id>{_time(t0)}</Id><Lap StartTime="{_time(t0)}">'
            f"<TotalTimeSeconds>{n - 1}</TotalTimeSeconds><DistanceMeters>{3.0 * (n - 1)}</DistanceMeters>"
            f"<AverageHeartRateBpm><Value>{140 + n / 2}</Value></AverageHeartRateBpm>"
            f"<MaximumHeartRateBpm><Value>{lap_max_hr}</Value></MaximumHeartRateBpm>"
            f"<Track>{points}</Track></Lap><Creator><Name>Forerunner 935</Name></Creator></Activity>")


def test_tcx_multisport_session_is_one_activity():
    data = (f'<TrainingCenterDatabase xmlns="{TCX_NS}"><Activities><MultiSportSession><Id>{_time(0)}</Id>'
            f"<FirstSport>{tcx_leg('Biking', 0, 5)}</FirstSport>"
            f"<NextSport><Transition><TotalTimeSeconds>60</TotalTimeSeconds></Transition>{tcx_leg('Running', 100, 4)}"
            f"</NextSport></MultiSportSession></Activities></TrainingCenterDatabase>").encode()
    parsed = parse_tcx(data)
    a = parsed.activity
    assert (a["sport"], a["name"], a["device"]) == ("multisport", "Multisport: cycling, running", "Forerunner 935")
    assert a["start_time"] == START_NAIVE and a["duration_s"] == 103.0
    assert parsed.report.rows_kept == 9 and parsed.laps.start_s.tolist() == [0.0, 100.0]
    assert a["max_hr"] == 144.0  # from the records (140..144 and 140..143)


def test_tcx_impossible_lap_heart_rate_is_not_the_activity_max():
    data = (f'<TrainingCenterDatabase xmlns="{TCX_NS}"><Activities>{tcx_leg("Running", 0, 5, lap_max_hr=300)}'
            f"</Activities></TrainingCenterDatabase>").encode()
    parsed = parse_tcx(data)
    assert parsed.activity["max_hr"] == 144.0 and np.isnan(parsed.laps.max_hr.iloc[0])
    assert parsed.report.warnings == ["2 impossible values blanked: 1 file summary heart rates < 20 or > 250 bpm, "
                                      "1 lap heart rates < 20 or > 250 bpm"]


# --- through the store ---------------------------------------------------------------------

def test_laps_are_stored(store, samples_dir):
    for rel in ("fit/run.fit", "tcx/test.tcx"):
        path = samples_dir / rel
        assert import_file(store, path.name, path.read_bytes(), athlete="Ada", create=True).status == "imported"
    laps = store.query("SELECT activity_id, lap_no, distance_m FROM laps ORDER BY activity_id, lap_no")
    assert laps.groupby("activity_id").size().tolist() == [6, 3]
    assert laps.lap_no.tolist() == [1, 2, 3, 4, 5, 6, 1, 2, 3]


def test_multisport_and_truncated_fit_import(store):
    sessions = [{"sport": Sport.SWIMMING, "start_time": START},
                {"sport": Sport.RUNNING, "start_time": START + dt.timedelta(seconds=60)}]
    data, offsets = fit_file(run_records(150), sessions=sessions)
    result = import_file(store, "tri.fit", data, athlete="Ada", create=True)
    assert result.status == "imported" and result.rows_kept == 150
    cut = import_file(store, "cut.fit", cut_with_undefined_message(data, offsets[100]), athlete="Bo", create=True)
    assert cut.status == "imported" and cut.rows_kept == 100 and "kept 1.6 min" in cut.message
    acts = store.query("SELECT sport, name FROM activities ORDER BY activity_id")
    assert acts["sport"].tolist() == ["multisport", "unknown"]  # the cut file lost its sessions (at the end)
    assert acts["name"].iloc[0] == "Multisport: swimming, running" and pd.isna(acts["name"].iloc[1])


def test_impossible_reps_are_stored_as_null(store):
    csv = b"date,exercise,weight_kg,reps\n2024-05-01,Back Squat,100,5\n2024-05-01,Back Squat,140,877777\n"
    result = import_file(store, "sets.csv", csv, athlete="Ada", create=True)
    assert result.status == "imported" and "1 reps over 100" in result.message
    reps = store.query("SELECT reps FROM strength_sets ORDER BY set_order")["reps"]
    assert reps.iloc[0] == 5 and pd.isna(reps.iloc[1])
