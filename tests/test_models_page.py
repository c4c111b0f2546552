"""The Models page in AppTest: queue a missing model for the worker, the registry table against
its baselines, the full evaluation, and the ONNX export with its parity."""
import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from engine.demo import DemoConfig, write_demo
from engine.models import registry
from engine.models.contract import N_SEEDS
from engine.models.worker import run_job, work
from engine.store import jobs
from engine.store.db import Store, open_store


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A small demo squad without any trained model; the app reads it."""
    path = tmp_path / "coach.duckdb"
    store = Store(path)
    write_demo(store, DemoConfig(athletes=6, weeks=8, seed=3, end_date=dt.date(2026, 6, 30)))
    store.close()
    monkeypatch.setenv("COACH_DB", str(path))
    return path


def test_models_page_trains_lists_evaluates_and_exports(db):
    at = AppTest.from_file("../dashboard/app.py", default_timeout=180).run()
    at.switch_page("../pages/models.py").run()
    assert not at.exception
    assert "No **progression** model" in at.info[0].value
    next(b for b in at.button if b.label == "Train progression").click().run()
    assert not at.exception
    assert jobs.latest(open_store(db))["progression"].state == "queued"          # for the worker, not trained here
    assert any("No **progression** model yet: progression: queued" in i.value for i in at.info)
    assert at.dataframe[0].value["state"].tolist() == ["queued"]                  # the jobs table
    run_job(open_store(db), jobs.claim(open_store(db)))  # the training alone: it queues the export and full evaluation
    at.run()
    assert any(f"full evaluation ({N_SEEDS} seeds, folds, ablations, other datasets) are still being computed "
               "(full evaluation queued)" in i.value for i in at.info)
    assert any(i.value.startswith("Being exported in the background: ONNX export queued") for i in at.info)
    jobs.cancel(open_store(db), jobs.latest(open_store(db), "export")["progression"].job_id)
    at.run()
    next(b for b in at.button if b.label == "Export to ONNX").click().run()      # an admin queues it again
    assert not at.exception and jobs.latest(open_store(db), "export")["progression"].state == "queued"
    datasets = [m.value for m in at.markdown if m.value.startswith("**Dataset")]
    assert datasets == ["**Dataset `db`** (this database's held-out split)"]
    work(open_store(db), once=True)
    at.run()
    assert not any("still being computed" in i.value for i in at.info)
    summary = registry.summary(open_store(db))
    assert summary["version"].tolist() == [1]
    table = at.dataframe[0].value
    assert table["verdict"].iloc[0] == summary["verdict"].iloc[0] and summary["n_runs"].iloc[0] == N_SEEDS
    assert table["model_cell"].iloc[0] == f"{summary['model_value'].iloc[0]:.3f} ± {summary['model_sd'].iloc[0]:.3f}"
    datasets = [m.value for m in at.markdown if m.value.startswith("**Dataset")]
    assert datasets == ["**Dataset `db`** (this database's held-out split)", "**Dataset `strong_sample`**"]
    assert at.dataframe[1].value["model"].tolist() == ["mlp", "lightgbm", "repeat_last_action", "majority"]
    heatmap = at.get("plotly_chart")[0].proto.spec
    assert '"type":"heatmap"' in heatmap.replace(" ", "") and "mlp on this database" in heatmap
    assert not any(b.label == "Export to ONNX" for b in at.button)         # exported by the worker
    verdicts = [m.value for m in at.markdown if ".onnx**" in m.value]
    assert len(verdicts) == 2 and all("parity passed" in v for v in verdicts)


def test_the_athlete_page_suggests_the_next_session_with_reasons(db):
    from engine.progression.dataset import CLASSES
    from engine.progression.suggest import LABELS, next_session
    lifter = int(open_store(db).query("SELECT min(athlete_id) AS a FROM strength_sets")["a"][0])
    at = AppTest.from_file("../dashboard/app.py", default_timeout=120).run()
    at.switch_page("../pages/athlete.py")
    at.query_params.update({"athlete": str(lifter), "view": "Strength log", "from": "2000-01-01"})
    at.run()
    assert not at.exception
    assert any("No progression model yet" in c.value for c in at.info)
    next(b for b in at.button if b.label == "Train the progression models").click().run()   # queued
    assert any("The progression model is being trained in the background (queued)" in i.value for i in at.info)
    work(open_store(db), once=True)
    at.run()
    assert not at.exception
    expected = next_session(open_store(db), lifter)
    shown = next(d.value for d in at.dataframe if "suggestion" in d.value.columns)
    assert shown["suggestion"].tolist() == expected["suggestion"].tolist() and len(shown) > 3
    assert set(shown["suggestion"]) <= {LABELS[c] for c in CLASSES}
    assert shown["probability"].between(0.25, 1).all()  # the most likely of four classes
    assert all(0 < len(r) <= 3 for r in shown["reasons"])
