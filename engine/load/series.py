"""Daily load series for many athletes at once: CTL/ATL/TSB, ACWR, monotony, strain, FRBI, flags.

Every function takes daily loads in a.u. with days on the last axis (`load[athletes, days]`, or one
athlete's `load[days]`), rest days 0, and returns arrays of the same shape. No Python loop over days:
EWMAs are a log2(days)-step prefix scan (`ewma`), rolling windows numpy sliding windows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from engine.load.settings import LoadSettings

RAMP_DAYS = 7  # ramp rate = CTL change over one week
MONOTONY_DAYS = 7  # Foster monotony / strain are weekly (Foster, MSSE 1998;30:1164)
FLAT_SD_RELATIVE = 1e-9  # a 7-day SD below this fraction of the mean is rounding noise: SD = 0
ACWR_METHOD_LABELS = {"rolling_coupled": "rolling coupled", "rolling_uncoupled": "rolling uncoupled",
                      "ewma": "EWMA"}


def daily_matrix(long_df: pd.DataFrame, start, end, fill: float = 0.0
                 ) -> tuple[np.ndarray, pd.DatetimeIndex, np.ndarray]:
    """(athlete_ids sorted, days start..end inclusive, matrix[athlete, day]) from athlete_id, day, load_au.

    Rows of the same athlete and day are summed; days without a row (or rows outside start..end)
    hold `fill` (0 for loads: rest day; NaN for measurements such as morning HR).
    """
    days = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
    ids = np.sort(pd.unique(long_df["athlete_id"].dropna()))
    matrix = np.full((len(ids), len(days)), fill, dtype=float)
    frame = pd.DataFrame({"athlete_id": long_df["athlete_id"].to_numpy(),
                          "day": pd.to_datetime(long_df["day"]).dt.normalize().to_numpy(),
                          "value": pd.to_numeric(long_df["load_au"]).astype("float64").to_numpy()})
    summed = frame.groupby(["athlete_id", "day"])["value"].sum(min_count=1).dropna()
    rows = pd.Index(ids).get_indexer(summed.index.get_level_values("athlete_id"))
    cols = days.get_indexer(summed.index.get_level_values("day"))
    inside = cols >= 0
    matrix[rows[inside], cols[inside]] = summed.to_numpy()[inside]
    return ids, days, matrix


def ewma(load: np.ndarray, alpha: float) -> np.ndarray:
    """y_t = alpha x load_t + (1 - alpha) x y_(t-1), y before day 0 = 0, along the last axis.

    Computed as a prefix scan (Hillis-Steele): after the step with shift s, y_t holds the terms of
    days t-2s+1 .. t, so log2(days) vectorised steps cover the whole series for every athlete at
    once, with only decay factors <= 1 (stable). numpy only: keeps scipy out of the app's start.
    """
    y = alpha * np.asarray(load, dtype=float)
    shift, days = 1, y.shape[-1]
    while shift < days:
        scanned = y.copy()
        scanned[..., shift:] += (1.0 - alpha) ** shift * y[..., :-shift]
        y, shift = scanned, shift * 2
    return y


def seeded_ewma(load: np.ndarray, alpha: float, seed_days: int) -> np.ndarray:
    """ewma whose value before each row's first loaded day (load > 0) is the mean load of that day
    and the seed_days - 1 after it (fewer at the end of the data), instead of 0; 0 before that day.
    seed_days 0: plain ewma. The seed stands for the training before the data began."""
    y = ewma(load, alpha)
    if seed_days <= 0:
        return y
    rows = np.atleast_2d(np.asarray(load, dtype=float))
    days = rows.shape[-1]
    loaded = rows > 0
    first = np.where(loaded.any(axis=-1), loaded.argmax(axis=-1), days)[:, None]
    t = np.arange(days)[None, :]
    window = (t >= first) & (t < first + seed_days)
    seed = (rows * window).sum(axis=-1, keepdims=True) / np.maximum(window.sum(axis=-1, keepdims=True), 1)
    steps = t - first + 1  # days since the seed's "yesterday"
    decay = np.where(steps > 0, (1.0 - alpha) ** np.maximum(steps, 0), 0.0)
    return y + (decay * seed).reshape(y.shape)


def pmc(load: np.ndarray, ctl_days: float, atl_days: float, seed_days: int = 0) -> dict[str, np.ndarray]:
    """Performance-management chart: ctl, atl (a.u./day), tsb and ramp (a.u.).

    CTL_t = CTL_(t-1) e^(-1/ctl_days) + load_t (1 - e^(-1/ctl_days)), starting from the mean load
    of the first seed_days days (seeded_ewma; 0 = from 0); ATL likewise with atl_days (Banister
    impulse-response, exact exponential form). TSB_t = CTL_(t-1) - ATL_(t-1), 0 on day 0.
    ramp_t = CTL_t - CTL_(t-7), NaN for t < 7.
    """
    ctl = seeded_ewma(load, 1.0 - np.exp(-1.0 / ctl_days), seed_days)
    atl = seeded_ewma(load, 1.0 - np.exp(-1.0 / atl_days), seed_days)
    tsb = np.zeros_like(ctl)
    tsb[..., 1:] = ctl[..., :-1] - atl[..., :-1]
    ramp = np.full_like(ctl, np.nan)
    ramp[..., RAMP_DAYS:] = ctl[..., RAMP_DAYS:] - ctl[..., :-RAMP_DAYS]
    return {"ctl": ctl, "atl": atl, "tsb": tsb, "ramp": ramp}


def _rolling_mean(load: np.ndarray, days: int) -> np.ndarray:
    """Mean of days t-days+1 .. t along the last axis; NaN for t < days - 1."""
    load = np.asarray(load, dtype=float)
    out = np.full(load.shape, np.nan)
    if load.shape[-1] >= days:
        out[..., days - 1:] = sliding_window_view(load, days, axis=-1).mean(axis=-1)
    return out


def _ratio(acute: np.ndarray, chronic: np.ndarray) -> np.ndarray:
    """acute / chronic, NaN where chronic is 0 or NaN."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(chronic > 0, acute / chronic, np.nan)


