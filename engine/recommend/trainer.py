"""The recommend kind's Trainer (engine.models.contract).

fit: every model fitted on the whole log (the blend chosen on the log itself), the version the
Recommendations page uses. evaluate: the recipe refitted on the leave-last-sessions-out training
part and scored on the held-out sessions ("db"). evaluate --full: the same with the Strong
sample's lifter beside the database's athletes ("strong_sample", when ../shared/samples is present).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.models.contract import Description, Evaluation, Input, ModelCard, Result
from engine.models.registry import NotEnoughData
from engine.models.registry import fingerprint as hash_rows
from engine.models.samples import strong_sample_store
from engine.recommend import constraints as cons
from engine.recommend import model
from engine.recommend.dataset import HOLDOUT_SHARE, MIN_SESSIONS, catalog, db_log, split, with_offset_ids
from engine.recommend.evaluate import choose_blend
from engine.recommend.evaluate import evaluate as score
from engine.recommend.model import TOP_K, Params, Recommender
from engine.store.db import Store

KIND = "recommend"
HEADLINE = "hit_at_10"
LOWER_IS_BETTER = False
MODELS = model.MODELS
BASELINES = model.BASELINES
FULL = True     # the Strong sample's lifter beside the database's athletes
STRONG_OFFSET = 1_000_000       # the Strong lifter's athlete_id beside the database's athletes
ONNX_OPSET = 15
ONNX_IR_VERSION = 10            # onnxruntime here reads IR versions up to 13; the onnx package writes 14
load = Recommender.load


@dataclass(frozen=True)
class Log:
    """The working sets with catalog exercises, and the catalog."""
    sets: pd.DataFrame
    items: pd.DataFrame


def make_params(quick: bool) -> Params:
    return Params()     # training takes seconds: quick changes nothing


def prepare(store: Store, quick: bool) -> Log:
    log = db_log(store)
    if log.empty:
        raise NotEnoughData("no strength sessions with catalog exercises: import a Strong or Hevy log first")
    return Log(log, catalog(store))


def fingerprint(data: Log) -> str:
    return hash_rows(data.sets)


def fit(data: Log, params: Params, progress=None) -> Recommender:
    """Every model on the whole log, the hybrid's blend chosen on the log itself."""
    return model.fit(data.sets, data.items, choose_blend(data.sets, data.items, params)[0])


def _evaluate(name: str, log: pd.DataFrame, items: pd.DataFrame, scored: set[int] | None
              ) -> tuple[list[Result], dict]:
    """The recipe (blend chosen on the training part, from the default params) on one split."""
    parts = split(log)
    tuned, blend = choose_blend(parts.train, items, Params())
    rows, extra = score(model.fit(parts.train, items, tuned), parts, name, scored)
    return rows, {**extra, "blend": blend}


def list_ms(fitted: Recommender, log: pd.DataFrame) -> float:
    """Mean ms for one athlete's hybrid top 10 with its reasons, over the athletes of `log`."""
    groups = [own for _, own in log.groupby("athlete_id")]
    start = time.perf_counter()
    for own in groups:
        fitted.recommend(own, cons.Constraints())
    return 1000 * (time.perf_counter() - start) / max(len(groups), 1)


def evaluate(fitted: Recommender, data: Log) -> Evaluation:
    results, extra = _evaluate("db", data.sets, data.items, None)
    return Evaluation(tuple(results), int(data.sets["athlete_id"].nunique()), extra["n_scored"],
                      list_ms(fitted, data.sets),
                      {"db": extra, "served_blend": {"content": fitted.params.content_weight,
                                                     "collaborative": fitted.params.collaborative_weight,
                                                     "popularity": fitted.params.popularity_weight}})


