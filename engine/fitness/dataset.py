"""Rows of the BMI classifier: the paper's sequence input and the tabular baselines' input.

Input of the paper's pipeline (anchors.md, "BMI / fitness prescription"): T = 15 steps (the 200 m
laps of the 3,000 m run) x F = 4 channels (the lap time, then pull-ups, sit-ups in 60 s and the
30 m x 2 shuttle time repeated over the 15 steps). Baselines see the same 18 numbers as a table.
Labels: the BMI class under the chosen cut-offs (battery.CUTOFFS).

Datasets: "db" = the store's cohort table plus the squad's batteries (each athlete one CV group,
so repeated batteries of one person never sit on both sides of a fold); "strong_signal" = a
synthetic cohort whose tests carry more of the BMI signal (engine.demo.cohort, noise_scale).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.fitness.battery import LAPS, SCALAR_TESTS, bmi, bmi_class_index
from engine.store import queries
from engine.store.db import Store

STRONG_SIGNAL_SEED = 11     # the strong-signal cohort's seed (any fixed value; not tuned)
COLUMNS = [*(f"lap_{k + 1}_s" for k in range(LAPS)), *SCALAR_TESTS]   # the 18 tabular inputs


@dataclass(frozen=True)
class Battery:
    """n test batteries. laps_s (n, 15) s; tests (n, 3): pull-ups (reps), sit-ups (reps), shuttle (s);
    y (n,) class index (battery.CLASSES) or -1 when unknown; groups (n,) CV group labels."""
    laps_s: np.ndarray
    tests: np.ndarray
    y: np.ndarray
    groups: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    def table(self) -> np.ndarray:
        """(n, 18) float: the 15 laps then the three tests (COLUMNS)."""
        return np.concatenate([self.laps_s, self.tests], axis=1)

    def take(self, rows) -> Battery:
        return Battery(self.laps_s[rows], self.tests[rows], self.y[rows], self.groups[rows])


def from_frame(frame: pd.DataFrame, cutoffs: str, groups=None) -> Battery:
    """Batteries from rows with lap_200m_s (15 laps), the three tests, and height_cm and mass_kg
    (class -1 without them). Rows with a missing input are dropped."""
    laps = [np.asarray(v, dtype=float) if v is not None and len(v) == LAPS else np.full(LAPS, np.nan)
            for v in frame["lap_200m_s"]]
    laps_s = np.stack(laps) if laps else np.empty((0, LAPS))
    tests = frame[list(SCALAR_TESTS)].to_numpy(dtype=float)
    body = bmi(frame["height_cm"], frame["mass_kg"])
    y = np.where(np.isfinite(body), bmi_class_index(np.nan_to_num(body, nan=0.0), cutoffs), -1)
    keep = np.isfinite(laps_s).all(axis=1) & np.isfinite(tests).all(axis=1)
    groups = np.asarray(groups if groups is not None else np.arange(len(frame))).astype(str)
    return Battery(laps_s[keep], tests[keep], y[keep].astype(np.int64), groups[keep])


def db_dataset(store: Store, cutoffs: str) -> Battery:
    """The store's cohort table plus the squad's batteries that have height and mass."""
    cohort = store.query("SELECT * FROM fitness_cohort ORDER BY record_id")
    squad = queries.fitness_tests(store)
    squad = squad[squad["height_cm"].notna() & squad["mass_kg"].notna()]
    parts = [from_frame(cohort, cutoffs, "c" + cohort["record_id"].astype(str)),
             from_frame(squad, cutoffs, "a" + squad["athlete_id"].astype(str))]
    return Battery(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("laps_s", "tests", "y", "groups")))


def strong_signal_dataset(cutoffs: str) -> Battery:
    """The strong-signal synthetic cohort (engine.demo.cohort.STRONG_SIGNAL_NOISE)."""
    from engine.demo.cohort import STRONG_SIGNAL_NOISE, build_cohort

    return from_frame(build_cohort(STRONG_SIGNAL_SEED, STRONG_SIGNAL_NOISE), cutoffs)
