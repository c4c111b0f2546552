"""Exercise prescription driven by a fitness battery's deficiencies, and the biweekly reassessment.

The paper's Table 1 (its HIIT / aerobic / strength templates) is unpublished (research/physiology.md
§1.3), so the templates below are the project's, derived from ACSM guidance: Garber et al., MSSE
2011;43:1334 (aerobic, resistance and neuromotor exercise), the ACSM 2009 progression position stand
(MSSE 2009;41:687; novices 8-12 RM, 2-3 d/wk) and ACSM's HIIT guidance (work bouts 5 s-8 min at
80-95 % HRmax, recovery as long or longer, 1-2 d/wk). The volume shift, the intensification ladder
and the FRBI cut are the brief's rules with the project's numbers (all constants below).

Pure functions over pandas / numpy. Planned loads use engine.load.session.foster_load only.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.fitness.battery import MODALITY_LABELS, TEST_BY_COLUMN, TESTS, better
from engine.load.planner import PLAN_DAYS, frbi_cut
from engine.load.session import foster_load
from engine.load.settings import LoadSettings

# Deficiency shift (brief): the 1st deficiency's modality gets +40 % of its weekly minutes, the 2nd
# +20 %, taken from the other modalities in proportion to their minutes (the week's total stays).
SHIFTS = (0.40, 0.20)
# Intensification ladder (brief), by level: 1 volume, 2 also frequency, 3 also intensity.
LEVEL_ACTIONS = ("keep", "volume", "frequency", "intensity")
MAX_LEVEL = len(LEVEL_ACTIONS) - 1
VOLUME_STEP = 0.15     # level >= 1: +15 % session duration (time-based) ...
VOLUME_SETS = 1        # ... or +1 set per exercise (set-based templates)
FREQUENCY_STEP = 1     # level >= 2: +1 session a week
RPE_STEP = 1.0         # level >= 3: +1 CR-10 point and the template's next intensity band
RPE_MAX = 10.0         # top of the CR-10 scale
REASSESS_EVERY_DAYS = 14   # biweekly reassessment (brief)
CHANGE_TOLERANCE = 1e-9    # float slack when comparing a change with a test's smallest real change
# Day offsets from week_start that each modality's sessions fill, in order (project's slot table).
# Day 6 is always a rest day; strength (0, 2, 4) and HIIT (1, 3, 5) never share a day, and HIIT never
# falls on consecutive days, also across weeks (5 -> next week's 1). Aerobic and core, the easy
# sessions, may share a day with anything. A modality has at most as many sessions as slots.
DAY_SLOTS = {
    "aerobic": (2, 3, 0, 4, 1, 5),
    "strength": (0, 4, 2),
    "core": (3, 5, 1, 4, 2, 0),
    "hiit": (5, 1, 3),
}
HARD_MODALITIES = ("strength", "hiit")
REST_DAYS = tuple(sorted(set(range(PLAN_DAYS)).difference(*DAY_SLOTS.values())))  # offsets with no session
PLAN_FRAME_COLUMNS = ["day", "modality", "session", "exercise_id", "sets", "reps_low", "reps_high",
                      "weight_low_kg", "weight_high_kg", "rest_s", "duration_min", "intensity", "rpe", "load_au"]
REASSESS_COLUMNS = ["reassessment", "test_date", "column", "label", "unit", "modality", "baseline", "previous",
                    "latest", "vs_previous", "vs_baseline", "status", "streak", "action", "level", "frbi", "cut",
                    "cut_days"]


class PrescriptionError(ValueError):
    """Bad input to the prescription; str(err) is the one-line reason shown to the coach."""


@dataclass(frozen=True)
class Item:
    """One exercise of a session: sets; reps per set (None: timed or held); duration_min, min, of
    the session including its rests; rest_s, s between sets or bouts (None: continuous)."""
    exercise_id: str
    sets: int
    reps_low: int | None
    reps_high: int | None
    duration_min: float
    rest_s: float | None = None


@dataclass(frozen=True)
class Template:
    """One modality's base session. sessions_per_week and max_duration_min (min; longer weeks add a
    session) frame the week; rpe is the CR-10 session-RPE target; next_intensity is the band that
    level 3 moves to; volume_by_sets: level 1 adds sets (else +VOLUME_STEP duration)."""
    modality: str
    session: str
    sessions_per_week: int
    max_duration_min: float
    intensity: str
    next_intensity: str
    rpe: float
    items: tuple[Item, ...]
    volume_by_sets: bool
    source: str

    @property
    def duration_min(self) -> float:
        """Base session duration, min: the sum of its items."""
        return float(sum(item.duration_min for item in self.items))


TEMPLATES = {
    "aerobic": Template(
        modality="aerobic", session="Continuous run", sessions_per_week=3, max_duration_min=60.0,
        intensity="64–76 % HRmax (moderate)", next_intensity="77–95 % HRmax (vigorous)", rpe=4.0,
        items=(Item("Running_Treadmill", 1, None, None, 30.0),),
        volume_by_sets=False,
        source="Garber et al., MSSE 2011;43:1334 (ACSM): 3–5 d/wk, 30–60 min at 64–76 % HRmax or 20–25 min "
               "at 77–95 % HRmax"),
    "strength": Template(
        modality="strength", session="Upper-body pull and push", sessions_per_week=2, max_duration_min=50.0,
        intensity="8–12 RM, about 60–70 % 1RM (novice); pull-ups band-assisted until 8 are possible",
        next_intensity="70–80 % 1RM, sets ending 1–2 reps short of failure", rpe=6.0,
        items=(Item("Pullups", 3, 8, 12, 8.0, 120.0),
               Item("Chin-Up", 3, 8, 12, 8.0, 120.0),
               Item("Wide-Grip_Lat_Pulldown", 3, 8, 12, 8.0, 120.0),
               Item("Bent_Over_Barbell_Row", 3, 8, 12, 8.0, 120.0),
               Item("Pushups", 3, 8, 12, 8.0, 120.0)),
        volume_by_sets=True,
        source="Garber et al. 2011 (ACSM): 2–3 d/wk, 2–4 sets of 8–12 reps, 2–3 min rests; ACSM progression "
               "stand, MSSE 2009;41:687: novices 8–12 RM at 60–70 % 1RM, 2–3 d/wk; 50 min cap: project's"),
    "core": Template(
        modality="core", session="Core endurance circuit", sessions_per_week=3, max_duration_min=30.0,
        intensity="body weight, controlled tempo, planks held 30–60 s",
        next_intensity="harder variations or added load, planks held 60–90 s", rpe=5.0,
        items=(Item("Plank", 3, None, None, 5.0, 45.0),
               Item("Sit-Up", 3, 15, 25, 5.0, 45.0),
               Item("Dead_Bug", 3, 10, 12, 5.0, 45.0),
               Item("Flat_Bench_Lying_Leg_Raise", 3, 10, 15, 5.0, 45.0)),
        volume_by_sets=True,
        source="Garber et al. 2011 (ACSM): neuromotor exercise 2–3 d/wk, 20–30 min; the circuit is the "
               "project's"),
    "hiit": Template(
        modality="hiit", session="Intervals and sprints", sessions_per_week=2, max_duration_min=35.0,
        intensity="work bouts at 80–90 % HRmax, each recovery as long as the bout or longer",
        next_intensity="work bouts at 90–95 % HRmax, each recovery as long as the bout or longer", rpe=7.0,
        items=(Item("Wind_Sprints", 6, None, None, 10.0, 60.0),
               Item("Single-Cone_Sprint_Drill", 8, None, None, 7.0, 45.0),
               Item("Mountain_Climbers", 4, 20, 30, 8.0, 30.0)),
        volume_by_sets=False,
        source="ACSM HIIT guidance: work bouts 5 s–8 min at 80–95 % HRmax, recovery equal or longer, "
               "1–2 d/wk; 35 min cap: project's"),
}


def _round_half_up(x: float) -> int:
    """x rounded to a whole number, halves up (2.5 -> 3)."""
    return math.floor(x + 0.5)


def _check_columns(columns, what: str) -> None:
    """PrescriptionError naming the entries of `columns` that are not TESTS columns."""
    unknown = [c for c in columns if c not in TEST_BY_COLUMN]
    if unknown:
        raise PrescriptionError(f"unknown test column(s) in {what}: {', '.join(map(str, unknown))}; "
                                f"expected {', '.join(TEST_BY_COLUMN)}")


def deficiencies(shap_by_test: dict[str, float], top: int = 2) -> list[str]:
    """Test columns whose SHAP value (positive = pushes toward a less healthy BMI class) is above 0,
    largest first (ties in TESTS order), at most `top`."""
    _check_columns(shap_by_test, "the SHAP values")
    if top < 0:
        raise PrescriptionError(f"top must be 0 or more (got {top})")
    order = list(TEST_BY_COLUMN)
    positive = [(-float(v), order.index(c), c) for c, v in shap_by_test.items() if float(v) > 0]
    return [c for _v, _i, c in sorted(positive)][:top]


def weekly_minutes(deficient: list[str]) -> dict[str, float]:
    """Weekly minutes per modality after the deficiency shift: base = sessions x template duration;
    deficient[i]'s modality gains SHIFTS[i] of its own minutes, the other modalities give the sum in
    proportion to their minutes, so the total is the base week's."""
    _check_columns(deficient, "the deficiencies")
    if len(set(deficient)) != len(deficient):
        raise PrescriptionError("a test is listed twice among the deficiencies")
    if len(deficient) > len(SHIFTS):
        raise PrescriptionError(f"at most {len(SHIFTS)} deficiencies shift the week (got {len(deficient)})")
    base = {m: t.sessions_per_week * t.duration_min for m, t in TEMPLATES.items()}
    gain = {TEST_BY_COLUMN[c].modality: share * base[TEST_BY_COLUMN[c].modality]
            for c, share in zip(deficient, SHIFTS)}
    donor_min = sum(minutes for m, minutes in base.items() if m not in gain)
    given = sum(gain.values())
    return {m: minutes + gain[m] if m in gain else minutes * (1.0 - given / donor_min)
            for m, minutes in base.items()}


