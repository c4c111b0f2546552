"""Canonical frames and reports shared by every parser.

Parsers turn the bytes of one file into a `Parsed*` object or raise `RejectedFile` with a
one-line reason. They never touch the database.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine import clock

MAX_FILE_BYTES = 50 * 1024 * 1024  # same limit as the upload widget (.streamlit/config.toml)
PAUSE_GAP_S = 30.0  # a gap between two records longer than this is a pause
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # little- and big-endian byte-order marks

# --- physical bounds (project's choices). BOUNDS below is the one table of them: a stored value
# outside [lo, hi] is blanked (NaN / NULL) with a warning that counts it, and a record or row
# dated outside date_window() is dropped with a warning. tests/test_fuzz.py checks every stored
# value against BOUNDS.
HR_MIN_BPM = 20.0  # heart rate must be >= this, bpm: no exercising heart is slower (devices write 0 without contact)
HR_MAX_BPM = 250.0  # heart rate must be <= this, bpm (records, laps and file summaries)
HR_BPM = (HR_MIN_BPM, HR_MAX_BPM)
MAX_SPEED_MPS = {"running": 12.0, "walking": 12.0, "hiking": 12.0}  # m/s; 12 m/s is faster than any sprint
DEFAULT_MAX_SPEED_MPS = 40.0  # m/s (144 km/h) for every sport not in MAX_SPEED_MPS (cycling, skiing, ...)
ALTITUDE_M = (-500.0, 9_000.0)  # m: the Dead Sea shore is at -430 m, Everest's summit at 8,849 m
MAX_CADENCE_PER_MIN = 300.0  # rpm or steps/min: faster than any pedalling or running cadence
MAX_DISTANCE_M = 5_000_000.0  # m: 5,000 km, the whole Race Across America in one file
MAX_ASCENT_M = 60_000.0  # m: the Race Across America climbs about 52 km
MAX_REPS = 100  # strength sets: more reps than this are blanked (stored as NULL)
MAX_WEIGHT_KG = 500.0  # strength sets: a heavier (or negative) external load is blanked, kg
MAX_SET_S = 86_400.0  # strength sets: a set, or a rest after one, longer than a day is blanked, s
RPE_RANGE = (0.0, 10.0)  # RPE and RIR (strength sets; a row outside is dropped) and session RPE (CR-10)
SPEED_WINDOW_S = 5.0  # speed derived from positions/distance is Δdistance over at least this span, s (centred)

# --- time sanity
CLOCK_JUMP_S = 7 * 86_400.0  # records dated farther than this from the median record time are dropped, s
MAX_ACTIVITY_S = 2 * CLOCK_JUMP_S  # s: the longest span records kept around their median can cover (14 days)
MIN_PARTIAL_SPAN_S = 60.0  # a FIT file that ends in a decode error is kept if its records span this much, s
EARLIEST_DATE = pd.Timestamp("1980-01-01")  # nothing is dated earlier: no sports watch or training app existed
FUTURE_SLACK_S = 86_400.0  # s: a date may run this far past the importing clock (time zones, a fast device)

# fitness-test and wellness CSV columns (engine/ingest/tables.py): the file's column -> (lo, hi) in its unit
LAPS = [f"lap_{i}" for i in range(1, 16)]  # the 15 x 200 m splits of the 3000 m run, s
FITNESS_RANGES = {"height_cm": (100, 250), "mass_kg": (20, 300), **{lap: (20, 200) for lap in LAPS},
                  "pullups": (0, 100), "situps_60s": (0, 100), "shuttle_30x2_s": (5, 60)}
WELLNESS_RANGES = {"srpe": RPE_RANGE, "session_min": (0, 1440), "sleep_h": (0, 24), "soreness": (0, 10),
                   "hr_rest_morning": (20, 150), "hrv_ms": (1, 500)}

# stored table -> column -> (lo, hi), inclusive, in the column's unit. Samples' speed_mps is further
# capped per sport (max_speed_mps); dates are bounded by date_window().
BOUNDS: dict[str, dict[str, tuple[float, float]]] = {
    "samples": {"t_s": (0.0, MAX_ACTIVITY_S), "lat": (-90.0, 90.0), "lon": (-180.0, 180.0), "altitude_m": ALTITUDE_M,
                "distance_m": (0.0, MAX_DISTANCE_M), "speed_mps": (0.0, DEFAULT_MAX_SPEED_MPS), "heart_rate": HR_BPM,
                "cadence": (0.0, MAX_CADENCE_PER_MIN)},
    "activities": {"duration_s": (0.0, MAX_ACTIVITY_S), "moving_time_s": (0.0, MAX_ACTIVITY_S),
                   "distance_m": (0.0, MAX_DISTANCE_M), "ascent_m": (0.0, MAX_ASCENT_M), "avg_hr": HR_BPM,
                   "max_hr": HR_BPM, "srpe": RPE_RANGE},
    "laps": {"start_s": (-MAX_ACTIVITY_S, MAX_ACTIVITY_S), "duration_s": (0.0, MAX_ACTIVITY_S),
             "distance_m": (0.0, MAX_DISTANCE_M), "avg_hr": HR_BPM, "max_hr": HR_BPM},
    "strength_sets": {"weight_kg": (0.0, MAX_WEIGHT_KG), "reps": (0, MAX_REPS), "duration_s": (0.0, MAX_SET_S),
                      "distance_m": (0.0, MAX_DISTANCE_M), "rpe": RPE_RANGE, "rir": RPE_RANGE,
                      "rest_s": (0.0, MAX_SET_S)},
    "fitness_tests": {**{c: FITNESS_RANGES[c] for c in ("height_cm", "mass_kg", "pullups", "situps_60s",
                                                        "shuttle_30x2_s")},
                      "lap_200m_s": FITNESS_RANGES["lap_1"],  # each of the 15 splits
                      "run_3000m_s": tuple(len(LAPS) * x for x in FITNESS_RANGES["lap_1"])},
    "wellness": {**{c: WELLNESS_RANGES[c] for c in ("sleep_h", "soreness", "hr_rest_morning", "hrv_ms")},
                 # Foster load = sRPE x min, the minutes from the file or from the linked activity
                 "srpe_load": (0.0, RPE_RANGE[1] * MAX_ACTIVITY_S / 60)},
}


def max_speed_mps(sport: str) -> float:
    """The speed cap (m/s) of a sport from MAX_SPEED_MPS, else DEFAULT_MAX_SPEED_MPS."""
    return MAX_SPEED_MPS.get(sport, DEFAULT_MAX_SPEED_MPS)


def date_window(now: pd.Timestamp | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(earliest, latest) naive date-time a stored record may carry: EARLIEST_DATE, and `now`
    (default: the clock, UTC) + FUTURE_SLACK_S; a record dated outside is dropped."""
    now = pd.Timestamp(clock.utc_now()) if now is None else now
    return EARLIEST_DATE, now + pd.Timedelta(seconds=FUTURE_SLACK_S)


