"""The fitness kind on a small demo squad with a really trained (quick) model: stored assessments
and reassessments, the CLI contract, the ONNX export, and the Fitness tests page (AppTest): its
what-if sliders, the plan saved as the planned week, and an uploaded battery assessed at once."""
import datetime as dt

import numpy as np
import plotly.io
import pytest
from streamlit.testing.v1 import AppTest

from engine.demo import DemoConfig, write_demo
from engine.fitness import assess
from engine.fitness.battery import CLASSES, TESTS
from engine.models import driver, registry
from engine.models.onnx_export import passes
from engine.store import app_settings, assessments, plans, queries
from engine.store.db import Store, open_store

CONFIG = DemoConfig(athletes=3, weeks=8, seed=5, end_date=dt.date(2026, 6, 30))
TODAY = CONFIG.end_date


@pytest.fixture(scope="module")
def trained_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("fitness_app") / "coach.duckdb"
    store = Store(path)
    write_demo(store, CONFIG)
    driver.train(store, "fitness", quick=True)
    store.close()
    return path


@pytest.fixture
def store(trained_db):
    return open_store(trained_db)     # the process-wide connection the page uses too: never closed here


METRICS = ["accuracy", "kappa", "macro_f1", "weighted_f1"]
BASELINES = ["majority", "logistic", "svm", "random_forest", "lightgbm_raw"]


def test_train_scores_the_served_hybrid_and_the_baselines_on_the_held_out_split(store):
    out = driver.evaluate_json(store, "fitness")
    rows = {(r["dataset"], r["model"], r["metric"]): r for r in out["results"]}
    assert {(d, m) for d, m, _ in rows} == {("db", m) for m in ["hybrid", *BASELINES]}
    assert all(rows["db", m, k]["n_runs"] == 1 for m in ["hybrid", *BASELINES] for k in METRICS)
    assert out["kind"] == "fitness" and out["timing"]["predict_ms_per_item"] > 0
    card = registry.card(store, "fitness")
    assert np.array(card.details["confusion"]["hybrid"]).shape == (4, 4) and card.full is None
    assert sum(card.details["class_counts"]) == card.n_test


def test_evaluate_full_adds_the_cross_validation_and_the_strong_signal_cohort(store):
    card = driver.evaluate_full(store, "fitness")
    assert registry.card(store, "fitness").full == card.full        # kept with the version
    out = driver.evaluate_json(store, "fitness")
    rows = {(r["dataset"], r["model"], r["metric"]): r for r in out["results"]}
    for model in ["hybrid", "hybrid_no_smote", "hybrid_no_noise", *BASELINES]:
        for metric in METRICS:
            row = rows["db_cv", model, metric]
            assert row["n_runs"] == card.params["folds"] and row["sd"] >= 0
    assert ("strong_signal", "hybrid", "macro_f1") in rows and ("strong_signal", "majority", "accuracy") in rows
    assert ("db", "hybrid", "macro_f1") in rows and ("db_cv", "hybrid", "macro_f1") in rows
    assert set(card.full.details) == {"db_cv", "strong_signal"}


def test_export_has_parity(store, tmp_path):
    records = driver.export(store, "fitness", tmp_path)
    assert [r["model"] for r in records] == ["extractor", "head"]
    assert all(passes(r) for r in records)
    assert records[1]["class_agreement"] == 1.0
    assert (tmp_path / "fitness" / "extractor.onnx").is_file() and (tmp_path / "fitness" / "head.onnx").is_file()


def test_assessments_are_stored_once_per_model_version(store):
    athlete_id = int(queries.fitness_tests(store)["athlete_id"].iloc[0])
    first = assess.athlete_assessments(store, athlete_id)
    version = store.data_version()
    again = assess.athlete_assessments(store, athlete_id)
    assert store.data_version() == version                      # nothing recomputed or written
    assert len(first) == len(queries.fitness_tests(store, athlete_id)) and first["predicted_class"].isin(CLASSES).all()
    stored = assessments.assessments(store, registry.card(store, "fitness").version, "who", athlete_id)
    assert len(stored) == len(first) and all(len(s) == len(TESTS) for s in stored["shap"])
    assert np.allclose(np.stack(again["probabilities"]).sum(axis=1), 1.0)


def test_reassessments_are_stored_and_only_rewritten_when_they_change(store):
    athlete_id = int(queries.fitness_tests(store)["athlete_id"].iloc[0])
    out = assess.reassessment(store, athlete_id, TODAY)
    assert len(out) == len(TESTS) * (len(queries.fitness_tests(store, athlete_id)) - 1)
    assert len(assessments.reassessments(store, athlete_id)) == len(out)
    version = store.data_version()
    assess.reassessment(store, athlete_id, TODAY)
    assert store.data_version() == version