def _check_levels(levels: dict[str, int] | None) -> dict[str, int]:
    """Every modality's level (0 when not given), or PrescriptionError."""
    levels = dict(levels or {})
    unknown = [m for m in levels if m not in TEMPLATES]
    if unknown:
        raise PrescriptionError(f"unknown modality in levels: {', '.join(map(str, unknown))}")
    for m, level in levels.items():
        if level not in range(MAX_LEVEL + 1):
            raise PrescriptionError(f"level of {m} must be a whole number 0-{MAX_LEVEL} (got {level})")
    return {m: int(levels.get(m, 0)) for m in TEMPLATES}


def _modality_rows(modality: str, minutes: float, level: int, week_start: dt.date) -> list[dict]:
    """The rows of one modality's sessions for the week (see weekly_plan)."""
    t = TEMPLATES[modality]
    slots = DAY_SLOTS[modality]
    n = t.sessions_per_week
    if minutes / n > t.max_duration_min:
        n = math.ceil(minutes / t.max_duration_min)
    n = min(n, len(slots))
    scale = minutes / n / t.duration_min
    if level >= 1 and not t.volume_by_sets:
        scale *= 1.0 + VOLUME_STEP
    if level >= 2:
        n = min(n + FREQUENCY_STEP, len(slots))
    rpe = min(RPE_MAX, t.rpe + RPE_STEP) if level >= 3 else t.rpe
    intensity = t.next_intensity if level >= 3 else t.intensity
    items = []
    for item in t.items:
        sets = max(1, _round_half_up(item.sets * scale))
        duration_min = item.duration_min * scale
        if level >= 1 and t.volume_by_sets:
            duration_min *= (sets + VOLUME_SETS) / sets
            sets += VOLUME_SETS
        items.append((item, sets, duration_min))
    return [{"day": week_start + dt.timedelta(days=offset), "modality": modality, "session": t.session,
             "exercise_id": item.exercise_id, "sets": sets, "reps_low": item.reps_low, "reps_high": item.reps_high,
             "weight_low_kg": np.nan, "weight_high_kg": np.nan,
             "rest_s": np.nan if item.rest_s is None else item.rest_s, "duration_min": duration_min,
             "intensity": intensity, "rpe": rpe, "load_au": float(foster_load(rpe, duration_min * 60.0))}
            for offset in sorted(slots[:n]) for item, sets, duration_min in items]


