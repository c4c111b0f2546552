"""The HR kind (FitRec-style curves of a run): cleaning and grids on real files, the split, the LSTM
on a known synthetic response, the route-ranking protocol, and the lifecycle (train, evaluate
--json, save/load, ONNX export, the pages' predictions) on a tiny demo squad."""
import dataclasses
import datetime as dt
import json
import math

import numpy as np
import pytest
import torch

from engine.demo import write_demo
from engine.demo.generator import DemoConfig
from engine.hr import predict, trainer
from engine.hr.baselines import MeanModel
from engine.hr.dataset import (HR_VALID_BPM, LOCK_WINDOW_S, MIN_RUNS, SPEED_KMH, STEP_M, STEP_S, Run, build,
                               clean_hr, load_runs, route_grid, split, time_grid)
from engine.hr.evaluate import N_NEGATIVES, candidates, rank_metrics
from engine.hr.fitted import HrModel
from engine.hr.model import Params, Vocab, encode, fit_curve, fit_short, predict_items
from engine.models import driver, registry
from engine.models.onnx_export import passes, session
from engine.store.db import Store
from engine.store.imports import import_file

pytestmark = pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning")  # the ONNX export's LSTM trace

@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    """On a small shared machine torch's intra-op threads fight other processes for the cores
    (LSTMs of these sizes run several times slower with 2 threads than with 1 under load)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# ---------------------------------------------------------------- synthetic runs with a known HR response

RESPONSE = {1: (5.0, 60.0), 2: (7.0, 40.0), 3: (9.0, 25.0)}  # athlete -> (bpm per km/h, offset bpm)
TAU_S = 30.0
TINY = Params(epochs=2, patience=2, hidden=8, context_hidden=4, batch=8, short_epochs=2,
              short_windows_per_epoch=300)


def synthetic_run(activity_id: int, athlete_id: int, start: dt.datetime, rng: np.random.Generator) -> Run:
    """1 Hz records of a 10-20 min run at speeds changing every 1-3 min; HR the first-order response
    (tau TAU_S) of offset + k speed, through the real time and route grids."""
    k, offset = RESPONSE[athlete_id]
    n = int(rng.integers(60, 121)) * 10
    speed = []
    while len(speed) < n:
        speed += [rng.uniform(7.0, 15.0)] * int(rng.integers(60, 200))
    speed = np.array(speed[:n])
    distance = np.cumsum(speed / 3.6)
    hr, a = np.empty(n), np.exp(-1 / TAU_S)
    hr[0] = offset + 6 * k
    for i in range(1, n):
        hr[i] = a * hr[i - 1] + (1 - a) * (offset + k * speed[i])
    altitude = 20 * np.sin(distance / 700)
    time_x, hr_grid = time_grid(np.arange(n, dtype=float), distance, altitude, hr + rng.normal(0, 1, n))
    route_x, speed_kmh = route_grid(time_x)
    return Run(activity_id, athlete_id, "running", "F" if athlete_id % 2 else "M", start, f"Run {activity_id}",
               190.0, time_x, hr_grid, route_x, speed_kmh)


@pytest.fixture(scope="module")
def synthetic_runs() -> list[Run]:
    rng = np.random.default_rng(0)
    runs = [synthetic_run(100 * a + i, a, dt.datetime(2026, 1, 1, 7) + dt.timedelta(days=2 * i, hours=a), rng)
            for a in RESPONSE for i in range(12)]
    return runs


def _athlete_mean_mae(data) -> float:
    mean = MeanModel(True).fit(data)
    return float(np.nanmean(np.abs(np.concatenate([mean.predict_hr(r) - r.hr_bpm for r in data.test]))))


def _test_items(data, target="hr"):
    vocab = Vocab(data.athletes, data.sports)
    fill = float((data.scalers.hr if target == "hr" else data.scalers.speed).mean[0])
    return [encode(r, data.previous[r.activity_id], vocab, target, fill) for r in data.test]


def test_the_lstm_learns_a_known_first_order_response_and_beats_the_athlete_mean(synthetic_runs):
    data = split(synthetic_runs)
    assert (len(data.train), len(data.val), len(data.test)) == (27, 3, 3)
    net = fit_curve(data, "hr", Params(epochs=15, patience=15, hidden=32, batch=8, lr=1e-2, dropout=0.0,
                                       unknown_athlete_p=0.0))
    pred = predict_items(net, _test_items(data))
    assert [len(p) for p in pred] == [len(r.hr_bpm) for r in data.test]
    mae = float(np.nanmean(np.abs(np.concatenate([p - r.hr_bpm for p, r in zip(pred, data.test)]))))
    baseline = _athlete_mean_mae(data)
    assert baseline > 5  # the speed changes move HR: a mean cannot follow them
    assert mae < 0.5 * baseline, (mae, baseline)


# ---------------------------------------------------------------- the split


def _assert_split_by_time(data):
    ids = [{r.activity_id for r in part} for part in (data.train, data.val, data.test, data.cold)]
    assert sum(map(len, ids)) == len(set().union(*ids))  # disjoint
    firsts = {}
    for r in sorted(data.runs, key=lambda r: r.start_time):
        firsts.setdefault(r.athlete_id, r.activity_id)
    assert not set(firsts.values()) & set().union(*ids)  # each athlete's first run is context only
    for athlete in {r.athlete_id for r in data.test}:
        train = [r.start_time for r in data.train if r.athlete_id == athlete]
        val = [r.start_time for r in data.val if r.athlete_id == athlete]
        test = [r.start_time for r in data.test if r.athlete_id == athlete]
        assert train and val and test
        assert max(train) < min(val) and max(val) < min(test)


def test_no_test_step_reaches_the_scalers_or_the_training(synthetic_runs):
    data = split(synthetic_runs)
    _assert_split_by_time(data)
    test_ids = {r.activity_id for r in data.test}
    absurd = [dataclasses.replace(r, hr_bpm=r.hr_bpm + 500, speed_kmh=r.speed_kmh + 500,
                                  time_x=r.time_x * 100 + 7, route_x=r.route_x * 100 + 7)
              if r.activity_id in test_ids else r for r in synthetic_runs]
    poisoned = split(absurd)
    assert [r.activity_id for r in poisoned.test] == [r.activity_id for r in data.test]
    assert np.nanmax(np.concatenate([r.hr_bpm for r in poisoned.test])) > 500  # the change is there
    for name in ("time_x", "route_x", "hr", "speed"):
        clean, bad = getattr(data.scalers, name), getattr(poisoned.scalers, name)
        np.testing.assert_array_equal(clean.mean, bad.mean)
        np.testing.assert_array_equal(clean.sd, bad.sd)
    for target in ("hr", "speed"):
        a, b = fit_curve(data, target, TINY).state_dict(), fit_curve(poisoned, target, TINY).state_dict()
        assert a.keys() == b.keys()
        for key in a:
            assert torch.equal(a[key], b[key]), (target, key)
    a, b = fit_short(data, TINY).state_dict(), fit_short(poisoned, TINY).state_dict()
    assert all(torch.equal(a[key], b[key]) for key in a)


def test_athletes_with_few_runs_are_cold_and_without_any_trainable_athlete_split_refuses(synthetic_runs):
    few = [r for r in synthetic_runs if r.athlete_id == 3][:MIN_RUNS - 1]
    data = split([r for r in synthetic_runs if r.athlete_id != 3] + few)
    assert {r.activity_id for r in data.cold} == {r.activity_id for r in few[1:]}
    assert 3 not in data.athletes
    assert data.previous[few[0].activity_id] is None and data.previous[few[1].activity_id] is few[0]
    reason = f"needs at least {MIN_RUNS} runs .* from one athlete; Lea has {len(few)}$"
    with pytest.raises(registry.NotEnoughData, match=reason):
        split(few, {3: "Lea"})


# ---------------------------------------------------------------- route ranking protocol


def _stub(activity_id: int) -> Run:
    return Run(activity_id, 1, "running", None, dt.datetime(2026, 1, 1), "", 190.0, np.zeros((3, 5)), np.zeros(3),
               np.zeros((2, 3)), np.zeros(2))


def test_the_positive_is_always_among_the_candidates_exactly_once():
    pool = [_stub(i) for i in range(1, 151)]
    run = pool[40]
    cands = candidates(run, pool, seed=7)
    ids = [c.activity_id for c in cands]
    assert cands[0] is run and len(ids) == N_NEGATIVES + 1 == 101
    assert len(set(ids)) == 101 and ids.count(run.activity_id) == 1
    assert ids == [c.activity_id for c in candidates(run, pool, seed=7)]  # deterministic per seed
    assert ids != [c.activity_id for c in candidates(run, pool, seed=8)]
    # a run outside the pool (a new run) is still first and once
    outside = _stub(999)
    ids = [c.activity_id for c in candidates(outside, pool, seed=7)]
    assert ids[0] == 999 and len(set(ids)) == 101
    # a small pool: every other run is a negative
    small = pool[:30]
    ids = [c.activity_id for c in candidates(small[3], small, seed=7)]
    assert ids[0] == small[3].activity_id and len(ids) == 30 and set(ids) == {r.activity_id for r in small}
    assert [c.activity_id for c in candidates(small[0], small[:1], seed=7)] == [small[0].activity_id]


def test_rank_metrics_of_hand_made_gaps():
    negatives = np.arange(1.0, 101.0)
    best = rank_metrics(np.concatenate([[0.5], negatives]))
    assert best == {"auc": 1.0, "hit_at_10": 1.0, "ndcg_at_10": 1.0}
    worst = rank_metrics(np.concatenate([[1000.0], negatives]))
    assert worst == {"auc": 0.0, "hit_at_10": 0.0, "ndcg_at_10": 0.0}
    third = rank_metrics(np.concatenate([[3.5], negatives]))  # three negatives closer: rank 3 (0-based)
    assert third["hit_at_10"] == 1.0 and third["ndcg_at_10"] == pytest.approx(1 / math.log2(5))
    assert third["auc"] == pytest.approx(97 / 100)
    eleventh = rank_metrics(np.concatenate([[10.5], negatives]))
    assert eleventh["hit_at_10"] == 0.0 and eleventh["ndcg_at_10"] == 0.0
    tie = rank_metrics(np.concatenate([[1.0], negatives]))  # tied with the best negative: counts against
    assert tie["auc"] == pytest.approx(99.5 / 100) and tie["ndcg_at_10"] == pytest.approx(1 / math.log2(3))
    flat = rank_metrics(np.full(101, 2.0))
    assert flat["auc"] == 0.5 and flat["hit_at_10"] == 0.0


# ---------------------------------------------------------------- cleaning


def test_clean_hr_drops_spikes_cadence_lock_and_impossible_values_and_keeps_a_normal_curve():
    t = np.arange(900.0)
    normal = 100 + 50 * (1 - np.exp(-t / 120))
    cadence = np.full_like(t, 166.0)
    out = clean_hr(t, normal, cadence)
    np.testing.assert_array_equal(out, normal)

    hr = normal.copy()
    hr[400] += 60                 # an optical spike
    hr[100:161] = 165.0           # cadence lock in the first minutes (the median follows it: no spike)
    hr[500:561] = normal[500:561]
    cad = cadence.copy()
    cad[500:561] = normal[500:561] + 1  # HR near the cadence after LOCK_WINDOW_S is real HR
    hr[600], hr[700] = 0.0, 400.0
    out = clean_hr(t, hr, cad)
    assert np.isnan(out[400]) and np.isfinite(out[[399, 401]]).all()
    assert np.isnan(out[100:161]).all() and 160 < LOCK_WINDOW_S
    assert np.isfinite(out[500:561]).all()
    assert np.isnan(out[600]) and np.isnan(out[700])
    bad = np.zeros(len(t), bool)
    bad[[400, 600, 700]] = True
    bad[100:161] = True
    np.testing.assert_array_equal(out[~bad], normal[~bad])
    # without a cadence the lock cannot be told from HR; out of range always goes
    no_cadence = clean_hr(t, hr)
    assert np.isfinite(no_cadence[100:161]).all() and np.isnan(no_cadence[[400, 600, 700]]).all()
    assert np.isnan(clean_hr(np.arange(3.0), np.array([HR_VALID_BPM[0] - 1, 120, HR_VALID_BPM[1] + 1]))[[0, 2]]).all()


# ---------------------------------------------------------------- grids on real files


@pytest.mark.parametrize("sample", ["fit/activity-small-fenix2-run.fit", "tcx/run_garmin.tcx", "gpx/strava_export.gpx"])
def test_time_and_route_grids_of_a_real_run(store, samples_dir, sample):
    path = samples_dir / sample
    result = import_file(store, path.name, path.read_bytes(), athlete="Sample Runner", create=True)
    assert result.status == "imported", result
    raw = store.query("SELECT t_s, distance_m, heart_rate FROM samples ORDER BY t_s")
    (run,) = load_runs(store)
    t_last, d_last = float(raw["t_s"].max()), float(raw["distance_m"].max())

    x = run.time_x
    assert x.shape == (int(t_last // STEP_S) + 1, 5) and run.hr_bpm.shape == (len(x),)
    np.testing.assert_allclose(np.diff(x[:, 3]) * 60, STEP_S)          # elapsed_min: one step = 10 s
    assert x[0, 3] * 60 == pytest.approx(STEP_S)  # a step's values are read at its end
    assert (np.diff(x[:, 0]) >= 0).all()                                  # distance never goes back
    assert x[-1, 0] * 1000 == pytest.approx(d_last, rel=1e-6)
    assert (x[:, 4] * STEP_S / 3.6).sum() == pytest.approx(x[-1, 0] * 1000, rel=1e-6)  # speed is distance / step
    np.testing.assert_allclose(x[:, 4], np.diff(x[:, 0], prepend=0.0) * 1000 / STEP_S * 3.6, atol=1e-9)
    assert 5 < np.median(x[:, 4][x[:, 4] > 2]) < 30
    hr = run.hr_bpm[np.isfinite(run.hr_bpm)]
    assert len(hr) >= 0.6 * len(x) and (hr >= HR_VALID_BPM[0]).all() and (hr <= HR_VALID_BPM[1]).all()
    recorded = raw["heart_rate"].astype(float)
    assert np.nanmin(recorded) - 1 <= hr.min() and hr.max() <= np.nanmax(recorded) + 1

    r = run.route_x
    assert len(r) == int(d_last // STEP_M) == len(run.speed_kmh) == len(run.lat) == len(run.lon)
    np.testing.assert_allclose(np.diff(r[:, 0]) * 1000, STEP_M)
    assert r[0, 0] * 1000 == pytest.approx(STEP_M / 2)
    assert (run.speed_kmh >= SPEED_KMH[0]).all() and (run.speed_kmh <= SPEED_KMH[1]).all()
    assert np.isfinite(run.lat).all() and np.isfinite(run.lon).all()
    # the route's moving time is about the time grid's (steps at walking pace or faster)
    route_s = (STEP_M / (run.speed_kmh / 3.6)).sum()
    moving_s = STEP_S * (x[:, 4] >= 1.8).sum()
    assert route_s == pytest.approx(moving_s, rel=0.1)


def test_a_cadence_lock_in_a_real_file_is_dropped(store, samples_dir):
    """The store keeps cadence as the device reports it, per foot for runs (schema: "steps per min
    per foot"; the fenix2 file reads ~83), but an optical sensor locks onto the step rate (~166).
    Two minutes of HR locked at twice the stored cadence must not reach the HR grid."""
    path = samples_dir / "fit" / "activity-small-fenix2-run.fit"
    import_file(store, path.name, path.read_bytes(), athlete="Sample Runner", create=True)
    assert 70 < float(store.query("SELECT median(cadence) AS c FROM samples")["c"].iloc[0]) < 100  # per foot
    with store.transaction() as cur:
        cur.execute("UPDATE samples SET heart_rate = 2 * cadence WHERE t_s >= 30 AND t_s < 150")
    (run,) = load_runs(store)
    assert np.isfinite(run.hr_bpm[15:]).mean() > 0.9
    assert np.isnan(run.hr_bpm[4:14]).all(), run.hr_bpm[:16]


# ---------------------------------------------------------------- lifecycle on a tiny demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory, _one_torch_thread):
    """A tiny demo squad and its quick HR model, trained once (the registry writes beside the db)."""
    store = Store(tmp_path_factory.mktemp("hr_demo") / "coach.duckdb")
    write_demo(store, DemoConfig(athletes=4, weeks=4, seed=3, end_date=dt.date(2026, 6, 30)))
    card = driver.train(store, "hr", quick=True)
    yield store, card.version, list(card.metrics)
    store.close()


CURVE_MODELS = ["fitrec", "global_mean", "athlete_mean", "mlp", "lightgbm", "first_order"]
EXPECTED = {**{m: {"hr_mae_bpm", "hr_rmse_bpm", "speed_mae_kmh"} for m in CURVE_MODELS},
            "short_term": {"hr_mae_bpm", "warning_f1_85", "warning_f1_90"},
            "route_rank": {"auc", "hit_at_10", "ndcg_at_10"}, "random": {"auc", "hit_at_10", "ndcg_at_10"}}


def test_the_demo_split_is_by_time(demo):
    store, _, _ = demo
    data = build(store)
    assert data.test and data.val and len(data.train) > len(data.test)
    _assert_split_by_time(data)


def test_evaluate_json_follows_the_contract_and_matches_the_trained_model(demo):
    store, version, trained = demo
    out = driver.evaluate_json(store, "hr")
    assert json.loads(json.dumps(out, allow_nan=False)) == out  # one plain JSON object, no NaN
    assert set(out) == {"kind", "version", "results", "timing"}
    assert out["kind"] == "hr" and out["version"] == version
    assert all(set(r) == {"dataset", "model", "metric", "value", "sd", "n_runs"} for r in out["results"])
    assert {r["dataset"] for r in out["results"]} == {"db"}
    got: dict[str, set] = {}
    for r in out["results"]:
        got.setdefault(r["model"], set()).add(r["metric"])
        assert math.isfinite(r["value"]), r
    for model, metrics in EXPECTED.items():
        assert metrics <= got.get(model, set()), model
    pairs = [(r["model"], r["metric"]) for r in out["results"]]
    assert len(pairs) == len(set(pairs))  # one row per (dataset, model, metric)
    for r in out["results"]:
        if r["metric"] in ("auc", "hit_at_10", "ndcg_at_10") or r["metric"].startswith("warning_f1"):
            assert 0 <= r["value"] <= 1, r
    assert set(out["timing"]) == {"train_s", "predict_ms_per_item"}
    assert out["timing"]["train_s"] > 0 and out["timing"]["predict_ms_per_item"] > 0
    # the model loaded from the registry scores exactly as the one just trained did
    assert [dataclasses.asdict(r) for r in trained] == out["results"]


def test_save_load_round_trip_gives_identical_predictions(demo, tmp_path):
    store, _, _ = demo
    data = build(store)
    fitted, _ = registry.load(store, "hr", None, HrModel.load)
    fitted.save(tmp_path)
    again = HrModel.load(tmp_path)
    assert again.athletes == fitted.athletes and again.sports == fitted.sports
    for target in ("hr", "speed"):
        want, got = fitted.fitrec(data.test, data.previous, target), again.fitrec(data.test, data.previous, target)
        for a, b in zip(want, got):
            np.testing.assert_array_equal(a, b)
    run = data.test[0]
    np.testing.assert_array_equal(fitted.forecast(run), again.forecast(run))
    assert np.isfinite(fitted.forecast(run)[10:]).any()
    for got, want in zip(again.run_curves(run, data.previous[run.activity_id]),
                         fitted.run_curves(run, data.previous[run.activity_id])):
        np.testing.assert_array_equal(got, want)
    for name, baseline in fitted.baselines.items():
        np.testing.assert_array_equal(baseline.predict_hr(run), again.baselines[name].predict_hr(run))
        np.testing.assert_array_equal(baseline.predict_speed(run), again.baselines[name].predict_speed(run))


def test_export_writes_onnx_files_that_match_and_take_any_run_length(demo, tmp_path):
    store, _, _ = demo
    records = driver.export(store, "hr", tmp_path)
    assert {r["model"] for r in records} == {"fitrec", "speed", "short_term"}
    for r in records:
        assert passes(r), r
        assert r["n_inputs"] > 0
        directory = tmp_path / "hr"
        assert (directory / f"{r['model']}.onnx").is_file()
        written = json.loads((directory / f"{r['model']}.parity.json").read_text())
        assert written["passed"] is True
        assert json.loads((directory / f"{r['model']}.card.json").read_text())["onnx"]["model"] == r["model"]

    data = build(store)
    fitted, _ = registry.load(store, "hr", None, HrModel.load)
    by_length = {len(r.time_x): r for r in data.runs}
    (short, long) = sorted(by_length)[0], sorted(by_length)[-1]
    assert short != long
    onnx = session(tmp_path / "hr" / "fitrec.onnx")
    for steps in (short, long):
        run = by_length[steps]
        item = encode(run, data.previous.get(run.activity_id), fitted.vocab, "hr", fitted.fill("hr"))
        feed = trainer._curve_feed(item)
        got = onnx.run(None, feed)[0]
        assert got.shape == (1, steps)
        with torch.no_grad():
            want = fitted.hr_net(*(torch.from_numpy(v) for v in feed.values())).numpy()
        np.testing.assert_allclose(got, want, atol=1e-4)


# ---------------------------------------------------------------- what the pages ask


def test_session_prediction_of_a_test_run_and_its_what_ifs(demo):
    store, _, _ = demo
    data = build(store)
    run = data.test[-1]
    pred = predict.session_prediction(store, run.activity_id)
    assert len(pred.time) == len(run.time_x) and len(pred.route) == len(run.route_x)
    assert np.isfinite(pred.time["hr_pred_bpm"]).all() and np.isfinite(pred.route["speed_pred_kmh"]).all()
    assert math.isfinite(pred.hr_mae_bpm) and math.isfinite(pred.speed_mae_kmh) and pred.hr_mae_bpm > 0
    assert pred.split == "test (held out)" and pred.what_if is None and not pred.population
    faster = predict.session_prediction(store, run.activity_id, pace_factor=1.1).what_if
    slower = predict.session_prediction(store, run.activity_id, pace_factor=0.9).what_if
    assert len(faster) < len(run.time_x) < len(slower)
    assert np.isfinite(faster["hr_pred_bpm"]).all() and np.isfinite(slower["hr_pred_bpm"]).all()
    route = predict.routes(store)[0]
    other = predict.session_prediction(store, run.activity_id, other_route_id=route.route_id).what_if
    assert len(other) > 0 and np.isfinite(other["hr_pred_bpm"]).all()
    with pytest.raises(ValueError):
        predict.session_prediction(store, run.activity_id, pace_factor=2.0)
    with pytest.raises(predict.NoPrediction):
        predict.session_prediction(store, run.activity_id, other_route_id=10_000)


def _onsets(pred, fraction):
    f = pred.time["forecast_bpm"].dropna()
    above = (f > fraction * pred.hr_max_bpm).to_numpy()
    return f.index[above & ~np.concatenate([[False], above[:-1]])]


def test_ease_off_fires_where_the_forecast_crosses_the_ceiling(demo):
    store, _, _ = demo
    run = build(store).test[0]
    pred = predict.session_prediction(store, run.activity_id)
    forecast = pred.time["forecast_bpm"]
    assert forecast[:10].isna().all() and forecast.notna().any()
    half = predict.ease_off(pred, 0.5)
    assert len(half) >= 1 and set(half) == {"t_min", "forecast_bpm", "hr_bpm", "ceiling_bpm"}
    assert (half["forecast_bpm"] > 0.5 * pred.hr_max_bpm).all()
    assert (half["ceiling_bpm"] == 0.5 * pred.hr_max_bpm).all()
    # a ceiling in the middle of the forecasts: the onsets are exactly the upward crossings
    fraction = float(forecast.median()) / pred.hr_max_bpm
    mid = predict.ease_off(pred, fraction)
    expected = pred.time.loc[_onsets(pred, fraction)]
    assert len(mid) == len(expected) >= 1
    np.testing.assert_array_equal(mid["t_min"].to_numpy(), expected["t_min"].to_numpy())
    np.testing.assert_array_equal(mid["forecast_bpm"].to_numpy(), expected["forecast_bpm"].to_numpy())
    assert predict.ease_off(pred, 2.0).empty


def test_a_strength_session_has_no_prediction(demo):
    store, _, _ = demo
    strength = store.query("SELECT activity_id FROM activities WHERE sport = 'strength' LIMIT 1")
    assert len(strength)
    with pytest.raises(predict.NoPrediction):
        predict.session_prediction(store, int(strength["activity_id"].iloc[0]))
    with pytest.raises(predict.NoPrediction):
        predict.session_prediction(store, 10_000_000)


def test_find_routes_ranks_every_route_by_the_gap_to_the_target(demo):
    store, _, _ = demo
    athlete = build(store).test[0].athlete_id
    catalog = predict.routes(store)
    assert catalog
    target = 140.0
    found = predict.find_routes(store, athlete, 5.0, target_hr_bpm=target)
    ranked = found.table
    assert sorted(ranked["route_id"]) == sorted(r.route_id for r in catalog)
    gaps = (ranked["hr_mean_bpm"] - target).abs()
    assert gaps.iloc[0] <= gaps.min() + 0.05  # hr_mean_bpm is rounded to 0.1
    assert (gaps.diff().dropna() >= -0.1).all()  # ordered by the gap
    assert np.isfinite(ranked[["hr_mean_bpm", "hr_max_bpm", "duration_min", "speed_kmh"]].to_numpy()).all()
    assert set(found.curves) == set(ranked["route_id"]) and found.population is False
    for route_id, (t_min, hr) in found.curves.items():
        assert len(t_min) == len(hr) > 0 and np.isfinite(hr).all()
    capped = predict.find_routes(store, athlete, 5.0, ceiling_bpm=150.0).table
    assert capped["minutes_above"].is_monotonic_increasing
    with pytest.raises(ValueError):
        predict.find_routes(store, athlete, 5.0)
    with pytest.raises(ValueError):
        predict.find_routes(store, athlete, 0.2, target_hr_bpm=target)
