"""The Recommendations page (AppTest) on a small demo squad with a really trained recommender:
the list and its reasons, equipment and fitness-deficiency constraints, "Add to plan" into the
shared planned week, the squad view, the train prompt, and the CLI contract."""
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from engine.demo import DemoConfig, write_demo
from engine.models.worker import work
from engine.models import driver
from engine.recommend import service
from engine.store import assessments, plans
from engine.store.db import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
CONFIG = DemoConfig(athletes=6, weeks=10, seed=5, end_date=dt.date(2026, 6, 30))
LIFTER = 2        # lifts in this squad and adopted new exercises late


@pytest.fixture(scope="module")
def trained_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("recommend_app") / "coach.duckdb"
    store = Store(path)
    write_demo(store, CONFIG)
    driver.train(store, "recommend")
    driver.evaluate_full(store, "recommend")     # the strong_sample rows
    store.close()
    return path


@pytest.fixture
def store(trained_db):
    return open_store(trained_db)     # the process-wide connection the page uses too: never closed here


def _open(db, monkeypatch, athlete: int = LIFTER) -> AppTest:
    monkeypatch.setenv("COACH_DB", str(db))
    app = AppTest.from_file("../dashboard/app.py", default_timeout=120)
    app.query_params["athlete"] = str(athlete)
    app.run()
    app.switch_page("../pages/recommend.py")
    return app.run()


def _listed(app) -> list[str]:
    """The ranked exercise names on the page ("1. Name" headers)."""
    return [m.value.split("**")[1].split(". ", 1)[1] for m in app.markdown
            if m.value.startswith("**") and ". " in m.value and m.value.split("**")[1].split(". ", 1)[0].isdigit()]


def test_cli_evaluate_json_has_every_model_and_metric(trained_db):
    out = subprocess.run([sys.executable, "-m", "engine", "evaluate", "recommend", "--db", str(trained_db), "--json"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    got = json.loads(out)
    assert set(got) == {"kind", "version", "results", "timing"} and got["kind"] == "recommend"
    rows = {(r["dataset"], r["model"], r["metric"]) for r in got["results"]}
    for model in ("popularity", "content", "collaborative", "hybrid"):
        for metric in ("hit_at_10", "ndcg_at_10", "coverage", "diversity"):
            assert ("db", model, metric) in rows and ("strong_sample", model, metric) in rows
    assert got["timing"]["predict_ms_per_item"] > 0


def test_page_lists_ten_exercises_with_reasons_and_instructions(trained_db, store, monkeypatch):
    app = _open(trained_db, monkeypatch)
    assert not app.exception
    listed = _listed(app)
    assert len(listed) == 10
    names = set(service.model(store)[0].catalog["name"])
    assert set(listed) <= names                                        # catalog names, never raw ids
    reasons = [m.value for m in app.markdown if m.value.startswith("**1. ")][0]
    assert " like your " in reasons or "athletes" in reasons
    assert any(e.label == "Instructions" for e in app.expander)
    assert "popularity baseline" in " ".join(c.value for c in app.caption)


def test_equipment_boxes_restrict_the_list(trained_db, store, monkeypatch):
    app = _open(trained_db, monkeypatch)
    for box in app.checkbox:
        if box.key.startswith("kit_") and box.key != "kit_dumbbell":
            box.uncheck()
    app.run()
    assert not app.exception
    captions = [c.value for c in app.caption if c.value.startswith("Primary:")]
    assert len(captions) == 10 and all(" · dumbbell · " in c for c in captions)


def test_a_fitness_deficiency_sets_the_target(trained_db, store, monkeypatch):
    assessments.save_assessments(store, pd.DataFrame([{
        "athlete_id": LIFTER, "test_date": dt.date(2026, 6, 20), "model_version": 1, "cutoffs": "who",
        "predicted_class": "normal", "probabilities": [0.1, 0.7, 0.1, 0.1], "shap": [0.0, 0.2, 0.1, 0.0],
        "deficiencies": ["pullups", "situps_60s"]}]))
    app = _open(trained_db, monkeypatch)
    assert app.radio(key="target").options[2].startswith("Fitness test: upper-body resistance (Pull-ups")
    app.radio(key="target").set_value("pullups").run()
    assert not app.exception
    assert any("lats" in c.value and "strength" in c.value for c in app.caption)
    captions = [c.value for c in app.caption if c.value.startswith("Primary:")]
    assert captions and all(any(m in c.split(" · ")[0] for m in ("lats", "middle back", "biceps")) for c in captions)
    app.multiselect(key="avoid").set_value(["lats"]).run()            # the target and an injury collide
    assert app.error and "both a target and avoided" in app.error[0].value


def test_add_to_plan_writes_the_shared_planned_week(trained_db, store, monkeypatch):
    day = dt.date(2026, 7, 7)
    app = _open(trained_db, monkeypatch)
    app.date_input(key="plan_day").set_value(day).run()
    first, second = _listed(app)[:2]
    buttons = [b for b in app.button if b.key and b.key.startswith("add_")]
    buttons[0].click().run()
    assert not app.exception and "added to" in app.success[0].value
    buttons = [b for b in app.button if b.key and b.key.startswith("add_")]
    buttons[1].click().run()
    planned = plans.planned_exercises(store, LIFTER, day, day)
    assert set(planned["exercise"]) == {first, second} and set(planned["source"]) == {"recommend"}
    assert (planned["sets"] == 3).all() and (planned["reps_low"] == 8).all()     # the hypertrophy default scheme
    planned_au = store.query("SELECT planned_au FROM planned_days WHERE athlete_id = ? AND day = ?",
                             [LIFTER, day]).iloc[0, 0]
    assert planned_au == pytest.approx(planned["load_au"].sum())


def test_squad_view(trained_db, store, monkeypatch):
    app = _open(trained_db, monkeypatch)
    tables = [t.value for t in app.dataframe]
    assert any("athletes" in t.columns and "exercise" in t.columns and len(t) > 0 for t in tables)
    balance = service.muscle_balance(store)
    assert list(balance.columns) == ["muscle", "median_sets_per_week", "athletes_below", "athletes", "neglected"]
    assert (balance["neglected"] == (balance["median_sets_per_week"] < service.REFERENCE_SETS_PER_WEEK)).all()
    assert any("the reference" in m.value for m in app.markdown)


def test_untrained_database_offers_training(tmp_path, monkeypatch):
    path = tmp_path / "coach.duckdb"
    fresh = Store(path)
    write_demo(fresh, CONFIG)
    fresh.close()
    app = _open(path, monkeypatch)
    assert not app.exception and "No recommend model yet" in app.info[0].value
    app.button(key="train_recommend").click().run()
    assert not app.exception and "being trained in the background (queued)" in app.info[0].value
    work(open_store(path), once=True)          # the worker, as the app runs it in the background
    app.run()
    assert not app.exception
    assert len(_listed(app)) == 10
