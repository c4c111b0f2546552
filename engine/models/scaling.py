"""Standard scaling fitted on training rows only (mean and SD per column; a constant column keeps
SD 1), shared by the model kinds that scale their inputs this way (hr, fitness)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scaler:
    """Per-column mean and SD (NaN ignored); calling it scales to float32, inverse() undoes it."""
    mean: np.ndarray
    sd: np.ndarray

    @classmethod
    def fit(cls, values: np.ndarray) -> Scaler:
        values = values.reshape(len(values), -1)
        sd = np.nanstd(values, axis=0)
        return cls(np.nanmean(values, axis=0), np.where(sd > 0, sd, 1.0))

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return ((values - self.mean) / self.sd).astype(np.float32)

    def inverse(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values, dtype=float) * self.sd + self.mean

    def to_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "sd": self.sd.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> Scaler:
        return cls(np.asarray(d["mean"], dtype=float), np.asarray(d["sd"], dtype=float))
