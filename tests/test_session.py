"""The session view: its science (engine.session) on synthetic frames, its reads and settings on real
DuckDB files, its figures, and the page through streamlit.testing AppTest."""
import datetime as dt
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from engine.demo import DemoConfig, write_demo
from engine.load.strength import epley
from engine.session import detail, strength
from engine.store import app_settings, queries, sessions
from engine.store.db import Store
from engine.store.imports import import_files

NEW_RUNNER_FILES = [("gpx", "strava_export.gpx"), ("fit", "run.fit"), ("tcx", "run_garmin.tcx"),
                    ("strength_csv", "strong.csv")]


def samples_frame(speed_mps, altitude_m=None, heart_rate=None, t_s=None, lat0=46.0, lon0=6.0) -> pd.DataFrame:
    """Samples (SAMPLE_COLUMNS) of a straight run north, 1 record per second unless `t_s` is given;
    distance integrates `speed_mps` over the time steps."""
    speed = np.asarray(speed_mps, dtype=float)
    t = np.arange(len(speed), dtype=float) if t_s is None else np.asarray(t_s, dtype=float)
    step = np.concatenate([[0.0], np.diff(t) * speed[1:]])
    distance = np.cumsum(step)
    return pd.DataFrame({
        "t_s": t, "lat": lat0 + distance / 111_195.0, "lon": np.full(len(t), lon0),
        "altitude_m": np.zeros(len(t)) if altitude_m is None else np.asarray(altitude_m, dtype=float),
        "distance_m": distance, "speed_mps": speed,
        "heart_rate": np.full(len(t), 150.0) if heart_rate is None else np.asarray(heart_rate, dtype=float),
        "cadence": np.full(len(t), 85.0),
    })


# --- engine.session.detail ---

def test_smoothing_removes_a_gps_spike():
    speed = np.full(600, 3.0)
    speed[300] = 64.0  # one record of a GPS jump, as in the Strava sample
    speed[301] = 25.0
    track = detail.track(samples_frame(speed))
    assert track["speed_mps"].max() < 3.01 and track["speed_mps"].min() > 2.99
    assert track["pace_min_per_km"].between(5.5, 5.6).all()  # 3 m/s = 5:33 min/km everywhere


def test_pace_is_blank_below_the_walking_floor():
    speed = np.concatenate([np.full(200, 3.0), np.full(200, 0.5), np.full(200, 3.0)])
    track = detail.track(samples_frame(speed))
    slow = track["t_s"].between(230, 370)
    assert track.loc[slow, "pace_min_per_km"].isna().all()
    assert track.loc[track["t_s"] < 150, "pace_min_per_km"].notna().all()


def test_per_km_splits_of_a_known_track_have_known_paces():
    # 1 km at 4:00 /km, 1 km at 5:00 /km, then 500 m at 6:00 /km
    speed = np.concatenate([[0.0], np.full(240, 1000 / 240), np.full(300, 1000 / 300), np.full(180, 1000 / 360)])
    track = detail.track(samples_frame(speed))
    splits = detail.km_splits(track)
    assert splits["split"].tolist() == [1, 2, 3]
    assert splits["distance_m"].round(1).tolist() == [1000.0, 1000.0, 500.0]
    assert np.allclose(splits["pace_s_per_km"], [240, 300, 360], atol=1.0)
    assert np.allclose(splits["elapsed_s"], [240, 300, 180], atol=1.0)
    assert np.allclose(splits["avg_hr_bpm"], 150)
    assert splits["distance_m"].sum() == pytest.approx(track["distance_m"].iloc[-1])


def test_a_pause_counts_in_elapsed_time_not_in_moving_time_or_pace():
    t = np.concatenate([np.arange(0, 300), np.arange(420, 720)])  # a 120 s gap: a pause (> 30 s)
    speed = np.full(len(t), 1000 / 300)
    speed[300] = 0.0  # no distance while paused
    track = detail.track(samples_frame(speed, t_s=t))
    whole = detail.splits(track, pd.DataFrame({"split": [1], "start_s": [0.0], "end_s": [719.0]}))
    assert whole["elapsed_s"].iloc[0] == pytest.approx(719)
    assert whole["moving_s"].iloc[0] == pytest.approx(598)  # 299 s before the pause, 299 s after
    assert whole["pace_s_per_km"].iloc[0] == pytest.approx(300, abs=1)


