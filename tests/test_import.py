"""Import through the real store and the CLI: exact counts, idempotency, rejection, atomicity."""
from pathlib import Path

import pytest

from engine.__main__ import main
from engine.store import queries
from engine.store.imports import import_file

# file, samples kept, avg HR (bpm, None if the file has none), sport
RUNS = [
    ("fit/garmin-fenix-5-run.fit", 21, 90.0, "running"),
    ("fit/activity-small-fenix2-run.fit", 2809, 153.976, "running"),
    ("fit/run.fit", 1202, 130.0, "running"),
    ("gpx/strava_export.gpx", 1696, None, None),
    ("gpx/garmin_connect.gpx", 3, 125.0, None),
    ("gpx/nike_run.gpx", 727, None, None),
    ("tcx/run_garmin.tcx", 147, None, "running"),
    ("tcx/test.tcx", 384, None, "running"),
    ("tcx/no_hr.tcx", 384, None, "running"),
]
DATA_TABLES = ["athletes", "activities", "samples", "strength_sets", "fitness_tests", "wellness"]


def _rows(store):
    return {t: n for t, n in queries.counts(store).items() if t in DATA_TABLES}


@pytest.mark.parametrize("rel, n_samples, avg_hr, sport", RUNS)
def test_every_sample_run_imports_with_exact_counts(store, samples_dir, rel, n_samples, avg_hr, sport):
    path = samples_dir / rel
    result = import_file(store, path.name, path.read_bytes(), athlete="Ada", create=True)
    assert result.status == "imported", result.message
    assert result.rows_kept == n_samples
    acts = queries.activities(store)
    assert len(acts) == 1
    samples = queries.samples(store, int(acts["activity_id"][0]))
    assert len(samples) == n_samples
    assert samples["t_s"].is_monotonic_increasing
    if avg_hr is not None:
        assert acts["avg_hr"][0] == pytest.approx(avg_hr, abs=0.01)
    if sport is not None:
        assert acts["sport"][0] == sport
    if rel == "tcx/no_hr.tcx":
        assert samples["heart_rate"].isna().all() and acts["avg_hr"].isna().all()


def test_fit_positions_are_degrees_and_match_upstream_csv(store, samples_dir):
    import pandas as pd
    path = samples_dir / "fit" / "garmin-fenix-5-run.fit"
    import_file(store, path.name, path.read_bytes(), athlete="Ada", create=True)
    assert queries.activities(store)["device"].tolist() == ["garmin fenix5"]
    got = queries.samples(store, 1)
    want = pd.read_csv(samples_dir / "fit" / "garmin-fenix-5-run-records.csv")
    assert got["lat"].to_numpy() == pytest.approx(want["position_lat"].to_numpy() * 180 / 2**31, abs=1e-9)
    assert got["lon"].to_numpy() == pytest.approx(want["position_long"].to_numpy() * 180 / 2**31, abs=1e-9)
    assert got["heart_rate"].tolist() == want["heart_rate"].astype(float).tolist()


def test_strong_csv_gives_2078_sets_in_129_workouts(store, samples_dir):
    path = samples_dir / "strength_csv" / "strong.csv"
    result = import_file(store, path.name, path.read_bytes(), athlete="Ada", create=True)
    assert result.status == "imported" and result.kind == "strong"
    assert result.rows_kept == 2078
    assert "129 workouts" in result.message and "of 72 exercise names matched" in result.message
    assert len(queries.activities(store, sport="strength")) == 129
    sets = queries.strength_sets(store, 1)
    assert len(sets) == 2078
    assert sets["session_id"].nunique() == 129
    assert sets["exercise_id"].nunique() == 72  # one exercise (catalog or custom) per name, none dropped
    first = sets[sets["session_date"] == sets["session_date"].min()]
    bench = first[first["exercise_name"] == "Barbell Bench Press - Medium Grip"].iloc[0]
    assert (bench["weight_kg"], bench["reps"]) == (75.0, 8)


