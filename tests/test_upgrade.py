"""Schema upgrades from every version: a database left at migration k (1 .. SCHEMA_VERSION - 1) with
rows valid at k opens with Store, reaches SCHEMA_VERSION, keeps every row, and reads through the
current read functions (the activities_local view, the load report, plans, laps, settings)."""
import datetime as dt
from contextlib import closing

import duckdb
import pandas as pd
import pytest

from engine.load import report
from engine.store import app_settings, assessments, loads, plans, queries, sessions
from engine.store.db import Store, migrate
from engine.store.imports import import_file
from engine.store.schema import MIGRATIONS, SCHEMA_VERSION

END = dt.date(2024, 1, 31)
RUN_DAY, GYM_DAY = dt.date(2024, 1, 10), dt.date(2024, 1, 11)
SQUAT = "Barbell_Squat"  # a catalog exercise (data/catalog/exercises.json)

# rows as the code of each version wrote them, by the migration that made their tables or columns;
# every insert names its columns, so it stays valid after later migrations add columns
ROWS: dict[int, list[str]] = {
    1: [
        """INSERT INTO athletes (athlete_id, name, sex, birth_date, height_cm, mass_kg, hr_rest, hr_max, lthr, team)
           VALUES (1, 'Ada', 'F', DATE '1995-04-02', 168, 60, 50, 190, 170, 'Fjord')""",
        """INSERT INTO imports (import_id, file_name, sha256, kind, athlete_id, status, rows_in, rows_kept, message,
                                created_at)
           VALUES (1, 'run.gpx', 'aa', 'gpx', 1, 'imported', 3600, 3600, '', TIMESTAMP '2024-01-10 09:00:00'),
                  (2, 'strong.csv', 'bb', 'strong', 1, 'imported', 3, 3, '', TIMESTAMP '2024-01-11 19:00:00')""",
        # a 60-min run with session RPE 6 (Foster 360 a.u.) and a 45-min gym session with set RPE 8
        """INSERT INTO activities (activity_id, athlete_id, sport, name, device, start_time, duration_s, moving_time_s,
                                   pause_count, distance_m, ascent_m, avg_hr, max_hr, srpe, import_id)
           VALUES (1, 1, 'running', 'Morning run', 'test', TIMESTAMP '2024-01-10 06:30:00', 3600, 3600, 0, 10080,
                   50, 150, 170, 6, 1),
                  (2, 1, 'strength', 'Legs', NULL, TIMESTAMP '2024-01-11 17:00:00', 2700, 2700, 0, NULL, NULL,
                   NULL, NULL, NULL, 2)""",
        """INSERT INTO samples (activity_id, t_s, lat, lon, altitude_m, distance_m, speed_mps, heart_rate, cadence)
           SELECT 1, i, 59.9 + i * 1e-5, 10.7, 10, i * 2.8, 2.8, 140 + i % 20, 85 FROM range(3600) t(i)""",
        f"""INSERT INTO strength_sets (athlete_id, session_date, session_id, exercise_id, set_order, set_type,
                                      weight_kg, reps, rpe, rest_s, import_id)
            VALUES (1, DATE '{GYM_DAY}', 2, '{SQUAT}', 1, 'normal', 80, 5, 8, 180, 2),
                   (1, DATE '{GYM_DAY}', 2, '{SQUAT}', 2, 'normal', 80, 5, 8, 180, 2),
                   (1, DATE '{GYM_DAY}', 2, '{SQUAT}', 3, 'normal', 80, 5, 8, NULL, 2)""",
        """INSERT INTO fitness_tests (athlete_id, test_date, height_cm, mass_kg, run_3000m_s, pullups, situps_60s,
                                      shuttle_30x2_s)
           VALUES (1, DATE '2024-01-05', 168, 60, 780, 6, 40, 11.2)""",
        f"""INSERT INTO wellness (athlete_id, day, srpe_load, sleep_h, soreness, hr_rest_morning, hrv_ms)
            VALUES (1, DATE '{RUN_DAY}', 360, 7.5, 3, 48, 65)""",
        """INSERT INTO fitness_cohort (record_id, age_y, height_cm, mass_kg, bmi, bmi_class, run_3000m_s, pullups,
                                       situps_60s, shuttle_30x2_s)
           VALUES (1, 19, 175, 70, 22.9, 'normal', 760, 8, 45, 10.9)""",
        """INSERT INTO models (model_id, kind, version, trained_at, data_fingerprint, params, metrics, artifact_path)
           VALUES (1, 'hr', 1, TIMESTAMP '2024-01-04 12:00:00', 'ff', '{}', '{"mae": 4.2}', 'models/hr/1')""",
    ],
    2: ["UPDATE data_version SET version = 41"],
    3: [
        """INSERT INTO load_settings (team, settings, updated_at)
           VALUES ('Fjord', '{"ctl_days": 42, "atl_days": 7}', TIMESTAMP '2024-01-01 12:00:00')""",
        "INSERT INTO planned_days (athlete_id, day, planned_au, saved_at) "
        "VALUES (1, DATE '2024-01-12', 300, TIMESTAMP '2024-01-09 12:00:00')",
    ],
    4: [
        """INSERT INTO laps (activity_id, lap_no, start_s, duration_s, distance_m, avg_hr, max_hr)
           VALUES (1, 1, 0, 1800, 5040, 148, 160), (1, 2, 1800, 1800, 5040, 152, 170)""",
        "UPDATE activities SET note = 'felt good' WHERE activity_id = 1",
        """INSERT INTO app_settings (key, value, updated_at)
           VALUES ('map_tiles', '"OpenStreetMap"', TIMESTAMP '2024-01-02 12:00:00')""",
    ],
    5: [
        f"""INSERT INTO planned_exercises (athlete_id, day, exercise_id, sets, reps_low, reps_high, weight_low_kg,
                                          weight_high_kg, rest_s, load_au, source, saved_at)
            VALUES (1, DATE '2024-01-13', '{SQUAT}', 3, 5, 6, 80, 85, 180, 270, 'split',
                    TIMESTAMP '2024-01-09 12:00:00')""",
    ],
    6: [
        """INSERT INTO fitness_assessments (athlete_id, test_date, model_version, cutoffs, predicted_class,
                                            probabilities, shap, deficiencies, assessed_at)
           VALUES (1, DATE '2024-01-05', 1, 'who', 'normal', [0.1, 0.8, 0.08, 0.02], [0.1, -0.2, 0.05, 0.0],
                   ['pullups'], TIMESTAMP '2024-01-06 12:00:00')""",
        """INSERT INTO fitness_reassessments (athlete_id, test_date, test, baseline, previous, latest, vs_previous,
                                              vs_baseline, status, streak, action, level, frbi, cut, cut_days,
                                              assessed_at)
           VALUES (1, DATE '2024-01-05', 'pullups', 5, 5, 6, 1, 1, 'improving', 0, 'keep', 0, 1.0, 0, 0,
                   TIMESTAMP '2024-01-06 12:00:00')""",
        "UPDATE planned_exercises SET duration_min = 20, intensity = '64-76 % HRmax'",
    ],
    8: [
        """INSERT INTO coaches (email, teams, is_admin, added_at)
           VALUES ('coach@example.org', ['Fjord'], false, TIMESTAMP '2024-01-03 12:00:00')""",
        """INSERT INTO athlete_links (link_id, athlete_id, created_by, created_at, expires_at)
           VALUES (1, 1, 'coach@example.org', TIMESTAMP '2024-01-03 12:00:00', TIMESTAMP '2024-02-03 12:00:00')""",
    ],
    10: [
        """INSERT INTO jobs VALUES (1, 'hr', false, 'done', 30, 30, 'v1', NULL, TIMESTAMP '2024-01-03 12:00:00',
                                   TIMESTAMP '2024-01-03 12:00:01', TIMESTAMP '2024-01-03 12:02:00', false)""",
    ],
}


