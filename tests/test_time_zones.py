"""Times are stored in UTC and read in the team's time zone (setting time_zone), on real files."""
import datetime as dt

import pandas as pd
import pytest

from engine.load import report
from engine.load.settings import LoadSettings
from engine.store import queries
from engine.store.athletes import update_profile
from engine.store.db import Store
from engine.store.imports import import_file

TEAM, ZONE = "Fjord Runners", "Europe/Oslo"          # UTC+1 in winter


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "tz.duckdb")
    yield s
    s.close()


def _athlete(store, name: str) -> int:
    return int(queries.athletes(store).set_index("name").loc[name, "athlete_id"])


def test_a_watch_file_is_stored_in_utc_and_read_in_the_teams_zone(store, samples_dir):
    gpx = samples_dir / "gpx" / "strava_export.gpx"              # starts 2021-01-10T08:54:28Z
    import_file(store, gpx.name, gpx.read_bytes(), athlete="Ada", create=True)
    ada = _athlete(store, "Ada")
    utc = queries.activities(store, ada)["start_time"].iloc[0]
    assert utc == pd.Timestamp("2021-01-10 08:54:28")              # no zone set: UTC
    update_profile(store, ada, team=TEAM)
    report.save_team_settings(store, TEAM, LoadSettings(time_zone=ZONE))
    assert queries.activities(store, ada)["start_time"].iloc[0] == pd.Timestamp("2021-01-10 09:54:28")
    stored = store.query("SELECT start_time FROM activities")["start_time"].iloc[0]
    assert stored == utc                                           # the stored time does not move


def test_a_late_evening_run_counts_on_the_local_day(store, samples_dir):
    gpx = samples_dir / "gpx" / "strava_export.gpx"
    import_file(store, gpx.name, gpx.read_bytes(), athlete="Ada", create=True)
    ada = _athlete(store, "Ada")
    update_profile(store, ada, team=TEAM)
    # the same run 15 h later: 23:54 UTC on 10 Jan is 00:54 on 11 Jan in Oslo
    store.query("UPDATE activities SET start_time = start_time + INTERVAL 15 HOUR RETURNING activity_id")
    end = dt.date(2021, 1, 12)
    utc_day = report.daily_metrics(store, end, ada).query("load_au > 0")["day"].dt.date.tolist()
    report.save_team_settings(store, TEAM, LoadSettings(time_zone=ZONE))
    local_day = report.daily_metrics(store, end, ada).query("load_au > 0")["day"].dt.date.tolist()
    assert utc_day == [dt.date(2021, 1, 10)] and local_day == [dt.date(2021, 1, 11)]
    assert queries.training_days(store, ada)["day"].dt.date.tolist() == [dt.date(2021, 1, 11)]
    assert queries.last_session_day(store, end) == dt.date(2021, 1, 11)


def test_a_strength_app_csv_holds_local_times_read_in_the_teams_zone(store, samples_dir):
    csv = samples_dir / "strength_csv" / "strong.csv"               # first workout 2021-02-10 16:46:13 local
    store.query("INSERT INTO athletes (athlete_id, name, team) VALUES (1, 'Ada', ?) RETURNING athlete_id", [TEAM])
    report.save_team_settings(store, TEAM, LoadSettings(time_zone=ZONE))
    import_file(store, csv.name, csv.read_bytes(), athlete="Ada")
    first = "SELECT min(start_time) AS t FROM {} WHERE athlete_id = 1"
    assert store.query(first.format("activities"))["t"].iloc[0] == pd.Timestamp("2021-02-10 15:46:13")   # UTC
    assert store.query(first.format("activities_local"))["t"].iloc[0] == pd.Timestamp("2021-02-10 16:46:13")


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(ValueError, match="IANA time zone"):
        LoadSettings(time_zone="Mars/Olympus").validate()


def test_the_settings_page_sets_a_teams_time_zone(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest
    path = tmp_path / "coach.duckdb"
    s = Store(path)
    s.query("INSERT INTO athletes (athlete_id, name, team) VALUES (1, 'Ada', ?) RETURNING athlete_id", [TEAM])
    s.close()
    monkeypatch.setenv("COACH_DB", str(path))
    at = AppTest.from_file("../dashboard/app.py", default_timeout=60).run()
    at.switch_page("../pages/settings.py")
    at.query_params["team"] = TEAM
    at.run()
    zone = at.selectbox(key=f"{TEAM}:time_zone")
    assert zone.value == "UTC" and zone.label == "Time zone"
    zone.set_value(ZONE)
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception and any("Settings saved" in m.value for m in at.success)
    from engine.store.db import open_store
    assert report.team_settings(open_store(path))[TEAM].time_zone == ZONE
