"""Models of the overload kind: two rules, LightGBM without the graph, and GCN / GraphSAGE over
the typed exercise graph (engine.overload.dataset).

Every model predicts the next session's top-set weight (kg), reps and mean rest (s). The learnt
ones predict the change from this session, scaled by the training nodes' SD, and add it back, so a
model that learns nothing repeats the last session instead of collapsing to the mean (flaw 4).
Scalers (median fill, mean and SD) are fitted on the training nodes only (flaw 5).
"""
from __future__ import annotations

import json
import pickle
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.models.registry import NotEnoughData
from engine.overload.dataset import CURRENT, FEATURES, RELATIONS, TARGETS, Graph

LEARNT = ["graphsage", "gcn", "lightgbm"]
BASELINES = ["repeat_last", "rule"]
GRAPH_MODELS = {"graphsage": "sage", "gcn": "gcn"}
MODEL_LABELS = {"graphsage": "GraphSAGE", "gcn": "GCN", "lightgbm": "LightGBM (no graph)",
                "repeat_last": "Repeat the last session", "rule": "RPE rule (original project)"}
# The original slides' rule (research/anchors.md): fatigue (RPE) < 7 -> +2.5 % weight; > 9 -> +10 s
# rest, or -1 rep when no rest is logged.
RULE_EASY_RPE, RULE_HARD_RPE = 7.0, 9.0
RULE_WEIGHT_STEP, RULE_REST_STEP_S, RULE_REP_STEP = 0.025, 10.0, 1.0
RULE_TEXT = (f"+{100 * RULE_WEIGHT_STEP:g} % weight below RPE {RULE_EASY_RPE:g}; above {RULE_HARD_RPE:g}, "
             f"+{RULE_REST_STEP_S:g} s rest (or {RULE_REP_STEP:g} rep less when no rest is logged)")
SCALED_LIMIT = 5.0   # scaled features are clipped to +-5 SD: a nearly constant training feature (one
                     # lifter on fixed weekdays) must not turn one unusual gap into an input of 600


@dataclass(frozen=True)
class Params:
    hidden: int = 32
    dropout: float = 0.3
    lr: float = 0.01
    weight_decay: float = 5e-4
    max_epochs: int = 400
    patience: int = 30          # epochs without a better validation loss
    lgb_trees: int = 300
    seed: int = 0

    @classmethod
    def quick(cls) -> "Params":
        return cls(max_epochs=60, patience=10, lgb_trees=60)


def repeat_last(nodes: pd.DataFrame) -> np.ndarray:
    """(n, 3) weight_kg, reps, rest_s: this session again."""
    return nodes[list(CURRENT.values())].to_numpy(dtype=float, copy=True)


def rule(nodes: pd.DataFrame) -> np.ndarray:
    """(n, 3): the original's rule on this session's RPE; a missing RPE repeats the session."""
    out = repeat_last(nodes)
    rpe = nodes["rpe"].to_numpy(dtype=float)
    easy, hard = rpe < RULE_EASY_RPE, rpe > RULE_HARD_RPE
    out[easy, 0] *= 1 + RULE_WEIGHT_STEP
    has_rest = ~np.isnan(out[:, 2])
    out[hard & has_rest, 2] += RULE_REST_STEP_S
    out[hard & ~has_rest, 1] = np.maximum(out[hard & ~has_rest, 1] - RULE_REP_STEP, 1)
    return out


@dataclass(frozen=True)
class Scaler:
    """Per-feature median (fills gaps), mean and SD over the nodes before the test weeks; per-target
    change mean and SD over the labelled training nodes."""
    median: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    change_mean: np.ndarray
    change_sd: np.ndarray

    @classmethod
    def fit(cls, train: pd.DataFrame, labelled: np.ndarray) -> "Scaler":
        x = train[FEATURES].to_numpy(dtype=float)
        median = np.nan_to_num(np.nanmedian(np.where(np.isnan(x).all(axis=0), 0.0, x), axis=0))
        filled = np.where(np.isnan(x), median, x)
        change = changes(train[labelled])
        known = ~np.isnan(change)
        change_mean = np.nansum(change, axis=0) / np.maximum(known.sum(axis=0), 1)  # 0 for a target never logged
        change_sd = np.sqrt(np.nansum((change - change_mean) ** 2, axis=0) / np.maximum(known.sum(axis=0), 1))
        sd = filled.std(axis=0)
        return cls(median, filled.mean(axis=0), np.where(sd > 0, sd, 1.0), change_mean,
                   np.where(change_sd > 0, change_sd, 1.0))

    def features(self, nodes: pd.DataFrame) -> np.ndarray:
        x = nodes[FEATURES].to_numpy(dtype=float)
        scaled = (np.where(np.isnan(x), self.median, x) - self.mean) / self.sd
        return np.clip(scaled, -SCALED_LIMIT, SCALED_LIMIT).astype(np.float32)


