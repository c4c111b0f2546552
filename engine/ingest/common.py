"""Canonical frames and reports shared by every parser.

Parsers turn the bytes of one file into a `Parsed*` object or raise `RejectedFile` with a
one-line reason. They never touch the database.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

MAX_FILE_BYTES = 50 * 1024 * 1024  # same limit as the upload widget (.streamlit/config.toml)
PAUSE_GAP_S = 30.0  # a gap between two records longer than this is a pause

# --- value limits (project's choices): a value outside them is blanked (NaN / NULL) with a warning
HR_MAX_BPM = 250.0  # heart rate must be > 0 and <= this, bpm (records, laps and file summaries)
MAX_SPEED_MPS = {"running": 12.0, "walking": 12.0, "hiking": 12.0}  # m/s; 12 m/s is faster than any sprint
DEFAULT_MAX_SPEED_MPS = 40.0  # m/s (144 km/h) for every sport not in MAX_SPEED_MPS (cycling, skiing, ...)
MAX_REPS = 100  # strength sets: more reps than this are blanked (stored as NULL)
MAX_WEIGHT_KG = 500.0  # strength sets: a heavier external load is blanked, kg
SPEED_WINDOW_S = 5.0  # speed derived from positions/distance is Δdistance over at least this span, s (centred)

# --- time sanity
CLOCK_JUMP_S = 7 * 86_400.0  # records dated farther than this from the median record time are dropped, s
MIN_PARTIAL_SPAN_S = 60.0  # a FIT file that ends in a decode error is kept if its records span this much, s


def max_speed_mps(sport: str) -> float:
    """The speed cap (m/s) of a sport from MAX_SPEED_MPS, else DEFAULT_MAX_SPEED_MPS."""
    return MAX_SPEED_MPS.get(sport, DEFAULT_MAX_SPEED_MPS)

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
    """A file that cannot be imported; str(err) is the one-line reason shown to the coach."""


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