def test_per_lap_and_per_km_splits_come_from_one_function():
    speed = np.concatenate([[0.0], np.full(900, 3.2), np.full(700, 2.7)])
    track = detail.track(samples_frame(speed, heart_rate=np.linspace(120, 170, len(speed)),
                                       altitude_m=20 * np.sin(np.arange(len(speed)) / 200)))
    km = detail.km_splits(track)
    # device laps that start where each km starts: the same windows, so the same splits
    starts = km["start_s"].round().to_numpy()
    laps = pd.DataFrame({"lap_no": np.arange(1, len(km) + 1), "start_s": starts,
                         "duration_s": np.diff(np.append(starts, track["t_s"].iloc[-1])),
                         "distance_m": 1000.0, "avg_hr": np.nan, "max_hr": np.nan})
    by_lap = detail.lap_splits(track, laps)
    assert list(by_lap.columns) == list(km.columns) == detail.SPLIT_COLUMNS
    rounded = detail.splits(track, km.assign(start_s=starts, end_s=np.append(starts[1:], km["end_s"].iloc[-1])))
    pd.testing.assert_frame_equal(by_lap, rounded)
    assert by_lap["distance_m"].sum() == pytest.approx(track["distance_m"].iloc[-1])


def test_laps_with_gaps_between_them_still_cover_the_activity():
    track = detail.track(samples_frame(np.full(601, 3.0)))
    laps = pd.DataFrame({"lap_no": [1, 2], "start_s": [0.0, 302.0], "duration_s": [299.5, 298.0],
                         "distance_m": [900.0, 900.0], "avg_hr": np.nan, "max_hr": np.nan})
    splits = detail.lap_splits(track, laps)
    assert splits["end_s"].tolist() == [302.0, 600.0]
    assert splits["distance_m"].sum() == pytest.approx(1800.0)


def test_gain_and_loss_on_a_known_profile():
    # flat, up 50 m over 1,000 s, flat, down 30 m over 600 s, flat: gentle slopes the smoothing keeps
    altitude = np.concatenate([np.zeros(200), np.linspace(0, 50, 1000), np.full(200, 50.0), np.linspace(50, 20, 600),
                               np.full(400, 20.0)])
    track = detail.track(samples_frame(np.full(2400, 2.5), altitude_m=altitude))
    whole = detail.splits(track, pd.DataFrame({"split": [1], "start_s": [0.0], "end_s": [2399.0]}))
    assert whole["gain_m"].iloc[0] == pytest.approx(50, abs=0.5)
    assert whole["loss_m"].iloc[0] == pytest.approx(30, abs=0.5)
    km = detail.km_splits(track)  # the parts add up to the whole
    assert km["gain_m"].sum() == pytest.approx(whole["gain_m"].iloc[0])
    assert km["loss_m"].sum() == pytest.approx(whole["loss_m"].iloc[0])
    assert km["loss_m"].iloc[0] == 0.0 and km["gain_m"].iloc[-1] == 0.0


def test_altitude_noise_adds_no_gain_on_the_flat():
    rng = np.random.default_rng(3)
    track = detail.track(samples_frame(np.full(1200, 3.0), altitude_m=10 + rng.normal(0, 0.3, 1200)))
    whole = detail.splits(track, pd.DataFrame({"split": [1], "start_s": [0.0], "end_s": [1199.0]}))
    assert whole["gain_m"].iloc[0] < 3  # the raw noise would climb over 100 m


def test_grade_of_a_constant_slope():
    distance = np.arange(0, 2000, 5.0)
    grade = detail.grade_pct(distance, 0.05 * distance)
    assert np.allclose(grade, 5.0)
    assert np.isnan(detail.grade_pct(distance, np.full(len(distance), np.nan))).all()


