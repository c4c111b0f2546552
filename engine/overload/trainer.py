"""The overload kind's Trainer (engine.models.contract): the exercise graph, the GNNs and their
baselines, the held-out weeks, the Strong sample as its full evaluation, and the ONNX export."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from engine.models.contract import Description, Evaluation, Input, ModelCard, Result
from engine.models.registry import fingerprint as hash_rows
from engine.models.samples import strong_sample_store
from engine.overload import evaluate as scoring
from engine.overload import model
from engine.overload.dataset import FEATURE_UNITS, FEATURES, RELATIONS, TARGETS, TEST_DAYS, VAL_DAYS, Graph, build
from engine.overload.explain import load_features_rank
from engine.overload.model import GRAPH_MODELS, LEARNT, OverloadModel, Params
from engine.store.db import Store

KIND = "overload"
HEADLINE = "weight_mae_kg"
LOWER_IS_BETTER = True
MODELS = LEARNT
BASELINES = model.BASELINES
FULL = True     # the recipe on the real Strong sample
SHAP_NODES = 40          # test nodes whose SHAP values are averaged for the card
GRAPH_OPSET = 17         # scatter with a reduction needs opset >= 16
PARITY_NODES = 5         # held-out nodes whose own subgraphs check the ONNX export
load = OverloadModel.load
fit = model.fit


def make_params(quick: bool) -> Params:
    return Params.quick() if quick else Params()


def prepare(store: Store, quick: bool) -> Graph:
    return build(store)


def fingerprint(graph: Graph) -> str:
    return hash_rows(graph.before_test().nodes[[*FEATURES, *TARGETS.values()]])


def evaluate(fitted: OverloadModel, graph: Graph) -> Evaluation:
    """Every model on the nodes of each athlete's last TEST_DAYS; SHAP ranks of the load features."""
    results, extra = scoring.evaluate(fitted, graph, "db")
    test_nodes = np.flatnonzero(graph.mask("test"))[:SHAP_NODES]
    return Evaluation(tuple(results), extra["n_train"], extra["n_test"], extra["predict_ms_per_item"],
                      {"weight_target_std_kg": extra["weight_target_std_kg"],
                       "shap": load_features_rank(fitted, graph, test_nodes) if len(test_nodes) else {}})


def describe(graph: Graph, evaluation: Evaluation, train_s: float) -> Description:
    return Description(
        inputs=tuple(Input(f, FEATURE_UNITS[f], "standard, training weeks' mean and SD; gaps filled with the "
                           "training median (graph models); raw (lightgbm)") for f in FEATURES),
        outputs={**{t: f"the athlete's next session of the exercise: {c}" for t, c in TARGETS.items()},
                 "relations": RELATIONS},
        description=(f"Next session's top-set weight, reps and rest per exercise, from the exercise graph "
                     f"(nodes: athlete-exercise-sessions; edges: shared primary muscle and order within a "
                     f"session, and each exercise's previous session). Trained on {evaluation.n_train:,} nodes "
                     f"in {train_s:.0f} s; tested on {evaluation.n_test:,} nodes from each athlete's last "
                     f"{TEST_DAYS // 7} weeks (the {VAL_DAYS // 7} weeks before them stop training early). "
                     "repeat_last does the last session again; rule is the original project's RPE rule."),
        reading=(f"Errors (_mae_, _rmse_; in kg, reps and s): lower is better. weight_pred_std_kg is the spread of "
                 f"graphsage's predicted weights over the test nodes (the targets' own spread: "
                 f"{evaluation.details['weight_target_std_kg']:.1f} kg): the predictions do not collapse to one "
                 "value."))


def full(_data: Graph, card: ModelCard, progress=None) -> tuple[list[Result], dict]:
    """The recipe on the real Strong export (none without ../shared/samples), fitted and tested
    on its own split; its sizes as details."""
    with strong_sample_store() as scratch:
        if scratch is None:
            return [], {}
        graph = build(scratch)
        results, extra = scoring.evaluate(model.fit(graph, Params(**card.params)), graph, "strong_sample")
        return results, {"strong_sample": {"n_train": extra["n_train"], "n_test": extra["n_test"]}}


ONNX_INPUTS = {"features": f"float32 [nodes, {len(FEATURES)}]: FEATURES order, raw units, NaN = missing",
               **{f"edges_{r}": f"int64 [2, edges]: the {r} relation, source and target node rows" for r in RELATIONS}}


def export(store: Store, out: Path, fitted: OverloadModel, card: ModelCard) -> list[dict]:
    """Write out/overload/<model>.onnx, .card.json and .parity.json for graphsage and gcn: raw
    features and the three edge sets in, the next weight (kg), reps and rest (s) per node out
    (scaling inside the graph; nodes and edges dynamic). Parity on the own subgraphs of held-out
    test nodes."""
    import torch

    from engine.models.onnx_export import export_torch_inputs, regression_parity, write_parity
    from engine.overload.explain import neighbourhood

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
            **card.to_json(), "onnx": {"model": name, "inputs": ONNX_INPUTS, "opset": GRAPH_OPSET,
                             "output": "next_session: float32 [nodes, 3]: weight kg, reps, rest s"}},
            indent=2, default=float))
    return records
