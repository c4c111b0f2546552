"""Hard constraints on recommendations: equipment, level, muscles to avoid, a target and a goal.

Nothing that breaks a constraint is ever ranked: `allowed` filters the catalog before any model
scores it. Goals and their set/rep schemes follow the ACSM 2009 progression position stand
(Ratamess et al., MSSE 2009;41:687-708). A fitness deficiency (engine.fitness) can set the target
and the goal (DEFICIENCY_TARGETS).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.fitness.battery import MODALITY_LABELS, TEST_BY_COLUMN

LEVELS = ("beginner", "intermediate", "expert")
NO_EQUIPMENT = "body only"      # the catalog's missing equipment means none


@dataclass(frozen=True)
class Goal:
    """A training goal: the catalog categories that serve it and the scheme an added exercise gets
    (sets, reps_low-reps_high, rest_s in s)."""
    label: str
    categories: frozenset[str]
    sets: int
    reps_low: int
    reps_high: int
    rest_s: float
    source: str


_ACSM = "ACSM 2009 (Ratamess et al., MSSE 2009;41:687)"
GOALS = {
    "strength": Goal("Strength", frozenset({"strength", "powerlifting", "olympic weightlifting", "strongman"}),
                     3, 4, 6, 180.0, f"{_ACSM}: heavy loads, 1-6 RM for trained lifters, 2-3 min rests"),
    "hypertrophy": Goal("Hypertrophy", frozenset({"strength", "powerlifting"}), 3, 8, 12, 90.0,
                        f"{_ACSM}: moderate loads, 6-12 RM, 1-2 min rests"),
    "endurance": Goal("Muscular endurance", frozenset({"strength", "plyometrics", "cardio"}), 2, 15, 20, 60.0,
                      f"{_ACSM}: light loads, 10-25 reps, 1-2 min rests for sets of 15-20"),
    "power": Goal("Power", frozenset({"plyometrics", "olympic weightlifting"}), 3, 3, 6, 180.0,
                  f"{_ACSM}: 1-3 sets of 3-6 reps, light to moderate loads moved fast, 2-3 min rests"),
}
DEFAULT_GOAL = "hypertrophy"    # the scheme of an exercise added to a plan without a goal


@dataclass(frozen=True)
class Deficiency:
    """What a fitness-test deficiency asks of the recommender: target muscles and a goal."""
    label: str
    muscles: frozenset[str]
    goal: str


DEFICIENCY_TARGETS = {
    "pullups": Deficiency(MODALITY_LABELS[TEST_BY_COLUMN["pullups"].modality].lower(),
                          frozenset({"lats", "middle back", "biceps"}), "strength"),
    "situps_60s": Deficiency(MODALITY_LABELS[TEST_BY_COLUMN["situps_60s"].modality].lower(),
                             frozenset({"abdominals"}), "endurance"),
    "run_3000m_s": Deficiency("leg endurance for the 3,000 m",
                              frozenset({"quadriceps", "hamstrings", "glutes", "calves"}), "endurance"),
    "shuttle_30x2_s": Deficiency("speed and power for the shuttle",
                                 frozenset({"quadriceps", "hamstrings", "glutes", "calves"}), "power"),
}


class ConstraintError(ValueError):
    """Constraints that cannot be read; str(err) is the one-line reason."""


@dataclass(frozen=True)
class Constraints:
    """equipment: the kit available (None = any; the catalog's missing equipment is NO_EQUIPMENT);
    level: the hardest catalog level allowed; avoid: muscles that must not be worked, as primary or
    secondary (injury); target: at least one primary muscle among these (empty = any); goal: a
    GOALS key restricting the catalog category (None = any)."""
    equipment: frozenset[str] | None = None
    level: str = LEVELS[-1]
    avoid: frozenset[str] = frozenset()
    target: frozenset[str] = frozenset()
    goal: str | None = None

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ConstraintError(f"unknown level {self.level!r}: expected one of {', '.join(LEVELS)}")
        if self.goal is not None and self.goal not in GOALS:
            raise ConstraintError(f"unknown goal {self.goal!r}: expected one of {', '.join(GOALS)}")
        if self.target & self.avoid:
            raise ConstraintError("a muscle cannot be both a target and avoided: "
                                  f"{', '.join(sorted(self.target & self.avoid))}")

    @classmethod
    def from_deficiency(cls, test_column: str, **others) -> Constraints:
        """The target and goal a fitness test's deficiency sets, with any other constraints."""
        if test_column not in DEFICIENCY_TARGETS:
            raise ConstraintError(f"no recommendation target for the test {test_column!r}")
        need = DEFICIENCY_TARGETS[test_column]
        return cls(target=need.muscles, goal=need.goal, **others)


def equipment_of(catalog: pd.DataFrame) -> pd.Series:
    """Each exercise's equipment, NO_EQUIPMENT where the catalog has none."""
    return catalog["equipment"].fillna(NO_EQUIPMENT)


def allowed(catalog: pd.DataFrame, c: Constraints) -> np.ndarray:
    """Boolean mask over the catalog rows (exercise_id, primary_muscles, secondary_muscles,
    equipment, level, category) that meet every constraint."""
    ok = np.ones(len(catalog), dtype=bool)
    if c.equipment is not None:
        ok &= equipment_of(catalog).isin(c.equipment).to_numpy()
    rank = {level: i for i, level in enumerate(LEVELS)}
    ok &= catalog["level"].map(rank).fillna(0).to_numpy() <= rank[c.level]
    if c.avoid:
        ok &= np.array([not (set(p) | set(s)) & c.avoid
                        for p, s in zip(catalog["primary_muscles"], catalog["secondary_muscles"])], dtype=bool)
    if c.target:
        ok &= np.array([bool(set(p) & c.target) for p in catalog["primary_muscles"]], dtype=bool)
    if c.goal is not None:
        ok &= catalog["category"].isin(GOALS[c.goal].categories).to_numpy()
    return ok


def describe(c: Constraints) -> list[str]:
    """The constraints an exercise fits, as reason fragments ("fits dumbbell and body only")."""
    parts = []
    if c.equipment is not None:
        parts.append(f"fits {' and '.join(sorted(c.equipment))}" + (" only" if len(c.equipment) == 1 else ""))
    if c.goal is not None:
        parts.append(f"suits a {GOALS[c.goal].label.lower()} goal")
    if c.avoid:
        parts.append(f"spares {', '.join(sorted(c.avoid))}")
    return parts
