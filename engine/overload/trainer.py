"""The overload kind's entry for the registry and the CLI: train, register, evaluate, export
(contract in DESIGN.md, "Model contract")."""
from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from engine.models.registry import Result, fingerprint, load, register
from engine.models.samples import strong_sample_store
from engine.overload.dataset import FEATURE_UNITS, FEATURES, RELATIONS, TARGETS, TEST_DAYS, VAL_DAYS, Graph, build
from engine.overload.evaluate import evaluate
from engine.overload.explain import load_features_rank
from engine.overload.model import BASELINES, GRAPH_MODELS, LEARNT, OverloadModel, Params, fit
from engine.store.db import Store

KIND = "overload"
HEADLINE = "weight_mae_kg"
SHAP_NODES = 40          # test nodes whose SHAP values are averaged for the card
GRAPH_OPSET = 17         # scatter with a reduction needs opset >= 16
PARITY_NODES = 5         # held-out nodes whose own subgraphs check the ONNX export


def _fingerprint(graph: Graph) -> str:
    train = graph.before_test().nodes
    return fingerprint(train[[*FEATURES, *TARGETS.values()]])


def strong_sample_results(params: Params) -> tuple[list[Result], dict]:
    """The recipe on the real Strong export (none without ../shared/samples), fitted and tested
    on its own split; and its extra figures (n_test, ...)."""
    with strong_sample_store() as scratch:
        if scratch is None:
            return [], {}
        graph = build(scratch)
        return evaluate(fit(graph, params), graph, "strong_sample")


def train(store: Store, quick: bool = False, progress=None) -> tuple[int, list[Result]]:
    """Fit on the nodes before each athlete's last TEST_DAYS, evaluate on those, register."""
    graph = build(store)
    params = Params.quick() if quick else Params()
    start = time.perf_counter()
    fitted = fit(graph, params, progress)
    train_s = time.perf_counter() - start
    results, extra = evaluate(fitted, graph, "db")
    strong, strong_extra = strong_sample_results(params)
    test_nodes = np.flatnonzero(graph.mask("test"))[:SHAP_NODES]
    card = {
        "inputs": [{"name": f, "unit": FEATURE_UNITS[f], "scaling": "standard, training weeks' mean and SD; "
                    "gaps filled with the training median (graph models); raw (lightgbm)"} for f in FEATURES],
        "outputs": {t: f"the athlete's next session of the exercise: {c}" for t, c in TARGETS.items()},
        "relations": RELATIONS, "models": LEARNT, "baselines": BASELINES, "headline_metric": HEADLINE,
        "lower_is_better": True, "train_s": train_s, **extra,
        "reading": (f"Errors (_mae_, _rmse_; in kg, reps and s): lower is better. weight_pred_std_kg is the spread of "
                    f"graphsage's predicted weights over the test nodes (the targets' own spread: "
                    f"{extra['weight_target_std_kg']:.1f} kg): the predictions do not collapse to one value."),
        "strong_sample": strong_extra,
        "shap": load_features_rank(fitted, graph, test_nodes) if len(test_nodes) else {},
        "description": (f"Next session's top-set weight, reps and rest per exercise, from the exercise graph "
                        f"(nodes: athlete-exercise-sessions; edges: shared primary muscle and order within a "
                        f"session, and each exercise's previous session). Trained on {extra['n_train']:,} nodes "
                        f"in {train_s:.0f} s; tested on {extra['n_test']:,} nodes from each athlete's last "
                        f"{TEST_DAYS // 7} weeks (the {VAL_DAYS // 7} weeks before them stop training early). "
                        "repeat_last does the last session again; rule is the original project's RPE rule."),
    }
    version = register(store, KIND, fitted, asdict(params), results + strong, _fingerprint(graph), card)
    return version, results + strong


def evaluate_json(store: Store, version: int | None = None) -> dict:
    """The `evaluate --json` object: the registered model on the store's test weeks ("db"), and the
    same recipe on the Strong sample ("strong_sample") when ../shared/samples is present."""
    fitted, card = load(store, KIND, version, OverloadModel.load)
    results, extra = evaluate(fitted, build(store), "db")
    results += strong_sample_results(Params(**card["params"]))[0]
    return {"kind": KIND, "version": card["version"], "results": [asdict(r) for r in results],
            "timing": {"train_s": round(card["train_s"], 3),
                       "predict_ms_per_item": round(extra["predict_ms_per_item"], 4)}}


ONNX_INPUTS = {"features": f"float32 [nodes, {len(FEATURES)}]: FEATURES order, raw units, NaN = missing",
               **{f"edges_{r}": f"int64 [2, edges]: the {r} relation, source and target node rows" for r in RELATIONS}}


def export(store: Store, out: Path, version: int | None = None) -> list[dict]:
    """Write out/overload/<model>.onnx, .card.json and .parity.json for graphsage and gcn: raw
    features and the three edge sets in, the next weight (kg), reps and rest (s) per node out
    (scaling inside the graph; nodes and edges dynamic). Parity on the own subgraphs of held-out
    test nodes."""
    import torch

    from engine.models.onnx_export import export_torch_inputs, regression_parity, write_parity
    from engine.overload.explain import neighbourhood

    fitted, card = load(store, KIND, version, OverloadModel.load)
    graph = build(store)
    subgraphs = [neighbourhood(graph, int(n))[0] for n in np.flatnonzero(graph.mask("test"))[:PARITY_NODES]]
    feeds = [{"features": g.nodes[FEATURES].to_numpy(dtype=np.float32),
              **{f"edges_{r}": g.edges[r] for r in RELATIONS}} for g in subgraphs]
    directory = out / KIND
    directory.mkdir(parents=True, exist_ok=True)
    records = []
    axes = {"features": {0: "nodes"}, **{f"edges_{r}": {1: f"edges_{r}"} for r in RELATIONS},
            "next_session": {0: "nodes"}}
    for name in GRAPH_MODELS:
        module = fitted.predictors[name]
        path = directory / f"{name}.onnx"
        export_torch_inputs(module, {k: torch.from_numpy(v) for k, v in feeds[0].items()}, "next_session", axes,
                            path, opset=GRAPH_OPSET)
        with torch.no_grad():
            refs = [module(*(torch.from_numpy(v) for v in f.values())).numpy() for f in feeds]
        records.append(regression_parity(name, path, feeds, refs))
        write_parity(records[-1], directory / f"{name}.parity.json")
        (directory / f"{name}.card.json").write_text(json.dumps({
            **card, "onnx": {"model": name, "inputs": ONNX_INPUTS, "opset": GRAPH_OPSET,
                             "output": "next_session: float32 [nodes, 3]: weight kg, reps, rest s"}},
            indent=2, default=float))
    return records
