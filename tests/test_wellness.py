"""Wellness trends (engine.load.wellness) and the athlete page's Wellness view, on real DuckDB files."""
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from engine.demo import DemoConfig, write_demo
from engine.store.imports import import_file
from engine.load import report, wellness
from engine.load.settings import LoadSettings
from engine.store.db import Store, open_store


def test_trends_average_the_logged_mornings_and_take_the_median_baseline():
    days = pd.date_range("2026-03-01", periods=30)
    hr = np.r_[np.full(20, 50.0), np.full(10, 60.0)]
    frame = pd.DataFrame({"day": days.date, "sleep_h": 7.0, "soreness": 2.0, "hrv_ms": 70.0, "hr_rest_morning": hr})
    frame = frame.drop(index=[25, 26])                       # two mornings without a form
    trend = wellness.trends(frame, baseline_days=28)
    hr_rows = trend[trend["measure"] == "hr_rest_morning"].set_index("day")
    assert len(hr_rows) == 30 and hr_rows["value"].isna().sum() == 2      # missing, not zero
    assert hr_rows.loc["2026-03-30", "mean_7d"] == pytest.approx(60.0)     # the 5 logged of the last 7
    assert hr_rows.loc["2026-03-30", "baseline"] == pytest.approx(50.0)    # median of 28 days, 20 at 50
    assert hr_rows.loc["2026-03-02", ["mean_7d", "baseline"]].isna().all()  # too few mornings yet
    day, values = wellness.latest(trend, dt.date(2026, 3, 31))
    assert day == dt.date(2026, 3, 30) and values["hr_rest_morning"] == pytest.approx((60.0, 50.0))
    day, values = wellness.latest(trend, dt.date(2026, 3, 20))          # as of the end of the chosen dates
    assert day == dt.date(2026, 3, 20) and values["hr_rest_morning"] == pytest.approx((50.0, 50.0))
    assert wellness.latest(trend, dt.date(2026, 2, 1))[0] is None
    assert wellness.trends(frame.iloc[:0], 28).empty


def test_baseline_follows_the_teams_frbi_window(tmp_path):
    store = Store(tmp_path / "w.duckdb")
    write_demo(store, DemoConfig(athletes=2, weeks=6, seed=3, end_date=dt.date(2026, 3, 1)))
    short = LoadSettings(frbi_median_days=7)
    team = store.query("SELECT team FROM athletes WHERE athlete_id = 1")["team"].iloc[0]
    default = report.wellness(store, 1)
    report.save_team_settings(store, team, short)
    seven = report.wellness(store, 1)
    hr = store.query("SELECT day, hr_rest_morning FROM wellness WHERE athlete_id = 1 ORDER BY day")
    last_week = hr[pd.to_datetime(hr["day"]) > pd.Timestamp("2026-02-22")]["hr_rest_morning"]
    got = seven[seven["measure"] == "hr_rest_morning"]["baseline"].iloc[-1]
    assert got == pytest.approx(last_week.median())
    assert not default.equals(seven)


def _wellness_view(athlete_id: int, **dates) -> AppTest:
    at = AppTest.from_file("../dashboard/app.py", default_timeout=60).run()
    at.switch_page("../pages/athlete.py")
    for key, value in {"athlete": str(athlete_id), "view": "Wellness", **dates}.items():
        at.query_params[key] = value
    return at.run()


def test_athlete_page_wellness_view(tmp_path, monkeypatch, samples_dir, today):
    path = tmp_path / "coach.duckdb"
    store = Store(path)
    write_demo(store, DemoConfig(athletes=2, weeks=4, seed=3, end_date=today - dt.timedelta(days=1)))
    store.close()
    monkeypatch.setenv("COACH_DB", str(path))
    trend = report.wellness(open_store(path), 1)
    at = _wellness_view(1)
    assert not at.exception
    assert [m.label for m in at.metric][-4:] == [m.label for m in wellness.MEASURES]
    assert all(m.delta for m in at.metric[-4:])
    end = at.sidebar.date_input[0].value[1]                 # the default dates end on the last session
    day, values = wellness.latest(trend, end)
    assert at.metric[-4].value == f"{values['sleep_h'][0]:,.1f} h"
    assert any(f"As of {day:%a %d %b %Y}" in c.value for c in at.caption) and day <= end

    # a coach who looks back sees the wellness as of the end of the dates they chose
    end = today - dt.timedelta(days=12)
    at = _wellness_view(1, **{"from": str(end - dt.timedelta(days=13)), "to": str(end)})
    day, values = wellness.latest(trend, end)
    assert day == end and at.metric[-4].value == f"{values['sleep_h'][0]:,.1f} h"
    assert at.metric[-1].value == f"{values['hr_rest_morning'][0]:,.0f} bpm"
    assert len(at.get("plotly_chart")) == 1
    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    assert [layout[f"yaxis{i or ''}"]["title"]["text"] for i in (0, 2, 3, 4)] == [
        f"{m.label} ({m.unit})" for m in wellness.MEASURES]          # every panel names its unit

    # an athlete with runs but no wellness gets a sentence, not empty panels
    gpx = next((samples_dir / "gpx").glob("*.gpx"))
    import_file(open_store(path), gpx.name, gpx.read_bytes(), athlete="Runner", create=True)
    runner = int(open_store(path).query("SELECT athlete_id FROM athletes WHERE name = 'Runner'").iloc[0, 0])
    at = _wellness_view(runner)
    assert not at.exception and not at.get("plotly_chart")
    assert any("No wellness logged" in c.value for c in at.caption)
