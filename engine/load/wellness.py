"""Morning wellness as the athlete page shows it: each measure's 7-day mean against the athlete's
own baseline, the median of the last `baseline_days` days (the team's frbi_median_days, the window
the FRBI's morning-HR factor divides by; DESIGN.md, "FRBI")."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

MEAN_DAYS = 7           # the recent level: a week, as the acute load window
MIN_MEAN_VALUES = 3     # a 7-day mean needs 3 logged mornings
MIN_BASELINE_VALUES = 7  # a baseline needs a week of logged mornings


@dataclass(frozen=True)
class Measure:
    column: str
    label: str
    unit: str
    digits: int
    higher_is_better: bool
    help: str


MEASURES = (
    Measure("sleep_h", "Sleep", "h", 1, True, "Hours slept, as logged"),
    Measure("soreness", "Soreness", "/10", 1, False, "Muscle soreness, 0 (none) to 10 (worst)"),
    Measure("hrv_ms", "HRV", "ms", 0, True, "Heart-rate variability on waking (RMSSD), ms"),
    Measure("hr_rest_morning", "Morning HR", "bpm", 0, False,
            "Resting heart rate on waking; FRBI multiplies the load ratio by it / its median"),
)


def trends(wellness: pd.DataFrame, baseline_days: int) -> pd.DataFrame:
    """One athlete's wellness (day and the MEASURES columns) as long rows: day, measure, value, mean_7d
    (mean of the logged values of the last MEAN_DAYS days), baseline (median of the last
    `baseline_days` days). Days without a form count as missing, not as zero."""
    columns = ["day", "measure", "value", "mean_7d", "baseline"]
    if wellness.empty:
        return pd.DataFrame({"day": pd.Series(dtype="datetime64[ns]"), "measure": pd.Series(dtype=str),
                             **{c: pd.Series(dtype=float) for c in columns[2:]}})
    days = wellness.assign(day=pd.to_datetime(wellness["day"])).set_index("day").asfreq("D")
    rows = []
    for m in MEASURES:
        value = days[m.column].astype(float)
        rows.append(pd.DataFrame({
            "day": days.index, "measure": m.column, "value": value.to_numpy(),
            "mean_7d": value.rolling(MEAN_DAYS, min_periods=MIN_MEAN_VALUES).mean().to_numpy(),
            "baseline": value.rolling(baseline_days, min_periods=MIN_BASELINE_VALUES).median().to_numpy(),
        }))
    return pd.concat(rows, ignore_index=True)[columns]


def latest(trend: pd.DataFrame, until: dt.date) -> tuple[dt.date | None, dict[str, tuple[float, float]]]:
    """The wellness a coach reads for the dates they chose: as of the last logged morning on or
    before `until` (the end of the chosen dates), that day and measure -> (7-day mean, baseline) on
    the measure's last day with a 7-day mean up to it (NaN when none). (None, NaNs) without one."""
    upto = trend[trend["day"].dt.date <= until]
    logged = upto.loc[upto["value"].notna(), "day"]
    day = logged.max().date() if len(logged) else None
    out = {}
    for m in MEASURES:
        rows = upto[(upto["measure"] == m.column) & upto["mean_7d"].notna()]
        out[m.column] = ((float(rows["mean_7d"].iloc[-1]), float(rows["baseline"].iloc[-1])) if len(rows)
                         else (float("nan"), float("nan")))
    return day, out