def _snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Every table's rows, sorted, by table name."""
    names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()]
    return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').df() for t in names}


def _old_database(path, k: int) -> dict[str, pd.DataFrame]:
    """A database at migration k with the rows of every version up to k; returns its tables."""
    con = duckdb.connect(str(path))
    try:
        assert migrate(con, MIGRATIONS[:k]) == k
        for version in range(1, k + 1):
            for sql in ROWS.get(version, []):
                con.execute(sql)
        return _snapshot(con)
    finally:
        con.close()


def test_every_table_of_the_last_old_version_gets_rows(tmp_path):
    """A new migration's tables need rows in ROWS, so that the next upgrade is tested with data."""
    tables = _old_database(tmp_path / "last.duckdb", SCHEMA_VERSION - 1)
    assert not [t for t, rows in tables.items() if rows.empty], "add rows for these tables to ROWS"


@pytest.mark.parametrize("k", range(1, SCHEMA_VERSION))
def test_a_database_at_version_k_upgrades_with_its_rows_intact(tmp_path, samples_dir, k):
    path = tmp_path / f"v{k}.duckdb"
    before = _old_database(path, k)
    with closing(Store(path)) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.query("SELECT version FROM schema_version ORDER BY version")["version"].tolist() == \
            list(range(1, SCHEMA_VERSION + 1))
        # every old row is there, value for value (columns added since are left out of the comparison)
        for table, rows in before.items():
            columns = ", ".join(f'"{c}"' for c in rows.columns)
            now = store.query(f'SELECT {columns} FROM "{table}" ORDER BY ALL')
            if table == "schema_version":  # the old versions, then one row per migration applied on open
                now = now.head(len(rows))
            pd.testing.assert_frame_equal(now, rows, check_dtype=False, obj=table)
        assert {"activities_local", "athlete_time_zones"} <= set(
            store.query("SELECT view_name FROM duckdb_views() WHERE NOT internal")["view_name"])

        acts = queries.activities(store)
        assert acts["activity_id"].tolist() == [2, 1]
        assert acts["start_time"].tolist() == [pd.Timestamp("2024-01-11 17:00"), pd.Timestamp("2024-01-10 06:30")]
        assert acts["note"].fillna("").tolist() == ["", "felt good" if k >= 4 else ""]
        assert len(queries.samples(store, 1)) == 3600
        assert sessions.strength_sets(store, 2)["exercise_name"].tolist() == ["Barbell Squat"] * 3
        assert len(queries.strength_sets(store, 1)) == 3 and len(queries.fitness_tests(store, 1)) == 1
        assert queries.wellness(store, 1)["hr_rest_morning"].tolist() == [48]
        assert len(sessions.laps(store, 1)) == (2 if k >= 4 else 0)
        assert store.data_version() == (41 if k >= 2 else 0)
        assert len(loads.planned_days(store, 1)) == (1 if k >= 3 else 0)
        planned = plans.planned_exercises(store, 1)
        assert planned["exercise"].tolist() == (["Barbell Squat"] if k >= 5 else [])
        if k >= 5:  # the timed columns of version 6: empty on a version-5 plan
            assert planned["duration_min"].tolist() == [20.0] if k >= 6 else planned["duration_min"].isna().all()
        assert len(assessments.reassessments(store, 1)) == (1 if k >= 6 else 0)
        assert app_settings.get(store, "map_tiles") == ("OpenStreetMap" if k >= 4 else "none")

        # the load report reads the old sessions: sRPE 6 x 60 min, and set RPE 8 x 45 min
        daily = report.daily_metrics(store, END, 1).set_index("day")
        assert daily.loc[pd.Timestamp(RUN_DAY), "load_au"] == pytest.approx(360.0)
        assert daily.loc[pd.Timestamp(GYM_DAY), "load_au"] == pytest.approx(360.0)
        assert daily.loc[pd.Timestamp(END), "ctl"] > 0
        flags = report.squad_flags(store, END)
        assert flags["athlete_id"].tolist() == [1] and flags["as_of"].iloc[0] == pd.Timestamp(GYM_DAY)

        # and it takes new writes
        gpx = samples_dir / "gpx" / "garmin_connect.gpx"
        result = import_file(store, gpx.name, gpx.read_bytes(), athlete="Ada")
        assert result.status == "imported" and result.import_id == 3, result.message
