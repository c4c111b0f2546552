"""Deterministic demo squad grounded in research/physiology.md.

`build_demo(DemoConfig())` returns the frames of a squad (athletes, runs with per-second
physiology, push/pull/legs strength logs, morning wellness, fortnightly fitness tests, the coach's
saved plans of the last PLAN_WEEKS weeks) and the separate 6,698-record fitness cohort. Pure:
nothing is written. Same config -> identical frames: every random stream
is `numpy.random.default_rng([seed, stream, ...])`.

Runs are less tidy than a first-order HR model: drift grows with the day's air temperature and
run length (§3.4), the morning's wellness shifts the day's HR (readiness), and the recorded HR
carries optical-sensor artefacts (cadence lock, spikes, dropouts). The air temperature is not
stored; `run_air_temp_c` recomputes it. The saved plans put each planned session (missed ones too)
at the athlete's recent load for that kind of session, so compliance shows the misses and the
day-to-day spread; they draw no random numbers.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d
from scipy.signal import lfilter

from engine import clock
from engine.demo import physiology as ph
from engine.demo.cohort import build_cohort
from engine.demo.routes import M_PER_DEG_LAT, TOWN_LAT, Route, build_routes
from engine.demo.routes import STEP_M as ROUTE_STEP_M
from engine.ingest.common import PAUSE_GAP_S
from engine.ingest.exercise_names import load_catalog
from engine.load.session import foster_load

STREAM_ATHLETES, STREAM_ROUTES, STREAM_TRAINING = 1, 2, 4   # 3: cohort.STREAM_COHORT
STREAM_WEATHER = 5        # the town's weather, shared by the squad
STREAM_RUNS = 6           # one stream per run, so the run model can change without reshuffling the lifts
STREAM_ADOPT = 7          # which accessory an athlete swaps, and for what (the adoption rule)
WARMUP_WEEKS = 6  # simulated before the visible window, which then starts trained; never stored
PLAN_WEEKS = 4    # the coach's saved plans (table planned_days) cover the window's last weeks
PLAN_ROUND_AU = 10.0

FIRST_NAMES = {
    "M": ["Liam", "Noah", "Lucas", "Mateo", "Ethan", "Oskar", "Leon", "Hugo", "Daniel", "Samuel",
          "Wei", "Jun", "Hao", "Kenji", "Arjun", "Omar", "Tomas", "Felix", "Jonas", "Marco",
          "Ivan", "Rafael", "Luca", "Adam", "Elias", "Finn", "Milan", "Pablo", "Yusuf", "David"],
    "F": ["Emma", "Olivia", "Sofia", "Mia", "Lena", "Chloe", "Nora", "Ava", "Elena", "Hannah",
          "Mei", "Yuki", "Priya", "Aisha", "Clara", "Julia", "Ines", "Freya", "Lucia", "Sara",
          "Anna", "Maya", "Zoe", "Ida", "Alma", "Ruth", "Nina", "Leah", "Vera", "Iris"],
}
LAST_NAMES = ["Andersen", "Becker", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hansen",
              "Ito", "Jensen", "Kowalski", "Li", "Martin", "Novak", "Okafor", "Petrov", "Rossi",
              "Silva", "Tanaka", "Wang", "Weber", "Zhang", "Moreau", "Lindqvist", "Haddad",
              "Murphy", "Nguyen", "Costa", "Schmidt", "Kim", "Larsen", "Romero", "Brennan",
              "Yilmaz", "Sato", "Horvat", "Keller", "Navarro", "Olsen", "Ward"]
TEAMS = ["Harbour Harriers", "Ironworks", "Academy"]
# device -> recording interval, s (0 = "smart recording", 1-5 s) [A]
DEVICES = {"garmin fenix7": 1, "coros pace3": 1, "polar vantage m2": 1, "suunto 9 peak": 2,
           "amazfit gtr4": 3, "garmin forerunner255": 0}

# exercise_id (data/catalog/exercises.json): split, e1RM / body mass of a novice man [A],
# target reps, lower body. The first of each split is the main lift.
EXERCISES = {
    "Barbell_Bench_Press_-_Medium_Grip": ("push", 0.95, 5, False),
    "Standing_Military_Press": ("push", 0.60, 6, False),
    "Incline_Dumbbell_Press": ("push", 0.32, 8, False),
    "Close-Grip_Barbell_Bench_Press": ("push", 0.75, 8, False),
    "Dumbbell_Flyes": ("push", 0.18, 12, False),
    "Side_Lateral_Raise": ("push", 0.13, 12, False),
    "Triceps_Pushdown": ("push", 0.40, 12, False),
    "Barbell_Deadlift": ("pull", 1.50, 5, True),
    "Bent_Over_Barbell_Row": ("pull", 0.75, 8, False),
    "Wide-Grip_Lat_Pulldown": ("pull", 0.80, 10, False),
    "Seated_Cable_Rows": ("pull", 0.80, 10, False),
    "Face_Pull": ("pull", 0.30, 12, False),
    "Barbell_Curl": ("pull", 0.40, 10, False),
    "Hammer_Curls": ("pull", 0.18, 12, False),
    "Barbell_Squat": ("legs", 1.25, 5, True),
    "Romanian_Deadlift": ("legs", 1.00, 8, True),
    "Leg_Press": ("legs", 2.00, 10, True),
    "Barbell_Hip_Thrust": ("legs", 1.20, 10, True),
    "Dumbbell_Lunges": ("legs", 0.25, 10, True),
    "Lying_Leg_Curls": ("legs", 0.50, 12, True),
    "Leg_Extensions": ("legs", 0.60, 12, True),
    "Standing_Calf_Raises": ("legs", 1.00, 12, True),
}
# Exercises an athlete can adopt later (same fields as EXERCISES; the project's estimates [A]): the
# adoption rule (_adopt) swaps accessories for these or for EXERCISES the athlete has not done yet.
ALTERNATIVES = {
    "Dumbbell_Bench_Press": ("push", 0.36, 8, False),
    "Barbell_Incline_Bench_Press_-_Medium_Grip": ("push", 0.80, 6, False),
    "Decline_Barbell_Bench_Press": ("push", 0.95, 6, False),
    "Machine_Bench_Press": ("push", 0.80, 10, False),
    "Leverage_Chest_Press": ("push", 0.85, 10, False),
    "Butterfly": ("push", 0.45, 12, False),
    "Cable_Crossover": ("push", 0.25, 12, False),
    "Incline_Dumbbell_Flyes": ("push", 0.16, 12, False),
    "Seated_Dumbbell_Press": ("push", 0.25, 8, False),
    "Arnold_Dumbbell_Press": ("push", 0.22, 10, False),
    "Leverage_Shoulder_Press": ("push", 0.55, 10, False),
    "Smith_Machine_Overhead_Shoulder_Press": ("push", 0.55, 8, False),
    "Cable_Seated_Lateral_Raise": ("push", 0.08, 15, False),
    "EZ-Bar_Skullcrusher": ("push", 0.35, 10, False),
    "Triceps_Overhead_Extension_with_Rope": ("push", 0.30, 12, False),
    "Tricep_Dumbbell_Kickback": ("push", 0.08, 15, False),
    "Dip_Machine": ("push", 0.70, 10, False),
    "One-Arm_Dumbbell_Row": ("pull", 0.40, 10, False),
    "T-Bar_Row_with_Handle": ("pull", 0.70, 8, False),
    "Leverage_Iso_Row": ("pull", 0.60, 10, False),
    "Leverage_High_Row": ("pull", 0.60, 10, False),
    "Close-Grip_Front_Lat_Pulldown": ("pull", 0.75, 10, False),
    "V-Bar_Pulldown": ("pull", 0.75, 10, False),
    "Straight-Arm_Pulldown": ("pull", 0.30, 12, False),
    "Standing_Biceps_Cable_Curl": ("pull", 0.30, 12, False),
    "Machine_Bicep_Curl": ("pull", 0.30, 12, False),
    "Dumbbell_Bicep_Curl": ("pull", 0.16, 12, False),
    "EZ-Bar_Curl": ("pull", 0.40, 10, False),
    "Preacher_Curl": ("pull", 0.35, 10, False),
    "Incline_Hammer_Curls": ("pull", 0.14, 12, False),
    "Cable_Hammer_Curls_-_Rope_Attachment": ("pull", 0.28, 12, False),
    "Reverse_Flyes": ("pull", 0.08, 15, False),
    "Reverse_Machine_Flyes": ("pull", 0.30, 15, False),
    "Dumbbell_Shrug": ("pull", 0.45, 12, False),
    "Barbell_Shrug": ("pull", 1.00, 10, False),
    "Goblet_Squat": ("legs", 0.35, 10, True),
    "Hack_Squat": ("legs", 1.40, 8, True),
    "Smith_Machine_Squat": ("legs", 1.10, 8, True),
    "Dumbbell_Squat": ("legs", 0.35, 10, True),
    "Barbell_Lunge": ("legs", 0.70, 10, True),
    "Split_Squat_with_Dumbbells": ("legs", 0.25, 10, True),
    "Dumbbell_Step_Ups": ("legs", 0.22, 10, True),
    "Seated_Leg_Curl": ("legs", 0.50, 12, True),
    "Stiff-Legged_Dumbbell_Deadlift": ("legs", 0.40, 10, True),
    "Sumo_Deadlift": ("legs", 1.45, 5, True),
    "Barbell_Glute_Bridge": ("legs", 1.20, 10, True),
    "Pull_Through": ("legs", 0.40, 12, True),
    "Seated_Calf_Raise": ("legs", 0.70, 15, True),
    "Calf_Press_On_The_Leg_Press_Machine": ("legs", 1.50, 15, True),
    "Smith_Machine_Calf_Raise": ("legs", 1.00, 12, True),
    "Thigh_Abductor": ("legs", 0.60, 15, True),
    "Thigh_Adductor": ("legs", 0.60, 15, True),
    "One-Arm_Kettlebell_Swings": ("legs", 0.30, 15, True),
}
# The adoption rule [D]: after each strength session, with probability ADOPT_P, the athlete swaps
# one accessory of that split (picked at random; the main lift stays) for an exercise of the same
# split they have never done that works a primary muscle of the dropped one (like for like), picked
# at random; any never-done exercise of the split when none does. What an athlete adopts thus
# depends on what they already do. Without such a rule no recommender can beat popularity and its
# figures would mean nothing.
ADOPT_P = 0.25
SPLITS = ["push", "pull", "legs"]
PLATE_KG = 2.5
K_FITNESS, K_FATIGUE = 0.0096, 0.024   # Banister gains per 1000 a.u., k2 = 2.5 k1 (§4.1) [A]
# frame columns = the store tables' (engine/store/schema.py) minus import_id
ATHLETE_COLUMNS = ["athlete_id", "name", "sex", "birth_date", "height_cm", "mass_kg", "hr_rest", "hr_max", "lthr",
                   "team"]
ACTIVITY_COLUMNS = ["activity_id", "athlete_id", "sport", "name", "device", "start_time", "duration_s",
                    "moving_time_s", "pause_count", "distance_m", "ascent_m", "avg_hr", "max_hr", "srpe", "note"]
SAMPLE_COLUMNS = ["activity_id", "t_s", "lat", "lon", "altitude_m", "distance_m", "speed_mps", "heart_rate",
                  "cadence"]
SET_FIELDS = ["exercise_id", "set_order", "set_type", "weight_kg", "reps", "rpe", "rir", "rest_s"]  # as generated
SET_COLUMNS = ["athlete_id", "session_date", "session_id", "exercise_id", "set_order", "set_type", "weight_kg",
               "reps", "duration_s", "distance_m", "rpe", "rir", "rest_s"]
FITNESS_COLUMNS = ["athlete_id", "test_date", "height_cm", "mass_kg", "run_3000m_s", "lap_200m_s",
                   "pullups", "situps_60s", "shuttle_30x2_s"]
WELLNESS_COLUMNS = ["athlete_id", "day", "srpe_load", "sleep_h", "soreness", "hr_rest_morning", "hrv_ms"]
PROFILE_BMI_SHIFT = {"runner": -1.0, "lifter": 1.0}          # kg/m2 [A]
PROFILE_VO2MAX_SHIFT = {"runner": 4.0, "lifter": -5.0}       # ml/kg/min [A]
RUN_LABEL = {"easy": "Easy run", "long": "Long run", "tempo": "Tempo run", "intervals": "Intervals"}
# Planned %VO2R of easy runs and of the whole long run [A]: long runs are run conversationally,
# slower than easy runs, so that drift over their length does not make them the "hottest" runs.
EASY_VO2R, LONG_VO2R = (0.58, 0.68), (0.53, 0.61)
JOG_VO2R = 0.55           # an interval session's recovery jog [A]
HARD_VO2R = 0.85          # running above this %VO2R feels hard whatever the HR does yet (sRPE)
SLEEP_MEAN_H = 7.3        # sleep N(7.3, 0.8) h [A]
# Readiness: exercise HR offset from the morning's wellness, bpm [A] (elevated morning HR, short
# sleep and low HRV go with a higher HR at a given pace; magnitudes a few bpm):
READY_MORNING_HR_GAIN = 0.5        # bpm per bpm of morning HR above the athlete's baseline
READY_SLEEP_BPM_PER_H = 1.0        # bpm per hour of sleep short of SLEEP_MEAN_H
READY_HRV_BPM_PER_LN = -6.0        # bpm per unit of ln(HRV / baseline): HRV -20 % -> +1.3 bpm
READY_DAY_SD_BPM = 2.0             # unobserved day-to-day component, N(0, 2)
FATIGUE_BPM_PER_ATL = 0.012        # offset per a.u. of ATL (~3 bpm at a typical 250) [A]
# Optical-HR artefacts of the recorded HR [A] (the true HR drives sRPE):
CADENCE_LOCK_P, CADENCE_LOCK_S = 0.10, (60.0, 240.0)   # share of runs; the first 1-4 min read cadence
SPIKE_P, SPIKE_COUNT, SPIKE_BPM = 0.05, (2, 6), (30.0, 60.0)  # share of runs; 2-5 single samples, + bpm
DROPOUT_P, DROPOUT_S = 0.10, (10.0, 60.0)              # share of runs; one NaN stretch, s
HR_RECORDED_BPM = (30.0, 230.0)                        # recorded range


@dataclass
class DemoConfig:
    """Squad size, training weeks, seed and the last day of training (None -> yesterday)."""
    athletes: int = 24
    weeks: int = 16
    seed: int = 7
    end_date: dt.date | None = None      # None -> yesterday (no session later today)


@dataclass
class DemoData:
    """Frames with the columns of the store tables (engine/store/schema.py) minus import_id;
    `cohort` has the columns of `fitness_cohort`."""
    athletes: pd.DataFrame
    activities: pd.DataFrame
    samples: pd.DataFrame
    strength_sets: pd.DataFrame
    fitness_tests: pd.DataFrame
    wellness: pd.DataFrame
    planned_days: pd.DataFrame
    cohort: pd.DataFrame


@dataclass
class _Athlete:
    """Public profile (table `athletes`) plus the hidden physiology that drives the simulation."""
    athlete_id: int
    name: str
    sex: str
    birth_date: dt.date
    height_cm: float
    mass_kg: float
    hr_rest: float
    hr_max: float
    lthr: float
    team: str
    vo2max: float             # ml/kg/min at the start
    economy: float            # multiplier of Minetti's C_r
    tau_s: float              # HR time constant
    hr_gain: float            # individual %HRR per %VO2R
    drift_bpm_per_s: float
    cadence_spm: float
    device: str
    runs_per_week: int
    lifts_per_week: int
    training_age_d: float     # strength training age at the start
    strength_scale: float
    skip_p: float             # share of planned sessions missed
    deload_every: int         # weeks
    deload_phase: int
    start_hour: float
    hrv_ms: float             # baseline RMSSD
    pullups: float            # test baselines
    situps: float
    shuttle_s: float
    pacing_fade: float
    mass_trend_kg: float      # change over 16 weeks


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def _make_athletes(n: int, seed: int, end: dt.date) -> list[_Athlete]:
    """Squad profiles: 2/3 hybrid (2-3 runs and 2-3 lifts a week), 1/6 runners only (4-5 runs),
    1/6 lifters only (3 lifts). Distributions: §3.2 (HR_max, HR_rest), §3.3 (tau), §3.4 (drift);
    body size, VO2max and test baselines are [A] for trained young adults."""
    rng = _rng(seed, STREAM_ATHLETES)
    profiles = np.resize(["hybrid", "hybrid", "runner", "hybrid", "lifter", "hybrid"], n)[rng.permutation(n)]
    sexes = np.resize(["M", "F", "M"], n)[rng.permutation(n)]
    n_teams = 3 if n >= 12 else 2
    teams = np.resize(TEAMS[:n_teams], n)[rng.permutation(n)]
    names: list[str] = []
    athletes = []
    for i, (profile, sex, team) in enumerate(zip(profiles, sexes, teams)):
        name = f"{rng.choice(FIRST_NAMES[sex])} {rng.choice(LAST_NAMES)}"
        while name in names:
            name = f"{rng.choice(FIRST_NAMES[sex])} {rng.choice(LAST_NAMES)}"
        names.append(name)
        male = sex == "M"
        age_y = float(np.clip(rng.normal(21.5, 2.5), 18, 30))
        height_cm = rng.normal(177, 6.5) if male else rng.normal(165, 6)
        bmi = np.exp(rng.normal(np.log(22.8 if male else 21.8), 0.08)) + PROFILE_BMI_SHIFT.get(profile, 0)
        vo2max = (rng.normal(54, 5) if male else rng.normal(47, 4)) + PROFILE_VO2MAX_SHIFT.get(profile, 0)
        hr_rest = float(np.clip(rng.normal(70, 8) - 0.5 * (vo2max - 42), 42, 80))  # §6 N(70, 8), fit: lower
        hr_max = float(np.clip(ph.tanaka_hr_max(age_y) + rng.normal(0, 10), 165, 220))  # §3.2 Tanaka, SD 10
        novice = rng.random() < 0.5
        if profile == "runner":
            runs_per_week, lifts_per_week = int(rng.integers(4, 6)), 0
        elif profile == "lifter":
            runs_per_week, lifts_per_week = 0, 3
        else:
            runs_per_week, lifts_per_week = int(rng.integers(2, 4)), int(rng.integers(2, 4))
        athletes.append(_Athlete(
            athlete_id=i + 1, name=name, sex=sex,
            birth_date=end - dt.timedelta(days=int(age_y * 365.25)),
            height_cm=round(height_cm, 1), mass_kg=round(bmi * (height_cm / 100) ** 2, 1),
            hr_rest=float(round(hr_rest)), hr_max=float(round(hr_max)),
            lthr=float(round(ph.lthr_bpm(round(hr_rest), round(hr_max)))), team=str(team),
            vo2max=vo2max,
            # §3.1: Minetti's C_r (3.6) is from economical mountain runners (3.40 +- 0.24, i.e. +-7 %);
            # recreational runners cost ~8 % more, nearer ACSM's 0.2 ml/kg/m [A]
            economy=float(np.clip(rng.normal(1.08, 0.07), 0.92, 1.25)),
            tau_s=float(np.clip(rng.normal(57.6, 23.6), 25, 110)),      # §3.3 Hunt 2015
            hr_gain=float(np.clip(rng.normal(1, 0.05), 0.9, 1.1)),      # §3.2 slope 1.00-1.03
            drift_bpm_per_s=float(np.clip(rng.normal(0.02, 0.005), 0.01, 0.035)),  # §3.4 [A]
            cadence_spm=rng.normal(172, 4),                            # steps/min [A]
            device=str(rng.choice(list(DEVICES))),
            runs_per_week=runs_per_week, lifts_per_week=lifts_per_week,
            training_age_d=rng.uniform(0, 60) if novice else rng.uniform(300, 900),
            strength_scale=float(np.exp(rng.normal(0, 0.12)) * (1 if novice else 1.3)),
            skip_p=rng.uniform(0.06, 0.12),
            deload_every=int(rng.integers(4, 7)), deload_phase=int(rng.integers(0, 6)),
            start_hour=rng.uniform(6.5, 8.0) if rng.random() < 0.5 else rng.uniform(17.5, 19.0),
            hrv_ms=float(np.exp(rng.normal(np.log(70), 0.25))),
            pullups=float(np.exp(rng.normal(np.log(11 if male else 3), 0.35)))
            * (1.2 if profile == "lifter" else 1.0),
            situps=rng.normal(50, 8),
            shuttle_s=rng.normal(10.5, 0.4) if male else rng.normal(11.5, 0.5),
            pacing_fade=float(np.clip(rng.normal(0.05, 0.02), 0, 0.12)),
            mass_trend_kg={"runner": -0.8, "lifter": 1.0}.get(profile, 0.3) + rng.normal(0, 0.5),
        ))
    return athletes


def _week_template(a: _Athlete) -> dict[int, list[str]]:
    """Weekday (0 = Monday) -> planned sessions: strength on Mon/Thu or Mon/Wed/Fri, the long
    run on Sunday, one or two quality runs; 'quality' alternates intervals/tempo weekly."""
    plan: dict[int, list[str]] = {d: [] for d in range(7)}
    lift_days = {0: [], 2: [0, 3], 3: [0, 2, 4]}[a.lifts_per_week]
    for d in lift_days:
        plan[d].append("strength")
    run_days = sorted([d for d in (6, 1, 3, 5, 2, 4, 0) if d not in lift_days][:a.runs_per_week])
    quality = ["intervals", "tempo"] if a.runs_per_week >= 4 else ["quality"]
    for d in run_days:
        kind = "long" if d == 6 else (quality.pop(0) if quality else "easy")
        plan[d].append(kind)
    return plan


def _session_kind(template_kind: str, week: int, deload: bool) -> str:
    """The session a template slot holds this week: 'quality' alternates intervals (even weeks) and
    tempo; a deload week runs its quality sessions easy."""
    kind = {"quality": "intervals" if week % 2 == 0 else "tempo"}.get(template_kind, template_kind)
    return "easy" if deload and kind in ("intervals", "tempo") else kind


def _intensity_profile(kind: str, s_m: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Planned intensity along the route as a fraction of VO2 reserve [A]: easy 58-68 %, long
    53-61 %, tempo block 76-84 % after a 2 km warm-up, intervals 90-97 % with a jog recovery of half
    the rep's distance at JOG_VO2R (a float, not a walk: the session stays faster than an easy run)."""
    length_m = s_m[-1]
    frac = np.full(len(s_m), rng.uniform(*(LONG_VO2R if kind == "long" else EASY_VO2R)))
    if kind == "tempo":
        frac[(s_m > 2000) & (s_m < length_m - 1500)] = rng.uniform(0.76, 0.84)
    elif kind == "intervals":
        work_m = rng.choice([400, 800, 1000])
        jog_m = work_m / 2
        block = (s_m > 2000) & (s_m < length_m - 1200)
        work = (s_m - 2000) % (work_m + jog_m) < work_m
        frac[block] = np.where(work[block], rng.uniform(0.90, 0.97), JOG_VO2R)
    return frac


