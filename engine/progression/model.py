"""Progression models on ProgressionData: `mlp` (PyTorch) and `lightgbm`, against the baselines
`repeat_last_action` (what the athlete did last time on this exercise) and `majority`.

Both learnt models see the same FEATURES. The MLP's standard scaler is fitted on the training rows
only (missing values become the training mean, i.e. 0 after scaling); the last VALIDATION_FRACTION
of the training days is its early-stopping set. Seeds make every run the same.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import torch
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from engine.models.registry import NotEnoughData, Result
from engine.progression.dataset import CLASSES, FEATURES, ProgressionData

MODELS = ["mlp", "lightgbm", "repeat_last_action", "majority"]
LEARNT = ["mlp", "lightgbm"]
BASELINES = ["repeat_last_action", "majority"]
VALIDATION_FRACTION = 0.1


@dataclass(frozen=True)
class Params:
    seed: int = 7
    trees: int = 300
    learning_rate: float = 0.05
    num_leaves: int = 15
    hidden: int = 64
    epochs: int = 200
    patience: int = 15
    lr: float = 1e-3
    weight_decay: float = 1e-4
    dropout: float = 0.2

    @classmethod
    def quick(cls) -> Params:
        return cls(trees=60, epochs=40, patience=5)


class MLP(torch.nn.Module):
    def __init__(self, n_in: int, hidden: int, dropout: float, n_out: int = len(CLASSES)):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(n_in, hidden), torch.nn.ReLU(), torch.nn.Dropout(dropout),
            torch.nn.Linear(hidden, hidden // 2), torch.nn.ReLU(), torch.nn.Linear(hidden // 2, n_out))

    def forward(self, x):
        return self.net(x)


@dataclass
class ProgressionModel:
    """The fitted models and what they need: scaler (train mean and SD per feature), majority class."""
    params: Params
    mean: np.ndarray
    sd: np.ndarray
    majority: int
    booster: lgb.Booster
    mlp: MLP

    def scaled(self, rows: pd.DataFrame) -> np.ndarray:
        x = (rows[FEATURES].to_numpy(dtype=float) - self.mean) / self.sd
        return np.nan_to_num(x).astype(np.float32)

    def proba(self, rows: pd.DataFrame, model: str) -> np.ndarray:
        """Class probabilities (rows x CLASSES) of a learnt model."""
        if model == "lightgbm":
            return self.booster.predict(lightgbm_input(rows))
        self.mlp.eval()
        with torch.no_grad():
            return torch.softmax(self.mlp(torch.from_numpy(self.scaled(rows))), dim=1).numpy()

    def predict(self, rows: pd.DataFrame, model: str) -> np.ndarray:
        """Class index per row for any of MODELS."""
        if model == "majority":
            return np.full(len(rows), self.majority)
        if model == "repeat_last_action":
            last = rows["last_action"].to_numpy(dtype=float)
            return np.where(np.isnan(last), self.majority, last).astype(int)
        return self.proba(rows, model).argmax(axis=1)

    def save(self, directory: Path) -> None:
        self.booster.save_model(str(directory / "lightgbm.txt"))
        torch.save(self.mlp.state_dict(), directory / "mlp.pt")
        (directory / "model.json").write_text(json.dumps({
            "params": asdict(self.params), "mean": self.mean.tolist(), "sd": self.sd.tolist(),
            "majority": self.majority, "features": FEATURES, "classes": CLASSES}))

    @classmethod
    def load(cls, directory: Path) -> ProgressionModel:
        meta = json.loads((directory / "model.json").read_text())
        params = Params(**meta["params"])
        mlp = MLP(len(FEATURES), params.hidden, params.dropout)
        mlp.load_state_dict(torch.load(directory / "mlp.pt", weights_only=True))
        return cls(params, np.array(meta["mean"]), np.array(meta["sd"]), meta["majority"],
                   lgb.Booster(model_file=str(directory / "lightgbm.txt")), mlp)


def lightgbm_input(rows: pd.DataFrame) -> np.ndarray:
    """FEATURES at float32 precision: the LightGBM model is trained and run on what its ONNX export
    (float32 only, onnxmltools) receives, so both take the same branch at every split."""
    return rows[FEATURES].to_numpy(dtype=np.float32).astype(np.float64)


def float32_thresholds(booster: lgb.Booster) -> lgb.Booster:
    """The booster with every split threshold t replaced by the largest float32 <= t. For float32
    inputs x (lightgbm_input), x <= t exactly when x <= that value: predictions do not change, and
    the ONNX export, which stores float32 thresholds, takes the same branch at every split."""
    def round_down(match: re.Match) -> str:
        exact = np.array(match.group(1).split(), dtype=np.float64)
        single = exact.astype(np.float32)
        single = np.where(single.astype(np.float64) > exact, np.nextafter(single, np.float32(-np.inf)), single)
        return "threshold=" + " ".join(repr(float(v)) for v in single)
    text = re.sub(r"^threshold=(.*)$", round_down, booster.model_to_string(), flags=re.M)
    return lgb.Booster(model_str=re.sub(r"^tree_sizes=.*\n", "", text, flags=re.M))  # byte sizes change


class ScaledMLP(torch.nn.Module):
    """The MLP with its scaler and softmax inside: raw FEATURES in, class probabilities out (ONNX)."""

    def __init__(self, model: ProgressionModel):
        super().__init__()
        self.mlp = model.mlp.eval()
        self.register_buffer("mean", torch.tensor(model.mean, dtype=torch.float32))
        self.register_buffer("sd", torch.tensor(model.sd, dtype=torch.float32))

    def forward(self, x):
        scaled = (x - self.mean) / self.sd
        return torch.softmax(self.mlp(torch.where(torch.isnan(scaled), torch.zeros_like(scaled), scaled)), dim=1)


def _fit_mlp(x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, p: Params, progress) -> MLP:
    """Adam on class-weighted cross-entropy (weights = inverse train frequency), full batch, early
    stopping on the validation loss with `patience` epochs."""
    torch.manual_seed(p.seed)
    model = MLP(x.shape[1], p.hidden, p.dropout)
    counts = np.bincount(y, minlength=len(CLASSES)).astype(np.float32)
    weights = torch.tensor(np.where(counts > 0, counts.sum() / np.maximum(counts, 1) / len(CLASSES), 0.0),
                           dtype=torch.float32)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
    optimiser = torch.optim.Adam(model.parameters(), lr=p.lr, weight_decay=p.weight_decay)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    xv, yv = torch.from_numpy(x_val), torch.from_numpy(y_val.astype(np.int64))
    best, best_state, waited = np.inf, None, 0
    for epoch in range(p.epochs):
        model.train()
        optimiser.zero_grad()
        loss_fn(model(xt), yt).backward()
        optimiser.step()
        model.eval()
        with torch.no_grad():
            val = float(loss_fn(model(xv), yv)) if len(yv) else 0.0
        if val < best - 1e-4:
            best, best_state, waited = val, {k: v.clone() for k, v in model.state_dict().items()}, 0
        else:
            waited += 1
            if waited >= p.patience:
                break
        if progress:
            progress(epoch + 1, p.epochs)
    if best_state is not None:
        model.load_state_dict(best_state)
    return model


def fit(data: ProgressionData, params: Params = Params(), progress=None) -> ProgressionModel:
    """Fit both learnt models on data.train; progress(step, total) reports the MLP's epochs."""
    if data.train.empty:
        raise NotEnoughData("the progression model needs an exercise logged in at least two sessions: import a "
                            "Strong or Hevy log")
    train = data.train.sort_values("day")
    y = train["label"].to_numpy(dtype=int)
    x_raw = train[FEATURES].to_numpy(dtype=float)
    known = np.isfinite(x_raw)
    count = np.maximum(known.sum(axis=0), 1)  # a feature never present (no RPE logged) scales to 0
    mean = np.where(known, x_raw, 0.0).sum(axis=0) / count
    sd = np.sqrt(np.where(known, (x_raw - mean) ** 2, 0.0).sum(axis=0) / count)
    sd[sd == 0] = 1.0
    majority = int(np.bincount(y, minlength=len(CLASSES)).argmax())
    booster = lgb.train({"objective": "multiclass", "num_class": len(CLASSES), "learning_rate": params.learning_rate,
                         "num_leaves": params.num_leaves, "min_data_in_leaf": 10, "seed": params.seed,
                         "deterministic": True, "num_threads": 1, "verbose": -1},
                        lgb.Dataset(lightgbm_input(train), y), num_boost_round=params.trees)
    booster = float32_thresholds(booster)
    fitted = ProgressionModel(params, mean, sd, majority, booster, MLP(len(FEATURES), params.hidden, params.dropout))
    days = np.sort(train["day"].unique())
    cut = days[int(np.floor((1 - VALIDATION_FRACTION) * len(days)))] if len(days) > 1 else days[-1]
    fit_rows, val_rows = train[train["day"] < cut], train[train["day"] >= cut]
    fitted.mlp = _fit_mlp(fitted.scaled(fit_rows), fit_rows["label"].to_numpy(dtype=int),
                          fitted.scaled(val_rows), val_rows["label"].to_numpy(dtype=int), params, progress)
    return fitted