def outside(values, bounds: tuple[float, float]) -> np.ndarray:
    """Mask of the values present (not NaN) and outside bounds = (lo, hi), inclusive; inf is outside."""
    x = np.asarray(values, dtype=float)
    return ~np.isnan(x) & ~((x >= bounds[0]) & (x <= bounds[1]))


def bounds_text(noun: str, bounds: tuple[float, float], unit: str = "") -> str:
    """E.g. "heart rates < 20 or > 250 bpm", the label of a count of blanked values."""
    def number(x: float) -> str:
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"
    return f"{noun} < {number(bounds[0])} or > {number(bounds[1])}{' ' + unit if unit else ''}"


# samples: one row per record, t_s = seconds since the activity's start_time.
SAMPLE_COLUMNS = ["t_s", "lat", "lon", "altitude_m", "distance_m", "speed_mps", "heart_rate", "cadence"]

# strength sets: one row per set; session_key groups the sets of one workout inside the file.
STRENGTH_COLUMNS = [
    "session_key", "session_start", "workout_name", "session_duration_s",
    "exercise_name", "set_order", "set_type", "weight_kg", "reps", "duration_s", "distance_m",
    "rpe", "rir", "rest_s",
]

FITNESS_COLUMNS = [
    "athlete", "test_date", "height_cm", "mass_kg", "run_3000m_s", "lap_200m_s",
    "pullups", "situps_60s", "shuttle_30x2_s",
]

# device laps (FIT lap messages, TCX <Lap>): lap_no 1.. in time order, start_s = s since the
# activity's start_time, duration_s elapsed, distance_m, avg_hr / max_hr (bpm) as the device reports
LAP_COLUMNS = ["lap_no", "start_s", "duration_s", "distance_m", "avg_hr", "max_hr"]

WELLNESS_COLUMNS = [
    "athlete", "day", "srpe", "session_min", "start_time", "sleep_h", "soreness",
    "hr_rest_morning", "hrv_ms",
]


class RejectedFile(ValueError):
    """A file that cannot be imported; str(err) is the one-line reason shown to the coach (line
    breaks and runs of white space in the reason, e.g. from lxml's messages, become one space)."""

    def __init__(self, reason: str):
        super().__init__(" ".join(str(reason).split()))


@dataclass
class ParseReport:
    rows_in: int = 0
    rows_kept: int = 0
    warnings: list[str] = field(default_factory=list)


def no_laps() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "lap_no" else "float64") for c in LAP_COLUMNS})


@dataclass
class ParsedActivity:
    """One activity from FIT, GPX or TCX (a multisport file is one activity).

    `activity` keys: sport (str, lower-case, e.g. "running"), name (str | None),
    start_time (pd.Timestamp, naive UTC), duration_s (elapsed, s), moving_time_s (s, pauses
    removed), pause_count (int), distance_m, ascent_m (m), avg_hr, max_hr (bpm, None if no HR),
    device (str | None, e.g. "garmin fenix5").
    `samples` has exactly SAMPLE_COLUMNS; missing values are NaN (never 0).
    `laps` has exactly LAP_COLUMNS (no rows when the file has no device laps).
    """
    activity: dict
    samples: pd.DataFrame
    report: ParseReport
    laps: pd.DataFrame = field(default_factory=no_laps)


@dataclass
class ParsedStrength:
    """Sets from a Strong, Hevy or native CSV; `sets` has exactly STRENGTH_COLUMNS."""
    source: str  # "strong" | "hevy" | "native"
    sets: pd.DataFrame
    report: ParseReport


@dataclass
class ParsedTable:
    """Rows of a table CSV; `kind` names the table."""
    kind: str
    rows: pd.DataFrame
    report: ParseReport


@dataclass
class ParsedFitness(ParsedTable):
    """Fitness-test rows, columns FITNESS_COLUMNS."""


@dataclass
class ParsedWellness(ParsedTable):
    """Wellness / session-RPE rows, columns WELLNESS_COLUMNS."""
