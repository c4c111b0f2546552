"""Every page through streamlit.testing AppTest, on real DuckDB files built in a temporary directory."""
import datetime as dt
import shutil

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from engine.demo import DemoConfig, write_demo
from engine.load import planner
from engine.load.settings import LoadSettings
from engine.store import loads as store_loads
from engine.store import queries
from engine.store.db import Store

@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, today):
    """A small demo squad, built once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    store = Store(path)
    write_demo(store, DemoConfig(athletes=6, weeks=6, seed=5, end_date=today - dt.timedelta(days=1)))
    store.close()
    return path


@pytest.fixture
def db(demo_db, tmp_path, monkeypatch):
    path = tmp_path / "coach.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("COACH_DB", str(path))
    return path


def _app(page: str | None = None, **params) -> AppTest:
    at = AppTest.from_file("../dashboard/app.py", default_timeout=60).run()
    if page:
        at.switch_page(f"../pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    return at.run() if page or params else at


def _store(path) -> Store:
    from engine.store.db import open_store
    return open_store(path)  # the same process-wide connection the app uses


def test_empty_database_shows_first_run_screen_and_loads_the_demo(tmp_path, monkeypatch):
    monkeypatch.setenv("COACH_DB", str(tmp_path / "empty.duckdb"))
    at = _app()
    assert not at.exception
    assert at.title[0].value == "Welcome to the coach dashboard"
    assert [b.label for b in at.button] == ["Load demo squad", "Upload files"]
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Squad"
    assert len(at.dataframe[0].value) == 24


def test_squad_lists_every_athlete_and_filters_by_team(db):
    at = _app()
    assert not at.exception
    table = at.dataframe[0].value
    athletes = queries.athletes(_store(db))
    assert sorted(table["name"]) == sorted(athletes["name"])
    assert table["sessions_7d"].sum() > 0 and (table["load_14d"].map(len) == 14).all()
    team = athletes["team"].iloc[0]
    at.multiselect[0].set_value([team]).run()
    assert set(at.dataframe[0].value["team"]) == {team}
    assert at.query_params["team"] == team
    assert f"{(athletes['team'] == team).sum()} athletes" in at.caption[0].value


def test_athlete_page_shows_the_athlete_from_the_url(db, today):
    athletes = queries.athletes(_store(db))
    who = athletes.iloc[2]
    start = today - dt.timedelta(days=14)
    at = _app("athlete", athlete=str(who["athlete_id"]), **{"from": start.isoformat()})
    assert not at.exception
    assert at.title[0].value == who["name"]
    acts = queries.activities(_store(db), int(who["athlete_id"]))
    expected = acts[acts["start_time"].dt.date >= start]
    assert len(at.dataframe[0].value) == len(expected) > 0
    assert at.metric[0].value == str(len(expected))
    assert at.sidebar.selectbox[0].value == who["athlete_id"]


@pytest.mark.parametrize("view", ["Strength log", "Fitness tests", "Calendar"])
def test_athlete_views_render(db, view):
    at = _app("athlete", athlete="1", view=view, **{"from": "2000-01-01"})
    assert not at.exception
    if view == "Strength log":
        sessions = queries.strength_sessions(_store(db), 1)
        assert len(at.dataframe[0].value) == len(sessions)
    elif view == "Fitness tests":
        assert len(at.dataframe[0].value) == len(queries.fitness_tests(_store(db), 1)) > 0


def test_profile_edit_is_saved_and_a_bad_one_is_refused(db):
    at = _app("athlete", athlete="1", view="Profile")
    mass, rest, top, lthr = at.number_input
    mass.set_value(71.5)
    at.form_submit_button[0].click().run()
    assert not at.exception and at.success[0].value == "Profile saved."
    assert queries.athletes(_store(db)).set_index("athlete_id").loc[1, "mass_kg"] == 71.5

    at.number_input[3].set_value(float(at.number_input[2].value) + 5)  # LTHR above max HR
    at.form_submit_button[0].click().run()
    assert "LTHR must lie between" in at.error[0].value
    assert queries.athletes(_store(db)).set_index("athlete_id").loc[1, "lthr"] != at.number_input[3].value

    at.number_input[3].set_value(None)
    at.number_input[0].set_value(900.0)          # out of range: the server says so, nothing is saved
    at.form_submit_button[0].click().run()
    assert "Mass (kg) must be between 20 and 300, not 900" in at.error[0].value and not at.success
    assert queries.athletes(_store(db)).set_index("athlete_id").loc[1, "mass_kg"] == 71.5
    assert "From 20 to 300." in at.number_input[0].help


def test_upload_imports_files_and_lists_them_in_the_history(db, samples_dir):
    at = _app("upload", athlete="2")
    assert not at.exception
    files = [(name, (samples_dir / sub / name).read_bytes(), "application/octet-stream")
             for sub, name in [("gpx", "garmin_connect.gpx"), ("fit", "run.fit"), ("gpx", "garmin_connect.gpx")]]
    files.append(("notes.csv", b"foo,bar\n1,2\n", "text/csv"))
    at.file_uploader[0].set_value(files).run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception
    results = at.dataframe[0].value
    assert results["status"].tolist() == ["imported", "imported", "duplicate", "rejected"]
    assert results["rows_kept"].tolist()[:2] == [3, 1202]
    history = at.dataframe[1].value
    assert {"garmin_connect.gpx", "run.fit", "notes.csv"} <= set(history["file_name"])
    acts = queries.activities(_store(db), 2)
    assert {"2018-02-21", "2019-09-14"} <= set(acts["start_time"].dt.strftime("%Y-%m-%d"))


def test_squad_shows_risk_flags_with_reasons(db, today):
    from engine.load import report
    flags = report.squad_flags(_store(db), today)
    at = _app()
    table = at.dataframe[0].value
    assert table["flag_count"].tolist() == sorted(table["flag_count"], reverse=True)  # riskiest first
    expected = dict(zip(flags["athlete_id"], flags["flag_count"]))
    assert {a: n for a, n in zip(table["athlete_id"], table["flag_count"])} == expected
    last_session = queries.activities(_store(db))["start_time"].max().date()
    assert set(flags["as_of"]) == {pd.Timestamp(last_session)}  # not today: nothing trained yet
    flagged = sum(n > 0 for n in expected.values())
    message = at.warning[0].value if flagged else at.success[0].value
    assert f"as of {last_session:%a %d %b}" in message
    if flagged:
        assert f"{flagged} athlete" in message and "need" in message


def test_training_load_page_draws_every_chart(db, today):
    lifter = int(_store(db).query("SELECT min(athlete_id) AS a FROM strength_sets")["a"][0])
    at = _app("load", athlete=str(lifter), **{"from": "2000-01-01"})
    assert not at.exception
    assert at.title[0].value == "Training load"
    labels = [m.label for m in at.metric]
    assert labels == ["CTL, a.u.", "ATL, a.u.", "TSB, a.u.", "ACWR", "Monotony", "Strain, a.u.", "FRBI"]
    assert all(m.help for m in at.metric)
    charts = at.get("plotly_chart")
    assert len(charts) == 6  # PMC, ACWR, monotony/strain, HR zones, muscle volume, e1RM
    assert len(at.multiselect[0].value) == 3  # e1RM of three exercises by default
    # the first four weeks have no ACWR yet: a sentence instead of an empty chart
    first = _app("load", athlete=str(lifter), **{"from": "2000-01-01", "to": str(today - dt.timedelta(days=31))})
    assert len(first.get("plotly_chart")) == 5
    assert any("ACWR and FRBI need 28 days" in c.value for c in first.caption)


def test_planner_suggests_the_frbi_cut_and_applies_it(db, today):
    from engine.load import planner, report
    at = _app("planner", athlete="1")
    assert not at.exception
    at.slider[0].set_value(at.slider[0].max).run()  # a very hard week
    assert "cut planned load 15-20 % for 3-5 days" in at.warning[0].value
    daily = report.daily_metrics(_store(db), today, 1)
    settings = report.athlete_settings(_store(db), 1)
    planned = planner.day_pattern_plan(at.slider[0].value, list(planner.PATTERNS.values())[0])
    expected = report.plan_projection(daily, settings, planned, today + dt.timedelta(days=1)).suggestion
    assert f"{today + dt.timedelta(days=1 + expected['first_day']):%a %d %b}" in at.warning[0].value
    next(b for b in at.button if b.label == "Apply the suggestion").click().run()
    assert not at.exception
    assert at.segmented_control[0].value == "Day by day"
    assert [n.value for n in at.number_input] == [float(round(x)) for x in expected["adjusted"]]
    assert not any("cut planned load" in w.value or "FRBI high" in w.value for w in at.warning)   # one click
    flagged = report.plan_projection(daily, settings, expected["adjusted"], today + dt.timedelta(days=1)).flags
    assert [w.value for w in at.warning] == flagged           # every other projected flag is still said
    next(b for b in at.button if b.label == "Save this plan").click().run()
    saved = store_loads.planned_days(_store(db), 1)
    saved = saved[pd.to_datetime(saved["day"]) > pd.Timestamp(today)]
    assert saved["planned_au"].tolist() == [float(round(x)) for x in expected["adjusted"]]


def test_planner_lists_saved_plans_reopens_the_coming_week_and_carries_the_plan_in_its_link(db, today):
    """The demo's past plans show compliance on day one; a plan saved for the coming week (here by
    the overload split's path, planned_days) is where the planner starts; the link carries the days."""
    from engine.load import report
    weeks = report.plan_history(_store(db), 1, today).weeks
    assert len(weeks) >= 4 and weeks[["green", "yellow", "red"]].to_numpy().sum() >= 21
    at = _app("planner", athlete="1")
    assert not at.exception
    table = next(d for d in at.dataframe if "planned_au" in d.value and "green" in d.value)
    assert table.value["planned_au"].tolist() == weeks["planned_au"].tolist()
    assert at.segmented_control[0].value == "Weekly total"      # nothing saved for the coming week yet

    coming = [300.0, 0.0, 420.0, 0.0, 350.0, 600.0, 0.0]
    store_loads.save_plan(_store(db), 1, today + dt.timedelta(days=1), coming)
    at = _app("planner", athlete="1")
    assert at.segmented_control[0].value == "Day by day"
    assert [n.value for n in at.number_input] == coming
    assert "A plan is saved for 7 of these days: 1,670 a.u." in at.caption[0].value
    at.number_input[1].set_value(200.0).run()
    assert at.query_params["days"] == "300,200,420,0,350,600,0"

    shared = _app("planner", athlete="1", plan="Day by day", days="100,0,100,0,100,0,700")
    assert [n.value for n in shared.number_input] == [100.0, 0.0, 100.0, 0.0, 100.0, 0.0, 700.0]
    weekly = _app("planner", athlete="1", plan="Weekly total", total="1500", pattern="Hard / easy")
    assert weekly.slider[0].value == 1500 and weekly.selectbox(key="plan_pattern").value == "Hard / easy"
    bad = _app("planner", athlete="1", days="1,2,x")               # a broken link falls back to the saved plan
    assert not bad.exception and [n.value for n in bad.number_input] == coming


