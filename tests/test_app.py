"""The app opens on a real database (the app shell issue extends this)."""
from streamlit.testing.v1 import AppTest

from engine.store.db import Store
from engine.store.imports import import_file


def _app(monkeypatch, path):
    monkeypatch.setenv("COACH_DB", str(path))
    return AppTest.from_file("../dashboard/app.py", default_timeout=30)


def test_empty_database_shows_first_run_help(tmp_path, monkeypatch):
    at = _app(monkeypatch, tmp_path / "empty.duckdb").run()
    assert not at.exception
    assert "database is empty" in at.info[0].value


def test_squad_lists_imported_athlete(tmp_path, monkeypatch, samples_dir):
    path = tmp_path / "one.duckdb"
    store = Store(path)
    gpx = samples_dir / "gpx" / "garmin_connect.gpx"
    import_file(store, gpx.name, gpx.read_bytes(), athlete="Ada Lovelace", create=True)
    store.close()
    at = _app(monkeypatch, path).run()
    assert not at.exception
    assert at.dataframe[0].value["name"].tolist() == ["Ada Lovelace"]
