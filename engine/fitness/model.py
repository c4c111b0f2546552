"""The paper's hybrid BMI classifier and its baselines (anchors.md, "BMI / fitness prescription").

Feature extractor (PyTorch): Conv1d 4 -> 64 -> 128 -> 256 (kernel 5, stride 2, padding 2: 15 -> 8
-> 4 -> 2 steps, ReLU), 8-head self-attention (32-d heads, dropout 0.3) with a residual connection
and LayerNorm, global average pooling to z (256-d). It is trained with a class head plus the
paper's weighted loss over the four tests (0.4 / 0.2 / 0.2 / 0.2; the paper gives only the
weights, so here they weight auxiliary heads that rebuild each scaled test from z) and an
attention-sparsity term (lambda 0.1 x the mean entropy of the attention rows); Adam 1e-3, L2 1e-4,
Gaussian noise (SD 0.05) on the pre-pooling features, early stopping (patience 10) on held-out
original rows. LightGBM (lambda_l1 1.2, lambda_l2 0.8) classifies z.

Imbalance (only on training rows): SMOTE (k = 5, imbalanced-learn) in the scaled 18-number space,
then Gaussian noise (SD 0.1, scaled units). The scaler is fitted on the training rows only.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from engine.fitness.battery import CLASSES, LAPS
from engine.fitness.dataset import COLUMNS, Battery
from engine.models.scaling import Scaler

N_CLASSES = len(CLASSES)
N_TESTS = 4
BACKGROUND_ROWS = 30     # SHAP background: training rows drawn at random (seeded)
HYBRIDS = {"hybrid": {}, "hybrid_no_smote": {"smote": False}, "hybrid_no_noise": {"noise": False}}
BASELINES = ["majority", "logistic", "svm", "random_forest", "lightgbm_raw"]
MODEL_LABELS = {"hybrid": "1D-CNN + attention → LightGBM (the paper's pipeline)",
                "hybrid_no_smote": "hybrid without SMOTE", "hybrid_no_noise": "hybrid without the noise",
                "majority": "Majority class", "logistic": "Logistic regression", "svm": "SVM (RBF)",
                "random_forest": "Random forest", "lightgbm_raw": "LightGBM on the raw tests"}


@dataclass(frozen=True)
class Params:
    channels: tuple = (64, 128, 256)
    kernel: int = 5
    stride: int = 2
    heads: int = 8              # 8 x 32-d heads = 256
    dropout: float = 0.3
    test_weights: tuple = (0.4, 0.2, 0.2, 0.2)   # 3,000 m, pull-ups, sit-ups, shuttle
    sparsity: float = 0.1
    lr: float = 1e-3
    weight_decay: float = 1e-4
    feature_noise_sd: float = 0.05
    patience: int = 10
    max_epochs: int = 60
    batch: int = 256
    holdout: float = 0.1        # share of the training rows that stops training early
    smote_k: int = 5
    augment_noise_sd: float = 0.1
    lgb_trees: int = 300
    lgb_l1: float = 1.2
    lgb_l2: float = 0.8
    folds: int = 5
    seed: int = 7

    @classmethod
    def quick(cls) -> Params:
        return cls(max_epochs=6, patience=3, lgb_trees=40, folds=3)

    @classmethod
    def from_dict(cls, saved: dict) -> Params:
        """Params from their JSON form (lists back to tuples; keys that are not fields ignored)."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in saved.items()
                      if k in cls.__dataclass_fields__})


def fit_scaler(table: np.ndarray) -> Scaler:
    """The 18 inputs' Scaler over the training rows, the 15 laps sharing one mean and SD (the lap channel)."""
    columns, laps = Scaler.fit(table), Scaler.fit(table[:, :LAPS].reshape(-1, 1))
    mean, sd = columns.mean.copy(), columns.sd.copy()
    mean[:LAPS], sd[:LAPS] = laps.mean[0], laps.sd[0]
    return Scaler(mean, sd)


