"""The recommend kind's entry for the registry and the CLI: train, register, evaluate, export
(contract in DESIGN.md, "Model contract").

train: every model fitted on the leave-last-sessions-out training part and evaluated on the held-out
sessions ("db"); the same on the Strong sample's lifter beside the database's athletes
("strong_sample", when ../shared/samples is present); then the models fitted on the whole log are the
registered version the Recommendations page uses. evaluate --json refits on the split and reports.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from engine.models.registry import NotEnoughData, Result, fingerprint, load, register
from engine.models.samples import strong_sample_store
from engine.recommend import constraints as cons
from engine.recommend.dataset import HOLDOUT_SHARE, MIN_SESSIONS, catalog, db_log, split, with_offset_ids
from engine.recommend.evaluate import choose_blend, evaluate
from engine.recommend.model import BASELINES, MODELS, TOP_K, Params, Recommender, fit
from engine.store.db import Store

KIND = "recommend"
HEADLINE = "hit_at_10"
STRONG_OFFSET = 1_000_000       # the Strong lifter's athlete_id beside the database's athletes
ONNX_OPSET = 15
ONNX_IR_VERSION = 10            # onnxruntime here reads IR versions up to 13; the onnx package writes 14


def _datasets(log: pd.DataFrame) -> list[tuple[str, pd.DataFrame, set[int] | None]]:
    """(name, log, athletes scored: None = all with a positive): the database's log, and the Strong
    sample's lifter beside it."""
    out = [("db", log, None)]
    with strong_sample_store() as scratch:
        if scratch is not None:
            strong = with_offset_ids(db_log(scratch), STRONG_OFFSET)
            out.append(("strong_sample", pd.concat([log, strong], ignore_index=True), set(strong["athlete_id"])))
    return out


def _evaluate_all(log: pd.DataFrame, items: pd.DataFrame, params: Params) -> tuple[list[Result], dict]:
    results, extra = [], {}
    for name, data, scored in _datasets(log):
        parts = split(data)
        if scored is not None and not scored & set(parts.positives):
            continue          # the sample's lifter adopted no catalog exercise late: nothing to score
        tuned, blend = choose_blend(parts.train, items, params)
        rows, extra[name] = evaluate(fit(parts.train, items, tuned), parts, name, scored)
        extra[name]["blend"] = blend
        results += rows
    return results, extra


def list_ms(fitted: Recommender, log: pd.DataFrame) -> float:
    """Mean ms for one athlete's hybrid top 10 with its reasons, over the athletes of `log`."""
    groups = [own for _, own in log.groupby("athlete_id")]
    start = time.perf_counter()
    for own in groups:
        fitted.recommend(own, cons.Constraints())
    return 1000 * (time.perf_counter() - start) / max(len(groups), 1)


def train(store: Store, quick: bool = False, progress=None) -> tuple[int, list[Result]]:
    """Evaluate on the split(s), fit every model on the whole log, register; train_s covers all of it
    (quick changes nothing: training takes seconds)."""
    log = db_log(store)
    if log.empty:
        raise NotEnoughData("no strength sessions with catalog exercises: import a Strong or Hevy log first")
    params, items = Params(), catalog(store)
    start = time.perf_counter()
    results, extra = _evaluate_all(log, items, params)
    if progress:
        progress(1, 2)
    tuned, blend = choose_blend(log, items, params)
    fitted = fit(log, items, tuned)
    train_s = time.perf_counter() - start
    if progress:
        progress(2, 2)
    db = extra["db"]
    card = {
        "models": MODELS, "baselines": BASELINES, "headline_metric": HEADLINE, "lower_is_better": False,
        "train_s": train_s, "predict_ms_per_item": list_ms(fitted, log), "quick": quick, **extra, "blend": blend,
        "inputs": [{"name": "exercise log", "unit": "working sets per athlete, exercise and session",
                    "scaling": f"sets x e^(-age / {params.recency_tau_d:g} d)"},
                   {"name": "catalog", "unit": "muscles, equipment, level, mechanic, force, category",
                    "scaling": "TF-IDF, L2 rows"}],
        "outputs": {"meaning": f"the top {TOP_K} catalog exercises an athlete has not done, with reasons"},
        "reading": (f"Leave-last-sessions-out: the exercises an athlete first did in their last "
                    f"{HOLDOUT_SHARE:.0%} of sessions are the positives (athletes with {MIN_SESSIONS}+ "
                    f"sessions and a positive are scored). hit_at_10 and ndcg_at_10: higher is better; "
                    "coverage is the share of the catalog in some top 10, diversity the mean muscle "
                    "dissimilarity within a top 10."),
        "description": (f"Exercise recommendations: content-based (TF-IDF over the catalog), collaborative "
                        f"(implicit ALS, {params.factors} factors) and their hybrid (content-leaning for short "
                        f"logs, MMR for variety); popularity is the baseline. db: {db['n_athletes']} athletes, "
                        f"{db['n_scored']} scored on {db['n_positives']} new exercises; the demo squad adopts "
                        "exercises by the generator's documented rule (engine/demo/generator.py, ADOPT_P). "
                        "strong_sample: the real Strong export's lifter, scored beside the database's athletes."),
    }
    version = register(store, KIND, fitted, asdict(tuned), results, fingerprint(log), card)
    return version, results


def evaluate_json(store: Store, version: int | None = None) -> dict:
    """The `evaluate --json` object (see the module docstring)."""
    fitted, card = load(store, KIND, version, Recommender.load)
    log = db_log(store)
    results, _ = _evaluate_all(log, catalog(store), Params(**card["params"]))
    return {"kind": KIND, "version": card["version"], "results": [asdict(r) for r in results],
            "timing": {"train_s": round(card["train_s"], 3),
                       "predict_ms_per_item": round(list_ms(fitted, log), 4)}}


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


def export(store: Store, out: Path, version: int | None = None) -> list[dict]:
    """out/recommend/content.onnx (profile = weights @ item vectors -> cosine with every catalog
    exercise) and collaborative.onnx (folded-in athlete factors -> ALS scores), each with its card
    and a parity record on the training athletes."""
    from engine.models.onnx_export import regression_parity, write_parity

    fitted, card = load(store, KIND, version, Recommender.load)
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
            **card, "onnx": {"model": name, "input": described, "opset": ONNX_OPSET,
                             "output": f"scores: float32 [batch, {len(fitted.catalog)}] in the catalog order "
                                       "(exercise_id ascending)"}}, indent=2, default=float))
    return records