def weekly_plan(deficient: list[str], week_start: dt.date, levels: dict[str, int] | None = None) -> pd.DataFrame:
    """A 7-day plan from week_start, one row per exercise of each session (PLAN_FRAME_COLUMNS;
    saveable as engine.store.plans.PLAN_COLUMNS), ordered by day then modality.

    Weekly minutes per modality: weekly_minutes(deficient). A modality's sessions keep the template's
    count and lengthen up to its max_duration_min, then become ceil(minutes / cap) sessions (at most
    its DAY_SLOTS); sets scale with the duration (half up, at least 1). Then `levels` (per modality,
    0-3): 1 = +VOLUME_STEP duration or +VOLUME_SETS set per exercise (its duration growing by its
    minutes per set); 2 = also +FREQUENCY_STEP session (not past its slots); 3 = also +RPE_STEP and
    the next intensity band. Days: the first n of DAY_SLOTS[modality]. Weights are NaN (the coach's).
    load_au = foster_load(rpe, the item's minutes), a.u., so a session's rows sum to its Foster load.
    """
    by_modality = _check_levels(levels)
    minutes = weekly_minutes(deficient)
    rows = [row for m in MODALITY_LABELS for row in _modality_rows(m, minutes[m], by_modality[m], week_start)]
    plan = pd.DataFrame(rows, columns=PLAN_FRAME_COLUMNS).sort_values("day", kind="stable").reset_index(drop=True)
    for name in ("reps_low", "reps_high"):
        plan[name] = plan[name].astype("Int64")
    return plan.astype({"sets": "int64", "weight_low_kg": "float64", "weight_high_kg": "float64",
                        "rest_s": "float64", "rpe": "float64"})


