"""FIT / GPX / TCX parsers against the real sample files (facts from ../shared/samples/SOURCES.md,
re-checked against the files) and against hostile input."""
from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.ingest.activity import RECORD_COLUMNS, summarise
from engine.ingest.common import SAMPLE_COLUMNS, ParseReport, RejectedFile
from engine.ingest.fit import parse_fit
from engine.ingest.gpx import parse_gpx
from engine.ingest.tcx import parse_tcx

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"


def sample(rel: str) -> bytes:
    return (SAMPLES / rel).read_bytes()


def check_frame(parsed):
    s = parsed.samples
    assert list(s.columns) == SAMPLE_COLUMNS
    assert all(dtype == np.float64 for dtype in s.dtypes)
    assert s.t_s.is_monotonic_increasing and not s.t_s.duplicated().any()
    assert parsed.report.rows_kept == len(s)
    assert parsed.activity["start_time"].tz is None


# --- FIT -----------------------------------------------------------------------------------

def test_fit_fenix5_matches_upstream_csv_record_by_record():
    parsed = parse_fit(sample("fit/garmin-fenix-5-run.fit"))
    check_frame(parsed)
    s, a = parsed.samples, parsed.activity
    csv = pd.read_csv(SAMPLES / "fit/garmin-fenix-5-run-records.csv")
    assert len(s) == len(csv) == 21 and parsed.report.rows_in == 21
    # CSV times are local PDT (UTC-7)
    utc = pd.to_datetime(csv.timestamp.str.replace(" PDT", ""), format="%a %b %d %H:%M:%S %Y") + pd.Timedelta(hours=7)
    assert s.t_s.tolist() == (utc - utc[0]).dt.total_seconds().tolist()
    for col, ref in [("heart_rate", "heart_rate"), ("cadence", "cadence"), ("speed_mps", "speed"),
                     ("distance_m", "distance"), ("altitude_m", "altitude")]:
        np.testing.assert_allclose(s[col], csv[ref], rtol=0, atol=1e-9, err_msg=col)
    np.testing.assert_allclose(s.lat, csv.position_lat * 180 / 2**31, rtol=0, atol=1e-9)
    np.testing.assert_allclose(s.lon, csv.position_long * 180 / 2**31, rtol=0, atol=1e-9)
    assert a["start_time"] == pd.Timestamp("2017-06-11 14:34:09")
    assert (a["avg_hr"], a["max_hr"]) == (90.0, 112.0)  # session values, not the record mean (84.95)
    assert a["distance_m"] == pytest.approx(157.56)
    assert a["ascent_m"] == 2.0
    assert (a["sport"], a["device"], a["duration_s"], a["pause_count"]) == ("running", "garmin fenix5", 57.0, 0)


def test_fit_fenix2_hr_computed_from_records():
    parsed = parse_fit(sample("fit/activity-small-fenix2-run.fit"))
    check_frame(parsed)
    s, a = parsed.samples, parsed.activity
    assert parsed.report.rows_in == parsed.report.rows_kept == 2809
    assert s.heart_rate.notna().sum() == 2808  # one record without HR stays NaN
    assert a["avg_hr"] == pytest.approx(s.heart_rate.mean()) and a["avg_hr"] == pytest.approx(153.976, abs=1e-3)
    assert a["max_hr"] == 178.0
    assert a["distance_m"] == pytest.approx(9008.22)
    assert a["ascent_m"] == 64.0
    assert a["start_time"] == pd.Timestamp("2015-08-15 14:45:08")
    assert a["duration_s"] == 2833.0 and a["device"] == "garmin fenix2" and a["sport"] == "running"


def test_fit_run_missing_positions_are_nan():
    parsed = parse_fit(sample("fit/run.fit"))
    check_frame(parsed)
    s, a = parsed.samples, parsed.activity
    assert len(s) == 1202
    assert s.lat.isna().sum() == s.lon.isna().sum() == 45
    assert s.heart_rate.notna().all()
    assert (a["avg_hr"], a["max_hr"]) == (130.0, 160.0)
    assert a["distance_m"] == pytest.approx(5839.77) and a["ascent_m"] == 234.0
    assert a["start_time"] == pd.Timestamp("2019-09-14 15:22:05") and a["device"] == "garmin fr645m"