def evaluate(model: ProgressionModel, data: ProgressionData, dataset: str) -> tuple[list[Result], dict]:
    """Every model on data.test: accuracy, macro_f1 and f1_<class>; plus {model: confusion matrix
    (rows = actual, columns = predicted, CLASSES order)} and predict_ms_per_item of the LightGBM model."""
    test = data.test
    actual = test["label"].to_numpy(dtype=int)
    results, confusion = [], {}
    labels = list(range(len(CLASSES)))
    for name in MODELS:
        predicted = model.predict(test, name)
        results.append(Result(dataset, name, "accuracy", float(accuracy_score(actual, predicted))))
        results.append(Result(dataset, name, "macro_f1",
                              float(f1_score(actual, predicted, labels=labels, average="macro", zero_division=0))))
        for cls, f1 in zip(CLASSES, f1_score(actual, predicted, labels=labels, average=None, zero_division=0)):
            results.append(Result(dataset, name, f"f1_{cls}", float(f1)))
        confusion[name] = confusion_matrix(actual, predicted, labels=labels).tolist()
    start = time.perf_counter()
    model.proba(test, "lightgbm")
    ms_per_item = 1000 * (time.perf_counter() - start) / max(len(test), 1)
    return results, {"confusion": confusion, "predict_ms_per_item": ms_per_item, "n_test": len(test),
                     "n_train": len(data.train)}
