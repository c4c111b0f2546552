"""Equations of research/physiology.md used by the demo generator (pure numpy, no state).

Tags follow physiology.md: [V] verified source, [D] derived, [A] modelling assumption.
"""
from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from engine.load.profile import tanaka_hr_max  # noqa: F401  (§3.2; used by the generator)
from engine.load.session import lthr_from_fraction
from engine.load.settings import LoadSettings

VO2_REST = 3.5            # ml/kg/min, 1 MET (§3.1, ACSM)
O2_J_PER_ML = 20.9        # J per ml O2, energetic equivalent (§3.1 [A], ~20-21 kJ/l)
DRIFT_ONSET_S = 600.0     # cardiac drift starts after ~10 min (§3.4, Wingo 2012)
# §3.4 (Wingo, Ganio & Cureton 2012): drift is larger in heat and with dehydration, the two
# effects additive. Form and gains [A], chosen so that a 60 min run at 65 % VO2R gets ~+10 % HR
# from drift at 15 degC and ~+16-17 % at 28 degC (§3.4: +12-16 % over long moderate bouts).
DRIFT_HEAT_ONSET_C = 15.0          # drift rate grows with air temperature above this [A]
DRIFT_HEAT_GAIN_PER_C = 0.05       # x (1 + 0.05 per degC above 15): x1.65 at 28 degC [A]
DEHYDRATION_ONSET_S = 2700.0       # sweat loss starts to count after ~45 min [A]
DEHYDRATION_GAIN_PER_H = 0.6       # + 0.6 x the drift rate per hour run beyond 45 min [A]
HEAT_HR_ONSET_C = 20.0             # direct thermoregulatory HR offset above this [A]
HEAT_HR_BPM_PER_C = 0.5            # bpm per degC above 20 (skin blood flow), constant over the run [A]
# Air temperature of a temperate town [A]: seasonal cosine + afternoon peak + weather.
TEMP_MEAN_C = 11.0                 # annual mean
TEMP_SEASON_AMPLITUDE_C = 8.0      # half the July-January difference
TEMP_PEAK_DOY = 205                # warmest ~24 July
TEMP_DIURNAL_AMPLITUDE_C = 4.0     # half the day's range: 07:00 ~5 degC cooler than 18:00
TEMP_PEAK_HOUR = 15.0              # warmest mid-afternoon, coldest ~03:00
WEATHER_SD_C = 3.0                 # day-to-day weather anomaly, SD
WEATHER_AR1 = 0.7                  # its lag-1 day correlation (spells of warm / cold days)
TAU_FITNESS_D, TAU_FATIGUE_D = 42.0, 7.0  # Banister defaults (§4.1)

# §4.3: Tuchscherer RTS chart, %1RM indexed by reps + RIR = 1..15.
RTS_FRACTION_1RM = np.array([100, 95.5, 92.2, 89.2, 86.3, 83.7, 81.1, 78.6, 76.2, 73.9,
                             70.7, 68.0, 65.3, 62.6, 59.9]) / 100
_RTS_REPS = np.arange(1, 16, dtype=float)


def lthr_bpm(hr_rest, hr_max):
    """Lactate-threshold HR = rest + lthr_fraction (max - rest), bpm, at the default lthr_fraction."""
    return lthr_from_fraction(hr_rest, hr_max, LoadSettings().lthr_fraction)


def minetti_cost(grade):
    """Net energy cost of running C_r(i), J/kg/m, i = decimal grade clipped to +-0.45
    (§3.1, Minetti 2002; 3.6 on the level)."""
    i = np.clip(grade, -0.45, 0.45)
    return 155.4 * i**5 - 30.4 * i**4 - 43.3 * i**3 + 46.3 * i**2 + 19.5 * i + 3.6


def vo2_ml_kg_min(speed_mps, grade, economy=1.0):
    """Gross VO2 = 3.5 + economy * C_r(i) * v * 60 / 20.9, ml/kg/min (§3.1)."""
    return VO2_REST + economy * minetti_cost(grade) * np.asarray(speed_mps) * 60.0 / O2_J_PER_ML


def flat_speed_mps(frac_vo2r, vo2max, economy=1.0):
    """Level speed (m/s) that demands `frac_vo2r` of the VO2 reserve (inverse of vo2_ml_kg_min)."""
    return frac_vo2r * (vo2max - VO2_REST) * O2_J_PER_ML / (60.0 * economy * minetti_cost(0.0))


def grade_speed_factor(grade, exponent=0.7):
    """Speed multiplier on a grade: (C_r(0)/C_r(i))^0.7, clipped to 0.55-1.12. Runners hold
    metabolic power only partly on hills (§3.1 Minetti cost; exponent and clip [A])."""
    return np.clip((minetti_cost(0.0) / minetti_cost(grade)) ** exponent, 0.55, 1.12)


def hr_steady_bpm(frac_vo2r, hr_rest, hr_max, gain=1.0):
    """HR_ss = rest + gain * %VO2R * (max - rest), bpm: %HRR = %VO2R (§3.2, Swain 1997)."""
    return hr_rest + gain * np.asarray(frac_vo2r) * (hr_max - hr_rest)


def first_order_response(x, tau_s, y0, dt_s=1.0):
    """Solve tau dy/dt = x - y on a uniform grid, exact for piecewise-constant x
    (zero-order hold): y[n] = a y[n-1] + (1 - a) x[n], a = exp(-dt/tau) (§3.3, Hunt 2015)."""
    a = np.exp(-dt_s / tau_s)
    y, _ = lfilter([1.0 - a], [1.0, -a], x, zi=[a * y0])
    return y