@pytest.mark.parametrize("rel, records, minutes", [
    ("fit/activity-small-fenix2-run.fit", 1412, 23.8),  # half of a 47-min run
    ("fit/run.fit", 604, 25.8),
])
def test_fit_truncated_half_imports_with_a_warning(rel, records, minutes):
    data = sample(rel)
    parsed = parse_fit(data[: len(data) // 2])
    check_frame(parsed)
    assert parsed.report.rows_kept == len(parsed.samples) == records
    assert parsed.report.warnings[0] == (f"file ends with a decode error (truncated) after {records:,} records: "
                                         f"kept {minutes} min")
    assert parsed.activity["duration_s"] / 60 == pytest.approx(minutes, abs=0.051)
    full = parse_fit(data)
    assert parsed.activity["start_time"] == full.activity["start_time"]
    pd.testing.assert_frame_equal(parsed.samples, full.samples.iloc[:records])


def test_fit_laps():
    fenix2, run = parse_fit(sample("fit/activity-small-fenix2-run.fit")), parse_fit(sample("fit/run.fit"))
    assert len(fenix2.laps) == 4 and len(run.laps) == 6
    assert fenix2.laps.lap_no.tolist() == [1, 2, 3, 4] and fenix2.laps.avg_hr.isna().all()  # no lap HR
    assert fenix2.laps.distance_m.sum() == pytest.approx(9008.22)
    assert fenix2.laps.start_s.tolist() == [1.0, 272.0, 1109.0, 1868.0]  # session starts 14:45:08, lap 1 at :09
    assert run.laps.iloc[0].tolist() == [1, 0.0, 465.09, 1000.0, 136.0, 159.0]
    assert run.laps.distance_m.sum() == pytest.approx(5839.77) and run.laps.max_hr.max() == 160.0
    assert run.laps.start_s.is_monotonic_increasing


# --- GPX -----------------------------------------------------------------------------------

def test_gpx_strava_duplicate_dropped_and_pauses():
    parsed = parse_gpx(sample("gpx/strava_export.gpx"))
    check_frame(parsed)
    s, a, r = parsed.samples, parsed.activity, parsed.report
    assert (r.rows_in, r.rows_kept) == (1697, 1696)
    assert any("1 records with a duplicate timestamp" in w for w in r.warnings)
    assert (s.heart_rate.min(), s.heart_rate.max()) == (105.0, 174.0)
    assert s.cadence.notna().all() and s.altitude_m.notna().all()
    assert a["sport"] == "running"  # Strava <type>9</type>
    assert a["name"] == "Ciclofaixa Recife Antigo x Jaqueira 002 - 12km livre"
    assert a["start_time"] == pd.Timestamp("2021-01-10 08:54:28")
    assert a["duration_s"] == 5127.0  # 08:54:28 -> 10:19:55
    assert a["pause_count"] == 4  # gaps of 63, 73, 102 and 155 s
    assert a["moving_time_s"] == 5127.0 - (63 + 73 + 102 + 155)
    assert s.distance_m.is_monotonic_increasing and a["distance_m"] == pytest.approx(12_595, abs=5)
    # no point has a speed: derived as distance over >= 5 s (SPEED_WINDOW_S), centred; the first
    # record's window is shifted to [0, 5 s] and ends at the first record at or after 5 s (t = 6 s)
    assert s.speed_mps.notna().all() and s.speed_mps.max() < 12.0
    assert s.t_s.iloc[:3].tolist() == [0.0, 4.0, 6.0] and s.lat.iloc[0] == s.lat.iloc[1]  # no move in 4 s
    assert s.speed_mps.iloc[0] == pytest.approx(s.distance_m.iloc[2] / 6.0)
    assert s.speed_mps.median() == pytest.approx(a["distance_m"] / a["moving_time_s"], rel=0.05)


def test_gpx_garmin_connect_ns3_prefix():
    parsed = parse_gpx(sample("gpx/garmin_connect.gpx"))
    check_frame(parsed)
    s, a = parsed.samples, parsed.activity
    assert s.heart_rate.tolist() == [120.0, 125.0, 130.0]
    assert s.cadence.tolist() == [70.0, 75.0, 80.0]
    assert s.t_s.tolist() == [0.0, 1.0, 2.0]  # .000Z milliseconds
    assert (a["sport"], a["name"], a["avg_hr"], a["max_hr"]) == ("running", "Foo Bar", 125.0, 130.0)


def test_gpx_nike_partial_hr_and_elevation():
    parsed = parse_gpx(sample("gpx/nike_run.gpx"))
    check_frame(parsed)
    s, a = parsed.samples, parsed.activity
    assert len(s) == 727
    assert s.heart_rate.notna().sum() == 494 and s.altitude_m.notna().sum() == 290
    assert s.cadence.isna().all()
    assert s.t_s.iloc[1] == pytest.approx(2.9)  # microsecond times
    assert s.t_s.iloc[-1] == pytest.approx(3169.582)  # last time has no fraction
    assert a["sport"] == "unknown"  # no <type>
    assert a["avg_hr"] == pytest.approx(s.heart_rate.mean())


def test_gpx_extension_values_in_any_namespace_and_prefix():
    """HR under a Garmin URI with an unusual prefix is read, and so is `hr` under any other
    namespace (matched by local name); a point without a time after the last timed one is dropped."""
    gpx = b"""<gpx xmlns="http://www.topografix.com/GPX/1/1"
      xmlns:zz="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"
      xmlns:gpxtpx="http://example.com/not-garmin"><trk><type>Ride</type><trkseg>
      <trkpt lat="1" lon="2"><time>2020-01-01T00:00:00Z</time><extensions>
        <zz:TrackPointExtension><zz:hr>150</zz:hr></zz:TrackPointExtension></extensions></trkpt>
      <trkpt lat="1" lon="2.001"><time>2020-01-01T00:00:10Z</time><extensions>
        <gpxtpx:TrackPointExtension><gpxtpx:hr>99</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions></trkpt>
      <trkpt lat="1" lon="2.002"></trkpt>
    </trkseg></trk></gpx>"""
    parsed = parse_gpx(gpx)
    assert parsed.samples.heart_rate.tolist() == [150.0, 99.0]
    assert parsed.activity["sport"] == "cycling"
    assert parsed.report.rows_in == 3 and parsed.report.rows_kept == 2
    assert any("1 records without a timestamp" in w for w in parsed.report.warnings)


# --- TCX -----------------------------------------------------------------------------------

def test_tcx_run_garmin_speed_from_tpx():
    raw = sample("tcx/run_garmin.tcx")
    parsed = parse_tcx(raw)
    check_frame(parsed)
    s, a = parsed.samples, parsed.activity
    assert len(s) == 147
    tpx_speed = [float(v) for v in re.findall(rb"<ns3:Speed>([^<]+)</ns3:Speed>", raw)]
    run_cadence = [float(v) for v in re.findall(rb"<ns3:RunCadence>([^<]+)</ns3:RunCadence>", raw)]
    assert s.speed_mps.tolist() == tpx_speed and s.cadence.tolist() == run_cadence
    assert s.heart_rate.notna().all() and s.lat.notna().all() and s.altitude_m.notna().all()
    assert a["distance_m"] == pytest.approx(1000 + 1000 + 153.67)  # sum of the 3 laps
    assert a["avg_hr"] == pytest.approx((137 * 390 + 147 * 372 + 144 * 54) / (390 + 372 + 54))  # lap-time weighted
    assert a["max_hr"] == 153.0
    assert a["start_time"] == pd.Timestamp("2018-11-25 07:20:49")
    assert (a["sport"], a["device"]) == ("running", "Garmin Forerunner 620")


def test_tcx_test_file_and_derived_speed():
    parsed = parse_tcx(sample("tcx/test.tcx"))
    check_frame(parsed)
    s, a = parsed.samples, parsed.activity
    assert len(s) == 384 and s.heart_rate.notna().sum() == 383
    assert s.iloc[-1].drop("t_s").isna().all()  # last Trackpoint has only a Time
    assert a["max_hr"] == 189.0 and a["sport"] == "running"
    assert a["distance_m"] == pytest.approx(1609.34399414 * 2 + 1470.5546875)
    assert s.cadence.isna().all() and s.speed_mps.iloc[1:-1].notna().all()  # speed derived from distance


def test_tcx_laps():
    run, test = parse_tcx(sample("tcx/run_garmin.tcx")), parse_tcx(sample("tcx/test.tcx"))
    assert len(run.laps) == 3 and len(test.laps) == 3
    assert run.laps.duration_s.round().tolist() == [390.0, 372.0, 54.0]
    assert run.laps.avg_hr.tolist() == [137.0, 147.0, 144.0] and run.laps.max_hr.max() == 153.0
    assert run.laps.distance_m.sum() == pytest.approx(run.activity["distance_m"])
    assert run.laps.start_s.iloc[0] == 0.0 and run.laps.start_s.is_monotonic_increasing
    assert test.laps.distance_m.tolist() == pytest.approx([1609.34399414, 1609.34399414, 1470.5546875])


def test_tcx_no_hr():
    parsed = parse_tcx(sample("tcx/no_hr.tcx"))
    check_frame(parsed)
    assert len(parsed.samples) == 384
    assert parsed.samples.heart_rate.isna().all()
    assert parsed.activity["avg_hr"] is None and parsed.activity["max_hr"] is None


# --- summarise -----------------------------------------------------------------------------

def test_summarise_sorts_and_counts_pauses():
    records = pd.DataFrame([
        ["2020-01-01T00:01:40Z", np.nan, np.nan, 12.0, 300.0, np.nan, 140.0, np.nan],
        ["2020-01-01T00:00:00Z", np.nan, np.nan, 10.0, 0.0, np.nan, 120.0, np.nan],
        ["2020-01-01T00:00:10Z", np.nan, np.nan, 11.0, 30.0, np.nan, np.nan, np.nan],
        ["2020-01-01T00:00:10Z", np.nan, np.nan, 99.0, 99.0, np.nan, 99.0, np.nan],
    ], columns=RECORD_COLUMNS)
    parsed = summarise(records, None, "running", None, None, ParseReport())
    s, a = parsed.samples, parsed.activity
    assert s.t_s.tolist() == [0.0, 10.0, 100.0] and s.altitude_m.tolist() == [10.0, 11.0, 12.0]
    assert s.speed_mps.tolist() == [3.0, 3.0, 3.0]  # Δdistance over >= 5 s windows: 30/10, 300/100, 270/90
    assert (a["duration_s"], a["pause_count"], a["moving_time_s"]) == (100.0, 1, 10.0)
    assert (a["distance_m"], a["avg_hr"], a["max_hr"]) == (300.0, 130.0, 140.0)
    assert len(parsed.report.warnings) == 2 and parsed.report.rows_in == 4


# --- hostile input -------------------------------------------------------------------------

def _bomb(root: bytes) -> bytes:
    """'Billion laughs': 10 levels of 10x entity expansion, used where `@` stands in root."""
    levels = [b'<!ENTITY l0 "lol">'] + [b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10)]
    return b'<?xml version="1.0"?><!DOCTYPE r [' + b"".join(levels) + b"]>" + root.replace(b"@", b"&l9;")


GPX_ROOT = b'<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1"><trk><name>@</name></trk></gpx>'
TCX_ROOT = (b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
            b'<Activities><Activity Sport="Running"><Id>@</Id></Activity></Activities></TrainingCenterDatabase>')
XXE = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       + TCX_ROOT.replace(b"@", b"&x;"))
GARBAGE = random.Random(1234).randbytes(4096)
FIT = sample("fit/run.fit")


