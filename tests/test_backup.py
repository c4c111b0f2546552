"""Backup and restore (engine.store.backup, `python -m engine backup|restore`): a restored database
has every row, the schema version and the views of the original and gives the same load figures."""
import datetime as dt
import json
import subprocess
import sys
import zipfile
from contextlib import closing
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from engine.demo import DemoConfig, write_demo
from engine.load import report
from engine.load.settings import LoadSettings
from engine.store import queries
from engine.store.backup import (BackupExists, BackupTooNew, DatabaseInUse, NotABackup, TargetNotEmpty, backup_file,
                                 backup_store, restore)
from engine.store.db import Store, migrate
from engine.store.imports import import_file
from engine.store.schema import MIGRATIONS, SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[1]
END = dt.date(2026, 6, 30)
VIEWS = ["activities_local", "athlete_time_zones"]


def _tables(store: Store) -> dict[str, int]:
    """Rows in every table of the database (the bookkeeping tables included)."""
    names = store.query("SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1")["table_name"]
    return {t: int(store.query(f'SELECT count(*) AS n FROM "{t}"')["n"][0]) for t in names}


def _views(store: Store) -> list[str]:
    return sorted(store.query("SELECT view_name FROM duckdb_views() WHERE NOT internal")["view_name"])


@pytest.fixture(scope="module")
def original(tmp_path_factory, samples_dir):
    """A demo squad (4 athletes x 4 weeks, one team in Europe/Oslo time) plus a GPX run and the
    Strong CSV imported for a new athlete; open for the whole module."""
    store = Store(tmp_path_factory.mktemp("original") / "coach.duckdb")
    write_demo(store, DemoConfig(athletes=4, weeks=4, seed=3, end_date=END))
    team = queries.athletes(store)["team"].iloc[0]
    report.save_team_settings(store, team, LoadSettings(time_zone="Europe/Oslo"))
    for rel in ("gpx/strava_export.gpx", "strength_csv/strong.csv"):
        path = samples_dir / rel
        result = import_file(store, path.name, path.read_bytes(), athlete="Backup Tester", create=True)
        assert result.status == "imported", result.message
    yield store
    store.close()


@pytest.fixture(scope="module")
def backup_zip(original, tmp_path_factory):
    return backup_store(original, tmp_path_factory.mktemp("backups") / "coach.zip").path


def test_a_restored_database_has_every_row_and_the_same_load_figures(original, backup_zip, tmp_path):
    restored_path = tmp_path / "elsewhere" / "restored.duckdb"
    info = restore(backup_zip, restored_path)
    assert info.backup_schema_version == info.schema_version == SCHEMA_VERSION
    restored = Store(restored_path)
    try:
        want = _tables(original)
        assert want["samples"] > 100_000 and want["strength_sets"] > 2_000 and want["imports"] == 3
        assert _tables(restored) == want == info.table_rows
        assert _views(restored) == _views(original) == VIEWS
        for table in ("schema_version", "data_version", "athletes", "imports", "load_settings"):
            pd.testing.assert_frame_equal(restored.query(f"SELECT * FROM {table} ORDER BY ALL"),
                                          original.query(f"SELECT * FROM {table} ORDER BY ALL"))
        # the views work: local start times in the team's zone
        pd.testing.assert_frame_equal(queries.activities(restored), queries.activities(original))
        for athlete_id in queries.athletes(original)["athlete_id"]:
            pd.testing.assert_frame_equal(report.daily_metrics(restored, END, athlete_id),
                                          report.daily_metrics(original, END, athlete_id))
        flags = report.squad_flags(original, END)
        assert len(flags) == 5
        pd.testing.assert_frame_equal(report.squad_flags(restored, END), flags)
    finally:
        restored.close()


def test_the_backup_is_one_zip_with_a_manifest_and_views_in_creation_order(backup_zip):
    with zipfile.ZipFile(backup_zip) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        schema_sql = archive.read("schema.sql").decode()
    assert manifest["schema_version"] == SCHEMA_VERSION and manifest["views"] == VIEWS
    assert {"schema_version", "data_version", "samples"} <= set(manifest["tables"])
    # EXPORT DATABASE writes views by name; the backup puts athlete_time_zones before the view that reads it
    assert schema_sql.index("VIEW athlete_time_zones") < schema_sql.index("VIEW activities_local")