def test_settings_are_saved_per_team_and_bad_values_refused(db):
    from engine.load import report
    team = queries.athletes(_store(db))["team"].dropna().iloc[0]
    at = _app("settings", team=team)
    assert not at.exception
    field = next(n for n in at.number_input if n.label == "Monotony flag above")
    field.set_value(2.5)
    at.form_submit_button[0].click().run()
    assert at.success[0].value.startswith("Settings saved")
    assert report.team_settings(_store(db))[team].monotony_threshold == 2.5
    next(n for n in at.number_input if n.label == "ACWR band, low").set_value(1.6)  # above acwr_high
    at.form_submit_button[0].click().run()
    assert at.error[0].value.startswith("Not saved")
    assert report.team_settings(_store(db))[team].acwr_low == 0.8
    assert all(n.help and "Default:" in n.help for n in at.number_input)           # labels, units and defaults
    assert not any("_" in n.label for n in at.number_input)                       # no code names
    next(b for b in at.button if b.label == "Reset to defaults").click().run()
    assert not at.exception and at.success[0].value.startswith("Defaults restored")
    assert report.team_settings(_store(db))[team] == LoadSettings()
    monotony = next(n for n in at.number_input if n.label == "Monotony flag above")
    assert monotony.value == LoadSettings().monotony_threshold