def _torch_modules():
    import torch
    from torch import nn

    class Attention(nn.Module):
        """Multi-head self-attention that also returns its weights (batch, heads, L, L)."""

        def __init__(self, dim: int, heads: int, dropout: float):
            super().__init__()
            self.heads, self.head_dim = heads, dim // heads
            self.qkv, self.out, self.drop = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim), nn.Dropout(dropout)

        def forward(self, h):
            b, length, dim = h.shape
            q, k, v = self.qkv(h).reshape(b, length, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4).unbind(0)
            weights = torch.softmax(q @ k.transpose(-2, -1) / self.head_dim**0.5, dim=-1)
            mixed = (self.drop(weights) @ v).transpose(1, 2).reshape(b, length, dim)
            return self.out(mixed), weights

    class Extractor(nn.Module):
        """Raw (batch, 18) inputs (COLUMNS, s and reps) -> z (batch, 256); scaling inside."""

        def __init__(self, params: Params, scaler: Scaler):
            super().__init__()
            self.register_buffer("mean", torch.tensor(scaler.mean, dtype=torch.float32))
            self.register_buffer("sd", torch.tensor(scaler.sd, dtype=torch.float32))
            layers, c_in = [], N_TESTS
            for c_out in params.channels:
                layers += [nn.Conv1d(c_in, c_out, params.kernel, params.stride, params.kernel // 2), nn.ReLU()]
                c_in = c_out
            self.conv = nn.Sequential(*layers)
            self.attention = Attention(c_in, params.heads, params.dropout)
            self.norm = nn.LayerNorm(c_in)
            self.noise_sd = params.feature_noise_sd
            self.classes = nn.Linear(c_in, N_CLASSES)
            self.tests = nn.Linear(c_in, N_TESTS)

        def sequence(self, table):
            """(batch, 18) scaled -> (batch, T = 15, F = 4)."""
            laps, tests = table[:, :LAPS, None], table[:, None, LAPS:]
            return torch.cat([laps, tests.expand(-1, LAPS, -1)], dim=2)

        def features(self, scaled):
            h = self.conv(self.sequence(scaled).transpose(1, 2)).transpose(1, 2)
            mixed, weights = self.attention(h)
            h = self.norm(h + mixed)
            if self.training and self.noise_sd:
                h = h + self.noise_sd * torch.randn_like(h)
            return h.mean(dim=1), weights

        def forward(self, raw):
            return self.features((raw - self.mean) / self.sd)[0]

    return torch, nn, Extractor


def _test_targets(scaled: np.ndarray) -> np.ndarray:
    """(n, 4) scaled tests that the auxiliary heads rebuild: the mean lap, then the three tests."""
    return np.concatenate([scaled[:, :LAPS].mean(axis=1, keepdims=True), scaled[:, LAPS:]], axis=1)


def resample(scaled: np.ndarray, y: np.ndarray, params: Params, smote: bool, noise: bool,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """SMOTE (k = min(5, smallest class - 1); classes with one row are left alone) up to the
    majority class, then Gaussian noise on every row: the training rows only, scaled units."""
    if smote:
        from imblearn.over_sampling import SMOTE

        counts = np.bincount(y, minlength=N_CLASSES)
        target = {c: int(counts.max()) for c in range(N_CLASSES) if counts[c] >= 2}
        k = min(params.smote_k, min(counts[c] for c in target) - 1)
        if len(target) > 1 and k >= 1:
            scaled, y = SMOTE(sampling_strategy=target, k_neighbors=k,
                              random_state=int(rng.integers(2**31))).fit_resample(scaled, y)
    if noise:
        scaled = scaled + rng.normal(0.0, params.augment_noise_sd, scaled.shape)
    return scaled.astype(np.float32), y


def _split_holdout(y: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of about `share` of the rows of every class (at least one of a class with >= 2)."""
    mask = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == c))
        if len(rows) >= 2:
            mask[rows[:max(1, round(share * len(rows)))]] = True
    return mask


def fit_extractor(train_scaled, train_y, val_scaled, val_y, params: Params, scaler: Scaler, progress=None):
    """Train the extractor with its class and test heads; keep the epoch with the lowest
    validation class loss, each class weighted by its share in training / its share in validation
    (so the held-out original rows score the class balance the model is trained for). Returns the
    module in eval mode."""
    torch, nn, Extractor = _torch_modules()
    torch.manual_seed(params.seed)
    model = Extractor(params, scaler)
    optimiser = torch.optim.Adam(model.parameters(), lr=params.lr, weight_decay=params.weight_decay)
    x, y = torch.from_numpy(train_scaled), torch.from_numpy(train_y)
    aux = torch.from_numpy(_test_targets(train_scaled).astype(np.float32))
    weights = torch.tensor(params.test_weights, dtype=torch.float32)
    vx, vy = torch.from_numpy(val_scaled.astype(np.float32)), torch.from_numpy(val_y)
    shares = [np.bincount(v, minlength=N_CLASSES) / len(v) for v in (train_y, val_y)]
    class_weight = torch.tensor(np.divide(shares[0], shares[1], out=np.zeros(N_CLASSES), where=shares[1] > 0),
                                dtype=torch.float32)
    generator = torch.Generator().manual_seed(params.seed)
    best, best_state, waited = np.inf, None, 0
    for epoch in range(params.max_epochs):
        model.train()
        for batch in torch.randperm(len(x), generator=generator).split(params.batch):
            z, attention = model.features(x[batch])
            loss = (nn.functional.cross_entropy(model.classes(z), y[batch])
                    + (weights * ((model.tests(z) - aux[batch]) ** 2).mean(dim=0)).sum()
                    - params.sparsity * (attention * torch.log(attention + 1e-9)).sum(-1).mean())
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        model.eval()
        with torch.no_grad():
            val_loss = float(nn.functional.cross_entropy(model.classes(model.features(vx)[0]), vy, class_weight))
        if progress:
            progress(epoch + 1, params.max_epochs)
        if val_loss < best - 1e-4:
            best, best_state, waited = val_loss, {k: v.clone() for k, v in model.state_dict().items()}, 0
        else:
            waited += 1
            if waited >= params.patience:
                break
    model.load_state_dict(best_state)
    return model.eval()


def _lgb_params(params: Params) -> dict:
    return {"objective": "multiclass", "num_class": N_CLASSES, "learning_rate": 0.05, "num_leaves": 15,
            "lambda_l1": params.lgb_l1, "lambda_l2": params.lgb_l2, "min_data_in_leaf": 10, "max_bin": 63,
            "seed": params.seed, "deterministic": True, "num_threads": 2, "verbose": -1}


class HybridModel:
    """Extractor -> z -> LightGBM: predict_proba on raw (n, 18) rows (COLUMNS)."""

    def __init__(self, extractor, booster, params: Params, background: np.ndarray):
        self.extractor, self.booster, self.params = extractor, booster, params
        self.background = background            # raw rows for SHAP's masker (training rows)

    def z(self, table: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            return self.extractor(torch.from_numpy(np.asarray(table, dtype=np.float32))).numpy()

    def predict_proba(self, table: np.ndarray) -> np.ndarray:
        """(n, 4) class probabilities (CLASSES order)."""
        return self.booster.predict(self.z(table))

    def save(self, directory: Path) -> None:
        import torch

        torch.save(self.extractor.state_dict(), directory / "extractor.pt")
        self.booster.save_model(str(directory / "head.txt"))
        np.save(directory / "background.npy", self.background)
        (directory / "params.json").write_text(json.dumps(asdict(self.params)))

    @classmethod
    def load(cls, directory: Path) -> HybridModel:
        import lightgbm as lgb
        import torch

        params = Params.from_dict(json.loads((directory / "params.json").read_text()))
        # the saved state holds the fitted mean and SD
        identity = Scaler(np.zeros(len(COLUMNS)), np.ones(len(COLUMNS)))
        extractor = _torch_modules()[2](params, identity)
        extractor.load_state_dict(torch.load(directory / "extractor.pt", weights_only=True))
        return cls(extractor.eval(), lgb.Booster(model_file=str(directory / "head.txt")), params,
                   np.load(directory / "background.npy"))



def fit_hybrid(data: Battery, params: Params, smote: bool = True, noise: bool = True,
               progress=None) -> HybridModel:
    """The paper's pipeline on `data` (labelled rows): scaler on the training rows, early-stopping
    holdout of original rows, SMOTE + noise on the rest, extractor, then LightGBM on z."""
    import lightgbm as lgb

    rng = np.random.default_rng(params.seed)
    table, y = data.table(), data.y
    holdout = _split_holdout(y, params.holdout, rng)
    scaler = fit_scaler(table[~holdout])
    train_scaled, train_y = resample(scaler(table[~holdout]), y[~holdout], params, smote, noise, rng)
    extractor = fit_extractor(train_scaled, train_y, scaler(table[holdout]), y[holdout], params, scaler, progress)
    model = HybridModel(extractor, None, params, table[rng.choice(np.flatnonzero(~holdout),
                                                                  min(BACKGROUND_ROWS, int((~holdout).sum())),
                                                                  replace=False)])
    model.booster = lgb.train(_lgb_params(params), lgb.Dataset(model.z(scaler.inverse(train_scaled)), train_y),
                              params.lgb_trees,
                              valid_sets=[lgb.Dataset(model.z(table[holdout]), y[holdout])],
                              callbacks=[lgb.early_stopping(20, verbose=False)])
    return model


def fit_baseline(name: str, table: np.ndarray, y: np.ndarray, params: Params):
    """A fitted sklearn-style baseline on the raw 18 inputs (scaled inside; class weights
    balanced where the model takes them): .predict(table) gives class indices."""
    from lightgbm import LGBMClassifier
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    models = {
        "majority": lambda: DummyClassifier(strategy="most_frequent"),
        "logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, class_weight="balanced")),
        "svm": lambda: make_pipeline(StandardScaler(), SVC(class_weight="balanced", random_state=params.seed)),
        "random_forest": lambda: RandomForestClassifier(n_estimators=300, min_samples_leaf=2, class_weight="balanced",
                                                        n_jobs=2, random_state=params.seed),
        "lightgbm_raw": lambda: LGBMClassifier(**{k: v for k, v in _lgb_params(params).items() if k != "num_class"},
                                               n_estimators=params.lgb_trees, class_weight="balanced"),
    }
    return models[name]().fit(table, y)

