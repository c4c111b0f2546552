"""Baselines of the HR kind, on the same split as the learnt models. Each predicts a run's HR on
its time grid (bpm) and its speed on its distance grid (km/h):

- `global_mean`, `athlete_mean`: the training mean (of the athlete; the global one for others);
- `mlp`: a per-step MLP (scikit-learn) on the step's inputs and the athlete (one-hot);
- `lightgbm`: per step, with lagged route features (causal means of speed and grade over the last
  30 s to 5 min for HR; grade ahead and behind for speed) and the athlete as a category;
- `first_order`: physiology. HR obeys tau dHR/dt = HR_ss - HR with HR_ss linear in speed, grade
  and elapsed time (the drift), tau per athlete from a grid (DESIGN.md, "hr/"; Hunt 2015 for the
  first-order response, tau ~ 30-60 s). Speed is linear in grade per athlete (runners slow uphill,
  Minetti 2002).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
from scipy.signal import lfilter
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

from engine.hr.dataset import STEP_S, HrData, Run

TAU_GRID_S = (15.0, 25.0, 35.0, 50.0, 70.0, 95.0, 130.0)
HR_LAGS = (3, 6, 18, 30)        # steps of 10 s
SPEED_SPAN = (2, 4, 10)         # route points of 50 m, ahead and behind


def _rolling_mean(values: np.ndarray, steps: int) -> np.ndarray:
    """Mean of the last `steps` values (causal, shorter at the start)."""
    c = np.cumsum(np.insert(values, 0, 0.0))
    idx = np.arange(1, len(values) + 1)
    lo = np.maximum(idx - steps, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def hr_features(run: Run) -> np.ndarray:
    x = run.time_x
    lags = [_rolling_mean(x[:, col], k) for col in (4, 2) for k in HR_LAGS]
    return np.column_stack([x, *lags])


def speed_features(run: Run) -> np.ndarray:
    x = run.route_x
    grade = x[:, 2]
    spans = []
    for k in SPEED_SPAN:
        spans.append(_rolling_mean(grade, k))                              # behind
        spans.append(_rolling_mean(grade[::-1], k)[::-1])                  # ahead
    return np.column_stack([x, *spans])


@dataclass
class MeanModel:
    """global_mean (per_athlete False) or athlete_mean."""
    per_athlete: bool
    hr: dict[int, float] = field(default_factory=dict)
    speed: dict[int, float] = field(default_factory=dict)

    def fit(self, data: HrData) -> MeanModel:
        all_hr = np.concatenate([r.hr_bpm for r in data.train])
        all_speed = np.concatenate([r.speed_kmh for r in data.train])
        self.hr[0], self.speed[0] = float(np.nanmean(all_hr)), float(np.nanmean(all_speed))
        if self.per_athlete:
            for a in data.athletes:
                runs = [r for r in data.train if r.athlete_id == a]
                self.hr[a] = float(np.nanmean(np.concatenate([r.hr_bpm for r in runs])))
                self.speed[a] = float(np.nanmean(np.concatenate([r.speed_kmh for r in runs])))
        return self

    def predict_hr(self, run: Run) -> np.ndarray:
        return np.full(len(run.time_x), self.hr.get(run.athlete_id, self.hr[0]))

    def predict_speed(self, run: Run) -> np.ndarray:
        return np.full(len(run.route_x), self.speed.get(run.athlete_id, self.speed[0]))


def _one_hot(athlete_id: int, athletes: list[int], n: int) -> np.ndarray:
    out = np.zeros((n, len(athletes)))
    if athlete_id in athletes:
        out[:, athletes.index(athlete_id)] = 1.0
    return out


def _subsample(parts: list[np.ndarray], n: int, rng: np.random.Generator) -> list[np.ndarray]:
    keep = rng.permutation(len(parts[0]))[:n]
    return [p[keep] for p in parts]


@dataclass
class StepModel:
    """`mlp` or `lightgbm`: one regressor per target on per-step features (+ the athlete)."""
    kind: str
    seed: int
    athletes: list[int] = field(default_factory=list)
    models: dict = field(default_factory=dict)
    scalers: dict = field(default_factory=dict)

    def _rows(self, run: Run, target: str) -> np.ndarray:
        x = hr_features(run) if target == "hr" else speed_features(run)
        if self.kind == "mlp":
            return np.column_stack([x, _one_hot(run.athlete_id, self.athletes, len(x))])
        index = self.athletes.index(run.athlete_id) if run.athlete_id in self.athletes else -1
        return np.column_stack([x, np.full(len(x), index)])

    def fit(self, data: HrData, trees: int, max_rows: int, max_iter: int) -> StepModel:
        self.athletes = list(data.athletes)
        rng = np.random.default_rng(self.seed)
        for target in ("hr", "speed"):
            x = np.concatenate([self._rows(r, target) for r in data.train])
            y = np.concatenate([r.hr_bpm if target == "hr" else r.speed_kmh for r in data.train])
            ok = np.isfinite(y)
            x, y = _subsample([x[ok], y[ok]], max_rows if self.kind == "mlp" else len(y), rng)
            if self.kind == "mlp":
                self.scalers[target] = StandardScaler().fit(x)
                mlp = MLPRegressor(hidden_layer_sizes=(64, 32), early_stopping=True, max_iter=max_iter,
                                   random_state=self.seed)
                with warnings.catch_warnings():  # max_iter is the training budget, not a failure
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    self.models[target] = mlp.fit(self.scalers[target].transform(x), y)
            else:
                params = {"objective": "regression_l1" if target == "hr" else "regression", "learning_rate": 0.05,
                          "num_leaves": 31, "min_data_in_leaf": 50, "seed": self.seed, "deterministic": True,
                          "num_threads": 2, "verbose": -1}
                dataset = lgb.Dataset(x, y, categorical_feature=[x.shape[1] - 1])
                self.models[target] = lgb.train(params, dataset, num_boost_round=trees)
        return self

    def _predict(self, run: Run, target: str) -> np.ndarray:
        x = self._rows(run, target)
        if self.kind == "mlp":
            return self.models[target].predict(self.scalers[target].transform(x))
        return self.models[target].predict(x)

    def predict_hr(self, run: Run) -> np.ndarray:
        return self._predict(run, "hr")

    def predict_speed(self, run: Run) -> np.ndarray:
        return self._predict(run, "speed")


def _filtered(run: Run, tau_s: float) -> np.ndarray:
    """The regressors of first_order on a run: speed, grade, elapsed time and 1 through the
    first-order filter from 0, and the decay a^k of the starting HR."""
    a = np.exp(-STEP_S / tau_s)
    x = run.time_x
    raw = np.column_stack([np.ones(len(x)), x[:, 4], x[:, 2], x[:, 3]])
    filtered = lfilter([1 - a], [1, -a], raw, axis=0)
    return np.column_stack([filtered, a ** np.arange(1, len(x) + 1)])


@dataclass
class FirstOrder:
    """first_order: per athlete (the population for others) tau from TAU_GRID_S and least squares
    for HR_ss = b0 + b1 speed + b2 grade + b3 elapsed (drift) and the starting HR."""
    hr: dict[int, tuple[float, np.ndarray]] = field(default_factory=dict)
    speed: dict[int, np.ndarray] = field(default_factory=dict)

    @staticmethod
    def _fit_hr(runs: list[Run]) -> tuple[float, np.ndarray]:
        y = np.concatenate([r.hr_bpm for r in runs])
        ok = np.isfinite(y)
        best = None
        for tau in TAU_GRID_S:
            x = np.concatenate([_filtered(r, tau) for r in runs])
            coef, *_ = np.linalg.lstsq(x[ok], y[ok], rcond=None)
            sse = float(((x[ok] @ coef - y[ok]) ** 2).sum())
            if best is None or sse < best[0]:
                best = (sse, tau, coef)
        return best[1], best[2]

    @staticmethod
    def _fit_speed(runs: list[Run]) -> np.ndarray:
        x = np.concatenate([np.column_stack([np.ones(len(r.route_x)), r.route_x[:, 2]]) for r in runs])
        coef, *_ = np.linalg.lstsq(x, np.concatenate([r.speed_kmh for r in runs]), rcond=None)
        return coef

    def fit(self, data: HrData) -> FirstOrder:
        self.hr[0], self.speed[0] = self._fit_hr(data.train), self._fit_speed(data.train)
        for a in data.athletes:
            runs = [r for r in data.train if r.athlete_id == a]
            self.hr[a], self.speed[a] = self._fit_hr(runs), self._fit_speed(runs)
        return self

    def predict_hr(self, run: Run) -> np.ndarray:
        tau, coef = self.hr.get(run.athlete_id, self.hr[0])
        return _filtered(run, tau) @ coef

    def predict_speed(self, run: Run) -> np.ndarray:
        coef = self.speed.get(run.athlete_id, self.speed[0])
        return coef[0] + coef[1] * run.route_x[:, 2]