def acwr_rolling(load: np.ndarray, acute: int, chronic: int, coupled: bool) -> np.ndarray:
    """Rolling acute:chronic workload ratio (Hulin et al., BJSM 2016; Windt & Gabbett, BJSM 2017).

    acute = mean load of days t-acute+1 .. t. Coupled chronic = mean of days t-chronic+1 .. t (it
    contains the acute days); uncoupled chronic = mean of days t-chronic+1 .. t-acute (the same
    window without the acute days, e.g. 21 days for 7/28). NaN for t < chronic - 1 and where the
    chronic mean is 0.
    """
    acute_mean = _rolling_mean(load, acute)
    if coupled:
        chronic_mean = _rolling_mean(load, chronic)
    else:
        before = _rolling_mean(load, chronic - acute)
        chronic_mean = np.full_like(before, np.nan)
        chronic_mean[..., acute:] = before[..., :-acute]
    return _ratio(acute_mean, chronic_mean)


def acwr_ewma(load: np.ndarray, acute: int, chronic: int) -> np.ndarray:
    """EWMA acute:chronic ratio (Williams et al., BJSM 2017;51:209): EWMA_t = lambda load_t +
    (1 - lambda) EWMA_(t-1), lambda = 2/(N+1), EWMAs from 0; NaN where the chronic EWMA is 0.

    Starting from 0, the first loaded day gives lambda_acute/lambda_chronic (3.6 for 7/28):
    load_metrics hides the first chronic - 1 days.
    """
    return _ratio(ewma(load, 2.0 / (acute + 1)), ewma(load, 2.0 / (chronic + 1)))


