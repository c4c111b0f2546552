"""Edits to athlete profiles, validated before anything is written."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from engine import clock
from engine.store.db import Store
from engine.store.edits import InvalidEdit

# field: (lowest, highest) accepted value, in the field's unit
PROFILE_RANGES = {
    "mass_kg": (20.0, 300.0),
    "height_cm": (100.0, 250.0),
    "hr_rest": (25.0, 120.0),   # bpm
    "hr_max": (100.0, 240.0),   # bpm
    "lthr": (60.0, 235.0),      # bpm
}
PROFILE_FIELDS = [*PROFILE_RANGES, "sex", "birth_date", "team"]
PROFILE_NAMES = {"mass_kg": "Mass (kg)", "height_cm": "Height (cm)", "hr_rest": "Resting HR (bpm)",
                 "hr_max": "Max HR (bpm)", "lthr": "LTHR (bpm)"}     # as the coach reads them


def update_profile(store: Store, athlete_id: int, **changes) -> dict:
    """Validate and save profile fields (PROFILE_FIELDS); returns the saved profile.

    Raises InvalidEdit with a message for the coach, and then writes nothing.
    """
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidEdit(f"not a profile field: {', '.join(sorted(unknown))}")
    current = store.query("SELECT * FROM athletes WHERE athlete_id = ?", [athlete_id])
    if current.empty:
        raise InvalidEdit(f"no athlete with id {athlete_id}")
    profile = {f: None if pd.isna(v) else v for f, v in {**current.iloc[0].to_dict(), **changes}.items()
               if f in PROFILE_FIELDS}
    for field, (low, high) in PROFILE_RANGES.items():
        if profile[field] is not None and not low <= float(profile[field]) <= high:
            raise InvalidEdit(f"{PROFILE_NAMES[field]} must be between {low:g} and {high:g}, not {profile[field]:g}")
    rest, top, lthr = profile["hr_rest"], profile["hr_max"], profile["lthr"]
    if rest and top and rest >= top:
        raise InvalidEdit("resting HR must be below max HR")
    if lthr and top and not (rest or 0) < lthr <= top:
        raise InvalidEdit("LTHR must lie between resting and max HR")
    if profile["sex"] not in (None, "M", "F"):
        raise InvalidEdit("sex must be 'M' or 'F'")
    if profile["birth_date"] is not None:
        profile["birth_date"] = pd.Timestamp(profile["birth_date"]).date()
        if not dt.date(1900, 1, 1) <= profile["birth_date"] <= clock.today():
            raise InvalidEdit("birth date must be in the past")
    with store.transaction() as cur:
        cur.execute(
            "UPDATE athletes SET " + ", ".join(f"{f} = ?" for f in PROFILE_FIELDS) + " WHERE athlete_id = ?",
            [profile[f] for f in PROFILE_FIELDS] + [athlete_id],  # column names are constants
        )
    return profile