@pytest.mark.parametrize("parse, data, message", [
    (parse_fit, b"", "file is empty"),
    (parse_fit, GARBAGE, "not a FIT file: bad header"),
    (parse_fit, FIT[:10], "not a FIT file: bad header"),  # cut inside its 14-byte header
    (parse_fit, FIT[:13], "FIT file is truncated or corrupt"),  # cut inside the header's CRC
    (parse_fit, FIT[:-2] + b"\0\0", "FIT file is truncated or corrupt \\(CRC error\\)"),
    (parse_fit, FIT[:5000] + bytes([FIT[5000] ^ 0xFF]) + FIT[5001:], "FIT file is truncated or corrupt"),
    (parse_fit, sample("gpx/garmin_connect.gpx"), "not a FIT file"),
    (parse_gpx, b"", "file is empty"),
    (parse_gpx, GARBAGE, "not valid XML"),
    (parse_gpx, _bomb(GPX_ROOT), "not allowed"),
    (parse_gpx, sample("tcx/test.tcx"), "not a GPX file"),
    (parse_gpx, b'<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1"/>', "GPX has no track points"),
    (parse_gpx, sample("gpx/garmin_connect.gpx")[:900], "not valid XML"),
    (parse_tcx, b"", "file is empty"),
    (parse_tcx, GARBAGE, "not valid XML"),
    (parse_tcx, _bomb(TCX_ROOT), "not allowed"),
    (parse_tcx, XXE, "not allowed"),
    (parse_tcx, sample("gpx/strava_export.gpx"), "not a TCX file"),
    (parse_tcx, b"<html><body>hello</body></html>", "not a TCX file"),
    (parse_tcx, TCX_ROOT.replace(b"@", b"x"), "TCX has no trackpoints"),
    (parse_tcx, FIT, "not valid XML"),
])
def test_hostile_input_is_rejected(parse, data, message):
    """Rejected with its one-line reason (how fast: `make bench`, hostile_xml)."""
    with pytest.raises(RejectedFile, match=message) as err:
        parse(data)
    assert "\n" not in str(err.value)
