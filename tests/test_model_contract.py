"""Every model kind of KINDS through the same checks, in the spirit of scikit-learn's
check_estimator (issue #25): the kind's trainer module satisfies the Trainer protocol; a store
without the kind's data gives NotEnoughData with a one-line reason, in Python and on the command
line (exit 1, one sentence, no traceback), and registers nothing; a tiny demo trains quick, the
version read back from the registry scores exactly as trained, `evaluate --json` has the
contract's shape, the full evaluation adds to the card, and the ONNX export passes parity."""
import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import pytest

from engine.__main__ import main
from engine.demo import DemoConfig, write_demo
from engine.models import driver, kinds, registry
from engine.models.contract import N_SEEDS, TRAINER_MEMBERS, ModelCard, Result, Trainer, key, merged, verdict
from engine.models.kinds import KINDS, NotATrainer, trainer
from engine.models.onnx_export import passes
from engine.models.registry import NotEnoughData
from engine.store.db import Store
from engine.store.imports import import_file

TINY = DemoConfig(athletes=4, weeks=6, seed=3, end_date=dt.date(2026, 6, 30))
RESULT_FIELDS = [f.name for f in dataclasses.fields(Result)]


def _models(store) -> int:
    return int(store.query("SELECT count(*) AS n FROM models")["n"].iloc[0])


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_is_a_trainer(kind):
    t = trainer(kind)
    assert isinstance(t, Trainer) and t.KIND == kind
    assert set(t.MODELS).isdisjoint(t.BASELINES) and t.MODELS and t.BASELINES and isinstance(t.FULL, bool)


def test_a_kind_that_misses_part_of_the_protocol_is_refused(monkeypatch):
    monkeypatch.setitem(KINDS, "broken", "engine.models.samples")
    with pytest.raises(NotATrainer, match="misses") as err:
        kinds.trainer("broken")
    assert all(m in str(err.value) for m in ("fit", "evaluate", "export")) and len(TRAINER_MEMBERS) > 10


@pytest.mark.parametrize("kind", list(KINDS))
def test_an_empty_store_says_what_is_missing_in_one_line(kind, tmp_path):
    store = Store(tmp_path / "empty.duckdb")
    try:
        with pytest.raises(NotEnoughData) as err:
            driver.train(store, kind, quick=True)
        assert str(err.value) and "\n" not in str(err.value)
        assert _models(store) == 0    # nothing registered
    finally:
        store.close()


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_cli_exits_1_with_a_sentence_on_an_empty_store(kind, tmp_path, capsys):
    assert main(["train", kind, "--quick", "--db", str(tmp_path / "empty.duckdb")]) == 1
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.startswith(f"train {kind}: ")] == \
        [err.strip().splitlines()[-1]], err          # one sentence, the last line, no traceback


@pytest.fixture(scope="module")
def own_files(tmp_path_factory, samples_dir) -> dict[str, Path]:
    """A coach's own data, no demo: only real runs (the shared GPX, FIT, TCX samples), or only the
    real Strong export."""
    out = {}
    for name, files in {"runs": [p for d in ("gpx", "fit", "tcx") for p in sorted((samples_dir / d).iterdir())
                                 if p.suffix in (".gpx", ".fit", ".tcx")],
                        "strength": [samples_dir / "strength_csv" / "strong.csv"]}.items():
        out[name] = tmp_path_factory.mktemp(name) / "coach.duckdb"
        store = Store(out[name])
        for path in files:
            import_file(store, path.name, path.read_bytes(), athlete="Lea", create=True)
        store.close()
    return out