def test_an_uploaded_battery_is_assessed_at_once(store):
    from engine.store.imports import import_file

    athlete_id = int(queries.athletes(store)["athlete_id"].iloc[0])
    name = queries.athletes(store).set_index("athlete_id")["name"][athlete_id]
    laps = ",".join(f"lap_{i}" for i in range(1, 16))
    data = (f"date,height_cm,mass_kg,{laps},pullups,situps_60s,shuttle_30x2_s\n"
            f"{TODAY + dt.timedelta(days=1)},175,95," + ",".join(["62.0"] * 15) + ",1,30,12.4\n").encode()
    assert import_file(store, "battery.csv", data, athlete=name).status == "imported"
    latest = assess.athlete_assessments(store, athlete_id).iloc[-1]
    assert latest["test_date"].date() == TODAY + dt.timedelta(days=1)
    assert latest["measured_class"] == "obese" and latest["predicted_class"] in CLASSES


def test_changing_the_cut_offs_asks_for_a_new_model(store):
    app_settings.set(store, "bmi_cutoffs", "china")
    try:
        with pytest.raises(assess.registry.ModelNotTrained, match="train it again"):
            assess.model(store)
    finally:
        app_settings.set(store, "bmi_cutoffs", "who")


def _open(db, monkeypatch) -> AppTest:
    monkeypatch.setenv("COACH_DB", str(db))
    app = AppTest.from_file("../dashboard/app.py", default_timeout=180)
    app.run()
    app.switch_page("../pages/fitness.py")
    return app.run()


def _figure(app, title_part: str) -> dict:
    for chart in app.get("plotly_chart"):
        fig = plotly.io.from_json(chart.proto.spec)
        if title_part in (fig.layout.title.text or ""):
            return fig.to_plotly_json()
    raise AssertionError(f"no chart titled with {title_part!r}")


def test_page_sliders_move_the_probabilities_shap_and_plan(trained_db, monkeypatch):
    app = _open(trained_db, monkeypatch)
    assert not app.exception
    probabilities = _figure(app, "Predicted BMI class")["data"][0]["x"]
    shap = _figure(app, "each test's push")["data"][0]["y"]
    app.slider(key="whatif_pullups").set_value(-10.0)
    app.slider(key="whatif_run_3000m_s").set_value(120.0).run()
    assert not app.exception
    assert list(_figure(app, "Predicted BMI class")["data"][0]["x"]) != list(probabilities)
    assert list(_figure(app, "each test's push")["data"][0]["y"]) != list(shap)
    labels = _figure(app, "each test's push")["data"][0]["x"]
    assert any("Pull-ups" in x for x in labels)


def test_page_saves_the_plan_as_the_planned_week(trained_db, monkeypatch):
    app = _open(trained_db, monkeypatch)
    app.button[[b.label for b in app.button].index("Save as the planned week")].click().run()
    assert not app.exception and any("Saved" in s.value for s in app.success)
    store = open_store(trained_db)
    athlete_id = int(queries.athletes(store)["athlete_id"].iloc[0])
    planned = plans.planned_exercises(store, athlete_id)
    assert (planned["source"] == "fitness").all() and len(planned) > 0
    assert planned["duration_min"].notna().all()
    days = store.query("SELECT day, planned_au FROM planned_days WHERE athlete_id = ? AND day >= ?",
                       [athlete_id, planned["day"].min()])        # the demo's past plans end before
    assert days["planned_au"].sum() == pytest.approx(planned["load_au"].sum())


def test_squad_view_ranks_by_need(trained_db, monkeypatch):
    ranked = assess.squad(open_store(trained_db))
    assert len(ranked) == CONFIG.athletes and ranked["p_unhealthy"].is_monotonic_decreasing
    app = _open(trained_db, monkeypatch)
    names = [frame.value for frame in app.dataframe][-1]["name"].tolist()
    assert names == ranked["name"].tolist()


def test_migration_6_upgrades_a_file_with_planned_exercises(tmp_path):
    import duckdb

    from engine.store.db import migrate
    from engine.store.schema import MIGRATIONS

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    migrate(con, MIGRATIONS[:5])
    con.execute("INSERT INTO planned_exercises VALUES (1, DATE '2024-04-01', 'Pullups', 3, 8, 12, NULL, NULL, 120, "
                "40, 'split', TIMESTAMP '2024-03-30 18:00')")
    assert migrate(con) == len(MIGRATIONS)
    assert con.execute("SELECT exercise_id, duration_min, intensity FROM planned_exercises").fetchall() == [
        ("Pullups", None, None)]
    assert con.execute("SELECT count(*) FROM fitness_assessments").fetchone()[0] == 0
    con.close()
