"""SHAP of one battery over the whole pipeline (extractor and LightGBM), per test.

The 15 laps form one "3,000 m" feature: the explained function takes four columns, a lap-row index
and the three tests, and an index picks the athlete's own laps (0) or a background battery's laps
(1..B), so masking the 3,000 m swaps all 15 laps at once. The output explained is the probability
of an unhealthy class, 1 - P(normal): a positive value pushes the athlete toward a less healthy
class. shap's ExactExplainer enumerates the 16 coalitions of the 4 features against the model's
background (30 training batteries): exact Shapley values, and fast enough for a slider
(PermutationExplainer gives the same values within about 0.003 at 30x the time).
"""
from __future__ import annotations

import numpy as np

from engine.fitness.battery import CLASSES, HEALTHY_CLASS, LAPS, TESTS

HEALTHY = CLASSES.index(HEALTHY_CLASS)


def unhealthy_probability(model, table: np.ndarray) -> np.ndarray:
    """1 - P(normal) per raw (n, 18) row."""
    return 1.0 - model.predict_proba(table)[:, HEALTHY]


def shap_by_test(model, row: np.ndarray) -> tuple[dict[str, float], float]:
    """({test column: SHAP value}, base value) for one raw 18-number battery (dataset.COLUMNS)."""
    import shap

    row = np.asarray(row, dtype=float).reshape(1, -1)
    background = model.background
    laps = np.vstack([row[:, :LAPS], background[:, :LAPS]])

    def f(grouped: np.ndarray) -> np.ndarray:
        rows = np.concatenate([laps[grouped[:, 0].astype(int)], grouped[:, 1:]], axis=1)
        return unhealthy_probability(model, rows)

    masker = shap.maskers.Independent(
        np.concatenate([np.arange(1, len(background) + 1)[:, None], background[:, LAPS:]], axis=1),
        max_samples=len(background))
    explained = shap.ExactExplainer(f, masker)(np.concatenate([[[0.0]], row[:, LAPS:]], axis=1), silent=True)
    return ({t.column: float(v) for t, v in zip(TESTS, explained.values[0])},
            float(np.ravel(explained.base_values)[0]))