def test_thin_keeps_the_ends():
    frame = pd.DataFrame({"x": range(10_000)})
    thinned = detail.thin(frame, 2000)
    assert len(thinned) <= 2000 and thinned["x"].iloc[0] == 0 and thinned["x"].iloc[-1] == 9_999


# --- engine.session.strength ---

def test_strength_summary_volume_and_e1rm_against_the_previous_best():
    sets = pd.DataFrame({
        "session_date": dt.date(2024, 5, 2), "exercise_id": ["squat"] * 4 + ["plank"],
        "exercise_name": ["Squat"] * 4 + ["Plank"], "set_order": [1, 2, 3, 4, 1],
        "set_type": ["warmup", "normal", "normal", None, "normal"],
        "weight_kg": [60.0, 100.0, 100.0, 105.0, np.nan], "reps": [5, 5, 5, 3, 0],
    })
    earlier = pd.DataFrame({"session_date": [dt.date(2024, 4, 28)] * 2, "exercise_id": ["squat"] * 2,
                            "set_type": ["normal", "warmup"], "weight_kg": [100.0, 140.0], "reps": [4, 1]})
    summary = strength.exercise_summary(sets, earlier).set_index("exercise_id")
    assert summary.loc["squat", "volume_kg"] == 100 * 5 * 2 + 105 * 3  # the warm-up does not count
    assert summary.loc["squat", "working_sets"] == 3 and summary.loc["squat", "sets"] == 4
    best, before = epley(100, 5), epley(100, 4)  # the 140 kg single was a warm-up
    assert summary.loc["squat", "best_e1rm_kg"] == pytest.approx(best)
    assert summary.loc["squat", "previous_best_e1rm_kg"] == pytest.approx(before)
    assert summary.loc["squat", "e1rm_change_kg"] == pytest.approx(best - before)
    assert summary.loc["plank", "volume_kg"] == 0 and pd.isna(summary.loc["plank", "best_e1rm_kg"])
    assert list(summary.index) == ["squat", "plank"]  # the session's order
    assert strength.total_volume_kg(sets) == 1315


# --- store: app settings, the squad's last activity ---

def test_app_settings_default_save_and_refuse(store):
    assert app_settings.get(store, "map_tiles") == app_settings.DEFAULTS["map_tiles"] == "none"
    app_settings.set(store, "map_tiles", "OpenStreetMap")
    assert app_settings.get(store, "map_tiles") == "OpenStreetMap"
    version = store.data_version()
    with pytest.raises(ValueError, match="map_tiles must be one of"):
        app_settings.set(store, "map_tiles", "satellite")
    with pytest.raises(ValueError, match="not an app setting"):
        app_settings.get(store, "colour")
    assert store.data_version() == version and app_settings.get(store, "map_tiles") == "OpenStreetMap"
    row = store.query("SELECT value, updated_at FROM app_settings WHERE key = 'map_tiles'")
    assert json.loads(row["value"][0]) == "OpenStreetMap" and row["updated_at"].notna().all()


def test_squad_summary_names_the_last_activity(store, today):
    write_demo(store, DemoConfig(athletes=3, weeks=2, seed=2, end_date=today - dt.timedelta(days=1)))
    squad = queries.squad_summary(store, today)
    acts = queries.activities(store)
    for row in squad.itertuples():
        latest = acts[acts["athlete_id"] == row.athlete_id].sort_values("start_time").iloc[-1]
        assert row.last_activity_id == latest["activity_id"] and row.last_activity == latest["start_time"]


# --- figures and the map ---

def _leaflet_links(m):
    """The js/css links streamlit-folium sends for a map (its own walk over the elements)."""
    import branca
    import folium.elements

    def walk(element):
        yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    elements = list(walk(m))
    assert not any(isinstance(e, branca.colormap.ColorMap) for e in elements)  # it would add d3 from a CDN
    js = [src for e in elements if isinstance(e, folium.elements.JSCSSMixin) for _, src in e.default_js]
    css = [href for e in elements if isinstance(e, folium.elements.JSCSSMixin) for _, href in e.default_css]
    return js, css