def test_restore_refuses_a_database_with_data_unless_forced(backup_zip, tmp_path):
    target = tmp_path / "coach.duckdb"
    empty = Store(target)  # a first start: the catalog and the bookkeeping rows only, so "empty"
    empty.close()
    restore(backup_zip, target)
    with closing(Store(target)) as store:
        store.query("DELETE FROM wellness")
        before = _tables(store)
    with pytest.raises(TargetNotEmpty) as err:
        restore(backup_zip, target)
    assert "not empty" in str(err.value) and "--force" in str(err.value) and "\n" not in str(err.value)
    assert isinstance(err.value, ValueError)
    with closing(Store(target)) as store:
        assert _tables(store) == before  # untouched
    restore(backup_zip, target, force=True)
    with closing(Store(target)) as store:
        assert _tables(store)["wellness"] > 0


def test_restore_refuses_a_database_that_is_open_and_a_file_that_is_not_a_backup(original, backup_zip, tmp_path):
    with pytest.raises(DatabaseInUse):
        restore(backup_zip, original.path, force=True)
    with pytest.raises(BackupExists):
        backup_store(original, backup_zip)
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("not a zip")
    with pytest.raises(NotABackup, match="not a zip archive"):
        restore(not_zip, tmp_path / "x.duckdb")
    with pytest.raises(NotABackup, match="no backup"):
        restore(tmp_path / "missing.zip", tmp_path / "x.duckdb")
    assert not (tmp_path / "x.duckdb").exists()


def _with_manifest(backup_zip, out, **changes):
    """A copy of a backup with some manifest fields changed."""
    with zipfile.ZipFile(backup_zip) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "manifest.json":
                data = json.dumps({**json.loads(data), **changes}).encode()
            dst.writestr(item, data)
    return out


def test_restore_refuses_a_newer_or_damaged_backup_and_leaves_nothing_behind(backup_zip, tmp_path):
    newer = _with_manifest(backup_zip, tmp_path / "newer.zip", schema_version=SCHEMA_VERSION + 1)
    with pytest.raises(BackupTooNew, match=f"schema version {SCHEMA_VERSION + 1}"):
        restore(newer, tmp_path / "db" / "x.duckdb")
    rows = json.loads(zipfile.ZipFile(backup_zip).read("manifest.json"))["tables"]
    damaged = _with_manifest(backup_zip, tmp_path / "damaged.zip", tables={**rows, "samples": rows["samples"] + 1})
    with pytest.raises(NotABackup, match="samples restored"):
        restore(damaged, tmp_path / "db" / "x.duckdb")
    assert list((tmp_path / "db").iterdir()) == []  # the half-restored copy is gone, no target made


def test_an_older_backup_is_migrated_on_restore(tmp_path):
    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))
    migrate(con, MIGRATIONS[:3])
    con.execute("INSERT INTO athletes (athlete_id, name, team) VALUES (1, 'Old Timer', 'Vets')")
    con.close()
    info = backup_file(old, tmp_path / "old.zip")  # read-only: the file stays at version 3
    assert info.schema_version == 3 and info.views == ()
    result = restore(info.path, tmp_path / "new.duckdb")
    assert (result.backup_schema_version, result.schema_version) == (3, SCHEMA_VERSION)
    with closing(Store(tmp_path / "new.duckdb")) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert queries.athletes(store)["name"].tolist() == ["Old Timer"]
        assert _views(store) == VIEWS


def _engine(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli_backup_and_restore_round_trip(original, backup_zip, tmp_path):
    source = tmp_path / "source.duckdb"
    restore(backup_zip, source)
    out = tmp_path / "cli.zip"
    done = _engine("backup", "--out", str(out), "--db", str(source))
    assert done.returncode == 0, done.stderr
    assert "written to" in done.stdout and out.is_file()

    target = tmp_path / "cli.duckdb"
    done = _engine("restore", str(out), "--db", str(target))
    assert done.returncode == 0, done.stderr
    with closing(Store(target)) as store:
        assert _tables(store) == _tables(original)
        assert _views(store) == VIEWS

    again = _engine("restore", str(out), "--db", str(target))
    assert again.returncode == 1
    assert again.stderr.strip().count("\n") == 0 and "not empty" in again.stderr and "--force" in again.stderr
    assert _engine("restore", str(out), "--db", str(target), "--force").returncode == 0

    busy = _engine("backup", "--out", str(tmp_path / "busy.zip"), "--db", str(original.path))
    assert busy.returncode == 1 and "open elsewhere" in busy.stderr
    exists = _engine("backup", "--out", str(out), "--db", str(source))
    assert exists.returncode == 1 and "exists" in exists.stderr