def changes(nodes: pd.DataFrame) -> np.ndarray:
    """(n, 3) observed next - this session (weight kg, reps, rest s); NaN where unknown."""
    return nodes[list(TARGETS.values())].to_numpy(dtype=float) - repeat_last(nodes)


def _torch():
    import torch
    return torch


def graph_net(kind: str, n_features: int, params: Params):
    """Two relational conv layers (one conv per relation, summed: the edge type reaches the layer),
    ReLU and dropout, then a linear head with 3 outputs. kind: "sage" (mean aggregation) or "gcn"."""
    torch = _torch()
    from torch_geometric.nn import GCNConv, SAGEConv

    def conv(n_in: int):
        return torch.nn.ModuleList([SAGEConv(n_in, params.hidden, aggr="mean") if kind == "sage"
                                    else GCNConv(n_in, params.hidden) for _ in RELATIONS])

    class GraphNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = torch.nn.ModuleList([conv(n_features), conv(params.hidden)])
            self.dropout = torch.nn.Dropout(params.dropout)
            self.head = torch.nn.Linear(params.hidden, len(TARGETS))

        def forward(self, x, *edge_sets):
            for layer in self.layers:
                x = self.dropout(torch.relu(sum(c(x, e) for c, e in zip(layer, edge_sets))))
            return self.head(x)

    return GraphNet()


def _edge_tensors(graph: Graph):
    torch = _torch()
    return [torch.as_tensor(graph.edges[r], dtype=torch.long) for r in RELATIONS]


def fit_graph_net(kind: str, graph: Graph, scaler: Scaler, params: Params, progress=None):
    """Full-batch Adam + MSE on the training graph's train nodes (gaps in a target are masked),
    early stopping on its val nodes; returns the net at its best validation loss.
    progress(epoch, max_epochs) after each epoch."""
    torch = _torch()
    torch.manual_seed(params.seed)
    net = graph_net(kind, len(FEATURES), params)
    x = torch.as_tensor(scaler.features(graph.nodes))
    y = (changes(graph.nodes) - scaler.change_mean) / scaler.change_sd
    known = torch.as_tensor(~np.isnan(y), dtype=torch.float32)
    y = torch.as_tensor(np.nan_to_num(y), dtype=torch.float32)
    edge_sets = _edge_tensors(graph)
    train, val = (torch.as_tensor(graph.mask(p)) for p in ("train", "val"))

    def loss(out, rows):
        return ((out[rows] - y[rows]) ** 2 * known[rows]).sum() / known[rows].sum().clamp(min=1)

    optimiser = torch.optim.Adam(net.parameters(), lr=params.lr, weight_decay=params.weight_decay)
    best, best_state, waited = np.inf, None, 0
    for epoch in range(params.max_epochs):
        net.train()
        optimiser.zero_grad()
        loss(net(x, *edge_sets), train).backward()
        optimiser.step()
        net.eval()
        with torch.no_grad():
            val_loss = float(loss(net(x, *edge_sets), val if val.any() else train))
        if val_loss < best - 1e-5:
            best, best_state, waited = val_loss, {k: v.clone() for k, v in net.state_dict().items()}, 0
        else:
            waited += 1
            if waited >= params.patience:
                break
        if progress:
            progress(epoch + 1, params.max_epochs)
    net.load_state_dict(best_state)
    return net.eval()