@pytest.mark.parametrize("metric", ["hr", "pace", "grade"])
def test_the_map_is_offline_and_draws_one_line_per_colour(metric):
    import streamlit_folium

    from dashboard import maps
    n = 6000  # a long track: drawn with at most MAX_MAP_POINTS points
    track = detail.track(samples_frame(np.full(n, 3.0), altitude_m=30 * np.sin(np.arange(n) / 300),
                                       heart_rate=np.linspace(110, 180, n)))
    bins = maps.colour_bins(track, metric)
    m = maps.track_map(track, bins, tiles="none")
    js, css = _leaflet_links(m)
    assert js == ["/app/static/leaflet/leaflet.js"] and css == ["/app/static/leaflet/leaflet.css"]
    m.get_root().render()
    script = streamlit_folium._get_map_string(m)
    html = streamlit_folium._get_header(m) + streamlit_folium._get_html(m) + script
    assert "http://" not in html and "https://" not in html  # no tiles, no CDN
    assert script.count("L.polyline(") <= len(bins.colors) + 1  # the casing + one per colour bin
    assert script.count("L.marker(") == int(track["distance_m"].iloc[-1] // 1000)  # a label per km
    assert "L.Icon.Default" not in script and "setIcon" not in script  # no image marker, ever
    assert len(bins.labels) == len(bins.colors) == len(bins.edges) + 1
    import folium
    lines = [c for c in m._children.values() if isinstance(c, folium.PolyLine)]
    casing, coloured = lines[0], lines[1:]
    assert len(casing.locations) <= maps.MAX_MAP_POINTS
    runs = [run for line in coloured for run in (line.locations if isinstance(line.locations[0][0], list)
                                                 else [line.locations])]
    # every segment drawn once: the runs share only their end points
    assert sum(len(run) - 1 for run in runs) == len(casing.locations) - 1


def test_leaflet_is_served_under_the_base_url_path():
    from streamlit import config

    from dashboard import maps
    before = config.get_option("server.baseUrlPath")
    try:
        config.set_option("server.baseUrlPath", "/coach/")
        assert maps.leaflet_url("leaflet.js") == "/coach/app/static/leaflet/leaflet.js"
    finally:
        config.set_option("server.baseUrlPath", before)
    for name in ["leaflet.js", "leaflet.css", "LICENSE", "images/marker-icon.png"]:
        assert (maps.LEAFLET_DIR / name).is_file()


def test_osm_tiles_only_when_the_setting_asks():
    from dashboard import maps
    track = detail.track(samples_frame(np.full(600, 3.0)))
    bins = maps.colour_bins(track, "hr")
    assert "tile.openstreetmap.org" not in maps.track_map(track, bins, "none").get_root().render()
    assert "tile.openstreetmap.org" in maps.track_map(track, bins, "OpenStreetMap").get_root().render()


def test_session_curves_share_one_x_axis_and_leave_out_rows_without_data():
    from dashboard import figures
    samples = samples_frame(np.full(900, 3.0), altitude_m=np.linspace(0, 40, 900))
    fig = figures.session_curves(detail.track(samples), "distance")
    assert [t.name for t in fig.data] == ["Heart rate", "Pace", "Altitude"]
    assert {t.xaxis for t in fig.data} == {"x3"} and fig.layout.hoversubplots == "axis"
    assert fig.layout.yaxis2.autorange == "reversed" and fig.layout.yaxis2.ticktext  # pace: faster is up, m:ss
    no_hr = detail.track(samples.assign(heart_rate=np.nan))
    fig = figures.session_curves(no_hr, "time")
    assert [t.name for t in fig.data] == ["Pace", "Altitude"]
    assert fig.layout.xaxis2.title.text == "elapsed time (min)"
    assert [t.name for t in figures.session_curves(no_hr, "time", pace=False).data] == ["Speed", "Altitude"]


def test_calendar_shows_the_chosen_dates_and_rest_is_white():
    from dashboard import figures
    start, end = dt.date(2024, 5, 22), dt.date(2024, 6, 12)
    fig = figures.calendar_heatmap(pd.DataFrame({"day": [dt.date(2024, 6, 10)], "minutes": [45.0]}), start, end)
    trace = fig.data[0]
    assert trace.type == "scatter" and trace.marker.symbol == "square"  # clickable in Streamlit
    days = [c[0] for c in trace.customdata]
    assert days[0] == start.isoformat() and days[-1] == end.isoformat() and len(days) == (end - start).days + 1
    assert trace.customdata[days.index("2024-06-10")][1] == 45.0
    assert trace.marker.cmin == 0 and trace.marker.colorscale[0][1] == "#ffffff"       # rest: white, scale from 0
    rest_only = figures.calendar_heatmap(pd.DataFrame({"day": [], "minutes": []}), start, end).data[0].marker
    assert rest_only.cmin == 0 and rest_only.cmax >= 1 and set(rest_only.color) == {0.0}


def test_clock():
    from dashboard.figures import clock
    assert [clock(59.6), clock(372), clock(3725), clock(None)] == ["1:00", "6:12", "1:02:05", "–"]


# --- the page, through AppTest ---

@pytest.fixture(scope="module")
def new_runner_db(tmp_path_factory, today):
    """A small demo squad plus "New Runner", created by importing a GPX, a FIT and a TCX run and a
    Strong export; built once, each test works on its own copy."""
    from conftest import SAMPLES
    path = tmp_path_factory.mktemp("session") / "demo.duckdb"
    store = Store(path)
    write_demo(store, DemoConfig(athletes=4, weeks=4, seed=5, end_date=today - dt.timedelta(days=1)))
    files = [(name, (SAMPLES / folder / name).read_bytes()) for folder, name in NEW_RUNNER_FILES]
    results = import_files(store, files, athlete="New Runner", create=True)
    assert [r.status for r in results] == ["imported"] * 4
    store.close()
    return path


@pytest.fixture
def db(new_runner_db, tmp_path, monkeypatch):
    path = tmp_path / "coach.duckdb"
    shutil.copy(new_runner_db, path)
    monkeypatch.setenv("COACH_DB", str(path))
    return path


def _store(path) -> Store:
    from engine.store.db import open_store
    return open_store(path)  # the same process-wide connection the app uses


def _session_app(**params) -> AppTest:
    at = AppTest.from_file("../dashboard/app.py", default_timeout=60).run()
    at.switch_page("../pages/session.py")
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _new_runner(path) -> tuple[int, pd.DataFrame]:
    athletes = queries.athletes(_store(path)).set_index("name")
    athlete_id = int(athletes.loc["New Runner", "athlete_id"])
    return athlete_id, queries.activities(_store(path), athlete_id)


def _chart_specs(at) -> list[str]:
    return [c.proto.spec for c in at.get("plotly_chart")]


def test_every_session_of_a_new_athlete_opens(db):
    _, acts = _new_runner(db)
    assert sorted(acts["sport"].unique()) == ["running", "strength"] and len(acts) > 100
    at = _session_app()
    for act in acts.itertuples():
        at.query_params["activity"] = str(act.activity_id)
        at.run()
        assert not at.exception, (act.activity_id, at.exception)
        assert at.title[0].value.startswith(act.sport.capitalize())
        assert "New Runner" in [link.label for link in at.get("page_link")]
        counted = next(m for m in at.metric if m.label == "Counted load").value
        assert float(counted.split()[0].replace(",", "")) > 0  # every session counts, with its source
        assert any(badge in at.markdown[0].value for badge in ("[sRPE]", "[HR]", "[estimated]"))
        pauses = int(_store(db).query("SELECT coalesce(pause_count, 0) FROM activities WHERE activity_id = ?",
                                      [act.activity_id]).iloc[0, 0])
        assert (f"{pauses} pause{'' if pauses == 1 else 's'} over 30 s" in at.caption[0].value) == (pauses > 0)
        if act.sport == "running":
            assert any("distance (km)" in spec and "HR (bpm)" in spec for spec in _chart_specs(at))
            splits = at.dataframe[0].value
            assert splits["distance_km"].sum() == pytest.approx(act.distance_m / 1000, abs=0.01)
        else:
            assert [s.value for s in at.subheader] == ["Load", "Volume and e1RM per exercise", "Sets"]
    one = _store(db).query("SELECT min(activity_id) FROM activities WHERE pause_count = 1").iloc[0, 0]  # a demo run
    at.query_params["activity"] = str(int(one))
    assert "1 pause over 30 s" in at.run().caption[0].value


def test_runs_show_per_lap_splits_that_add_up_too(db):
    _, acts = _new_runner(db)
    with_laps = [a for a in acts.itertuples() if len(sessions.laps(_store(db), a.activity_id))]
    assert with_laps, "the FIT and TCX runs have device laps"
    for act in with_laps:
        at = _session_app(activity=str(act.activity_id), splits="lap", x="time", color="grade")
        assert not at.exception
        assert [b.value for b in at.get("button_group")] == ["grade", "lap", "time"]
        splits = at.dataframe[0].value
        assert splits["split"].tolist() == sessions.laps(_store(db), act.activity_id)["lap_no"].tolist()
        assert splits["distance_km"].sum() == pytest.approx(act.distance_m / 1000, abs=0.01)
        assert any("elapsed time (min)" in spec for spec in _chart_specs(at))


def test_a_strength_session_shows_its_sets_and_volume(db):
    athlete_id, acts = _new_runner(db)
    workouts = queries.strength_sessions(_store(db), athlete_id).set_index("session_id")
    session_id = int(workouts["sets"].idxmax())
    at = _session_app(activity=str(session_id))
    assert not at.exception
    summary, sets = at.dataframe[0].value, at.dataframe[1].value
    assert len(sets) == workouts.loc[session_id, "sets"]
    assert summary["volume_kg"].sum() == pytest.approx(workouts.loc[session_id, "volume_kg"])
    volume = next(m for m in at.metric if m.label == "Volume")
    assert volume.value == f"{workouts.loc[session_id, 'volume_kg']:,.0f} kg" and volume.help
    assert set(summary["exercise_name"]) == set(workouts.loc[session_id, "exercises"])
    assert "exercise_id" not in [c for c in at.dataframe[1].proto.column_order]  # no raw ids shown


@pytest.mark.parametrize("activity", [None, "999999", "abc", "99999999999999999999999"])
def test_no_or_an_unknown_id_says_how_to_open_a_session(db, activity):
    at = _session_app(**({"activity": activity} if activity else {}))
    assert not at.exception
    assert at.title[0].value == "Session"
    assert "Activities" in at.info[0].value and ("no session with id" in at.info[0].value) == bool(activity)
    assert len(at.get("page_link")) == 10  # the athlete's latest sessions


def test_every_number_on_the_run_view_has_a_unit_and_a_help(db):
    _, acts = _new_runner(db)
    at = _session_app(activity=str(acts[acts["sport"] == "running"]["activity_id"].iloc[0]))
    assert all(m.help for m in at.metric)
    assert [m.label for m in at.metric] == ["Distance", "Duration", "Moving time", "Avg pace", "Avg HR", "Max HR",
                                            "Counted load", "sRPE x min", "Banister TRIMP", "Edwards TRIMP", "hrTSS"]
    assert at.metric[0].value.endswith(" km") and at.metric[4].value.endswith(" bpm")
    assert at.metric[6].value.endswith(" a.u.") and at.metric[8].value.endswith(" a.u.")
    order = list(at.dataframe[0].proto.column_order)
    assert order == ["split", "distance_km", "time", "pace", "avg_hr_bpm", "gain_m", "loss_m"]


def test_the_map_background_is_a_setting(db):
    at = AppTest.from_file("../dashboard/app.py", default_timeout=60).run()
    at.switch_page("../pages/settings.py").run()
    radio = next(r for r in at.radio if r.label == "Map background")
    assert radio.value == "none"
    radio.set_value("OpenStreetMap").run()
    assert not at.exception and app_settings.get(_store(db), "map_tiles") == "OpenStreetMap"
    assert at.success[-1].value.startswith("Map background saved")


def test_the_squad_links_each_last_activity_to_its_session(db, today):
    at = AppTest.from_file("../dashboard/app.py", default_timeout=60).run()
    assert not at.exception
    table = at.dataframe[0].value
    squad = queries.squad_summary(_store(db), today).set_index("athlete_id")
    for row in table.itertuples():
        expected = squad.loc[row.athlete_id]
        assert row.last_session == (f"session?at={expected['last_activity']:%Y-%m-%d %H:%M}"
                                    f"&activity={expected['last_activity_id']}")


def _counted(at) -> float:
    return float(next(m for m in at.metric if m.label == "Counted load").value.split()[0].replace(",", ""))


def test_editing_the_session_rpe_and_note_recomputes_the_load_at_once(db):
    from engine.load import report
    athlete_id, acts = _new_runner(db)
    lift = acts[acts["sport"] == "strength"].iloc[0]
    at = _session_app(activity=str(lift["activity_id"]))
    assert "[estimated]" in at.markdown[0].value  # strong.csv has no RPE: the team default counts
    next(n for n in at.number_input if n.label == "Session RPE (CR-10)").set_value(8.0)
    next(t for t in at.text_area if t.label == "Note").set_value("left knee sore")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert _counted(at) == pytest.approx(round(8 * lift["duration_s"] / 60))
    assert "[sRPE]" in at.markdown[0].value and "session RPE 8 x" in at.markdown[0].value
    assert any(i.value == "left knee sore" for i in at.info)
    day = pd.Timestamp(lift["start_time"].date())
    daily = report.daily_metrics(_store(db), lift["start_time"].date(), athlete_id).set_index("day")
    assert daily.loc[day, "load_au"] == pytest.approx(8 * lift["duration_s"] / 60)  # the PMC agrees


def test_the_new_athletes_pmc_counts_every_training_day_and_marks_the_estimates(db):
    from engine.load import report
    athlete_id, acts = _new_runner(db)
    end = acts["start_time"].max().date()
    daily = report.daily_metrics(_store(db), end, athlete_id)
    trained = daily[daily["sessions"] > 0]
    assert len(trained) == acts["start_time"].dt.date.nunique()
    assert (trained["load_au"] > 0).all()  # no session of strong.csv or of the runs counts zero
    assert set(trained["source"]) == {"estimated"}  # no RPE anywhere and no HR profile: all estimates
    at = AppTest.from_file("../dashboard/app.py", default_timeout=60).run()
    at.switch_page("../pages/load.py")
    at.query_params.update({"athlete": str(athlete_id), "from": "2021-02-01", "to": "2021-03-31"})
    at.run()
    assert not at.exception
    pmc = _chart_specs(at)[0]
    assert "Daily load (rests on an estimate)" in pmc
    assert any(c.value == "No session with heart rate in these dates." for c in at.caption)   # no empty chart


def test_an_athlete_with_old_data_opens_on_their_last_sessions_with_presets(db):
    """New Runner's files are years old: the default dates end at their last session, a note says
    how many sessions lie outside them, and the presets reach back from that last session."""
    athlete_id, acts = _new_runner(db)
    last = acts["start_time"].max().date()
    at = AppTest.from_file("../dashboard/app.py", default_timeout=60)
    at.query_params["athlete"] = str(athlete_id)            # a fresh session, no dates in the link
    at.run()
    at.switch_page("../pages/athlete.py")
    at.run()
    assert not at.exception
    start, end = at.date_input[0].value
    assert end == last and (end - start).days == 83
    in_range = acts[acts["start_time"].dt.date.between(start, end)]
    assert len(at.dataframe[0].value) == len(in_range) > 0
    assert any(f"{len(acts) - len(in_range)} sessions outside these dates" in c.value for c in at.sidebar.caption)
    at.sidebar.pills[0].set_value("All").run()
    assert at.date_input[0].value == (acts["start_time"].min().date(), last)
    assert not any("outside these dates" in c.value for c in at.sidebar.caption)
    at.segmented_control(key="athlete_view").set_value("Calendar").run()
    days = [c[0] for c in json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["customdata"]]
    assert days[0] == acts["start_time"].min().date().isoformat() and days[-1] == last.isoformat()
