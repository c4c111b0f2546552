"""What-if planner for one athlete: project a planned week, FRBI load-cut suggestion, compliance."""
from __future__ import annotations

import datetime as dt
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
PATTERNS = {   # the first is the default: a realistic week has rest days
    "Two rest days": [1.2, 1.2, 0, 1.2, 1.2, 1.2, 0],
    "Hard / easy": [1.4, 0.6, 1.4, 0.6, 1.4, 0.6, 1.0],
    "Build to a long day": [0.8, 1.0, 0, 1.0, 1.2, 0, 2.0],
    "Even (7 equal days)": [1, 1, 1, 1, 1, 1, 1],
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


MAX_CUT_PASSES = 40   # the FRBI rule applied again while a planned day is still over the threshold


def _day_text(first_date: dt.date | None, index: int) -> str:
    return f"{first_date + dt.timedelta(days=index):%a %d %b}" if first_date else f"day {index + 1}"


def _one_cut(history_load: np.ndarray, plan: np.ndarray, s: LoadSettings, hr_morning) -> tuple[int, int] | None:
    """The FRBI rule once: (first planned day over the threshold, days cut) or None. days =
    frbi_cut_days, extended one day at a time up to frbi_cut_days_max while the day after the cut,
    with the cut applied, is still over; never past the plan's end."""
    n_history = len(np.asarray(history_load).ravel())
    over = project(history_load, plan, s, hr_morning)["frbi"][n_history:] > s.frbi_threshold
    if not over.any():
        return None
    first_day = int(np.argmax(over))
    days = min(int(s.frbi_cut_days), len(plan) - first_day)
    while days < s.frbi_cut_days_max and first_day + days < len(plan):
        after = project(history_load, _cut_plan(plan, first_day, days, frbi_cut(s)), s, hr_morning)["frbi"]
        if not after[n_history + first_day + days] > s.frbi_threshold:
            break
        days += 1
    return first_day, days


def frbi_suggestion(history_load: np.ndarray, planned: np.ndarray, settings: LoadSettings,
                    hr_morning: np.ndarray | None = None, first_date: dt.date | None = None) -> dict | None:
    """The brief's rule (DESIGN.md; the paper gives no formula): if the projected FRBI exceeds
    settings.frbi_threshold on a planned day, cut planned load by frbi_cut(settings) for 3-5 days
    from that day (_one_cut). Applied again on the cut plan (at most MAX_CUT_PASSES times) until no
    planned day is over, so that one "apply" brings the whole week to the threshold or below.

    Returns None or {"first_day" (0-based), "cut" (one pass's fraction), "days" (of the first pass),
    "passes", "adjusted" (the plan, a.u.), "still_over" (planned days over after every pass: a
    history that even rest cannot bring down), "message" (dates when first_date is given)}.
    """
    s = settings
    plan = np.asarray(planned, dtype=float).ravel()
    n_history = len(np.asarray(history_load).ravel())
    projected = project(history_load, plan, s, hr_morning)["frbi"][n_history:]
    adjusted, cuts = plan.copy(), []
    for _ in range(MAX_CUT_PASSES):
        one = _one_cut(history_load, adjusted, s, hr_morning)
        if one is None:
            break
        cuts.append(one)
        adjusted = _cut_plan(adjusted, *one, frbi_cut(s))
    if not cuts:
        return None
    first_day, days = cuts[0]
    after = project(history_load, adjusted, s, hr_morning)["frbi"][n_history:]
    still_over = [i for i in range(len(plan)) if after[i] > s.frbi_threshold]
    span = (_day_text(first_date, first_day) if days == 1
            else f"{_day_text(first_date, first_day)} to {_day_text(first_date, first_day + days - 1)}")
    message = (f"FRBI reaches {projected[first_day]:.2f} on {_day_text(first_date, first_day)}: cut planned load "
               f"{100 * s.frbi_cut_low:g}-{100 * s.frbi_cut_high:g} % for "
               f"{s.frbi_cut_days}-{s.frbi_cut_days_max} days (here −{100 * frbi_cut(s):g} % on {span}")
    message += (f"; the rule applied {len(cuts)} times in all brings every planned day to "
                f"{s.frbi_threshold:g} or below)" if len(cuts) > 1 and not still_over else ")")
    if still_over:
        message += (f". Even so, FRBI stays over {s.frbi_threshold:g} on "
                    f"{', '.join(_day_text(first_date, i) for i in still_over)}: the load before the plan drives it")
    return {"first_day": first_day, "cut": frbi_cut(s), "days": days, "passes": len(cuts), "adjusted": adjusted,
            "still_over": still_over, "message": message}


def compliance_text() -> str:
    """What the compliance colours mean, from the bands in force."""
    return (f"green: within ±{100 * COMPLIANCE_GREEN:g} % of plan; yellow: within ±{100 * COMPLIANCE_YELLOW:g} %; "
            f"red: further off. A rest day: nothing done is green, under {REST_DAY_YELLOW_AU:g} a.u. yellow")


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
