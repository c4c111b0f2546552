"""The fitness-test battery of the BMI paper (anchors.md, "BMI / fitness prescription"): what each
test measures, its unit, which direction is better, and the training modality a weakness in it
calls for. One source for every page, the classifier, the prescription and the reassessment.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LAPS = 15                    # 15 x 200 m laps of the 3,000 m run (the paper's T)
LAP_M = 200.0
CLASSES = ("underweight", "normal", "overweight", "obese")
HEALTHY_CLASS = "normal"
# BMI cut-offs, kg/m2: WHO (18.5 / 25 / 30) and the Chinese national standard (18.5 / 24 / 28,
# physiology.md §2.1); app setting "bmi_cutoffs"
CUTOFFS = {"who": (18.5, 25.0, 30.0), "china": (18.5, 24.0, 28.0)}
CUTOFF_LABELS = {"who": "WHO (18.5 / 25 / 30 kg/m²)", "china": "Chinese standard (18.5 / 24 / 28 kg/m²)"}


@dataclass(frozen=True)
class Test:
    """One test of the battery. `column`: its fitness_tests column; `change`: the smallest change
    (in its unit) that counts as real between two batteries (project's choice, about the
    test-retest noise of the demo generator)."""
    column: str
    label: str
    unit: str
    lower_is_better: bool
    modality: str
    change: float


TESTS = (
    Test("run_3000m_s", "3,000 m", "s", True, "aerobic", 10.0),
    Test("pullups", "Pull-ups", "reps", False, "strength", 1.0),
    Test("situps_60s", "Sit-ups in 60 s", "reps", False, "core", 2.0),
    Test("shuttle_30x2_s", "30 m × 2 shuttle", "s", True, "hiit", 0.1),
)
TEST_BY_COLUMN = {t.column: t for t in TESTS}
SCALAR_TESTS = tuple(t.column for t in TESTS[1:])   # repeated over the 15 steps (channels 2-4)
MODALITY_LABELS = {"aerobic": "Aerobic", "strength": "Upper-body resistance", "core": "Core endurance",
                   "hiit": "HIIT and speed"}


def bmi(height_cm, mass_kg):
    """BMI, kg/m2 = mass / height^2."""
    height_m = np.asarray(height_cm, dtype=float) / 100.0
    return np.asarray(mass_kg, dtype=float) / height_m**2


def bmi_class_index(bmi_kg_m2, cutoffs: str = "who") -> np.ndarray:
    """0..3 (CLASSES order) for each BMI under the named cut-offs; a cut-off value belongs to the
    class above it (WHO: 25.0 is overweight)."""
    return np.searchsorted(CUTOFFS[cutoffs], np.asarray(bmi_kg_m2, dtype=float), side="right")


def better(test: Test, new: float, old: float) -> float:
    """How much better `new` is than `old`, in the test's unit (positive = improved)."""
    return (old - new) if test.lower_is_better else (new - old)