@pytest.mark.parametrize("data", ["runs", "strength"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_coach_with_only_their_own_files_gets_a_model_or_one_sentence(kind, data, own_files, tmp_path):
    db = tmp_path / "coach.duckdb"
    db.write_bytes(own_files[data].read_bytes())
    store = Store(db)
    try:
        try:
            card = driver.train(store, kind, quick=True)
        except NotEnoughData as err:
            assert str(err) and "\n" not in str(err)
            assert _models(store) == 0
        else:
            assert card.version == 1 and card.metrics
    finally:
        store.close()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("contract") / "coach.duckdb"
    store = Store(path)
    write_demo(store, TINY)
    store.close()
    return path


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_tiny_demo_trains_round_trips_evaluates_and_exports(kind, tiny, tmp_path):
    db = tmp_path / "coach.duckdb"
    db.write_bytes(tiny.read_bytes())
    t = trainer(kind)
    store = Store(db)
    try:
        card = driver.train(store, kind, quick=True)
        assert isinstance(card, ModelCard) and card == registry.card(store, kind)
        assert card.kind == kind and card.version == 1 and card.quick and card.full is None
        assert card.headline_metric == t.HEADLINE and {r.dataset for r in card.metrics} == {"db"}
        assert {(r.model, r.metric) for r in card.metrics} >= {(m, t.HEADLINE) for m in [*t.MODELS, *t.BASELINES]}
        assert card.inputs and card.description and card.reading and card.n_train > 0 and card.n_test > 0

        out = driver.evaluate_json(store, kind)
        assert json.loads(json.dumps(out, allow_nan=False)) == out         # one plain JSON object
        assert list(out) == ["kind", "version", "results", "timing"] and (out["kind"], out["version"]) == (kind, 1)
        assert all(list(r) == RESULT_FIELDS for r in out["results"])
        assert all(math.isfinite(r["value"]) and r["n_runs"] >= 1 for r in out["results"])
        keys = [(r["dataset"], r["model"], r["metric"]) for r in out["results"]]
        assert len(keys) == len(set(keys))                                 # one row per (dataset, model, metric)
        assert set(out["timing"]) == {"train_s", "predict_ms_per_item"} and out["timing"]["train_s"] > 0
        # the version read back from the registry scores exactly as the one just trained
        assert out["results"] == [dataclasses.asdict(r) for r in card.metrics]

        full = driver.evaluate_full(store, kind)
        assert full.full is not None and registry.card(store, kind) == full
        # every model and baseline over N_SEEDS seeds on the same split: the first is the served one
        seeds = {key(r): r for r in full.full.results if r.dataset == "db"}
        assert set(seeds) == {key(r) for r in card.metrics} and all(r.n_runs == N_SEEDS for r in seeds.values())
        assert all(r.sd is not None and r.sd >= 0 and math.isfinite(r.value) for r in seeds.values())
        learnt = [r for r in seeds.values() if r.model in t.MODELS]
        assert any(r.sd > 0 for r in learnt), learnt                     # another seed, another training
        assert bool({r.dataset for r in full.full.results} - {"db"}) == t.FULL
        after = driver.evaluate_json(store, kind)["results"]     # the seeds' means replace the single run's rows
        assert after == [dataclasses.asdict(r) for r in full.results()] and len(after) == len({key(Result(**r))
                                                                                                 for r in after})

        records = driver.export(store, kind, tmp_path / "onnx")
        assert records and all(passes(r) for r in records), records
        for r in records:
            assert (tmp_path / "onnx" / kind / f"{r['model']}.onnx").is_file()
            assert json.loads((tmp_path / "onnx" / kind / f"{r['model']}.card.json").read_text())["version"] == 1
    finally:
        store.close()


def test_a_model_beats_its_baseline_only_by_more_than_the_two_sds_combined():
    def row(value, sd=None):
        return Result("db", "m", "weight_mae_kg", value, sd, 1 if sd is None else 3)
    assert verdict(row(1.0, 0.1), row(1.5, 0.1), lower_is_better=True) == "✓"
    assert verdict(row(1.0, 0.3), row(1.5, 0.3), lower_is_better=True) == "≈"     # a gap of 0.5 within 0.6
    assert verdict(row(2.0, 0.1), row(1.5, 0.1), lower_is_better=True) == "✗"
    assert verdict(row(0.6), row(0.5), lower_is_better=False) == "✓"              # one run: no spread to go by
    assert verdict(row(0.5), row(0.5), lower_is_better=False) == "≈"
    # the seeds' mean replaces the single run of its (dataset, model, metric); other rows follow
    single, baseline, seeds = row(0.9), Result("db", "b", "weight_mae_kg", 2.0), row(1.0, 0.1)
    other = Result("strong_sample", "m", "weight_mae_kg", 3.0)
    assert merged([single, baseline], [seeds, other]) == [seeds, baseline, other]