def test_an_empty_lthr_stays_null_so_the_team_fraction_applies(db):
    from engine.store.athletes import update_profile
    update_profile(_store(db), 1, lthr=None)
    at = _app("athlete", athlete="1", view="Profile")
    assert at.number_input[3].value is None and at.number_input[3].placeholder.startswith("estimated")
    at.number_input[0].set_value(70.0)  # the coach edits the mass and saves
    at.form_submit_button[0].click().run()
    assert not at.exception and at.success[0].value == "Profile saved."
    saved = queries.athletes(_store(db)).set_index("athlete_id").loc[1]
    assert saved["mass_kg"] == 70.0 and pd.isna(saved["lthr"])


def test_the_profile_says_which_hr_values_the_loads_estimate(db, samples_dir):
    from engine.store.imports import import_file
    run = samples_dir / "fit" / "run.fit"
    assert import_file(_store(db), run.name, run.read_bytes(), athlete="Cy New", create=True).status == "imported"
    new_id = int(queries.athletes(_store(db)).set_index("name").loc["Cy New", "athlete_id"])
    at = _app("athlete", athlete=str(new_id), view="Profile")
    assert not at.exception
    note = next(c.value for c in at.caption if c.value.startswith("Loads use"))
    assert "max HR" in note and "(estimated: highest HR held 60 s in a session)" in note
    assert "resting HR 60 bpm (estimated: team default)" in note
    rest, top = at.number_input[1], at.number_input[2]
    assert rest.value is None and top.value is None  # estimates are not written into the profile