def _run_timeline(a: _Athlete, route: Route, kind: str, vo2max: float, rng: np.random.Generator):
    """Time (s) at each route point, with traffic-light stops inserted.

    Pace: planned %VO2R -> level speed (§3.1, inverse of Minetti cost + VO2) x a grade factor
    from Minetti's cost x a warm-up ramp over 600 m x slow pace wander. Stops (auto-pause):
    25 % of runs, 1-2 stops of 35-120 s [A]. Returns (t_knot_s, s_knot_m, stop_start_s, stop_s).
    """
    s_m = route.s_m
    rho = np.exp(-ROUTE_STEP_M / 300.0)                         # pace wander: 3 %, correlated over ~300 m [A]
    wander = 0.03 * lfilter([np.sqrt(1 - rho**2)], [1, -rho], rng.standard_normal(len(s_m)))
    speed = (ph.flat_speed_mps(_intensity_profile(kind, s_m, rng), vo2max, a.economy)
             * ph.grade_speed_factor(route.grade) * (0.88 + 0.12 * np.minimum(s_m / 600, 1)) * (1 + wander))
    speed = uniform_filter1d(speed, 7, mode="nearest")
    t_knot = np.concatenate([[0.0], np.cumsum(np.diff(s_m) / (0.5 * (speed[1:] + speed[:-1])))])
    n_stops = int(rng.integers(1, 3)) if rng.random() < 0.25 else 0
    at = np.sort(rng.choice(np.arange(60, len(s_m) - 60), n_stops, replace=False))
    stop_s = rng.uniform(35, 120, n_stops)
    shift = np.zeros(len(s_m))
    np.add.at(shift, at + 1, stop_s)
    t_knot = t_knot + np.cumsum(shift)
    stop_start = t_knot[at]
    return np.insert(t_knot, at + 1, stop_start + stop_s), np.insert(s_m, at + 1, s_m[at]), stop_start, stop_s


