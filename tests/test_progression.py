"""The progression model kind through the registry: labels, time split, fit, save/load, CLI contract."""
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from engine.__main__ import main
from engine.demo import DemoConfig, write_demo
from engine.models import registry
from engine.models.samples import STRONG_SAMPLE
from engine.progression import dataset
from engine.progression.dataset import CLASSES, build, label
from engine.progression.model import MODELS, Params, ProgressionModel, evaluate, fit
from engine.store.db import Store, open_store
from engine.store.imports import import_file

QUICK = Params.quick()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A small demo squad (its lifters progress by the generator's ACSM rule), trained once."""
    store = Store(tmp_path_factory.mktemp("progression") / "coach.duckdb")
    write_demo(store, DemoConfig(athletes=10, weeks=12, seed=4, end_date=dt.date(2026, 6, 30)))
    data = build(store)
    yield store, data, fit(data, QUICK)
    store.close()


def test_labels_of_hand_built_histories():
    # (weight, reps) -> (next weight, next reps)
    pairs = [((100, 5), (102.5, 5), "increase_weight"), ((100, 5), (100.5, 8), "increase_reps"),
             ((100, 5), (100, 5), "hold"), ((100, 5), (100.9, 5), "hold"), ((100, 5), (97.5, 8), "decrease"),
             ((100, 5), (100, 4), "decrease"), ((0, 10), (0, 12), "increase_reps"),
             ((0, 10), (5, 6), "increase_weight"), ((np.nan, 8), (np.nan, 8), "hold")]
    now, after, expected = zip(*pairs)
    got = label([w for w, _ in now], [r for _, r in now], [w for w, _ in after], [r for _, r in after])
    assert [CLASSES[int(i)] for i in got] == list(expected)
    assert np.isnan(label([100], [5], [np.nan], [np.nan])[0])  # no next session: no label


def test_the_split_is_by_time_and_no_label_looks_into_the_test_period(demo):
    _, data, _ = demo
    train, test = data.train, data.test
    assert len(test) and len(train)
    first_test = test.groupby("athlete_id")["day"].min()
    assert (train["day"] < train["athlete_id"].map(first_test)).all()
    assert (train["next_day"] < train["athlete_id"].map(first_test)).all()
    days = pd.DataFrame({"athlete_id": [1] * 10 + [2] * 5,
                         "day": list(pd.date_range("2024-01-01", periods=10))
                         + list(pd.date_range("2024-03-01", periods=5))})
    assert dataset.time_split(days).tolist() == [False] * 8 + [True] * 2 + [False] * 4 + [True]


def test_the_learnt_models_beat_the_trivial_baseline_on_the_demo_rule(demo):
    _, data, model = demo
    results = {(r.model, r.metric): r.value for r in evaluate(model, data, "db")[0]}
    assert results[("lightgbm", "macro_f1")] > results[("majority", "macro_f1")] + 0.2
    assert results[("mlp", "macro_f1")] > results[("majority", "macro_f1")] + 0.2
    assert {m for m, _ in results} == set(MODELS)


def test_same_seed_same_metrics_and_a_save_load_round_trip(demo, tmp_path):
    _, data, model = demo
    again = fit(data, QUICK)
    assert evaluate(again, data, "db")[0] == evaluate(model, data, "db")[0]
    model.save(tmp_path)
    loaded = ProgressionModel.load(tmp_path)
    for name in ("lightgbm", "mlp"):
        np.testing.assert_allclose(loaded.proba(data.test, name), model.proba(data.test, name), rtol=1e-6)


def test_train_registers_versions_and_evaluate_prints_the_contract(tmp_path, capsys):
    assert STRONG_SAMPLE.is_file()  # the real sample: evaluate --full adds the "strong_sample" dataset
    db = tmp_path / "coach.duckdb"
    store = Store(db)
    write_demo(store, DemoConfig(athletes=4, weeks=8, seed=2, end_date=dt.date(2026, 6, 30)))
    store.close()
    with pytest.raises(registry.ModelNotTrained, match="python -m engine train progression"):
        registry.card(open_store(tmp_path / "empty.duckdb"), "progression")
    assert main(["evaluate", "progression", "--db", str(tmp_path / "empty.duckdb"), "--json"]) == 1
    capsys.readouterr()
    for _ in range(2):
        assert main(["train", "progression", "--db", str(db), "--quick"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "progression", "--db", str(db), "--full", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)  # exactly one JSON object
    assert set(out) == {"kind", "version", "results", "timing"} and out["kind"] == "progression"
    assert out["version"] == 2 and set(out["timing"]) == {"train_s", "predict_ms_per_item"}
    rows = pd.DataFrame(out["results"])
    assert list(rows.columns) == ["dataset", "model", "metric", "value", "sd", "n_runs"]
    assert set(rows["dataset"]) == {"db", "strong_sample"} and set(rows["model"]) == set(MODELS)
    assert {"accuracy", "macro_f1", *(f"f1_{c}" for c in CLASSES)} == set(rows["metric"])
    assert rows["value"].between(0, 1).all()
    assert not rows.duplicated(["dataset", "model", "metric"]).any()
    assert sorted(p.name for p in (tmp_path / "models" / "progression").iterdir()) == ["v1", "v2"]
    assert main(["export", "progression", "--db", str(db), "--out", str(tmp_path / "onnx")]) == 0
    assert "passed" in capsys.readouterr().out
    for name in ("mlp", "lightgbm"):
        record = json.loads((tmp_path / "onnx" / "progression" / f"{name}.parity.json").read_text())
        assert record["passed"] and record["n_inputs"] > 0 and record["class_agreement"] == 1.0
        assert json.loads((tmp_path / "onnx" / "progression" / f"{name}.card.json").read_text())["version"] == 2
    card = json.loads((tmp_path / "models" / "progression" / "v2" / "card.json").read_text())
    assert card["details"]["confusion"]["lightgbm"] and len(card["inputs"]) == len(dataset.FEATURES)
    assert card["data_fingerprint"] == registry.registry(open_store(db))["data_fingerprint"].iloc[0]


def test_strong_sample_rows(store, samples_dir):
    path = samples_dir / "strength_csv" / "strong.csv"
    import_file(store, path.name, path.read_bytes(), athlete="Sam", create=True)
    data = build(store)
    assert set(data.rows["label"]) == {0, 1, 2, 3} and len(data.test) > 50
    first = data.rows["sessions_done"] == 0  # an exercise's first session has no history
    assert first.any() and data.rows.loc[first, ["last_action", "days_since_last"]].isna().all().all()
    assert data.rows.loc[~first, ["last_action", "days_since_last"]].notna().all().all()


def test_onnx_parity_passes_and_fails_when_a_weight_changes_after_export(demo, tmp_path):
    import torch

    from engine.models import onnx_export
    from engine.progression.dataset import FEATURES
    from engine.progression.model import ScaledMLP
    _, data, model = demo
    model.save(tmp_path)
    copy = ProgressionModel.load(tmp_path)  # the fixture's model stays untouched
    x = data.test[FEATURES].to_numpy(dtype=np.float32)
    onnx_export.export_torch(ScaledMLP(copy), len(FEATURES), tmp_path / "mlp.onnx")
    onnx_export.export_lightgbm(copy.booster, len(FEATURES), tmp_path / "lightgbm.onnx")
    for name in ("mlp", "lightgbm"):
        record = onnx_export.parity(name, tmp_path / f"{name}.onnx", x, copy.proba(data.test, name))
        assert onnx_export.passes(record), record
    big = np.vstack([x, x])  # the batch axis is dynamic
    assert onnx_export.onnx_probabilities(tmp_path / "mlp.onnx", big).shape == (len(big), len(CLASSES))
    with torch.no_grad():
        copy.mlp.net[0].weight += 0.5  # the model changes after its export
    stale = onnx_export.parity("mlp", tmp_path / "mlp.onnx", x, copy.proba(data.test, "mlp"))
    assert not onnx_export.passes(stale) and stale["max_abs_diff"] > 1e-3