def test_session_rpe_for_many_sessions_from_the_athlete_page(db, today):
    start = today - dt.timedelta(days=7)
    at = _app("athlete", athlete="2", **{"from": start.isoformat()})
    assert at.data_editor[0].editing_mode == "fixed"
    acts = queries.activities(_store(db), 2)
    week = acts[acts["start_time"].dt.date >= start]
    assert len(week) >= 2
    save = next(b for b in at.button if b.label.startswith("Save"))
    assert save.label == "Save 0 session RPEs" and save.disabled
    # the coach types two values that differ from the stored ones: rows are in the table's order (newest first)
    new = [next(v for v in (3.5, 4.5) if v != week["srpe"].iloc[0]),
           next(v for v in (9.0, 8.0) if v != week["srpe"].iloc[1])]
    at.session_state["srpe_editor"] = {"edited_rows": {0: {"srpe": new[0]}, 1: {"srpe": new[1]}}, "added_rows": [],
                                       "deleted_rows": []}
    at.run()
    save = next(b for b in at.button if b.label.startswith("Save"))
    assert save.label == "Save 2 session RPEs" and not save.disabled
    save.click().run()
    assert not at.exception
    after = queries.activities(_store(db), 2).set_index("activity_id").loc[week["activity_id"].head(2), "srpe"]
    assert after.tolist() == new


def test_squad_load_and_planner_pages_give_one_acwr_and_frbi_on_one_printed_day(db, today):
    """One rule for the day the metrics are judged on (report.judged_day), on every page; the
    planner projects from the same loads and morning HR (report.plan_projection)."""
    from engine.load import report
    store = _store(db)
    judged = report.judged_day(store, today)
    flags = report.squad_flags(store, today).set_index("athlete_id")
    squad = _app()
    assert f"as of {judged:%a %d %b}" in (squad.warning or squad.success)[0].value
    table = squad.dataframe[0].value.set_index("athlete_id")
    for athlete_id in flags.index[:3]:
        load = _app("load", athlete=str(athlete_id))
        assert f"values on {judged:%a %d %b %Y}, {report.JUDGED_DAY_TEXT}" in load.caption[0].value
        shown = {m.label: m.value for m in load.metric}
        assert shown["ACWR"] == f"{table.loc[athlete_id, 'acwr']:.2f}" == f"{flags.loc[athlete_id, 'acwr']:.2f}"
        assert shown["FRBI"] == f"{flags.loc[athlete_id, 'frbi']:.2f}"
        daily = report.daily_metrics(store, today, athlete_id)
        judged_row = daily[daily["day"] == pd.Timestamp(judged)].iloc[0]
        assert list(table.loc[athlete_id, "load_14d"])[-1] == pytest.approx(judged_row["load_au"])   # same series
        settings = report.athlete_settings(store, athlete_id)
        history = planner.project(daily["load_au"].to_numpy(), [0.0] * 7, settings, daily["hr_morning"].to_numpy())
        np.testing.assert_allclose(history["frbi"][:len(daily)], daily["frbi"].to_numpy(), equal_nan=True)


def test_every_click_on_a_view_control_counts_and_the_url_follows(db):
    """A, B, A, B on the athlete page's views and on the planner's toggle: each click shows its view."""
    at = _app("athlete", athlete="1")
    for view in ["Strength log", "Activities", "Calendar", "Activities", "Profile", "Fitness tests"]:
        at.segmented_control(key="athlete_view").set_value(view).run()
        assert not at.exception
        assert at.segmented_control(key="athlete_view").value == view and at.query_params["view"] == view
    planner_page = _app("planner", athlete="1")
    for mode in ["Day by day", "Weekly total", "Day by day", "Weekly total"]:
        planner_page.segmented_control(key="plan_mode").set_value(mode).run()
        assert planner_page.segmented_control(key="plan_mode").value == mode
        assert bool(planner_page.number_input) == (mode == "Day by day")
        assert planner_page.query_params["plan"] == mode


def test_a_shared_link_opens_its_view(db):
    at = _app("athlete", athlete="1", view="Calendar")
    assert at.segmented_control(key="athlete_view").value == "Calendar"
    team = queries.athletes(_store(db))["team"].dropna().iloc[0]
    squad = AppTest.from_file("../dashboard/app.py", default_timeout=60)
    squad.query_params["team"] = team                  # a fresh session opened on the link
    squad.run()
    assert squad.multiselect(key="squad_teams").value == [team]
    assert set(squad.dataframe[0].value["team"]) == {team}
