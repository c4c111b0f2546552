"""The fitness kind on tiny data: the paper's shapes, SMOTE only on training rows, a clear signal
learned, SHAP over the whole pipeline, save/load, and the national-standard points."""
import numpy as np
import pytest

from engine.demo.cohort import STRONG_SIGNAL_NOISE, build_cohort
from engine.fitness import standards
from engine.fitness.battery import LAPS, TESTS
from engine.fitness.dataset import from_frame
from engine.fitness.evaluate import folds, scores
from engine.fitness.explain import shap_by_test, unhealthy_probability
from engine.fitness.model import HybridModel, Params, _torch_modules, fit_baseline, fit_hybrid, fit_scaler
from engine.models.scaling import Scaler

PARAMS = Params.quick()


@pytest.fixture(scope="module")
def strong():
    """800 batteries of the strong-signal cohort (seeded sample)."""
    data = from_frame(build_cohort(3, STRONG_SIGNAL_NOISE), "who")
    return data.take(np.random.default_rng(0).choice(len(data), 800, replace=False))


@pytest.fixture(scope="module")
def split(strong):
    return folds(strong, PARAMS)[0]


@pytest.fixture(scope="module")
def fitted(strong, split):
    return fit_hybrid(strong.take(split[0]), PARAMS)


def test_shapes_follow_the_paper(strong):
    torch, _, extractor_class = _torch_modules()
    extractor = extractor_class(Params(), fit_scaler(strong.table()))
    scaled = torch.zeros(3, 18)
    assert tuple(extractor.sequence(scaled).shape) == (3, LAPS, 4)          # T = 15, F = 4
    z, attention = extractor.features(scaled)
    assert tuple(z.shape) == (3, 256)                                         # z = 256
    assert tuple(attention.shape) == (3, 8, 2, 2)                             # 8 heads over 15 -> 8 -> 4 -> 2 steps
    assert extractor.attention.head_dim == 32


def test_laps_and_tests_map_to_channels():
    torch, _, extractor_class = _torch_modules()
    extractor = extractor_class(Params(), Scaler(np.zeros(18), np.ones(18)))
    row = torch.arange(18, dtype=torch.float32)[None, :]
    seq = extractor.sequence(row)[0]
    assert seq[:, 0].tolist() == list(range(15))                               # the laps, in order
    assert (seq[:, 1:] == torch.tensor([15.0, 16.0, 17.0])).all()              # the tests, repeated


def test_smote_sees_only_training_rows(strong, split, monkeypatch):
    from imblearn.over_sampling import SMOTE

    seen = []
    original = SMOTE.fit_resample
    monkeypatch.setattr(SMOTE, "fit_resample", lambda self, x, y: seen.append(np.asarray(x)) or original(self, x, y))
    train, valid = split
    assert not set(train) & set(valid)
    model = fit_hybrid(strong.take(train), PARAMS)
    assert len(seen) == 1
    scaled = seen[0]
    raw = scaled * model.extractor.sd.numpy() + model.extractor.mean.numpy()
    table = strong.table()
    # every row SMOTE received is a training row; none is a validation row
    distance_train = np.abs(raw[:, None, :] - table[train][None, :, :]).max(axis=2).min(axis=1)
    distance_valid = np.abs(raw[:, None, :] - table[valid][None, :, :]).max(axis=2).min(axis=1)
    assert distance_train.max() < 1e-3 and distance_valid.min() > 1e-3
    assert len(raw) < len(train)                       # the early-stopping holdout is left out as well


def test_folds_are_stratified_and_keep_a_person_together(strong):
    data = strong.take(np.arange(400))
    groups = data.groups.copy()
    groups[:20] = "athlete-1"                           # one person's 20 batteries
    data = type(data)(data.laps_s, data.tests, data.y, groups)
    for train, valid in folds(data, PARAMS):
        assert not set(train) & set(valid)
        assert len({"train" if i in set(train) else "valid" for i in range(20)}) == 1
    assert sorted(np.concatenate([v for _, v in folds(data, PARAMS)]).tolist()) == list(range(400))


def test_a_clear_signal_is_learned(strong, split, fitted):
    train, valid = split
    predicted = fitted.predict_proba(strong.table()[valid]).argmax(axis=1)
    majority = fit_baseline("majority", strong.table()[train], strong.y[train], PARAMS).predict(strong.table()[valid])
    got, floor = scores(strong.y[valid], predicted), scores(strong.y[valid], majority)
    assert got["macro_f1"] > floor["macro_f1"] + 0.25 and got["kappa"] > 0.4


def test_training_is_deterministic(strong, split, fitted):
    again = fit_hybrid(strong.take(split[0]), PARAMS)
    x = strong.table()[split[1][:50]]
    assert np.allclose(again.predict_proba(x), fitted.predict_proba(x), atol=1e-6)


def test_save_load_round_trip(tmp_path, strong, fitted):
    fitted.save(tmp_path)
    loaded = HybridModel.load(tmp_path)
    x = strong.table()[:40]
    assert np.allclose(loaded.predict_proba(x), fitted.predict_proba(x), atol=1e-6)
    assert np.array_equal(loaded.background, fitted.background)


def test_shap_adds_up_over_the_whole_pipeline(strong, fitted):
    row = strong.table()[5]
    values, base = shap_by_test(fitted, row)
    assert list(values) == [t.column for t in TESTS]
    assert base + sum(values.values()) == pytest.approx(unhealthy_probability(fitted, row[None, :])[0], abs=1e-6)


def test_national_standard_points():
    assert standards.pullup_points(19) == 100 and standards.pullup_points(22) == 103
    assert standards.pullup_points(10) == standards.PASS_POINTS and standards.pullup_points(4) == 0
    assert standards.pullup_points(13.0) == 72
    assert standards.bmi_points(17.8) == 80 and standards.bmi_points(17.9) == 100
    assert standards.bmi_points(23.9) == 100 and standards.bmi_points(24.0) == 80 and standards.bmi_points(28.0) == 60
    assert np.isnan(standards.pullup_points(np.nan))