def _simulate_run(a: _Athlete, route: Route, kind: str, vo2max: float, offset_bpm: float,
                  temp_c: float, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """One loop of `route` at 1 s resolution, then recorded at the device's interval.

    HR: %HRR = %VO2R of the actual speed and grade (§3.1-3.2), plus drift growing with heat and
    run length (§3.4), a direct heat offset [A] and the day's fatigue/readiness `offset_bpm`,
    through tau dHR/dt = HR_ss - HR (§3.3). Recorded HR = min(HR + N(0, 1.5), HR_max) + optical
    artefacts (cadence lock, spikes, dropouts [A]), rounded, within 30-230; avg_hr and max_hr
    come from it, sRPE from the true HR. Returns the samples (n x 8, SAMPLE_COLUMNS order after
    activity_id) and the activity summary.
    """
    s_m = route.s_m
    t_knot, s_knot, stop_start, stop_s = _run_timeline(a, route, kind, vo2max, rng)
    t_s = np.arange(0.0, np.floor(t_knot[-1]) + 1)
    dist_m = np.interp(t_s, t_knot, s_knot)
    speed_mps = np.gradient(dist_m)
    grade = np.interp(dist_m, s_m, route.grade)
    stopped = ((t_s[:, None] > stop_start) & (t_s[:, None] < stop_start + stop_s)).any(axis=1)
    vo2 = ph.vo2_ml_kg_min(speed_mps, grade, a.economy)
    frac = np.maximum((vo2 - ph.VO2_REST) / (vo2max - ph.VO2_REST), 0.08)       # >= standing
    hr_ss = np.minimum(ph.hr_steady_bpm(frac, a.hr_rest, a.hr_max, a.hr_gain)
                       + ph.drift_bpm(frac, a.drift_bpm_per_s, temp_c=temp_c)
                       + ph.heat_offset_bpm(temp_c) + offset_bpm, a.hr_max)
    hr = ph.first_order_response(hr_ss, a.tau_s, y0=a.hr_rest + rng.uniform(15, 25))

    interval_s = DEVICES[a.device]
    steps = rng.integers(1, 6, len(t_s)) if interval_s == 0 else np.full(len(t_s), interval_s)
    idx = np.concatenate([[0], np.cumsum(steps)])
    idx = np.union1d(idx[idx < len(t_s)], [len(t_s) - 1])
    idx = idx[~stopped[idx]]
    n = len(idx)
    cadence = np.clip(a.cadence_spm + 6 * (speed_mps[idx] - 3.3) + rng.normal(0, 1.5, n), 150, 200)
    hr_rec = _recorded_hr(np.minimum(hr[idx] + rng.normal(0, 1.5, n), a.hr_max), t_s[idx], cadence, rng)
    gps_m = lfilter([np.sqrt(1 - 0.9**2)], [1, -0.9], rng.standard_normal((2, n)), axis=1) * 2.5
    lat = np.interp(dist_m[idx], s_m, route.lat) + gps_m[0] / M_PER_DEG_LAT
    lon = np.interp(dist_m[idx], s_m, route.lon) + gps_m[1] / (M_PER_DEG_LAT * np.cos(np.radians(TOWN_LAT)))
    altitude_m = np.interp(dist_m[idx], s_m, route.altitude_m)
    samples = np.column_stack([
        t_s[idx], lat.round(6), lon.round(6), (altitude_m + rng.normal(0, 0.3, n)).round(1),
        dist_m[idx].round(1), np.maximum(speed_mps[idx] + rng.normal(0, 0.05, n), 0).round(3),
        hr_rec, np.round(cadence)])

    gaps = np.diff(t_s[idx])
    moving = ~stopped
    hrr = (hr[moving] - a.hr_rest) / (a.hr_max - a.hr_rest)
    summary = {
        "duration_s": float(t_s[-1]),
        "moving_time_s": float(t_s[-1] - gaps[gaps > PAUSE_GAP_S].sum()),
        "pause_count": int((gaps > PAUSE_GAP_S).sum()),
        "distance_m": float(dist_m[-1].round(1)),
        "ascent_m": float(np.clip(np.diff(altitude_m), 0, None).sum().round(1)),
        "avg_hr": float(np.nanmean(hr_rec).round(1)),
        "max_hr": float(np.nanmax(hr_rec)),
        # CR-10 from intensity [A]: mean %HRR 0.65 ~ 3 (moderate); hard parts (90th percentile
        # %HRR above 0.75) and longer sessions feel harder; so does the time run above HARD_VO2R, which
        # HR, lagging short reps, under-reads (Foster's interval sessions rate 7-8 at a modest mean HR)
        "srpe_raw": (3 + 10 * (hrr.mean() - 0.65) + 18 * max(np.quantile(hrr, 0.9) - 0.75, 0)
                     + 1.5 * np.log(t_s[-1] / 2700) + 2 * float(np.mean(frac[moving] >= HARD_VO2R))),
    }
    return samples, summary


def _recorded_hr(hr_bpm: np.ndarray, t_s: np.ndarray, cadence_spm: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """What the optical sensor records from the true HR (+ noise) at times t_s [A]: in 10 % of
    runs the first 1-4 min lock onto the step cadence (~155-180), then snap to the HR; in 5 %
    2-5 isolated samples spike +30-60 bpm; in 10 % one 10-60 s stretch drops out (NaN).
    Rounded, within 30-230 bpm."""
    hr = hr_bpm.copy()
    if rng.random() < CADENCE_LOCK_P:
        lock = t_s < rng.uniform(*CADENCE_LOCK_S)
        hr[lock] = cadence_spm[lock] + rng.normal(0, 0.7, lock.sum())
    if rng.random() < SPIKE_P and len(hr) >= 100:                          # >= 10 samples apart
        at = 10 * rng.choice(np.arange(1, len(hr) // 10), int(rng.integers(*SPIKE_COUNT)), replace=False)
        hr[at] += rng.uniform(*SPIKE_BPM, len(at))
    if rng.random() < DROPOUT_P:
        t0 = rng.uniform(0, t_s[-1])
        hr[(t_s >= t0) & (t_s < t0 + rng.uniform(*DROPOUT_S))] = np.nan
    return np.clip(np.round(hr), *HR_RECORDED_BPM)


def _readiness_bpm(a: _Athlete, wellness: dict, rng: np.random.Generator) -> float:
    """The day's HR offset at a given pace from the morning's wellness [A]: +0.5 bpm per bpm of
    morning HR above baseline, +1 bpm per hour of sleep short of 7.3 h, -6 bpm per unit of
    ln(HRV / baseline), plus an unobserved N(0, 2) day component."""
    return float(READY_MORNING_HR_GAIN * (wellness["hr_rest_morning"] - a.hr_rest)
                 + READY_SLEEP_BPM_PER_H * max(SLEEP_MEAN_H - wellness["sleep_h"], 0.0)
                 + READY_HRV_BPM_PER_LN * np.log(wellness["hrv_ms"] / a.hrv_ms)
                 + rng.normal(0, READY_DAY_SD_BPM))


def _round_plate(weight_kg: float) -> float:
    return max(PLATE_KG, PLATE_KG * round(weight_kg / PLATE_KG))


def _strength_gain(a: _Athlete, day_index: int) -> float:
    """e1RM relative to the first day: log-time growth from the athlete's training age (§4.2)."""
    return float((1 + ph.log_time_gain(a.training_age_d + day_index)) / (1 + ph.log_time_gain(a.training_age_d)))


def _exercise_plan(a: _Athlete, eid: str, slot: int, rng: np.random.Generator) -> dict:
    """One exercise of a program in slot `slot` (0 = the main lift): starting e1RM, target reps
    (5-15), target RIR, set count and rest [A]."""
    split, e1rm_per_kg, reps, lower = EXERCISES.get(eid) or ALTERNATIVES[eid]
    return {
        "exercise_id": eid,
        "e1rm0_kg": e1rm_per_kg * a.mass_kg * a.strength_scale * np.exp(rng.normal(0, 0.1))
                    * ((0.7 if lower else 0.55) if a.sex == "F" else 1.0),
        "reps": reps,
        "rir": 2 if slot == 0 else int(rng.choice([1, 2, 2, 3, 3])),
        "sets": int(rng.integers(4, 6) if slot == 0 else rng.integers(3, 5)),
        "rest_s": rng.uniform(150, 210) if slot == 0 else rng.uniform(60, 120) * (1.4 if slot < 3 else 1.0),
        "main": slot == 0,
    }


def _make_program(a: _Athlete, rng: np.random.Generator) -> dict[str, list[dict]]:
    """Per split: the main lift plus 3-5 accessories of EXERCISES, until the adoption rule swaps them."""
    program = {}
    for split in SPLITS:
        ids = [e for e, v in EXERCISES.items() if v[0] == split]
        accessories = sorted(rng.choice(np.arange(1, len(ids)), rng.integers(3, 6), replace=False))
        chosen = [ids[0]] + [ids[j] for j in accessories]
        program[split] = [_exercise_plan(a, eid, j, rng) for j, eid in enumerate(chosen)]
    return program


def _adoption_muscles() -> dict[str, set[str]]:
    """The primary muscles of every exercise the demo can program, from the catalog."""
    catalog = load_catalog().set_index("exercise_id")["primary_muscles"]
    return {e: set(catalog[e]) for e in EXERCISES | ALTERNATIVES}


def _adopt(a: _Athlete, program: dict[str, list[dict]], split: str, done: set[str], muscles: dict[str, set[str]],
           rng: np.random.Generator) -> None:
    """The adoption rule (ADOPT_P, above) after one session of `split`: maybe swap one accessory,
    in place; `done` (every exercise ever done) gains the new one."""
    exercises = program[split]
    if rng.random() >= ADOPT_P or len(exercises) < 2:
        return
    candidates = [e for e, v in (EXERCISES | ALTERNATIVES).items() if v[0] == split and e not in done]
    if not candidates:
        return
    slot = int(rng.integers(1, len(exercises)))
    dropped = muscles[exercises[slot]["exercise_id"]]
    chosen = str(rng.choice([c for c in candidates if muscles[c] & dropped] or candidates))
    # the slot keeps its set count: a session then draws as many training-stream numbers as before,
    # so the adoption rule does not reshuffle the runs, wellness and tests that follow
    exercises[slot] = {**_exercise_plan(a, chosen, slot, rng), "sets": exercises[slot]["sets"]}
    done.add(chosen)


def _strength_session(a: _Athlete, exercises: list[dict], weights: dict[str, float], day_index: int,
                      modulation: float, deload: bool, rng: np.random.Generator) -> tuple[list[tuple], float]:
    """Sets of one session; updates `weights` (the bar weight of each exercise) in place.

    Capacity: reps to failure from the RTS chart at weight / expressed e1RM (§4.3), minus
    0.3 reps per earlier set (fatigue [A]). Expressed e1RM = log-time growth (§4.2) x Banister
    modulation (§4.1) x day-to-day noise. Progression (ACSM, §4.2): +2-10 % (at least one plate)
    when the first set left >= 1 rep more in reserve than targeted, -5 % when the first set
    missed its target reps. Deload: -40 % sets, no progression.
    Returns rows (exercise_id, set_order, set_type, weight_kg, reps, rpe, rir, rest_s) and the
    session duration (s).
    """
    gain = _strength_gain(a, day_index)
    rows, work_s = [], 480.0                                   # 8 min general warm-up
    for ex in exercises:
        e1rm_kg = ex["e1rm0_kg"] * gain * modulation * np.exp(rng.normal(0, 0.025))
        target = ex["reps"]
        w = weights.setdefault(ex["exercise_id"], _round_plate(ph.rts_fraction_1rm(target + ex["rir"]) * e1rm_kg))
        order = 0
        if ex["main"]:
            order += 1
            rows.append((ex["exercise_id"], order, "warmup", _round_plate(0.5 * w), 8, np.nan, np.nan, 90.0))
            work_s += 120
        n_sets = max(2, round(0.6 * ex["sets"])) if deload else ex["sets"]
        first_capacity = float(ph.rts_reps_to_failure(w / e1rm_kg))
        for j in range(n_sets):
            capacity = first_capacity - 0.3 * j
            reps = int(max(1, min(target, np.floor(capacity))))
            rir_true = max(capacity - reps, 0.0)
            # §4.3 RPE 10 = 0 RIR; perception error grows with distance from failure (Zourdos 2021) [A]
            rir = float(np.clip(np.round(2 * (rir_true + rng.normal(0, 0.4 + 0.15 * rir_true))) / 2, 0, 5)) + 0.0
            rest_s = float(np.clip(5 * round(ex["rest_s"] * rng.uniform(0.85, 1.2) / 5), 60, 240))
            order += 1
            rows.append((ex["exercise_id"], order, "normal", w, reps, 10 - rir, rir, rest_s))
            work_s += 40 + rest_s
        if not deload:
            surplus = first_capacity - target - ex["rir"]
            if first_capacity < target:
                weights[ex["exercise_id"]] = min(_round_plate(0.95 * w), max(PLATE_KG, w - PLATE_KG))
            elif surplus >= 1:
                step = np.clip(0.025 * surplus, 0.02, 0.10)
                weights[ex["exercise_id"]] = max(_round_plate(w * (1 + step)), w + PLATE_KG)
    return rows, float(np.clip(work_s, 45 * 60, 80 * 60))


def _simulate_athlete(a: _Athlete, routes: list[Route], start: dt.date, n_days: int, seed: int,
                      weather_c: np.ndarray, muscles: dict[str, set[str]]) -> dict:
    """Day-by-day training, wellness and tests of one athlete. Fatigue state: ATL/CTL of the
    daily sRPE load (EWMA 7 d / 42 d, DESIGN.md) and Banister F/G of strength load (§4.1). The
    WARMUP_WEEKS before `start` are simulated too, so the state at `start` is a trained one, but
    only days from `start` on are returned. `weather_c`: the town's daily anomaly from the first
    warm-up day on."""
    rng = _rng(seed, STREAM_TRAINING, a.athlete_id)
    adopt_rng = _rng(seed, STREAM_ADOPT, a.athlete_id)
    program = _make_program(a, rng)
    done = {ex["exercise_id"] for part in program.values() for ex in part}
    template = _week_template(a)
    daily_load0 = (a.runs_per_week * 50 * 3.8 + a.lifts_per_week * 60 * 6.5) / 7    # warm start [A]
    atl = ctl = max(daily_load0, 30.0)
    str_load0 = a.lifts_per_week * 0.4 / 7                                          # 1000 a.u./day
    fit0, fat0 = str_load0 / (1 - np.exp(-1 / ph.TAU_FITNESS_D)), str_load0 / (1 - np.exp(-1 / ph.TAU_FATIGUE_D))
    fit, fat, soreness_load = fit0, fat0, 0.0
    weights: dict[str, float] = {}
    run_h = 0.0
    split_i = 0
    out = {"activities": [], "samples": [], "sets": [], "tests": [], "wellness": [], "plans": []}
    typical_au: dict[tuple[str, bool], float] = {}   # the coach's plan: (kind, deload) -> recent load, a.u.
    for d in range(-7 * WARMUP_WEEKS, n_days):
        day = start + dt.timedelta(days=d)
        rec = out if d >= 0 else {k: [] for k in out}  # warm-up days change the state, not the data
        week = d // 7
        deload = (week + a.deload_phase) % a.deload_every == a.deload_every - 1
        ratio = atl / ctl
        wellness = _morning_wellness(a, day, ratio, soreness_load, rng)
        vo2max = a.vo2max * (1 + 0.04 * (1 - np.exp(-run_h / 40)))   # slow aerobic gain [A]
        load = strength_load = 0.0
        planned_au = 0.0
        for k, kind in enumerate(template[day.weekday()]):
            kind = _session_kind(kind, week, deload)
            if kind != "strength" or a.training_age_d + d >= 0:
                planned_au += typical_au.get((kind, deload), 0.0)
            if kind == "strength":
                split = SPLITS[split_i % 3]
                split_i += 1
            if rng.random() < a.skip_p:                                # missed session
                continue
            if kind == "strength" and a.training_age_d + d < 0:       # had not started lifting yet
                continue
            hour = a.start_hour + (0 if k == 0 else (10 if a.start_hour < 12 else -10)) + rng.normal(0, 0.3)
            start_time = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=int(hour * 3600))
            if kind == "strength":
                modulation = 1 + K_FITNESS * (fit - fit0) - K_FATIGUE * (fat - fat0)
                rows, duration_s = _strength_session(a, program[split], weights, d, modulation, deload, rng)
                _adopt(a, program, split, done, muscles, adopt_rng)
                rpe = np.array([r[5] for r in rows if r[2] == "normal"])
                srpe = np.clip(rpe.mean() - 1.5 + 0.05 * (len(rpe) - 16) + rng.normal(0, 0.4), 2, 10)
                activity = {"sport": "strength", "device": None,
                            "name": f"{split.capitalize()} day" + (" (deload)" if deload else ""),
                            "duration_s": duration_s, "moving_time_s": duration_s, "pause_count": 0,
                            "distance_m": np.nan, "ascent_m": np.nan, "avg_hr": np.nan, "max_hr": np.nan}
                rec["sets"] += [(len(rec["activities"]), a.athlete_id, day, *row) for row in rows]
            else:
                run_rng = _rng(seed, STREAM_RUNS, a.athlete_id, d + 7 * WARMUP_WEEKS, k)
                route = _pick_route(a, routes, kind, deload, vo2max, run_rng)
                offset_bpm = FATIGUE_BPM_PER_ATL * atl + _readiness_bpm(a, wellness, run_rng)
                temp_c = _air_temp_c(start_time, weather_c[d + 7 * WARMUP_WEEKS])
                samples, activity = _simulate_run(a, route, kind, vo2max, offset_bpm, temp_c, run_rng)
                srpe = np.clip(activity.pop("srpe_raw") + 1.5 * (ratio - 1) + run_rng.normal(0, 0.4), 1, 10)
                activity.update(sport="running", name=f"{RUN_LABEL[kind]} - {route.name}", device=a.device)
                rec["samples"].append((len(rec["activities"]), samples))
                run_h += activity["moving_time_s"] / 3600
            srpe = float(np.round(2 * srpe) / 2)
            rec["activities"].append({"athlete_id": a.athlete_id, "start_time": start_time, "srpe": srpe,
                                      **activity})
            session_load = float(foster_load(srpe, activity["duration_s"]))         # §4.4
            typical_au[kind, deload] = typical_au.get((kind, deload), session_load) * 0.8 + session_load * 0.2
            load += session_load
            strength_load += session_load if kind == "strength" else 0.0
        if d >= n_days - 7 * PLAN_WEEKS:
            rec["plans"].append({"athlete_id": a.athlete_id, "day": day,
                                 "planned_au": PLAN_ROUND_AU * round(planned_au / PLAN_ROUND_AU),
                                 "saved_at": dt.datetime.combine(day - dt.timedelta(days=day.weekday() + 1),
                                                                 dt.time(20))})   # the Sunday before
        if rng.random() >= 0.03:                                                  # a few forms missing
            rec["wellness"].append({**wellness, "srpe_load": round(load, 1)})
        atl += (load - atl) * (1 - np.exp(-1 / 7))
        ctl += (load - ctl) * (1 - np.exp(-1 / 42))
        fit, fat = ph.banister_step(fit, fat, strength_load / 1000)
        soreness_load = soreness_load * np.exp(-1 / 2) + strength_load
        if d % 14 == 13:
            rec["tests"].append(_fitness_test(a, d, day, vo2max, run_h, rng))
    return out


def _morning_wellness(a: _Athlete, day: dt.date, atl_ctl_ratio: float, soreness_load: float,
                      rng: np.random.Generator) -> dict:
    """Morning form, before the day's training [A]: sleep N(7.3, 0.8) h; resting HR rises and
    HRV falls with ATL/CTL (+8 bpm, -30 % per unit); soreness 0-10 follows the strength load of
    the last days (DOMS, 2-day decay)."""
    sleep_h = float(np.clip(rng.normal(SLEEP_MEAN_H, 0.8), 4, 10).round(1))
    fatigue = atl_ctl_ratio - 1
    return {
        "athlete_id": a.athlete_id, "day": day, "sleep_h": sleep_h,
        "soreness": float(np.clip(np.round(1 + soreness_load / 100 + 1.5 * fatigue + rng.normal(0, 0.8)), 0, 10))
                    + 0.0,
        "hr_rest_morning": float(np.round(a.hr_rest + 8 * fatigue - 0.8 * (sleep_h - SLEEP_MEAN_H)
                                          + rng.normal(0, 2))),
        "hrv_ms": float(np.round(a.hrv_ms * np.exp(-0.35 * fatigue + rng.normal(0, 0.1)), 1)),
    }


def _pick_route(a: _Athlete, routes: list[Route], kind: str, deload: bool, vo2max: float,
                rng: np.random.Generator) -> Route:
    """The route whose length best matches the planned duration at the kind's mean easy or long
    pace (one of the two closest)."""
    minutes = {"easy": (35, 55) if a.runs_per_week >= 4 else (30, 45),
               "long": (75, 105) if a.runs_per_week >= 4 else (55, 75),
               "tempo": (40, 55), "intervals": (45, 60)}[kind]
    frac = np.mean(LONG_VO2R if kind == "long" else EASY_VO2R)
    target_m = rng.uniform(*minutes) * 60 * (0.65 if deload else 1.0) * ph.flat_speed_mps(frac, vo2max, a.economy)
    min_m = {"easy": 0, "long": 9000, "tempo": 6000, "intervals": 5000}[kind]
    options = [r for r in routes if r.length_m >= min_m] or routes[-1:]
    if kind == "intervals":                                      # reps on the flatter loops
        options = [r for r in options if r.max_grade < 0.05] or options
    options.sort(key=lambda r: abs(np.log(r.length_m / target_m)))
    return options[0] if len(options) == 1 or rng.random() < 0.7 else options[1]


def _fitness_test(a: _Athlete, d: int, day: dt.date, vo2max: float, run_h: float,
                  rng: np.random.Generator) -> dict:
    """Fortnightly battery (§2.7): 3,000 m raced at 95 % VO2R on the level, split into 15 laps
    with the athlete's fade and a final kick; pull-ups scale with strength squared, sit-ups and
    the shuttle improve slowly with training [A]."""
    run_s = 3000 / ph.flat_speed_mps(0.95, vo2max, a.economy) * np.exp(rng.normal(0, 0.015))
    laps, run_s = ph.lap_splits_s(run_s, a.pacing_fade, rng.uniform(0.03, 0.08), rng)
    strength_gain = _strength_gain(a, d) if a.lifts_per_week else 1.0
    aerobic_gain = 1 - np.exp(-run_h / 40)
    return {
        "athlete_id": a.athlete_id, "test_date": day,
        "height_cm": round(a.height_cm + rng.normal(0, 0.2), 1),
        "mass_kg": round(a.mass_kg + a.mass_trend_kg * d / 112 + rng.normal(0, 0.4), 1),
        "run_3000m_s": float(run_s[0]), "lap_200m_s": laps[0].tolist(),
        "pullups": int(max(0, round(a.pullups * strength_gain**2 + rng.normal(0, 0.8)))),
        "situps_60s": int(max(0, round(a.situps * (1 + 0.5 * (strength_gain - 1)) + 3 * aerobic_gain
                                       + rng.normal(0, 2)))),
        "shuttle_30x2_s": round(a.shuttle_s * (1 - 0.02 * aerobic_gain - 0.1 * (strength_gain - 1))
                                + rng.normal(0, 0.08), 2),
    }


def _window(cfg: DemoConfig) -> tuple[dt.date, dt.date, int]:
    """(first visible day, last day, number of visible days) of `cfg`."""
    end = cfg.end_date or clock.today() - dt.timedelta(days=1)
    n_days = 7 * cfg.weeks
    return end - dt.timedelta(days=n_days - 1), end, n_days


def _weather_c(cfg: DemoConfig) -> np.ndarray:
    """The town's daily weather anomaly (degC) from the first warm-up day to the last day."""
    _, _, n_days = _window(cfg)
    return ph.weather_anomaly_c(7 * WARMUP_WEEKS + n_days, _rng(cfg.seed, STREAM_WEATHER))


def _air_temp_c(when: dt.datetime, weather_c: float) -> float:
    """Air temperature (degC) at a run's start: season, time of day and the day's weather
    (physiology.air_temp_c [A])."""
    hour = when.hour + when.minute / 60 + when.second / 3600
    return float(ph.air_temp_c(when.timetuple().tm_yday, hour, weather_c))


def run_air_temp_c(cfg: DemoConfig, start_times) -> np.ndarray:
    """Air temperature (degC) at the given start times in the demo of `cfg` (not stored; the
    generator's hidden weather, for tests and notes)."""
    start, _, _ = _window(cfg)
    weather_c = _weather_c(cfg)
    first = start - dt.timedelta(weeks=WARMUP_WEEKS)
    return np.array([_air_temp_c(t, weather_c[(t.date() - first).days]) for t in pd.to_datetime(start_times)])


def build_demo(cfg: DemoConfig) -> DemoData:
    """The demo squad and cohort for `cfg`; training covers the `weeks` ending on `end_date`.
    Activity ids are 1.. in order of start time."""
    if not (1 <= cfg.athletes <= 500 and cfg.weeks >= 1):
        raise ValueError("the demo needs 1-500 athletes and at least one week")
    start, end, n_days = _window(cfg)
    weather_c = _weather_c(cfg)
    athletes = _make_athletes(cfg.athletes, cfg.seed, end)
    routes = build_routes(_rng(cfg.seed, STREAM_ROUTES))
    muscles = _adoption_muscles()
    activities, runs, sets, tests, wellness, plans = [], [], [], [], [], []
    for a in athletes:
        out = _simulate_athlete(a, routes, start, n_days, cfg.seed, weather_c, muscles)
        offset = len(activities)          # keys index the squad-wide activity list
        activities += out["activities"]
        runs += [(offset + key, samples) for key, samples in out["samples"]]
        sets += [(offset + key, *row) for key, *row in out["sets"]]
        tests += out["tests"]
        wellness += out["wellness"]
        plans += out["plans"]

    act = pd.DataFrame(activities, columns=ACTIVITY_COLUMNS[1:])
    order = np.lexsort((act["athlete_id"].to_numpy(), act["start_time"].to_numpy()))
    activity_id = np.empty(len(act), dtype=np.int64)
    activity_id[order] = np.arange(1, len(act) + 1)
    act.insert(0, "activity_id", activity_id)

    runs.sort(key=lambda run: activity_id[run[0]])
    samples = pd.DataFrame(np.concatenate([r[1] for r in runs]) if runs else np.empty((0, 8)),
                           columns=SAMPLE_COLUMNS[1:])
    n_samples = [len(r[1]) for r in runs]
    samples.insert(0, "activity_id", np.repeat(activity_id[[r[0] for r in runs]], n_samples).astype(np.int64))

    sets = pd.DataFrame(sets, columns=["key", "athlete_id", "session_date", *SET_FIELDS])
    sets = sets.assign(session_id=activity_id[sets["key"].to_numpy()], duration_s=np.nan, distance_m=np.nan)
    sets = sets.sort_values("session_id", kind="stable").astype({"set_order": np.int64, "reps": np.int64})

    return DemoData(
        athletes=pd.DataFrame([{k: getattr(a, k) for k in ATHLETE_COLUMNS} for a in athletes]),
        activities=act.iloc[order].reset_index(drop=True),
        samples=samples,
        strength_sets=sets[SET_COLUMNS].reset_index(drop=True),
        fitness_tests=pd.DataFrame(tests, columns=FITNESS_COLUMNS),
        wellness=pd.DataFrame(wellness, columns=WELLNESS_COLUMNS),
        planned_days=pd.DataFrame(plans, columns=["athlete_id", "day", "planned_au", "saved_at"]),
        cohort=build_cohort(cfg.seed),
    )
