"""The HR profile each athlete's loads use: the coach's values, else estimates from the data.

HRmax: the profile's, else the larger of the highest HR held for SUSTAINED_HR_S in one session
(a lower bound of the true maximum) and Tanaka's 208 - 0.7 x age (Tanaka et al., JACC
2001;37:153; individual SD about 10 bpm) when the birth date is known. Resting HR: the profile's,
else the median morning resting HR from wellness, else the team's default_hr_rest_bpm. LTHR: the
profile's, else rest + lthr_fraction x (max - rest) (DESIGN.md, Load science).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from engine.load.session import lthr_from_fraction
from engine.load.settings import LoadSettings

SUSTAINED_HR_S = 60.0  # "sustained": the HR a session spent at least this long at or above, s
PROFILE = "profile"


def tanaka_hr_max(age_y):
    """Age-predicted HRmax, bpm = 208 - 0.7 x age (Tanaka et al., JACC 2001;37:153)."""
    return 208.0 - 0.7 * np.asarray(age_y, dtype=float)


def sustained_hr_max(hr_seconds: pd.DataFrame) -> pd.Series:
    """Per athlete_id, the highest HR held for SUSTAINED_HR_S in one activity, bpm: in each activity
    the largest HR h with at least SUSTAINED_HR_S seconds at HR >= h, then the largest over the
    athlete's activities. hr_seconds: activity_id, athlete_id, heart_rate (bpm), dt_s (s at that HR),
    as engine.store.loads.hr_seconds gives it. A few seconds of artefact never count."""
    s = hr_seconds[hr_seconds["heart_rate"] > 0].sort_values(["activity_id", "heart_rate"],
                                                             ascending=[True, False])
    above_s = s.groupby("activity_id", sort=False)["dt_s"].cumsum()
    held = s[above_s.to_numpy() >= SUSTAINED_HR_S]
    first = held.groupby("activity_id", sort=False).head(1)  # highest HR held in each activity
    return first.groupby("athlete_id")["heart_rate"].max().astype(float)


def _age_y(birth_date: pd.Series, on_day: dt.date) -> pd.Series:
    return (pd.Timestamp(on_day) - pd.to_datetime(birth_date)).dt.days / 365.25


def estimate_profiles(athletes: pd.DataFrame, hr_seconds: pd.DataFrame, morning_hr: pd.DataFrame,
                      settings: LoadSettings, on_day: dt.date) -> pd.DataFrame:
    """`athletes` (athlete_id, sex, birth_date, hr_rest, hr_max, lthr) with hr_rest, hr_max filled by
    estimates where the profile lacks them and lthr by lthr_from_fraction, and hr_rest_source,
    hr_max_source, lthr_source (text for the coach: "profile" or how it was estimated) and
    hr_estimated (True when rest or max is not the profile's). morning_hr: athlete_id, hr_rest_morning
    (bpm). Age for Tanaka is taken on `on_day`."""
    ids = athletes["athlete_id"]
    held = ids.map(sustained_hr_max(hr_seconds)).to_numpy(dtype=float)
    tanaka = np.round(tanaka_hr_max(_age_y(athletes["birth_date"], on_day).to_numpy(dtype=float)))
    use_tanaka = ~np.isnan(tanaka) & ~(held >= tanaka)
    morning = ids.map(morning_hr.groupby("athlete_id")["hr_rest_morning"].median()).to_numpy(dtype=float)
    hr_max = athletes["hr_max"].to_numpy(dtype=float, na_value=np.nan)
    hr_rest = athletes["hr_rest"].to_numpy(dtype=float, na_value=np.nan)
    has_max, has_rest = ~np.isnan(hr_max), ~np.isnan(hr_rest)
    max_source = np.where(use_tanaka, "estimated: Tanaka 208 - 0.7 x age",
                          f"estimated: highest HR held {SUSTAINED_HR_S:.0f} s in a session")
    hr_max = np.where(has_max, hr_max, np.where(use_tanaka, tanaka, held))
    estimated = ~(has_max & has_rest)
    fraction = f"rest + {settings.lthr_fraction:g} x (max - rest)"
    hr_rest = np.where(has_rest, hr_rest, np.where(np.isnan(morning), settings.default_hr_rest_bpm, morning))
    lthr = athletes["lthr"].to_numpy(dtype=float, na_value=np.nan)
    return athletes.assign(
        hr_max=hr_max,
        hr_max_source=np.where(has_max, PROFILE, np.where(np.isnan(hr_max), "none", max_source)),
        hr_rest=hr_rest,
        lthr=np.where(np.isnan(lthr), lthr_from_fraction(hr_rest, hr_max, settings.lthr_fraction), lthr),
        hr_rest_source=np.where(has_rest, PROFILE, np.where(np.isnan(morning), "estimated: team default",
                                                            "estimated: median morning HR")),
        hr_estimated=estimated,
        lthr_source=np.where(~np.isnan(lthr), PROFILE,
                             np.where(estimated, f"estimated: {fraction}", fraction)),
    )