def test_pounds_are_converted(store, samples_dir):
    path = samples_dir / "strength_csv" / "strong.csv"
    import_file(store, path.name, path.read_bytes(), athlete="Ada", create=True, weight_unit="lb")
    sets = queries.strength_sets(store, 1)
    bench = sets[(sets["exercise_name"] == "Barbell Bench Press - Medium Grip")].iloc[0]
    assert bench["weight_kg"] == pytest.approx(75.0 * 0.45359237)


def test_same_file_twice_is_a_duplicate_and_changes_nothing(store, samples_dir):
    data = (samples_dir / "gpx" / "strava_export.gpx").read_bytes()
    assert import_file(store, "a.gpx", data, athlete="Ada", create=True).status == "imported"
    before = queries.counts(store)
    again = import_file(store, "renamed.gpx", data, athlete="Ada")
    assert again.status == "duplicate" and "already imported" in again.message
    assert queries.counts(store) == before


def test_the_same_run_from_another_file_is_a_duplicate(store, samples_dir):
    tcx, no_hr = (samples_dir / "tcx" / name for name in ("test.tcx", "no_hr.tcx"))  # one run, two files
    assert import_file(store, tcx.name, tcx.read_bytes(), athlete="Ada", create=True).status == "imported"
    before = queries.counts(store)
    again = import_file(store, no_hr.name, no_hr.read_bytes(), athlete="Ada")
    assert again.status == "duplicate" and "same activity as test.tcx" in again.message
    assert queries.counts(store) == before
    # another athlete may have run at the same time
    assert import_file(store, no_hr.name, no_hr.read_bytes(), athlete="Bo", create=True).status == "imported"


@pytest.mark.parametrize("name, data, reason", [
    ("empty.gpx", b"", "empty"),
    ("garbage.fit", bytes(range(256)) * 40, ""),
    ("truncated.fit", None, "after 10 records spanning 44 s, under 60 s"),
    ("bomb.gpx", b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
                 b'<gpx version="1.1"><trk><name>&b;</name></trk></gpx>', ""),
    ("columns.csv", b"foo,bar\n1,2\n", "unrecognised"),
])
def test_rejected_file_leaves_only_a_rejected_import_row(store, samples_dir, name, data, reason):
    if data is None:
        full = (samples_dir / "fit" / "run.fit").read_bytes()
        data = full[:2500]  # a tail cut off after 44 s of records: too short to be an activity
    result = import_file(store, name, data, athlete="Ada", create=True)
    assert result.status == "rejected"
    assert result.message and "\n" not in result.message and reason in result.message
    assert all(n == 0 for n in _rows(store).values())
    log = queries.imports(store)
    assert log[["file_name", "status", "rows_kept"]].values.tolist() == [[name, "rejected", 0]]


def test_oversized_file_is_rejected(store, monkeypatch):
    monkeypatch.setattr("engine.store.imports.MAX_FILE_BYTES", 100)
    result = import_file(store, "big.gpx", b"<gpx>" + b" " * 200 + b"</gpx>", athlete="Ada", create=True)
    assert result.status == "rejected" and "limit" in result.message


def test_unknown_athlete_without_create_is_rejected_and_rolled_back(store, samples_dir):
    path = samples_dir / "fit" / "run.fit"
    result = import_file(store, path.name, path.read_bytes(), athlete="Nobody")
    assert result.status == "rejected" and "unknown athlete" in result.message
    assert all(n == 0 for n in _rows(store).values())
    assert queries.imports(store)["status"].tolist() == ["rejected"]
    # the same bytes import once the athlete may be created: a rejection does not count as a duplicate
    assert import_file(store, path.name, path.read_bytes(), athlete="Nobody", create=True).status == "imported"