def _frbi_by_timestamp(frbi_by_day: pd.Series) -> pd.Series:
    """frbi_by_day as floats on a normalised DatetimeIndex (the last of a duplicated day)."""
    values = pd.Series(pd.to_numeric(frbi_by_day, errors="coerce").to_numpy(dtype=float),
                       index=pd.DatetimeIndex(pd.to_datetime(frbi_by_day.index)).normalize())
    return values[~values.index.duplicated(keep="last")]


def reassess(batteries: pd.DataFrame, frbi_by_day: pd.Series, settings: LoadSettings,
             every_days: int = REASSESS_EVERY_DAYS) -> pd.DataFrame:
    """One row per reassessment and test (REASSESS_COLUMNS).

    batteries: test_date and the TESTS columns (NaN = not done), any order; the earliest is the
    baseline, and a battery at least every_days after the previous reassessment (or the baseline)
    is the next reassessment; batteries in between are ignored. Per test: previous = its value at the
    last earlier reassessment (or baseline) where it was done, baseline = the first such value;
    vs_previous / vs_baseline = battery.better, in the test's unit. status: improving when
    vs_previous >= the test's smallest real change, declining when <= -change, else stagnant; "not
    tested" (NaN now) and "first test" (never done before) keep everything. streak = consecutive
    non-improving reassessments (a not-tested one neither counts nor breaks it); a non-improving test
    climbs one level (at most 3) and its action is that level's LEVEL_ACTIONS entry; an improving one
    keeps its level (and its prescription): action "keep".
    frbi = frbi_by_day (indexed by day) at the test date, NaN if missing; above settings.frbi_threshold
    cut = frbi_cut(settings) and cut_days = settings.frbi_cut_days, else 0 and 0.
    """
    missing = [c for c in ("test_date", *TEST_BY_COLUMN) if c not in batteries.columns]
    if missing:
        raise PrescriptionError(f"batteries lack the column(s): {', '.join(missing)}")
    if every_days < 1:
        raise PrescriptionError(f"every_days must be at least 1 (got {every_days})")
    try:
        dates = pd.to_datetime(batteries["test_date"], format="mixed").dt.normalize()
    except (TypeError, ValueError):
        raise PrescriptionError("batteries hold a test_date that cannot be read") from None
    if dates.isna().any():
        raise PrescriptionError("every battery needs a test_date")
    order = np.argsort(dates.to_numpy(), kind="stable")
    dates = dates.iloc[order].reset_index(drop=True)
    values = batteries.iloc[order][list(TEST_BY_COLUMN)].apply(pd.to_numeric, errors="coerce").reset_index(drop=True)
    frbi = _frbi_by_timestamp(frbi_by_day)

    points = [0] if len(dates) else []
    for i in range(1, len(dates)):
        if (dates[i] - dates[points[-1]]).days >= every_days:
            points.append(i)
    baseline = {c: np.nan for c in TEST_BY_COLUMN}
    previous = dict(baseline)
    streak = {c: 0 for c in TEST_BY_COLUMN}
    level = {c: 0 for c in TEST_BY_COLUMN}
    rows = []
    for number, i in enumerate(points):
        day_frbi = float(frbi.get(dates[i], np.nan))
        high = day_frbi > settings.frbi_threshold
        for test in TESTS:
            c = test.column
            latest = float(values.at[i, c])
            prev = previous[c]
            vs_previous = better(test, latest, prev)
            if math.isnan(latest):
                status = "not tested"
            elif math.isnan(prev):
                status = "first test"
                baseline[c] = latest
            elif vs_previous >= test.change - CHANGE_TOLERANCE:
                status = "improving"
                streak[c] = 0
            else:
                status = "declining" if vs_previous <= -test.change + CHANGE_TOLERANCE else "stagnant"
                streak[c] += 1
                level[c] = min(level[c] + 1, MAX_LEVEL)
            if number > 0:
                rows.append({
                    "reassessment": number, "test_date": dates[i].date(), "column": c, "label": test.label,
                    "unit": test.unit, "modality": test.modality, "baseline": baseline[c], "previous": prev,
                    "latest": latest, "vs_previous": vs_previous, "vs_baseline": better(test, latest, baseline[c]),
                    "status": status, "streak": streak[c],
                    "action": LEVEL_ACTIONS[level[c]] if status in ("stagnant", "declining") else "keep",
                    "level": level[c], "frbi": day_frbi, "cut": frbi_cut(settings) if high else 0.0,
                    "cut_days": int(settings.frbi_cut_days) if high else 0})
            if not math.isnan(latest):
                previous[c] = latest
    return pd.DataFrame(rows, columns=REASSESS_COLUMNS)


