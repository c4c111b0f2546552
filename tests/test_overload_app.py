"""The Strength & overload page (AppTest) on a small demo squad with a really trained (quick)
overload model: the prescription with its what-if sliders, the trust table, the exercise graph,
SHAP, and the split saved as the planned week."""
import datetime as dt

import plotly.io
import pytest
from streamlit.testing.v1 import AppTest

from engine.demo import DemoConfig, write_demo
from engine.models import driver
from engine.store import plans
from engine.store.db import Store, open_store

CONFIG = DemoConfig(athletes=3, weeks=8, seed=5, end_date=dt.date(2026, 6, 30))


def _demo(path, train: bool):
    store = Store(path)
    write_demo(store, CONFIG)
    if train:
        driver.train(store, "overload", quick=True)
    store.close()
    return path


@pytest.fixture(scope="module")
def trained_db(tmp_path_factory):
    return _demo(tmp_path_factory.mktemp("overload_app") / "coach.duckdb", train=True)


def _open(db, monkeypatch) -> AppTest:
    monkeypatch.setenv("COACH_DB", str(db))
    app = AppTest.from_file("../dashboard/app.py", default_timeout=180)
    app.run()
    app.switch_page("../pages/overload.py")
    return app.run()


def _frames(app) -> list:
    return [d.value for d in app.dataframe]


def _chart(app, title_part: str):
    for chart in app.get("plotly_chart"):
        fig = plotly.io.from_json(chart.proto.spec)
        if title_part in (fig.layout.title.text or ""):
            return fig
    raise AssertionError(f"no chart titled with {title_part!r}")


def test_page_without_a_model_offers_training(tmp_path, monkeypatch):
    app = _open(_demo(tmp_path / "coach.duckdb", train=False), monkeypatch)
    assert not app.exception
    assert any("No overload model yet" in i.value for i in app.info)
    assert any(b.label == "Train the overload models" for b in app.button)


def test_prescription_redraws_with_the_what_if_sliders(trained_db, monkeypatch):
    app = _open(trained_db, monkeypatch)
    assert not app.exception, app.exception
    prescription = _frames(app)[0]
    assert len(prescription) > 0 and prescription["exercise"].notna().all()   # names, never raw ids
    assert (prescription["weight_kg"] >= 0).all() and (prescription["reps"] >= 1).all()
    trust = _frames(app)[1]
    assert set(trust["label"]) == {"GraphSAGE", "GCN", "LightGBM (no graph)", "Repeat the last session",
                                   "RPE rule (original project)"}
    assert "graph" in _chart(app, "Exercise graph").layout.title.text
    shap_before = _chart(app, "changes the weight").data[0].to_plotly_json()["x"]

    app.select_slider(key="overload_rpe").set_value(6.0).run()       # easy: the rule adds 2.5 %
    assert not app.exception
    easy = _frames(app)[0]
    assert (easy["rpe"] == 6.0).all()
    assert all(r.startswith(f"{1.025 * w:.1f} kg") for r, w in zip(easy["rule"], easy["last_weight_kg"]))
    shap_easy = _chart(app, "changes the weight").data[0].to_plotly_json()["x"]
    assert shap_easy != shap_before

    app.select_slider(key="overload_rest").set_value(14).run()
    assert not app.exception
    assert _chart(app, "changes the weight").data[0].to_plotly_json()["x"] != shap_easy


def test_split_is_saved_as_the_planned_week(trained_db, monkeypatch):
    app = _open(trained_db, monkeypatch)
    app.segmented_control(key="split_days").set_value(4).run()
    assert not app.exception
    split = _frames(app)[-1]
    assert split["day"].nunique() == 4 and split["day_label"].str.startswith(("Upper", "Lower")).all()
    start = app.date_input(key="split_start").value
    next(b for b in app.button if b.label == "Save week 1 as the planned week").click().run()
    assert any("Saved" in s.value for s in app.success)
    store = open_store(trained_db)
    athlete_id = int(app.query_params["athlete"][0] if isinstance(app.query_params["athlete"], list)
                     else app.query_params["athlete"])
    planned = plans.planned_exercises(store, athlete_id, start)
    assert len(planned) == len(split) and set(planned["source"]) == {"split"}
