"""Per-session loads: Foster session-RPE load, Banister and Edwards TRIMP, hrTSS, time in zones.

`hr_session_loads` works on the seconds at each HR of many activities and athletes at once (numpy
on every row, one pandas groupby to sum per activity).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.load.settings import LoadSettings

EDWARDS_BOUNDS = (0.5, 0.6, 0.7, 0.8, 0.9)  # lower bounds of zones 1-5, fraction of HRmax (Edwards 1993)
ZONE_COLUMNS = [f"zone_s_{z}" for z in range(1, 6)]
# "Z1 50-60 %" ... "Z5 90-100 %" of HRmax (Z5 also counts above HRmax)
ZONE_LABELS = [f"Z{z} {100 * lo:.0f}-{100 * hi:.0f} %" for z, (lo, hi)
               in enumerate(zip(EDWARDS_BOUNDS, (*EDWARDS_BOUNDS[1:], 1.0)), start=1)]
HR_LOAD_COLUMNS = ["activity_id", "trimp_banister", "trimp_edwards", "hrtss", *ZONE_COLUMNS, "hr_minutes"]


def _as_float(values):
    """Series stay Series (nullable NA -> NaN); anything else becomes a float ndarray."""
    if isinstance(values, pd.Series):
        return values.astype("float64")
    return np.asarray(values, dtype=float)


def foster_load(srpe, duration_s):
    """Session load, a.u. = session RPE (CR-10) x duration (min) (Foster et al., JSCR 2001;15:109).

    Scalars, arrays or Series; a missing RPE gives NaN.
    """
    return _as_float(srpe) * _as_float(duration_s) / 60.0


def lthr_from_fraction(hr_rest, hr_max, fraction: float):
    """LTHR when not measured, bpm = rest + fraction x (max - rest) (DESIGN.md, Load science)."""
    return hr_rest + fraction * (hr_max - hr_rest)


def _profiles(athletes: pd.DataFrame, settings: LoadSettings) -> pd.DataFrame:
    """Per athlete_id: hr_rest, hr_max, lthr (bpm) and the Banister a, b.

    Sex 'F' (any case) takes the women's coefficients; 'M', missing or anything else the men's.
    A missing LTHR is rest + lthr_fraction x (max - rest).
    """
    female = athletes["sex"].fillna("").astype(str).str.strip().str.upper().str.startswith("F").to_numpy()
    rest = _as_float(athletes["hr_rest"]).to_numpy()
    hr_max = _as_float(athletes["hr_max"]).to_numpy()
    lthr = _as_float(athletes["lthr"]).to_numpy()
    return pd.DataFrame({
        "hr_rest": rest,
        "hr_max": hr_max,
        "lthr": np.where(np.isnan(lthr), lthr_from_fraction(rest, hr_max, settings.lthr_fraction), lthr),
        "a": np.where(female, settings.trimp_a_women, settings.trimp_a_men),
        "b": np.where(female, settings.trimp_b_women, settings.trimp_b_men),
    }, index=athletes["athlete_id"].to_numpy())


def _banister_per_min(hr_reserve_fraction, a, b):
    """Banister TRIMP per minute = HRr x a x e^(b x HRr) (Banister 1991; Morton et al. 1990)."""
    return hr_reserve_fraction * a * np.exp(b * hr_reserve_fraction)


def hr_session_loads(samples: pd.DataFrame, athletes: pd.DataFrame, settings: LoadSettings) -> pd.DataFrame:
    """One row per activity_id with trimp_banister, trimp_edwards, hrtss, zone_s_1..zone_s_5, hr_minutes.

    samples: activity_id, athlete_id, heart_rate (bpm) and dt_s, the seconds at that HR: what
    engine.store.loads.hr_seconds gives, the one place that turns records into seconds (a record
    with HR lasts until the next record with HR, at most settings.max_sample_gap_s, so a pause or
    a dropout counts that much; the last record 0 s). athletes: athlete_id, sex, hr_rest, hr_max,
    lthr (bpm).
    - trimp_banister = sum dt_min x HRr x a x e^(b x HRr), HRr = (HR - rest)/(max - rest) clipped to
      [0, 1] (Banister 1991; men a 0.64 b 1.92, women a 0.86 b 1.67, Morton et al. 1990).
    - trimp_edwards = sum of minutes in zones 50-60 ... 90-100+ %HRmax x 1..5 (Edwards 1993);
      zone_s_z = seconds in zone z (above HRmax counts as zone 5, below 50 % in none).
    - hrtss = 100 x trimp_banister / Banister TRIMP of 60 min at LTHR (hrTSS points).
    - hr_minutes = minutes with a valid HR (NaN or <= 0 bpm records count nothing).
    TRIMP and hrTSS are NaN for an activity without a valid HR minute or whose athlete lacks
    hr_rest / hr_max (or has max <= rest); Edwards TRIMP and zones need only hr_max.
    """
    if samples.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "activity_id" else "float64")
                             for c in HR_LOAD_COLUMNS})
    activity = samples["activity_id"].to_numpy()
    hr = _as_float(samples["heart_rate"]).to_numpy()
    profile = _profiles(athletes, settings).reindex(samples["athlete_id"].to_numpy())
    rest, hr_max, lthr, a, b = (profile[c].to_numpy() for c in ("hr_rest", "hr_max", "lthr", "a", "b"))

    gap_s = np.clip(_as_float(samples["dt_s"]).to_numpy(), 0.0, None)
    valid = np.isfinite(hr) & (hr > 0)
    dt_s = np.where(valid, gap_s, 0.0)

    reserve = hr_max - rest
    with np.errstate(invalid="ignore", divide="ignore"):
        hrr = np.clip((hr - rest) / reserve, 0.0, 1.0)
        lthr_hrr = np.clip((lthr - rest) / reserve, 0.0, 1.0)
        zone = np.where(valid & (hr_max > 0), np.digitize(hr / hr_max, EDWARDS_BOUNDS), 0)
    per_record = pd.DataFrame({
        "activity_id": activity,
        "trimp_banister": np.where(dt_s > 0, dt_s / 60.0 * _banister_per_min(hrr, a, b), 0.0),
        **{col: np.where(zone == z, dt_s, 0.0) for z, col in enumerate(ZONE_COLUMNS, start=1)},
        "hr_s": dt_s,
        "no_reserve": ~(reserve > 0),
        "no_max": ~(hr_max > 0),
        "trimp_60min_lthr": 60.0 * _banister_per_min(lthr_hrr, a, b),
    })
    out = per_record.groupby("activity_id", sort=True).agg(
        trimp_banister=("trimp_banister", "sum"), **{c: (c, "sum") for c in ZONE_COLUMNS},
        hr_s=("hr_s", "sum"), no_reserve=("no_reserve", "any"), no_max=("no_max", "any"),
        trimp_60min_lthr=("trimp_60min_lthr", "first"),
    )
    no_hr = out["hr_s"].to_numpy() <= 0
    no_banister = no_hr | out["no_reserve"].to_numpy()
    no_edwards = no_hr | out["no_max"].to_numpy()
    zone_s = np.where(no_edwards[:, None], np.nan, out[ZONE_COLUMNS].to_numpy())
    banister = np.where(no_banister, np.nan, out["trimp_banister"].to_numpy())
    trimp_60min_lthr = out["trimp_60min_lthr"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        hrtss = np.where(trimp_60min_lthr > 0, 100.0 * banister / trimp_60min_lthr, np.nan)
    return pd.DataFrame({
        "activity_id": out.index.to_numpy(),
        "trimp_banister": banister,
        "trimp_edwards": zone_s @ np.arange(1.0, 6.0) / 60.0,
        "hrtss": hrtss,
        **{c: zone_s[:, i] for i, c in enumerate(ZONE_COLUMNS)},
        "hr_minutes": out["hr_s"].to_numpy() / 60.0,
    })


# How a session's load was obtained, in the order they are tried (blend and srpe sources):
# the session RPE; the mean RPE of its working sets (strength); HR (hrTSS); the sport's default sRPE.
BASIS_SOURCE = {"srpe": "srpe", "set_rpe": "estimated", "hr": "hr", "default": "estimated"}
BASES = list(BASIS_SOURCE)


def session_load(sessions: pd.DataFrame, settings: LoadSettings, hrtss_to_au: pd.Series | float = 1.0
                 ) -> pd.DataFrame:
    """Each session's load under settings.load_source, and what it rests on.

    sessions: sport, duration_s (NaN/0 = unknown), srpe, sets (strength sets, NaN for none),
    set_rpe (mean RPE of the working sets), hrtss, hr_estimated (the HR profile holds estimates).
    hrtss_to_au: a.u. per hrTSS point for each session (blend), or one number.
    Duration: the file's, else sets x settings.strength_s_per_set (estimated).
    - "srpe": Foster sRPE x min, else mean set RPE x min, else the sport's default sRPE x min.
    - "hrtss": hrTSS points only; sessions without HR count 0.
    - "blend": sRPE x min, else set RPE x min, else hrTSS x hrtss_to_au, else default sRPE x min.
    Returns, on the sessions' index: duration_used_s, duration_estimated, load_au, basis (srpe |
    set_rpe | hr | default | ""), source (srpe | hr | estimated | ""): estimated when the basis is
    set RPE or a default, or rests on an estimated duration or HR profile.
    """
    n = len(sessions)
    column = {c: sessions[c].to_numpy(dtype=float, na_value=np.nan)
              for c in ("duration_s", "sets", "srpe", "set_rpe", "hrtss")}
    known = column["duration_s"] > 0
    by_sets = np.nan_to_num(column["sets"]) * settings.strength_s_per_set
    duration_s = np.where(known, column["duration_s"], np.where(by_sets > 0, by_sets, np.nan))
    minutes = duration_s / 60.0
    which, sports = pd.factorize(sessions["sport"])
    default_rpe = np.array([settings.default_srpe(sport) for sport in sports], dtype=float)[which]
    hr_load = column["hrtss"] * (1.0 if settings.load_source == "hrtss" else np.asarray(hrtss_to_au, dtype=float))
    candidates = {"srpe": column["srpe"] * minutes, "set_rpe": column["set_rpe"] * minutes, "hr": hr_load,
                  "default": default_rpe * minutes}
    order = {"srpe": ["srpe", "set_rpe", "default"], "hrtss": ["hr"],
             "blend": ["srpe", "set_rpe", "hr", "default"]}[settings.load_source]
    load = np.full(n, np.nan)
    code = np.zeros(n, dtype=np.int8)  # 0: no basis, else 1 + the basis' index in BASES
    for name in order:
        fill = np.isnan(load) & ~np.isnan(candidates[name])
        load[fill], code[fill] = candidates[name][fill], 1 + BASES.index(name)
    hr_estimated = sessions["hr_estimated"].to_numpy(dtype=object) == True  # noqa: E712 (NaN -> False)
    uses_duration = np.isin(code, [1 + BASES.index(b) for b in ("srpe", "set_rpe", "default")])
    estimated = (uses_duration & ~known) | ((code == 1 + BASES.index("hr")) & hr_estimated)
    basis = np.array(["", *BASES], dtype=object)[code]
    source = np.array(["", *BASIS_SOURCE.values()], dtype=object)[code]
    source[estimated] = "estimated"
    return pd.DataFrame({"duration_used_s": duration_s, "duration_estimated": ~known & ~np.isnan(duration_s),
                         "load_au": np.nan_to_num(load), "basis": basis, "source": source}, index=sessions.index)


def basis_text(row, settings: LoadSettings) -> str:
    """One line for the coach on how a session's load (a row of report.session_loads) was found."""
    minutes = row["duration_used_s"] / 60
    duration = f"{minutes:.0f} min"
    if row["duration_estimated"]:
        duration += f" (estimated: {row['sets']:.0f} sets x {settings.strength_s_per_set:g} s)"
    basis = row["basis"]
    if basis == "srpe":
        return f"session RPE {row['srpe']:g} x {duration} (Foster)"
    if basis == "set_rpe":
        return f"no session RPE: mean RPE of the working sets {row['set_rpe']:.1f} x {duration}"
    if basis == "default":
        return (f"no RPE or HR: the team's default session RPE for {row['sport']}, "
                f"{settings.default_srpe(row['sport']):g}, x {duration}")
    if basis == "hr" and settings.load_source == "hrtss":
        return f"hrTSS {row['hrtss']:.0f} points (load source: hrtss)"
    if basis == "hr":
        return (f"no session RPE: hrTSS {row['hrtss']:.0f} x {row['load_au'] / row['hrtss']:.1f} a.u. per point "
                "(the athlete's sRPE-to-hrTSS ratio, or the default)")
    return "no load: nothing to compute it from"
