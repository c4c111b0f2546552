"""The Models page in AppTest: train a missing model behind a status, the registry table against
its baselines, the full evaluation, and the ONNX export with its parity."""
import datetime as dt

from streamlit.testing.v1 import AppTest

from engine.demo import DemoConfig, write_demo
from engine.models import registry
from engine.store.db import Store, open_store


def test_models_page_trains_lists_evaluates_and_exports(tmp_path, monkeypatch):
    db = tmp_path / "coach.duckdb"
    store = Store(db)
    write_demo(store, DemoConfig(athletes=6, weeks=8, seed=3, end_date=dt.date(2026, 6, 30)))
    store.close()
    monkeypatch.setenv("COACH_DB", str(db))
    at = AppTest.from_file("../dashboard/app.py", default_timeout=180).run()
    at.switch_page("../pages/models.py").run()
    assert not at.exception
    assert "No **progression** model" in at.info[0].value
    next(b for b in at.button if b.label == "Train progression").click().run()
    assert not at.exception
    summary = registry.summary(open_store(db))
    assert summary["version"].tolist() == [1]
    table = at.dataframe[0].value
    assert table["beats"].iloc[0] == ("✓" if summary["beats"].iloc[0] else "✗")
    assert table["model_value"].iloc[0] == summary["model_value"].iloc[0]
    datasets = [m.value for m in at.markdown if m.value.startswith("**Dataset")]
    assert datasets == ["**Dataset `db`** (this database)", "**Dataset `strong_sample`**"]
    assert at.dataframe[1].value["model"].tolist() == ["mlp", "lightgbm", "repeat_last_action", "majority"]
    heatmap = at.get("plotly_chart")[0].proto.spec
    assert '"type":"heatmap"' in heatmap.replace(" ", "") and "mlp on this database" in heatmap
    next(b for b in at.button if b.label == "Export to ONNX").click().run()
    assert not at.exception
    verdicts = [m.value for m in at.markdown if ".onnx**" in m.value]
    assert len(verdicts) == 2 and all("parity passed" in v for v in verdicts)