def monotony_strain(load: np.ndarray, window: int = MONOTONY_DAYS, ddof: int = 0, cap: float = 10.0
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Foster monotony = mean / SD of the last `window` daily loads, strain = their sum x monotony (a.u.)
    (Foster, MSSE 1998;30:1164). SD with `ddof` (0 population, 1 sample).

    Monotony is capped at `cap`; with SD 0 (identical loads) it is `cap` if the mean is > 0, else 0
    (a week of rest). NaN for the first window - 1 days.
    """
    load = np.asarray(load, dtype=float)
    monotony = np.full(load.shape, np.nan)
    strain = np.full(load.shape, np.nan)
    if load.shape[-1] < window:
        return monotony, strain
    week = sliding_window_view(load, window, axis=-1)
    mean = week.mean(axis=-1)
    sd = week.std(axis=-1, ddof=ddof)
    flat = sd <= FLAT_SD_RELATIVE * np.abs(mean)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(flat, np.where(mean > 0, cap, 0.0), np.minimum(mean / sd, cap))
    monotony[..., window - 1:] = value
    strain[..., window - 1:] = week.sum(axis=-1) * value
    return monotony, strain


def morning_hr_factor(hr_morning: np.ndarray, median_days: int = 28) -> np.ndarray:
    """Morning resting HR / its median over days t-median_days+1 .. t (bpm / bpm; missing days
    skipped); 1 where the day has no morning HR. The project's FRBI elevation term (DESIGN.md)."""
    hr = np.asarray(hr_morning, dtype=float)
    rows = hr.reshape(-1, hr.shape[-1])
    median = pd.DataFrame(rows.T).rolling(median_days, min_periods=1).median().to_numpy().T.reshape(hr.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isfinite(hr) & (median > 0), hr / median, 1.0)


def frbi(load: np.ndarray, hr_morning: np.ndarray | None = None, acute: int = 7, chronic: int = 28,
         median_days: int = 28) -> np.ndarray:
    """Fatigue-recovery balance index, the project's definition (DESIGN.md; the paper gives no formula):
    EWMA acute:chronic ratio (acwr_ewma) x morning_hr_factor (1 without wellness data)."""
    ratio = acwr_ewma(load, acute, chronic)
    return ratio if hr_morning is None else ratio * morning_hr_factor(hr_morning, median_days)


def load_metrics(load: np.ndarray, settings: LoadSettings, hr_morning: np.ndarray | None = None
                 ) -> dict[str, np.ndarray]:
    """Every daily metric for all athletes in one call: ctl, atl, tsb, ramp, acwr (settings.acwr_method),
    acwr_coupled, acwr_uncoupled, acwr_ewma, monotony, strain, frbi; arrays shaped like `load`.

    acwr_ewma and frbi are NaN for the first chronic_days - 1 days, like the rolling ratios: the
    EWMAs start at 0 with no earlier load known, which inflates the ratio.
    """
    load = np.asarray(load, dtype=float)
    acute, chronic = int(settings.acute_days), int(settings.chronic_days)
    out = pmc(load, settings.ctl_days, settings.atl_days, int(settings.pmc_seed_days))
    out["acwr_coupled"] = acwr_rolling(load, acute, chronic, coupled=True)
    out["acwr_uncoupled"] = acwr_rolling(load, acute, chronic, coupled=False)
    ewma_ratio = acwr_ewma(load, acute, chronic)
    ewma_ratio[..., :chronic - 1] = np.nan
    out["acwr_ewma"] = ewma_ratio
    out["acwr"] = out[{"rolling_coupled": "acwr_coupled", "rolling_uncoupled": "acwr_uncoupled",
                       "ewma": "acwr_ewma"}[settings.acwr_method]]
    out["monotony"], out["strain"] = monotony_strain(load, MONOTONY_DAYS, settings.monotony_ddof,
                                                     settings.monotony_cap)
    out["frbi"] = frbi(load, hr_morning, acute, chronic, int(settings.frbi_median_days))
    out["frbi"][..., :chronic - 1] = np.nan
    return out


def _shown(value: float, limit: float, decimals: int = 2) -> str:
    """value with `decimals` decimals, up to 2 more when fewer would print the limit it crossed."""
    for digits in range(decimals, decimals + 3):
        if round(value, digits) != round(limit, digits):
            break
    return f"{value:.{digits}f}"


def _flags_one(acwr, monotony, strain, frbi_value, tsb, s: LoadSettings) -> list[dict]:
    band = f"{s.acwr_low:g}–{s.acwr_high:g}"
    method = f"{ACWR_METHOD_LABELS[s.acwr_method]} {s.acute_days:g}/{s.chronic_days:g} d"
    raised = []
    if acwr > s.acwr_high:
        raised.append({"code": "acwr_high", "label": "ACWR high",
                       "why": f"ACWR {_shown(acwr, s.acwr_high)} ({method}) is above the {band} band: "
                              "a load spike."})
    if acwr < s.acwr_low:
        raised.append({"code": "acwr_low", "label": "ACWR low",
                       "why": f"ACWR {_shown(acwr, s.acwr_low)} ({method}) is below the {band} band: "
                              "underloading."})
    if monotony > s.monotony_threshold:
        raised.append({"code": "monotony", "label": "Monotony high",
                       "why": f"Monotony {_shown(monotony, s.monotony_threshold)} (7-day mean / SD) is above "
                              f"{s.monotony_threshold:g}."})
    if strain > s.strain_threshold:
        raised.append({"code": "strain", "label": "Strain high",
                       "why": f"Strain {strain:,.0f} a.u. (weekly load x monotony) is above "
                              f"{s.strain_threshold:,.0f} a.u."})
    if frbi_value > s.frbi_threshold:
        raised.append({"code": "frbi", "label": "FRBI high",
                       "why": f"FRBI {_shown(frbi_value, s.frbi_threshold)} is above {s.frbi_threshold:g}: "
                              f"cut planned load {100 * s.frbi_cut_low:g}-{100 * s.frbi_cut_high:g} % for "
                              f"{s.frbi_cut_days}-{s.frbi_cut_days_max} days."})
    if tsb < s.tsb_floor:
        raised.append({"code": "tsb", "label": "Deep fatigue",
                       "why": f"TSB {_shown(tsb, s.tsb_floor, 0)} (yesterday's CTL − ATL) is below "
                              f"{s.tsb_floor:g}."})
    return raised


def flags(latest: dict[str, np.ndarray], settings: LoadSettings) -> list[list[dict]]:
    """Risk flags per athlete from one day's metrics (keys acwr, monotony, strain, frbi, tsb; one
    value per athlete). Each flag: code (acwr_high, acwr_low, monotony, strain, frbi, tsb), label
    (chip text), why (one sentence with the numbers). NaN metrics raise nothing."""
    keys = ("acwr", "monotony", "strain", "frbi", "tsb")
    columns = [np.atleast_1d(np.asarray(latest[k], dtype=float)) for k in keys]
    return [_flags_one(*values, settings) for values in zip(*columns)]