def test_fitness_csv_names_its_athletes(store):
    laps = ",".join(f"lap_{i}" for i in range(1, 16))
    header = f"athlete,date,height_cm,mass_kg,{laps},pullups,situps_60s,shuttle_30x2_s\n"
    row = lambda who, day: f"{who},{day},175,70," + ",".join(["52.0"] * 15) + ",10,45,16.2\n"  # noqa: E731
    data = (header + row("Ada", "2026-01-05") + row("Bo", "2026-01-05") + row("Ada", "2026-01-19")).encode()
    assert import_file(store, "tests.csv", data).status == "rejected"  # unknown athletes, no --create
    result = import_file(store, "tests.csv", data, create=True)
    assert result.status == "imported" and result.kind == "fitness" and result.rows_kept == 3
    tests = queries.fitness_tests(store)
    assert len(tests) == 3 and tests["run_3000m_s"].tolist() == [780.0] * 3
    assert queries.athletes(store)["name"].tolist() == ["Ada", "Bo"]


def test_wellness_srpe_goes_to_that_days_activity(store, samples_dir):
    path = samples_dir / "fit" / "run.fit"  # 2019-09-14, 3167 s
    import_file(store, path.name, path.read_bytes(), athlete="Ada", create=True)
    data = b"date,srpe,sleep_h,hr_rest_morning\n2019-09-14,6,7.5,52\n2019-09-15,,8.0,50\n"
    result = import_file(store, "wellness.csv", data, athlete="Ada")
    assert result.status == "imported" and result.kind == "wellness"
    assert queries.activities(store)["srpe"].tolist() == [6.0]
    well = queries.wellness(store, 1)
    assert len(well) == 2
    assert well["srpe_load"][0] == pytest.approx(6 * 3167 / 60, rel=1e-3)
    assert well["hr_rest_morning"].tolist() == [52.0, 50.0]
    # a later file fills in what it has and keeps the rest
    assert import_file(store, "soreness.csv", b"date,soreness\n2019-09-14,3\n", athlete="Ada").status == "imported"
    well = queries.wellness(store, 1)
    assert well[["soreness", "hr_rest_morning"]].iloc[0].tolist() == [3.0, 52.0]
    assert well["srpe_load"][0] == pytest.approx(6 * 3167 / 60, rel=1e-3)


def test_cli_prints_one_line_per_file_and_exits_1_on_rejection(tmp_path, samples_dir, capsys):
    db = str(tmp_path / "cli.duckdb")
    gpx = str(samples_dir / "gpx" / "garmin_connect.gpx")
    bad = tmp_path / "bad.tcx"
    bad.write_bytes(b"<TrainingCenterDatabase")
    assert main(["import", gpx, "--athlete", "Ada", "--create", "--db", db]) == 0
    assert main(["import", gpx, str(bad), "--athlete", "Ada", "--db", db]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["imported", "duplicate", "rejected"]
    assert "3 rows kept" in lines[0]


def test_cli_explains_a_database_held_by_another_process(tmp_path, samples_dir):
    import subprocess
    import sys

    import duckdb

    db = tmp_path / "busy.duckdb"
    holder = duckdb.connect(str(db))  # as the running app would
    try:
        done = subprocess.run([sys.executable, "-m", "engine", "import",
                               str(samples_dir / "gpx" / "garmin_connect.gpx"),
                               "--athlete", "Ada", "--create", "--db", str(db)],
                              cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=120)
    finally:
        holder.close()
    assert done.returncode == 1 and done.stdout == ""
    assert "is the app running on it?" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.internal_error_expected
def test_an_internal_error_rejects_that_file_only_and_is_logged(store, samples_dir, caplog):
    import pandas as pd

    from engine.ingest.common import ParsedTable, ParseReport
    from engine.store.imports import Parsed
    # a parsed type without a writer stands for a bug between a parser and the store
    orphan = ParsedTable("odd", pd.DataFrame({"x": [1]}), ParseReport(rows_in=1, rows_kept=1))
    bad = import_file(store, "odd.csv", b"x\n1\n", athlete="Ana", create=True, parsed=Parsed("odd", orphan))
    assert bad.status == "rejected" and bad.message == "internal error: TypeError: no writer for ParsedTable"
    assert "Traceback" in caplog.text  # logged for the developer
    good = import_file(store, "run.fit", (samples_dir / "fit" / "run.fit").read_bytes(), athlete="Ana", create=True)
    assert good.status == "imported"
    assert store.query("SELECT status FROM imports ORDER BY import_id")["status"].tolist() == ["rejected", "imported"]
