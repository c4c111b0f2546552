"""Exercise recommender: the split, the metrics, hard constraints over random draws, reasons,
cold start, a clear synthetic signal, determinism, save/load, and the trainer on the Strong sample."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from engine.ingest.exercise_names import load_catalog
from engine.models import registry
from engine.models.registry import NotEnoughData
from engine.recommend import constraints as cons
from engine.recommend.dataset import CATALOG_COLUMNS, LOG_COLUMNS, split
from engine.recommend.evaluate import evaluate, intra_list_diversity, ndcg
from engine.recommend.model import Params, Recommender, fit
from engine.store.imports import import_file

CATALOG = load_catalog()[CATALOG_COLUMNS].sort_values("exercise_id", ignore_index=True)
BY_ID = CATALOG.set_index("exercise_id")
DAY0 = dt.date(2025, 1, 6)


def _log(programs: dict[int, list[list[str]]]) -> pd.DataFrame:
    """athlete -> sessions (lists of exercise ids), one session every 3 days, 3 sets each."""
    rows = []
    for athlete, sessions in programs.items():
        for k, exercises in enumerate(sessions):
            rows += [(athlete, athlete * 1000 + k, DAY0 + dt.timedelta(days=3 * k), e, 3, 1000.0) for e in exercises]
    return pd.DataFrame(rows, columns=LOG_COLUMNS)


# ---- the split and the metrics ----

def test_split_holds_out_the_last_fifth_of_sessions_and_keeps_first_times_only():
    ten = [["Barbell_Squat"]] * 8 + [["Barbell_Squat", "Leg_Press"], ["Leg_Press", "Barbell_Deadlift"]]
    log = _log({1: ten, 2: [["Barbell_Curl"]] * 3 + [["Hammer_Curls"]],       # 4 sessions: never held out
                3: [["Face_Pull"]] * 9 + [["Face_Pull"]]})                       # nothing new: not scored
    parts = split(log)
    assert parts.positives == {1: frozenset({"Leg_Press", "Barbell_Deadlift"})}
    assert set(parts.train.query("athlete_id == 1")["exercise_id"]) == {"Barbell_Squat"}
    assert parts.train.query("athlete_id == 2")["session_id"].nunique() == 4
    assert parts.train.query("athlete_id == 3")["session_id"].nunique() == 8
    with pytest.raises(NotEnoughData, match="new exercise"):
        split(_log({3: [["Face_Pull"]] * 10}))


def test_ndcg_and_diversity():
    assert ndcg(["a", "b", "c"], frozenset({"a"})) == 1.0
    assert ndcg(["x", "a"], frozenset({"a"})) == pytest.approx(1 / np.log2(3))
    assert ndcg(["x", "y"], frozenset({"a", "b"})) == 0.0
    fitted = fit(_log({1: [["Barbell_Squat"]] * 2}), CATALOG)
    same = np.flatnonzero(CATALOG["exercise_id"].isin(["Barbell_Squat", "Front_Barbell_Squat"]))
    apart = np.flatnonzero(CATALOG["exercise_id"].isin(["Barbell_Squat", "Barbell_Curl"]))
    assert (intra_list_diversity(fitted.muscles, same) < intra_list_diversity(fitted.muscles, apart)
            == pytest.approx(1.0))


# ---- a clear synthetic signal ----

DISTRACTORS = ["Barbell_Bench_Press_-_Medium_Grip", "Standing_Military_Press", "Barbell_Squat", "Barbell_Deadlift",
               "Leg_Press", "Leg_Extensions", "Lying_Leg_Curls", "Standing_Calf_Raises", "Triceps_Pushdown",
               "Side_Lateral_Raise", "Dumbbell_Flyes", "Barbell_Hip_Thrust"]
CURLS = ["Barbell_Curl", "Hammer_Curls", "Preacher_Curl", "EZ-Bar_Curl"]


def _signal_log() -> pd.DataFrame:
    """Eight athletes do the twelve distractors (the most popular exercises); six do curls, and
    three of those already added Concentration curls, the others add them in their last sessions."""
    programs = {a: [DISTRACTORS] * 10 for a in range(1, 9)}
    for a in range(11, 17):
        early = a <= 13
        programs[a] = [CURLS + (["Concentration_Curls"] if early and k >= 3 else []) for k in range(8)]
        programs[a] += [CURLS + ["Concentration_Curls"]] * 2
    return _log(programs)


def test_hybrid_beats_popularity_on_a_clear_signal():
    parts = split(_signal_log())
    assert parts.positives == {a: frozenset({"Concentration_Curls"}) for a in (14, 15, 16)}
    results, extra = evaluate(fit(parts.train, CATALOG), parts, "synthetic")
    hit = {r.model: r.value for r in results if r.metric == "hit_at_10"}
    assert hit["popularity"] == 0.0          # the twelve distractors fill its top 10
    assert hit["hybrid"] == hit["collaborative"] == 1.0
    assert extra["n_scored"] == 3 and extra["n_positives"] == 3


def test_fit_is_deterministic_and_survives_save_and_load(tmp_path):
    log = _signal_log()
    a, b = fit(log, CATALOG), fit(log, CATALOG)
    assert np.array_equal(a.item_factors, b.item_factors)
    a.save(tmp_path)
    loaded = Recommender.load(tmp_path)
    own = log.query("athlete_id == 14")
    assert loaded.recommend(own, cons.Constraints()) == a.recommend(own, cons.Constraints())


# ---- constraints, reasons, cold start ----

def _random_constraints(rng: np.random.Generator) -> cons.Constraints:
    kit = sorted(set(cons.equipment_of(CATALOG)))
    muscles = sorted({m for ms in CATALOG["primary_muscles"] for m in ms})
    avoid = set(rng.choice(muscles, rng.integers(0, 4), replace=False))
    target = set(rng.choice([m for m in muscles if m not in avoid], rng.integers(0, 3), replace=False))
    return cons.Constraints(
        equipment=None if rng.random() < 0.2 else frozenset(rng.choice(kit, rng.integers(1, 5), replace=False)),
        level=str(rng.choice(cons.LEVELS)), avoid=frozenset(avoid), target=frozenset(target),
        goal=None if rng.random() < 0.3 else str(rng.choice(list(cons.GOALS))))


def _breaks(exercise_id: str, c: cons.Constraints) -> list[str]:
    """Checked from the catalog file, independently of constraints.allowed."""
    e = BY_ID.loc[exercise_id]
    muscles = set(e["primary_muscles"]) | set(e["secondary_muscles"])
    broken = []
    kit = "body only" if pd.isna(e["equipment"]) else e["equipment"]
    if c.equipment is not None and kit not in c.equipment:
        broken.append("equipment")
    if ["beginner", "intermediate", "expert"].index(e["level"]) > ["beginner", "intermediate", "expert"].index(c.level):
        broken.append("level")
    if muscles & c.avoid:
        broken.append("avoid")
    if c.target and not set(e["primary_muscles"]) & c.target:
        broken.append("target")
    if c.goal is not None and e["category"] not in cons.GOALS[c.goal].categories:
        broken.append("goal")
    return broken


def test_nothing_returned_ever_breaks_a_constraint():
    """200 seeded random constraint sets, for an athlete with a log and for one without."""
    fitted = fit(_signal_log(), CATALOG)
    rng = np.random.default_rng(13)
    returned = 0
    for _ in range(200):
        c = _random_constraints(rng)
        for log in (_signal_log().query("athlete_id == 14"), _signal_log().iloc[0:0]):
            for model in ("hybrid", "content", "collaborative", "popularity"):
                recs = fitted.recommend(log, c, model=model)
                returned += len(recs)
                assert not [(r.exercise_id, _breaks(r.exercise_id, c)) for r in recs if _breaks(r.exercise_id, c)]
    assert returned > 10_000          # the draws are not so tight that nothing comes back


def test_reasons_name_the_athletes_own_exercise_and_the_constraints():
    parts = split(_signal_log())
    fitted = fit(parts.train, CATALOG)
    own = parts.train.query("athlete_id == 14")
    recs = fitted.recommend(own, cons.Constraints(equipment=frozenset({"dumbbell"})))
    assert recs and all(r.reasons for r in recs)
    names = set(CATALOG.set_index("exercise_id").loc[CURLS, "name"])
    assert any(any(n in reason for n in names) for r in recs for reason in r.reasons)   # "like your Hammer Curls"
    assert all("fits dumbbell only" in r.reasons for r in recs)
    assert not any(r.exercise_id in set(own["exercise_id"]) for r in recs)            # not what they do already
    best = fitted.recommend(own, cons.Constraints())[0]
    assert best.exercise_id == "Concentration_Curls"
    assert any("athletes with logs most like yours do it" in reason for reason in best.reasons)


def test_a_deficiency_sets_target_and_goal():
    c = cons.Constraints.from_deficiency("pullups", level="beginner")
    assert c.target == {"lats", "middle back", "biceps"} and c.goal == "strength"
    recs = fit(_signal_log(), CATALOG).recommend(_signal_log().query("athlete_id == 14"), c)
    assert recs and all(not _breaks(r.exercise_id, c) for r in recs)
    assert all(r.reasons[0].startswith("targets ") for r in recs)
    with pytest.raises(cons.ConstraintError):
        cons.Constraints.from_deficiency("bmi")
    with pytest.raises(cons.ConstraintError, match="both a target and avoided"):
        cons.Constraints(target=frozenset({"lats"}), avoid=frozenset({"lats"}))


def test_cold_start_falls_back_to_popularity_and_a_short_log_leans_on_content():
    fitted = fit(_signal_log(), CATALOG)
    cold = fitted.recommend(_signal_log().iloc[0:0], cons.Constraints(), model="hybrid")
    assert {r.exercise_id for r in cold[:5]} <= set(DISTRACTORS)
    assert all(r.reasons[0].startswith("done by 8 athletes") for r in cold[:5])
    weights = fitted.athlete_weights[list(fitted.athlete_ids).index(14)]
    content, collaborative = fitted.scores("content", weights, 1), fitted.scores("collaborative", weights, 1)

    def leaning(sessions: int) -> float:
        hybrid = fitted.scores("hybrid", weights, sessions)
        return np.corrcoef(hybrid, content)[0, 1] - np.corrcoef(hybrid, collaborative)[0, 1]
    assert leaning(1) > leaning(1000)


def test_hybrid_weights_come_from_the_training_log_only():
    from engine.recommend.evaluate import choose_blend

    parts = split(_signal_log())
    tuned, blend = choose_blend(parts.train, CATALOG, Params())
    assert "defaults" in blend["chosen_on"]       # the training part alone has no inner positives
    assert tuned == Params()
    tuned, blend = choose_blend(_signal_log(), CATALOG, Params())
    assert blend["inner_hit_at_10"] == 1.0 and tuned == Params()     # the defaults already hit: ties keep them
    worse, blend = choose_blend(_signal_log(), CATALOG, Params(content_weight=1, collaborative_weight=0,
                                                                popularity_weight=0, mmr_lambda=1))
    assert blend["inner_hit_at_10"] == 1.0 and worse.collaborative_weight + worse.popularity_weight > 0


# ---- the trainer, on the real Strong export ----

def test_train_registers_and_evaluates_the_strong_sample(store, samples_dir, capsys):
    from engine.models import driver

    with pytest.raises(NotEnoughData, match="no strength sessions"):
        driver.train(store, "recommend")
    data = (samples_dir / "strength_csv" / "strong.csv").read_bytes()
    import_file(store, "strong.csv", data, athlete="Lifter", create=True)
    card = driver.train(store, "recommend")
    assert card == registry.card(store, "recommend", card.version)
    assert card.models == ("hybrid", "content", "collaborative") and card.baselines == ("popularity",)
    got = {(r.dataset, r.model, r.metric) for r in card.metrics}
    assert {("db", m, k) for m in ("hybrid", "popularity") for k in ("hit_at_10", "coverage")} <= got
    assert card.details["db"]["n_scored"] == 1 and card.predict_ms_per_item > 0
    out = driver.evaluate_json(store, "recommend")
    assert out["kind"] == "recommend" and out["version"] == card.version
    assert out["results"] == [dataclasses.asdict(r) for r in card.metrics]
    records = driver.export(store, "recommend", store.path.parent / "onnx")
    assert [r["model"] for r in records] == ["content", "collaborative"]
    assert all(r["max_abs_diff"] < 1e-4 for r in records)
    assert json.loads((store.path.parent / "onnx" / "recommend" / "content.card.json")
                      .read_text())["onnx"]["opset"] == 15
