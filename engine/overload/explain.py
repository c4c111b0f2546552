"""SHAP for one node of the exercise graph, over its own neighbourhood (flaw 7 of the original
kept the whole graph while it perturbed rows, so rows borrowed unrelated rows' edges).

The explained function takes rows of the node's features (raw units), puts each row into a copy of
the node's own subgraph (every node within HOPS message-passing steps, with the edges among them)
and returns the model's prediction for the node. shap's PermutationExplainer (Strumbelj &
Kononenko 2014; Lundberg & Lee 2017) fills the features it hides from a background of training
nodes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.overload.dataset import CURRENT, FEATURES, LOAD_FEATURES, RELATIONS, TARGETS, Graph
from engine.overload.model import OverloadModel

HOPS = 3             # 2 conv layers, plus one for the GCN normalisation's source degrees: the subgraph is exact
BACKGROUND_NODES = 20
MAX_EVALS = 2 * len(FEATURES) + 1   # one permutation, forward and back
SEED = 0


def neighbourhood(graph: Graph, node: int, hops: int = HOPS) -> tuple[Graph, int]:
    """(the subgraph of every node that reaches `node` within `hops` edges of any relation, the
    node's position in it)."""
    import torch
    from torch_geometric.utils import k_hop_subgraph

    union = torch.as_tensor(np.concatenate([graph.edges[r] for r in RELATIONS], axis=1), dtype=torch.long)
    subset = k_hop_subgraph(int(node), hops, union, num_nodes=len(graph.nodes), flow="source_to_target")[0].numpy()
    keep = np.zeros(len(graph.nodes), dtype=bool)
    keep[subset] = True
    return graph.subgraph(keep), int(np.searchsorted(np.flatnonzero(keep), node))


def subgraph_function(fitted: OverloadModel, sub: Graph, position: int, model: str, target: str = "weight"):
    """f(rows of raw FEATURES) -> the model's predicted change of `target` from this session
    (next - this, kg, reps or s) for the node at `position`, each row set on the node in its own
    copy of `sub` (one batched forward pass). The change, not the level: the next weight is mostly
    this weight, which says nothing a coach does not know."""
    import torch

    base = sub.nodes[FEATURES].to_numpy(dtype=np.float32)
    n = len(base)
    column = list(TARGETS).index(target)
    current = FEATURES.index(CURRENT[target])
    predictor = fitted.predictors[model]

    def f(rows: np.ndarray) -> np.ndarray:
        m = len(rows)
        x = np.tile(base, (m, 1))
        x[position + n * np.arange(m)] = rows
        offsets = n * np.arange(m)
        edge_sets = [torch.as_tensor(np.concatenate([sub.edges[r] + o for o in offsets], axis=1)
                                     if m else sub.edges[r], dtype=torch.long) for r in RELATIONS]
        with torch.no_grad():
            out = predictor(torch.as_tensor(x), *edge_sets).numpy()
        return (out[position + n * np.arange(m), column] - rows[:, current]).astype(float)

    return f


def background(fitted: OverloadModel, graph: Graph) -> np.ndarray:
    """BACKGROUND_NODES training nodes (seeded), gaps filled with the training medians."""
    train = graph.nodes[(graph.nodes["part"] == "train").to_numpy()]
    rows = train.sample(min(BACKGROUND_NODES, len(train)), random_state=SEED)[FEATURES].to_numpy(dtype=float)
    return np.where(np.isnan(rows), fitted.scaler.median, rows)


def explain(fitted: OverloadModel, graph: Graph, node: int, model: str = "graphsage", target: str = "weight",
            reference: np.ndarray | None = None) -> pd.DataFrame:
    """feature, value (raw), shap (on the predicted change, in the target's unit: kg, reps or s),
    sorted by |shap|; the
    background is `reference` (rows of raw FEATURES) or drawn from the graph's training nodes."""
    import shap

    sub, position = neighbourhood(graph, node)
    f = subgraph_function(fitted, sub, position, model, target)
    values = graph.nodes.loc[node, FEATURES].to_numpy(dtype=float)
    values = np.where(np.isnan(values), fitted.scaler.median, values)
    masker = shap.maskers.Independent(background(fitted, graph) if reference is None else reference,
                                      max_samples=BACKGROUND_NODES)
    explanation = shap.PermutationExplainer(f, masker, seed=SEED)(values[None, :], max_evals=MAX_EVALS, silent=True)
    frame = pd.DataFrame({"feature": FEATURES, "value": values, "shap": explanation.values[0]})
    return frame.reindex(frame["shap"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def load_features_rank(fitted: OverloadModel, graph: Graph, nodes: np.ndarray, model: str = "graphsage") -> dict:
    """Mean |SHAP| (predicted weight change, kg) per feature over `nodes`, and whether the original's claim holds:
    are session load, weekly load, monotony and strain the top features?"""
    reference = background(fitted, graph)
    mean_abs = sum(explain(fitted, graph, int(n), model, reference=reference).set_index("feature")["shap"].abs()
                   for n in nodes) / max(len(nodes), 1)
    ranking = mean_abs.sort_values(ascending=False)
    top = list(ranking.index[:len(LOAD_FEATURES)])
    return {"n_nodes": int(len(nodes)), "mean_abs_shap_kg": {k: round(float(v), 4) for k, v in ranking.items()},
            "load_features_on_top": set(top) == set(LOAD_FEATURES),
            "load_feature_ranks": {f: int(list(ranking.index).index(f)) + 1 for f in LOAD_FEATURES}}