def predictor(net, scaler: Scaler):
    """A module from raw FEATURES (NaN allowed) and the three edge sets to the next session's
    weight (kg), reps and rest (s), clipped at 0 kg, 1 rep and 0 s: what the app runs and ONNX exports."""
    torch = _torch()

    class Predictor(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = net
            for name in ("median", "mean", "sd", "change_mean", "change_sd"):
                self.register_buffer(name, torch.as_tensor(getattr(scaler, name), dtype=torch.float32))
            self.register_buffer("current", torch.as_tensor([FEATURES.index(c) for c in CURRENT.values()]))
            self.register_buffer("floor", torch.tensor([0.0, 1.0, 0.0]))

        def forward(self, x, e_muscle, e_order, e_next):
            filled = torch.where(torch.isnan(x), self.median, x)
            scaled = torch.clamp((filled - self.mean) / self.sd, -SCALED_LIMIT, SCALED_LIMIT)
            change = self.net(scaled, e_muscle, e_order, e_next) * self.change_sd + self.change_mean
            return torch.maximum(filled[:, self.current] + change, self.floor)

    return Predictor().eval()


class OverloadModel:
    """The fitted learnt models and the training scaler."""

    def __init__(self, scaler: Scaler, nets: dict, boosters: list, params: Params):
        self.scaler, self.nets, self.boosters, self.params = scaler, nets, boosters, params
        self.predictors = {name: predictor(net, scaler) for name, net in nets.items()}

    def predict(self, graph: Graph, model: str) -> np.ndarray:
        """(n, 3) next weight_kg, reps, rest_s for every node of `graph`, by any model name."""
        if model == "repeat_last":
            return repeat_last(graph.nodes)
        if model == "rule":
            return rule(graph.nodes)
        if model == "lightgbm":
            x = graph.nodes[FEATURES].to_numpy(dtype=float)
            change = np.stack([np.zeros(len(x)) if b is None else b.predict(x) for b in self.boosters], axis=1)
            return np.maximum(repeat_last(graph.nodes) + change, [0.0, 1.0, 0.0])
        torch = _torch()
        with torch.no_grad():
            x = torch.as_tensor(graph.nodes[FEATURES].to_numpy(dtype=np.float32))
            return self.predictors[model](x, *_edge_tensors(graph)).numpy().astype(float)

    def save(self, directory: Path) -> None:
        torch = _torch()
        for name, net in self.nets.items():
            torch.save(net.state_dict(), directory / f"{name}.pt")
        for target, booster in zip(TARGETS, self.boosters):
            if booster is not None:
                booster.save_model(str(directory / f"lightgbm_{target}.txt"))
        (directory / "scaler.pkl").write_bytes(pickle.dumps(self.scaler))
        (directory / "params.json").write_text(json.dumps(asdict(self.params)))

    @classmethod
    def load(cls, directory: Path) -> "OverloadModel":
        import lightgbm as lgb
        torch = _torch()

        params = Params(**json.loads((directory / "params.json").read_text()))
        nets = {}
        for name, kind in GRAPH_MODELS.items():
            net = graph_net(kind, len(FEATURES), params)
            net.load_state_dict(torch.load(directory / f"{name}.pt"))
            nets[name] = net.eval()
        boosters = [lgb.Booster(model_file=str(path)) if (path := directory / f"lightgbm_{t}.txt").is_file() else None
                    for t in TARGETS]
        return cls(pickle.loads((directory / "scaler.pkl").read_bytes()), nets, boosters, params)


def fit_lightgbm(graph: Graph, params: Params) -> list:
    """One LightGBM regressor per target on the raw features (NaN = missing), the change as target;
    None for a target never logged (rest in a Strong export): its change is predicted as 0."""
    import lightgbm as lgb

    rows = graph.mask("train") | graph.mask("val")
    x = graph.nodes.loc[rows, FEATURES].to_numpy(dtype=float)
    y = changes(graph.nodes[rows])
    boosters = []
    for j in range(len(TARGETS)):
        known = ~np.isnan(y[:, j])
        if not known.any():
            boosters.append(None)
            continue
        boosters.append(lgb.train({"objective": "regression", "learning_rate": 0.05, "num_leaves": 15,
                                   "min_data_in_leaf": 20, "seed": params.seed, "deterministic": True,
                                   "num_threads": 1, "verbose": -1},
                                  lgb.Dataset(x[known], y[known, j]), params.lgb_trees))
    return boosters


def fit(graph: Graph, params: Params, progress=None) -> OverloadModel:
    """Every learnt model on the training graph (the nodes before the test weeks)."""
    train_graph = graph.before_test()
    labelled = train_graph.mask("train")
    if not labelled.any():
        raise NotEnoughData("the overload model needs an exercise logged in at least two sessions before an "
                            "athlete's last weeks: import a Strong or Hevy log")
    scaler = Scaler.fit(train_graph.nodes, labelled)
    nets = {name: fit_graph_net(kind, train_graph, scaler, params, progress) for name, kind in GRAPH_MODELS.items()}
    return OverloadModel(scaler, nets, fit_lightgbm(train_graph, params), params)
