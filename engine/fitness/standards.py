"""China's national student fitness standard (国家学生体质健康标准, 2014 revision), university
year 1-2 men (research/physiology.md §2.1): the points for BMI and pull-ups. It has no 3,000 m,
sit-up (men) or 30 m x 2 item, so those tests get no score here."""
from __future__ import annotations

import numpy as np

# pull-ups (reps) -> points; 19 reps = 100, each rep above 19 adds one bonus point (up to +10)
PULLUP_POINTS = ((19, 100), (18, 95), (17, 90), (16, 85), (15, 80), (14, 76), (13, 72), (12, 68), (11, 64),
                 (10, 60), (9, 50), (8, 40), (7, 30), (6, 20), (5, 10))
PULLUP_BONUS_MAX = 10
PASS_POINTS = 60
# BMI (kg/m2) -> points: normal 17.9-23.9 -> 100; low <= 17.8 or overweight 24.0-27.9 -> 80; obese >= 28 -> 60
BMI_POINTS = ((17.85, 80), (23.95, 100), (27.95, 80), (np.inf, 60))
SOURCE = "national student fitness standard (2014), university men"


def pullup_points(reps: float) -> float:
    """Points for a pull-up count (NaN stays NaN): the table's row at or below, 0 under 5 reps."""
    if np.isnan(reps):
        return np.nan
    if reps > PULLUP_POINTS[0][0]:
        return 100 + min(PULLUP_BONUS_MAX, int(reps) - PULLUP_POINTS[0][0])
    return next((points for floor, points in PULLUP_POINTS if reps >= floor), 0)


def bmi_points(bmi_kg_m2: float) -> float:
    """Points for a BMI (kg/m2; NaN stays NaN); the table's one-decimal bands."""
    if np.isnan(bmi_kg_m2):
        return np.nan
    return next(points for upper, points in BMI_POINTS if bmi_kg_m2 < upper)
