"""Training-load science (numpy/pandas only): session loads, daily series and flags, strength load,
the what-if planner. engine.load.report joins it to the store."""
from engine.load.planner import compliance, day_pattern_plan, frbi_suggestion, project
from engine.load.series import (acwr_ewma, acwr_rolling, daily_matrix, flags, frbi, load_metrics,
                                monotony_strain, morning_hr_factor, pmc)
from engine.load.session import foster_load, hr_session_loads
from engine.load.settings import FIELD_HELP, LoadSettings
from engine.load.strength import brzycki, e1rm_by_session, epley, personal_records, weekly_muscle_volume

__all__ = [
    "FIELD_HELP", "LoadSettings", "acwr_ewma", "acwr_rolling", "brzycki", "compliance", "daily_matrix",
    "day_pattern_plan", "e1rm_by_session", "epley", "flags", "foster_load", "frbi", "frbi_suggestion",
    "hr_session_loads", "load_metrics", "monotony_strain", "morning_hr_factor", "personal_records", "pmc",
    "project", "weekly_muscle_volume",
]