def levels_now(reassessments: pd.DataFrame) -> dict[str, int]:
    """Intensification level per modality at the last reassessment (0 without one)."""
    levels = {m: 0 for m in MODALITY_LABELS}
    if reassessments.empty:
        return levels
    last = reassessments[reassessments["reassessment"] == reassessments["reassessment"].max()]
    levels.update({m: int(v) for m, v in zip(last["modality"], last["level"])})
    return levels


def cut_plan(plan: pd.DataFrame, first_day: dt.date, days: int, cut: float) -> pd.DataFrame:
    """The FRBI rule on a plan: duration_min (min) and load_au (a.u.) of the rows on first_day ..
    first_day + days - 1 times (1 - cut); a copy."""
    if not 0 <= cut < 1:
        raise PrescriptionError(f"cut must be a fraction from 0 to below 1 (got {cut})")
    if days < 0:
        raise PrescriptionError(f"days must be 0 or more (got {days})")
    out = plan.copy()
    day = pd.to_datetime(out["day"])
    start = pd.Timestamp(first_day)
    inside = ((day >= start) & (day < start + pd.Timedelta(days=days))).to_numpy()
    for name in ("duration_min", "load_au"):
        out[name] = out[name].astype("float64")
        out.loc[inside, name] = out.loc[inside, name] * (1.0 - cut)
    return out


def _percent(fraction: float) -> str:
    """0.4 -> '40 %'."""
    return f"{100 * fraction:g} %"


def rules_text(settings: LoadSettings) -> str:
    """The rules in force (markdown bullets), built from this module's constants and `settings`."""
    base = weekly_minutes([])
    caps = ", ".join(f"{MODALITY_LABELS[m]} {t.max_duration_min:g} min" for m, t in TEMPLATES.items())
    changes = ", ".join(f"{t.label} {t.change:g} {t.unit}" for t in TESTS)
    shifts = ", ".join(f"{nth} +{_percent(s)}" for nth, s in zip(("first", "second", "third"), SHIFTS))
    rest = ", ".join(str(offset + 1) for offset in REST_DAYS)
    hard = "; ".join(MODALITY_LABELS[m] for m in HARD_MODALITIES)
    return "\n".join([
        f"- **Deficiencies**: the tests whose SHAP value pushes toward a less healthy BMI class, largest "
        f"first. Their modalities gain weekly minutes ({shifts} of the modality's own minutes), taken from "
        f"the other modalities in proportion to their minutes, so the week stays at {sum(base.values()):g} min.",
        f"- More minutes first lengthen a modality's sessions up to its cap ({caps}), then add a session. "
        f"Hard sessions ({hard}) never share a day, HIIT never falls on consecutive days, and plan day(s) "
        f"{rest} of {PLAN_DAYS} stay free for rest.",
        f"- **Reassessment** every {REASSESS_EVERY_DAYS} days: a test improves when it gains at least its "
        f"smallest real change ({changes}). Otherwise its modality intensifies, one step per non-improving "
        f"reassessment in a row: {LEVEL_ACTIONS[1]} (+{_percent(VOLUME_STEP)} session duration, or "
        f"+{VOLUME_SETS} set per exercise in set-based sessions), then {LEVEL_ACTIONS[2]} "
        f"(+{FREQUENCY_STEP} session a week), then {LEVEL_ACTIONS[3]} (+{RPE_STEP:g} RPE and the next "
        "intensity band). An improving test keeps its prescription.",
        f"- **FRBI**: above {settings.frbi_threshold:g} on a reassessment day, planned duration and load are "
        f"cut by {_percent(frbi_cut(settings))} (the middle of {_percent(settings.frbi_cut_low)}–"
        f"{_percent(settings.frbi_cut_high)}) for {settings.frbi_cut_days} days.",
    ])