def describe(data: Log, evaluation: Evaluation, train_s: float) -> Description:
    params, db = Params(), evaluation.details["db"]
    return Description(
        inputs=(Input("exercise log", "working sets per athlete, exercise and session",
                      f"sets x e^(-age / {params.recency_tau_d:g} d)"),
                Input("catalog", "muscles, equipment, level, mechanic, force, category", "TF-IDF, L2 rows")),
        outputs={"meaning": f"the top {TOP_K} catalog exercises an athlete has not done, with reasons"},
        description=(f"Exercise recommendations: content-based (TF-IDF over the catalog), collaborative "
                     f"(implicit ALS, {params.factors} factors) and their hybrid (content-leaning for short "
                     f"logs, MMR for variety); popularity is the baseline. db: {db['n_athletes']} athletes, "
                     f"{db['n_scored']} scored on {db['n_positives']} new exercises; the demo squad adopts "
                     "exercises by the generator's documented rule (engine/demo/generator.py, ADOPT_P). The full "
                     "evaluation adds strong_sample: the real Strong export's lifter, scored beside the "
                     "database's athletes."),
        reading=(f"Leave-last-sessions-out: the exercises an athlete first did in their last "
                 f"{HOLDOUT_SHARE:.0%} of sessions are the positives (athletes with {MIN_SESSIONS}+ "
                 f"sessions and a positive are scored). hit_at_10 and ndcg_at_10: higher is better; "
                 "coverage is the share of the catalog in some top 10, diversity the mean muscle "
                 "dissimilarity within a top 10."))


def full(data: Log, card: ModelCard, progress=None) -> tuple[list[Result], dict]:
    """The recipe with the Strong sample's lifter beside the database's athletes (nothing without
    ../shared/samples, or when that lifter adopted no catalog exercise late)."""
    with strong_sample_store() as scratch:
        if scratch is None:
            return [], {}
        strong = with_offset_ids(db_log(scratch), STRONG_OFFSET)
    log, scored = pd.concat([data.sets, strong], ignore_index=True), set(strong["athlete_id"])
    if not scored & set(split(log).positives):
        return [], {}
    results, extra = _evaluate("strong_sample", log, data.items, scored)
    return results, {"strong_sample": extra}


def _matmul_graph(name: str, input_name: str, width: int, matrix: np.ndarray, normalise: bool):
    """ONNX: input [batch, width] -> (L2-normalised if `normalise`) @ matrix -> scores [batch, items]."""
    from onnx import TensorProto, helper, numpy_helper

    nodes, source = [], input_name
    if normalise:
        nodes.append(helper.make_node("LpNormalization", [input_name], ["unit"], axis=1, p=2))
        source = "unit"
    nodes.append(helper.make_node("MatMul", [source, "items"], ["scores"]))
    graph = helper.make_graph(nodes, name,
                              [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", width])],
                              [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", matrix.shape[1]])],
                              [numpy_helper.from_array(matrix.astype(np.float32), "items")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", ONNX_OPSET)], ir_version=ONNX_IR_VERSION)


def export(store: Store, out: Path, fitted: Recommender, card: ModelCard) -> list[dict]:
    """out/recommend/content.onnx (profile = weights @ item vectors -> cosine with every catalog
    exercise) and collaborative.onnx (folded-in athlete factors -> ALS scores), each with its card
    and a parity record on the training athletes."""
    from engine.models.onnx_export import regression_parity, write_parity

    weights = fitted.athlete_weights
    if not len(weights):
        raise NotEnoughData("the model has no training athletes to check parity on")
    profiles = (weights @ fitted.items).astype(np.float32)
    factors = fitted.athlete_factors.astype(np.float32)
    parts = {
        "content": (_matmul_graph("content", "profile", profiles.shape[1], fitted.items.T, True), "profile", profiles,
                    np.stack([fitted.scores("content", w, 1) for w in weights]),
                    f"profile: float32 [batch, {profiles.shape[1]}]: interaction weights @ the TF-IDF item vectors"),
        "collaborative": (_matmul_graph("collaborative", "athlete_factors", factors.shape[1], fitted.item_factors.T,
                                        False), "athlete_factors", factors,
                          np.stack([fitted.scores("collaborative", w, 1) for w in weights]),
                          f"athlete_factors: float32 [batch, {factors.shape[1]}]: ALS factors folded in from the log"),
    }
    directory = out / KIND
    directory.mkdir(parents=True, exist_ok=True)
    records = []
    for name, (graph, input_name, feed, reference, described) in parts.items():
        path = directory / f"{name}.onnx"
        path.write_bytes(graph.SerializeToString())
        records.append(regression_parity(name, path, [{input_name: feed}], [reference]))
        write_parity(records[-1], directory / f"{name}.parity.json")
        (directory / f"{name}.card.json").write_text(json.dumps({
            **card.to_json(), "onnx": {"model": name, "input": described, "opset": ONNX_OPSET,
                             "output": f"scores: float32 [batch, {len(fitted.catalog)}] in the catalog order "
                                       "(exercise_id ascending)"}}, indent=2, default=float))
    return records