def drift_bpm(frac_vo2r, rate_bpm_per_s, dt_s=1.0, temp_c=DRIFT_HEAT_ONSET_C):
    """Cardiac drift, bpm: d drift/dt = c * max(0, %VO2R - 0.4) * (1 + heat + dehydration) after
    10 min (§3.4 [A] form), heat = 0.05 per degC above 15, dehydration = 0.6 per hour beyond 45 min
    (additive, §3.4 Wingo 2012). c ~ 0.02 bpm/s gives ~ +10 % HR over 60 min at 65 % VO2R at
    15 degC, ~ +16 % at 28 degC; a 100 min run gets ~ +15 % more drift from dehydration."""
    t_s = np.arange(len(frac_vo2r)) * dt_s
    active = np.maximum(np.asarray(frac_vo2r) - 0.4, 0.0) * (t_s >= DRIFT_ONSET_S)
    gain = (1.0 + DRIFT_HEAT_GAIN_PER_C * max(temp_c - DRIFT_HEAT_ONSET_C, 0.0)
            + DEHYDRATION_GAIN_PER_H * np.maximum(t_s - DEHYDRATION_ONSET_S, 0.0) / 3600.0)
    return rate_bpm_per_s * np.cumsum(active * gain) * dt_s


def heat_offset_bpm(temp_c):
    """Direct HR offset in the heat, bpm: 0.5 per degC above 20 degC [A] (skin blood flow)."""
    return HEAT_HR_BPM_PER_C * np.maximum(np.asarray(temp_c, dtype=float) - HEAT_HR_ONSET_C, 0.0)


def air_temp_c(day_of_year, hour, weather_c=0.0):
    """Air temperature, degC [A]: 11 + 8 cos(2 pi (doy - 205) / 365.25) + 4 cos(2 pi (hour - 15) / 24)
    + the day's weather anomaly."""
    season = np.cos(2 * np.pi * (np.asarray(day_of_year) - TEMP_PEAK_DOY) / 365.25)
    diurnal = np.cos(2 * np.pi * (np.asarray(hour) - TEMP_PEAK_HOUR) / 24.0)
    return TEMP_MEAN_C + TEMP_SEASON_AMPLITUDE_C * season + TEMP_DIURNAL_AMPLITUDE_C * diurnal + weather_c


def weather_anomaly_c(n_days, rng):
    """Daily weather anomaly, degC: stationary AR(1), SD 3, lag-1 correlation 0.7 [A]."""
    e = rng.standard_normal(n_days)
    e[:1] /= np.sqrt(1 - WEATHER_AR1**2)                      # start in the stationary state
    return WEATHER_SD_C * lfilter([np.sqrt(1 - WEATHER_AR1**2)], [1.0, -WEATHER_AR1], e)


def rts_fraction_1rm(reps_plus_rir):
    """%1RM (fraction) for reps + RIR (§4.3 RTS chart, linear between entries)."""
    return np.interp(reps_plus_rir, _RTS_REPS, RTS_FRACTION_1RM)


def rts_reps_to_failure(fraction_1rm):
    """Inverse RTS chart: reps to failure (continuous) at a load fraction of 1RM (§4.3);
    extended linearly beyond 15 reps (2.7 %/rep) and below 1 rep [A]."""
    f = np.asarray(fraction_1rm, dtype=float)
    reps = np.interp(f, RTS_FRACTION_1RM[::-1], _RTS_REPS[::-1])
    reps = np.where(f < RTS_FRACTION_1RM[-1], 15.0 + (RTS_FRACTION_1RM[-1] - f) / 0.027, reps)
    return np.where(f > 1.0, 1.0 - (f - 1.0) / 0.045, reps)


def log_time_gain(training_age_d, year1_gain=0.40, t0_d=40.0):
    """Relative strength gain since the first session, linear in log time (§4.2, Steele 2022:
    ~30-50 % in year 1). With t0 = 40 d a novice gains ~3 %/wk at first and an athlete with
    1-2 years of training ~0.2-0.3 %/wk [D]."""
    return year1_gain * np.log1p(np.asarray(training_age_d) / t0_d) / np.log1p(365.0 / t0_d)


def banister_step(fitness, fatigue, load):
    """One day of the recursive fitness-fatigue model: F = F e^(-1/42) + w, G = G e^(-1/7) + w
    (§4.1)."""
    return (fitness * np.exp(-1.0 / TAU_FITNESS_D) + load,
            fatigue * np.exp(-1.0 / TAU_FATIGUE_D) + load)


def lap_splits_s(total_s, fade, kick, rng, start=0.03, noise=0.012):
    """15 x 200 m splits (s, rounded to 0.01) summing exactly to the returned 3,000 m time.

    Profile per lap k = 0..14: 1 - start [k=0] + fade (k/14)^1.5 - kick [k=14] + N(0, noise):
    a fast first lap, positive drift and a final-lap kick (§2.7 [A]). Rows = athletes.
    Returns (laps_s (n, 15), run_3000m_s (n,)).
    """
    total_s, fade, kick = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (total_s, fade, kick))
    k = np.arange(15)
    shape = (1.0 + fade[:, None] * (k / 14.0) ** 1.5 - start * (k == 0)
             - kick[:, None] * (k == 14) + rng.normal(0.0, noise, (len(total_s), 15)))
    laps_cs = np.round(shape / shape.sum(axis=1, keepdims=True) * total_s[:, None] * 100.0)
    return laps_cs / 100.0, laps_cs.sum(axis=1) / 100.0
