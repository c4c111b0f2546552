"""What-if planner for one athlete: project a planned week, FRBI load-cut suggestion, compliance."""
from __future__ import annotations

import math

import numpy as np

from engine.load.series import load_metrics
from engine.load.settings import LoadSettings

PLAN_DAYS = 7
# Compliance colours (TrainingPeaks-style; project's bands): |done - planned| / planned
COMPLIANCE_GREEN = 0.20  # within +-20 %: green
COMPLIANCE_YELLOW = 0.50  # within +-50 %: yellow, else red
COMPLIANCE_COLORS = {"green": "#d8f3dc", "yellow": "#fff3bf", "red": "#ffd6d6"}  # cell backgrounds
# how a week's planned load is spread over the 7 days starting tomorrow (relative weights)
PATTERNS = {
    "Even (7 equal days)": [1, 1, 1, 1, 1, 1, 1],
    "Hard / easy": [1.4, 0.6, 1.4, 0.6, 1.4, 0.6, 1.0],
    "Two rest days": [1.2, 1.2, 0, 1.2, 1.2, 1.2, 0],
    "Build to a long day": [0.8, 1.0, 0, 1.0, 1.2, 0, 2.0],
}
REST_DAY_YELLOW_AU = 30.0  # planned 0: done 0 green, under 30 a.u. yellow, else red


def project(history_load: np.ndarray, planned: np.ndarray, settings: LoadSettings,
            hr_morning: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """load_metrics of one athlete over history + plan (daily loads, a.u.): every metric as a
    (history days + plan days,) array, plus "load" (the concatenated loads). hr_morning (bpm, NaN =
    not measured) covers the history days; planned days have none (FRBI factor 1)."""
    history = np.asarray(history_load, dtype=float).ravel()
    plan = np.asarray(planned, dtype=float).ravel()
    load = np.concatenate([history, plan])
    hr = None
    if hr_morning is not None:
        hr_history = np.asarray(hr_morning, dtype=float).ravel()
        if len(hr_history) != len(history):
            raise ValueError(f"hr_morning has {len(hr_history)} days, history_load {len(history)}")
        hr = np.concatenate([hr_history, np.full(len(plan), np.nan)])[None, :]
    metrics = load_metrics(load[None, :], settings, hr_morning=hr)
    return {"load": load, **{name: values[0] for name, values in metrics.items()}}


def day_pattern_plan(weekly_total_au: float, pattern: list[float]) -> np.ndarray:
    """Spread a weekly load (a.u.) over the 7 planned days in proportion to the pattern's weights."""
    weights = np.asarray(pattern, dtype=float)
    if weights.shape != (PLAN_DAYS,) or (weights < 0).any() or not np.isfinite(weights).all():
        raise ValueError("the day pattern needs 7 finite weights >= 0")
    if weights.sum() == 0:
        if weekly_total_au:
            raise ValueError("the day pattern has no training day to put the weekly load on")
        return np.zeros(PLAN_DAYS)
    return float(weekly_total_au) * weights / weights.sum()


def _cut_plan(plan: np.ndarray, first_day: int, days: int, cut: float) -> np.ndarray:
    adjusted = plan.copy()
    adjusted[first_day:first_day + days] *= 1.0 - cut
    return adjusted


def frbi_cut(settings: LoadSettings) -> float:
    """The load cut of the FRBI rule, a fraction: the middle of frbi_cut_low..frbi_cut_high rounded
    half up to a whole percent (15-20 % -> 18 %); project's choice within the brief's range."""
    return math.floor(50.0 * (settings.frbi_cut_low + settings.frbi_cut_high) + 0.5 + 1e-9) / 100.0


def frbi_suggestion(history_load: np.ndarray, planned: np.ndarray, settings: LoadSettings,
                    hr_morning: np.ndarray | None = None) -> dict | None:
    """The brief's rule (DESIGN.md; the paper gives no formula): if the projected FRBI exceeds
    settings.frbi_threshold on a planned day, cut planned load 15-20 % for 3-5 days from that day.

    cut = frbi_cut(settings).
    days = frbi_cut_days, extended one day at a time up to frbi_cut_days_max while the FRBI of the
    day after the cut, with the cut applied, is still over the threshold; never past the plan's end.
    Returns None or {"first_day" (0-based), "cut" (fraction), "days", "adjusted" (the plan, a.u.),
    "message" (days numbered from 1)}.
    """
    s = settings
    plan = np.asarray(planned, dtype=float).ravel()
    n_history = len(np.asarray(history_load).ravel())
    projected = project(history_load, plan, s, hr_morning)["frbi"][n_history:]
    over = projected > s.frbi_threshold
    if not over.any():
        return None
    first_day = int(np.argmax(over))
    cut = frbi_cut(s)
    days = min(int(s.frbi_cut_days), len(plan) - first_day)
    adjusted = _cut_plan(plan, first_day, days, cut)
    while days < s.frbi_cut_days_max and first_day + days < len(plan):
        after = project(history_load, adjusted, s, hr_morning)["frbi"][n_history + first_day + days]
        if not after > s.frbi_threshold:
            break
        days += 1
        adjusted = _cut_plan(plan, first_day, days, cut)
    span = f"day {first_day + 1}" if days == 1 else f"days {first_day + 1}-{first_day + days}"
    message = (f"FRBI reaches {projected[first_day]:.2f} on day {first_day + 1}: cut planned load "
               f"{100 * s.frbi_cut_low:g}-{100 * s.frbi_cut_high:g} % for "
               f"{s.frbi_cut_days}-{s.frbi_cut_days_max} days (here −{100 * cut:g} % on {span})")
    return {"first_day": first_day, "cut": cut, "days": days, "adjusted": adjusted, "message": message}


def compliance(planned_au, done_au) -> list[str]:
    """Per day "green" / "yellow" / "red": done within +-20 % / +-50 % of planned, else red
    (TrainingPeaks-style). Planned 0 (rest): done 0 green, under 30 a.u. yellow, else red.
    A missing done load (NaN) counts as 0."""
    planned = np.asarray(planned_au, dtype=float)
    done = np.nan_to_num(np.asarray(done_au, dtype=float), nan=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        off = np.abs(done - planned) / planned
    colour = np.where(off <= COMPLIANCE_GREEN, "green", np.where(off <= COMPLIANCE_YELLOW, "yellow", "red"))
    rest = np.where(done == 0, "green", np.where(done < REST_DAY_YELLOW_AU, "yellow", "red"))
    return np.where(planned > 0, colour, rest).tolist()
