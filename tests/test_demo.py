"""Demo generator: schema shape, determinism and the statistics of research/physiology.md."""
from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from engine.demo.generator import DemoConfig, build_demo, run_air_temp_c
from engine.load.profile import tanaka_hr_max
from engine.demo.routes import build_routes
from engine.store.db import migrate

ROOT = Path(__file__).resolve().parents[1]
END = dt.date(2025, 8, 10)     # spring to summer: cool and hot days
SMALL = DemoConfig(athletes=8, weeks=16, seed=7, end_date=END)


@pytest.fixture(scope="module")
def squad():
    return build_demo(SMALL)


@pytest.fixture(scope="module")
def squad24():
    """The default squad size; one week is enough for the athlete profiles."""
    return build_demo(DemoConfig(athletes=24, weeks=1, seed=7, end_date=END))


@pytest.fixture(scope="module")
def cohort(squad):
    return squad.cohort


SPIKE_BPM, LOCK_WINDOW_S, LOCK_BPM = 25.0, 300.0, 3.0   # artefact flags, as a cleaning step would set them


def _spikes(hr: pd.Series) -> pd.Series:
    """Readings > 25 bpm above the median of the 15 samples around them (isolated optical spikes)."""
    return hr - hr.rolling(15, center=True, min_periods=1).median() > SPIKE_BPM


@pytest.fixture(scope="module")
def runs(squad):
    """Running samples with athlete, activity name, %HRR, grade over +-50 m and an `artefact`
    flag: a spike, or a reading within 3 bpm of the cadence in the first 5 min (cadence lock).
    Tests of the physiology use the readings that are not flagged."""
    acts = squad.activities.merge(squad.athletes[["athlete_id", "hr_rest", "hr_max"]], on="athlete_id")
    s = squad.samples.merge(acts[["activity_id", "athlete_id", "name", "hr_rest", "hr_max"]], on="activity_id")
    s["grade"] = np.concatenate([
        (np.interp(g["distance_m"] + 50, g["distance_m"], g["altitude_m"])
         - np.interp(g["distance_m"] - 50, g["distance_m"], g["altitude_m"])) / 100
        for _, g in s.groupby("activity_id", sort=True)])
    lock = (s["t_s"] < LOCK_WINDOW_S) & ((s["heart_rate"] - s["cadence"]).abs() <= LOCK_BPM)
    s["artefact"] = lock | s.groupby("activity_id")["heart_rate"].transform(_spikes)
    s["heart_rate"] = s["heart_rate"].mask(s["artefact"])
    s["hrr"] = (s["heart_rate"] - s["hr_rest"]) / (s["hr_max"] - s["hr_rest"])
    return s


@pytest.fixture(scope="module")
def schema():
    """The real schema, migrated into an in-memory DuckDB."""
    con = duckdb.connect()
    migrate(con)
    yield con
    con.close()


def _table_columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] != "import_id"]


# --- shape --------------------------------------------------------------------------------

@pytest.mark.parametrize("frame, table", [
    ("athletes", "athletes"), ("activities", "activities"), ("samples", "samples"),
    ("strength_sets", "strength_sets"), ("fitness_tests", "fitness_tests"),
    ("wellness", "wellness"), ("planned_days", "planned_days"), ("cohort", "fitness_cohort"),
])
def test_frames_have_the_table_columns(squad, schema, frame, table):
    assert list(getattr(squad, frame).columns) == _table_columns(schema, table)


def test_athletes_profile(squad24):
    a = squad24.athletes
    assert list(a["athlete_id"]) == list(range(1, 25))
    assert a["name"].is_unique and a["name"].str.match(r"^[A-Z][a-z]+ [A-Z][a-z]+$").all()
    assert set(a["sex"]) == {"M", "F"} and a["team"].nunique() in (2, 3)
    assert np.allclose(a["lthr"], (a["hr_rest"] + 0.85 * (a["hr_max"] - a["hr_rest"])).round(), atol=1)


def test_hr_max_scatters_around_tanaka_by_about_10_bpm(squad24):
    a = squad24.athletes
    age_y = (pd.Timestamp(END) - pd.to_datetime(a["birth_date"])).dt.days / 365.25
    residual = a["hr_max"] - tanaka_hr_max(age_y)
    assert 6 <= residual.std() <= 14            # §3.2: SD ~10 bpm; loose with n = 24
    assert abs(residual.mean()) <= 6


def test_activities_consistent_with_samples(squad):
    acts = squad.activities
    assert list(acts["activity_id"]) == list(range(1, len(acts) + 1))
    assert set(acts["sport"]) == {"running", "strength"}
    by_run = squad.samples.groupby("activity_id")["heart_rate"].agg(["mean", "max"])
    run = acts[acts["sport"] == "running"].set_index("activity_id")
    assert np.allclose(run["avg_hr"], by_run.loc[run.index, "mean"], atol=0.06)
    assert (run["max_hr"] == by_run.loc[run.index, "max"]).all()
    lift = acts[acts["sport"] == "strength"]
    assert lift[["avg_hr", "max_hr", "distance_m"]].isna().all().all()
    assert lift["duration_s"].between(45 * 60, 80 * 60).all()
    assert acts["srpe"].between(0, 10).all()
    assert set(squad.strength_sets["session_id"]) == set(lift["activity_id"])


def test_sample_interval_is_1_to_5_s_apart_from_pauses(squad):
    gaps = squad.samples.groupby("activity_id")["t_s"].diff().dropna()
    assert (gaps.between(1, 5) | (gaps > 30)).all()
    assert set(gaps[gaps <= 5].unique()) > {1.0}                    # not every device records at 1 s
    paused = squad.activities.query("pause_count > 0")
    assert 0 < len(paused) < 0.5 * (squad.activities["sport"] == "running").sum()


def test_routes_are_a_dozen_closed_loops_with_some_hills():
    routes = build_routes(np.random.default_rng([7, 2]))
    assert len(routes) == 12 and len({r.name for r in routes}) == 12
    assert all(3000 * 0.95 <= r.length_m <= 21000 for r in routes)
    assert all(r.lat[0] == r.lat[-1] and r.lon[0] == r.lon[-1] for r in routes)
    grades = np.array([r.max_grade for r in routes])
    assert (grades > 0.05).sum() >= 2 and (grades < 0.02).sum() >= 2 and grades.max() <= 0.10


def test_runs_start_and_end_at_the_same_place(squad):
    ends = squad.samples.groupby("activity_id")[["lat", "lon"]].agg(["first", "last"])
    d_lat_m = (ends[("lat", "first")] - ends[("lat", "last")]) * 111_320
    d_lon_m = (ends[("lon", "first")] - ends[("lon", "last")]) * 111_320 * np.cos(np.radians(28.2))
    assert (np.hypot(d_lat_m, d_lon_m) < 30).all()


def test_exercise_ids_exist_in_the_catalog(squad):
    catalog = {e["id"] for e in json.loads((ROOT / "data/catalog/exercises.json").read_text(encoding="utf-8"))}
    used = set(squad.strength_sets["exercise_id"])
    assert used <= catalog and len(used) >= 10


def test_strength_sets_ranges(squad):
    work = squad.strength_sets.query("set_type == 'normal'")
    assert work["reps"].between(1, 15).all() and work["rest_s"].between(60, 240).all()
    assert np.allclose(work["rpe"], 10 - work["rir"])                # §4.3 RPE 10 = 0 RIR
    assert (work["weight_kg"] % 2.5 == 0).all()
    per_session = work.groupby("session_id")["exercise_id"].nunique()
    assert per_session.between(4, 6).all()


@pytest.mark.parametrize("frame", ["cohort", "fitness_tests"])
def test_laps_are_15_and_sum_to_the_3000m_time(squad, frame):
    f = getattr(squad, frame)
    assert all(len(laps) == 15 for laps in f["lap_200m_s"])
    assert all(math.isclose(math.fsum(laps), t, abs_tol=1e-6)
               for laps, t in zip(f["lap_200m_s"], f["run_3000m_s"]))


def test_fitness_tests_every_two_weeks(squad):
    gaps = squad.fitness_tests.groupby("athlete_id")["test_date"].apply(lambda d: set(np.diff(sorted(d))))
    assert gaps.map(lambda g: g == {dt.timedelta(days=14)}).all()
    assert len(gaps) == SMALL.athletes


# --- determinism -----------------------------------------------------------------------------

def test_same_config_builds_identical_frames(squad):
    again = build_demo(SMALL)
    for name in ["athletes", "activities", "samples", "strength_sets", "fitness_tests", "wellness", "cohort"]:
        pd.testing.assert_frame_equal(getattr(squad, name), getattr(again, name))


def test_other_seed_differs():
    a = build_demo(DemoConfig(athletes=3, weeks=1, seed=1, end_date=END))
    b = build_demo(DemoConfig(athletes=3, weeks=1, seed=2, end_date=END))
    assert not a.athletes.equals(b.athletes)
    assert not a.cohort["run_3000m_s"].equals(b.cohort["run_3000m_s"])


# --- heart-rate physiology (§3) --------------------------------------------------------------------

def _fit_tau_s(g: pd.DataFrame) -> float:
    """tau (s) minimising the residual of HR ~ 1 + F(speed) + F(speed * grade) + t, F = first-order filter."""
    from scipy.signal import lfilter
    t = np.arange(g["t_s"].iloc[0], g["t_s"].iloc[-1] + 1)
    v, grade = np.interp(t, g["t_s"], g["speed_mps"]), np.interp(t, g["t_s"], g["grade"])
    ok = ~g["heart_rate"].isna()
    hr = np.interp(t, g["t_s"][ok], g["heart_rate"][ok])
    best = (np.inf, np.nan)
    for tau in np.arange(5, 241, 5):
        a = np.exp(-1 / tau)
        filt = lfilter([1 - a], [1, -a], np.column_stack([v, v * grade]), axis=0, zi=np.outer([a], [v[0], 0]))[0]
        x = np.column_stack([np.ones_like(t), filt, t])
        resid = hr - x @ np.linalg.lstsq(x, hr, rcond=None)[0]
        best = min(best, ((resid**2).sum(), tau))
    return best[1]


def test_hr_lags_speed_with_a_plausible_time_constant(squad, runs):
    acts = squad.activities.set_index("activity_id")
    ids = [i for i in acts.index[acts["name"].str.startswith("Intervals")] if acts.at[i, "pause_count"] == 0][:6]
    assert ids
    taus = [_fit_tau_s(runs[runs["activity_id"] == i]) for i in ids]
    assert 20 <= np.median(taus) <= 120                              # §3.3: 57.6 +- 23.6 s


def test_hr_higher_uphill_than_flat_at_equal_speed(runs):
    band = runs[runs["speed_mps"].between(2.6, 3.2)]
    uphill = band[band["grade"] > 0.04].groupby("athlete_id")["hrr"].mean()
    flat = band[band["grade"].abs() < 0.01].groupby("athlete_id")["hrr"].mean()
    both = uphill.index.intersection(flat.index)
    assert len(both) >= 3
    assert (uphill[both] - flat[both]).mean() > 0.05


def test_drift_raises_hr_per_speed_in_second_half_of_long_runs(runs):
    ratios = []
    for _, g in runs[runs["name"].str.startswith("Long run")].groupby("activity_id"):
        g = g[g["t_s"] >= 600]                                          # past the warm-up transient
        steady = g[(g["grade"].abs() < 0.015) & (g["speed_mps"] > 1.5)]
        half = steady["t_s"] > (g["t_s"].iloc[0] + g["t_s"].iloc[-1]) / 2
        if half.sum() > 100 and (~half).sum() > 100:
            per_speed = steady["heart_rate"] / steady["speed_mps"]
            ratios.append(per_speed[half].mean() / per_speed[~half].mean())
    assert len(ratios) >= 10
    assert np.median(ratios) > 1.02 and np.mean(np.array(ratios) > 1) >= 0.8


def _steady_easy_and_long(runs: pd.DataFrame, t0_s: float, t1_s: float) -> pd.DataFrame:
    """Clean readings of easy and long runs between t0_s and t1_s on the flat, while moving."""
    return runs[runs["name"].str.match("Easy run|Long run") & runs["t_s"].between(t0_s, t1_s)
                & (runs["grade"].abs() < 0.015) & (runs["speed_mps"] > 1.5) & runs["heart_rate"].notna()]


def test_drift_at_equal_speed_is_larger_on_hot_days(squad, runs):
    """§3.4: drift grows with heat. Per run, HR ~ 1 + speed + minutes over 10-40 min gives the
    drift (bpm/min at equal speed); relative to the athlete's median, it is larger at >= 20 degC."""
    temp_c = pd.Series(run_air_temp_c(SMALL, squad.activities["start_time"]),
                       index=squad.activities["activity_id"])
    rows = []
    for (athlete_id, activity_id), g in _steady_easy_and_long(runs, 600, 2400).groupby(["athlete_id", "activity_id"]):
        if len(g) > 200 and g["t_s"].max() - g["t_s"].min() > 1200:
            x = np.column_stack([np.ones(len(g)), g["speed_mps"], g["t_s"] / 60])
            slope = np.linalg.lstsq(x, g["heart_rate"], rcond=None)[0][2]
            rows.append((athlete_id, temp_c[activity_id], slope))
    d = pd.DataFrame(rows, columns=["athlete_id", "temp_c", "drift_bpm_per_min"])
    assert d["drift_bpm_per_min"].median() > 0.1
    d["relative"] = d["drift_bpm_per_min"] / d.groupby("athlete_id")["drift_bpm_per_min"].transform("median")
    hot, cool = d[d["temp_c"] >= 20], d[d["temp_c"] <= 16]
    assert len(hot) >= 15 and len(cool) >= 15
    assert hot["relative"].mean() > 1.15 * cool["relative"].mean()
    r = d.groupby("athlete_id").apply(lambda g: np.corrcoef(g["temp_c"], g["drift_bpm_per_min"])[0, 1])
    assert (r > 0).mean() >= 0.75


def test_hr_at_equal_speed_is_higher_after_an_elevated_morning_hr(squad, runs):
    """Readiness: per athlete, HR ~ 1 + speed + minutes over 5-20 min of easy and long runs; the
    run's mean residual rises with that morning's HR above the athlete's median."""
    acts = squad.activities.assign(day=squad.activities["start_time"].dt.date)
    morning = acts.merge(squad.wellness, on=["athlete_id", "day"]).set_index("activity_id")["hr_rest_morning"]
    rs, slopes = [], []
    for _, g in _steady_easy_and_long(runs, 300, 1200).groupby("athlete_id"):
        g = g[g["activity_id"].isin(morning.index)]
        x = np.column_stack([np.ones(len(g)), g["speed_mps"], g["t_s"] / 60])
        residual = g["heart_rate"] - x @ np.linalg.lstsq(x, g["heart_rate"], rcond=None)[0]
        offset = residual.groupby(g["activity_id"]).mean()
        if len(offset) >= 10:
            elevated = morning[offset.index] - morning[offset.index].median()
            rs.append(np.corrcoef(elevated, offset)[0, 1])
            slopes.append(np.polyfit(elevated, offset, 1)[0])
    assert len(rs) >= 5
    assert np.mean(rs) > 0.2 and np.mean(np.array(rs) > 0) >= 0.75
    assert 0.2 < np.median(slopes) < 2.0                           # bpm per bpm of morning HR


def test_optical_artefacts_at_about_the_stated_rates(squad):
    """Cadence lock ~10 % of runs (the first minute reads the cadence, then a drop to the HR),
    isolated spikes ~5 %, dropouts ~10 %; recorded HR within 30-230 bpm."""
    s = squad.samples
    hr = s["heart_rate"].dropna()
    assert hr.between(30, 230).all() and (hr == hr.round()).all()
    per_run = s.groupby("activity_id")
    assert per_run.ngroups >= 200
    first_min = s[s["t_s"] < 60]
    at_cadence = (first_min["heart_rate"] - first_min["cadence"]).abs() <= LOCK_BPM
    locked = at_cadence.groupby(first_min["activity_id"]).mean() > 0.8
    early = s[s["t_s"] < LOCK_WINDOW_S]
    snaps = early.groupby("activity_id")["heart_rate"].apply(lambda h: h.diff().min() < -10)
    lock_rate = (locked & snaps.reindex(locked.index, fill_value=False)).sum() / per_run.ngroups
    spike_rate = per_run["heart_rate"].apply(lambda h: _spikes(h).any()).mean()
    dropout_rate = per_run["heart_rate"].apply(lambda h: h.isna().any()).mean()
    assert 0.05 <= lock_rate <= 0.16, lock_rate
    assert 0.02 <= spike_rate <= 0.09, spike_rate
    assert 0.05 <= dropout_rate <= 0.16, dropout_rate


def test_long_runs_are_not_hotter_than_easy_runs(squad):
    """Long runs are paced conversationally, so their drift does not lift their average HR above
    that of easy runs (by more than 2 bpm) for most athletes."""
    runs = squad.activities[squad.activities["sport"] == "running"]
    kind = runs["name"].str.extract(r"^(Easy|Long) run", expand=False)
    per = runs.groupby([runs["athlete_id"], kind])["avg_hr"].agg(["mean", "size"]).unstack()
    per = per[(per[("size", "Easy")] >= 3) & (per[("size", "Long")] >= 3)]
    assert len(per) >= 5
    excess = per[("mean", "Long")] - per[("mean", "Easy")]
    assert (excess <= 2).mean() >= 0.75, excess.round(1).to_dict()


def test_interval_sessions_are_faster_than_easy_runs_for_every_athlete(squad):
    """A session of reps with jog recoveries averages a faster pace than the same athlete's easy runs."""
    runs = squad.activities[squad.activities["sport"] == "running"]
    kind = runs["name"].str.extract(r"^(Easy run|Intervals)", expand=False)
    speed = (runs["distance_m"] / runs["moving_time_s"]).groupby([runs["athlete_id"], kind]).mean().unstack().dropna()
    assert len(speed) >= 4
    assert (speed["Intervals"] > speed["Easy run"]).all(), speed.round(2).to_dict()


def test_interval_sessions_feel_hard_even_when_the_mean_hr_is_modest(squad):
    """Foster's interval sessions rate 7-8; HR lags short reps, so their mean HR stays modest."""
    runs = squad.activities[squad.activities["sport"] == "running"]
    intervals = runs[runs["name"].str.startswith("Intervals")]
    easy = runs[runs["name"].str.startswith("Easy run")]
    assert len(intervals) >= 10
    assert (intervals["srpe"] > 3).all(), intervals["srpe"].value_counts().to_dict()
    assert intervals["srpe"].median() >= 6 > easy["srpe"].median()


# --- strength and wellness (§4) ---------------------------------------------------------------------

def test_e1rm_trend_rises_for_most_lifters(squad):
    work = squad.strength_sets.query("set_type == 'normal'").copy()
    work["e1rm_kg"] = work["weight_kg"] * (1 + (work["reps"] + work["rir"]) / 30)  # Epley on reps to failure
    work["day"] = (pd.to_datetime(work["session_date"]) - pd.Timestamp(END)).dt.days
    best = work.groupby(["athlete_id", "exercise_id", "session_id", "day"], as_index=False)["e1rm_kg"].max()
    slopes = best.groupby(["athlete_id", "exercise_id"]).apply(
        lambda g: np.polyfit(g["day"], g["e1rm_kg"], 1)[0] if len(g) >= 6 else np.nan).dropna()
    per_athlete = slopes.groupby(level="athlete_id").median()
    assert len(per_athlete) >= 4
    assert (per_athlete > 0).mean() >= 0.75


def _swaps(squad) -> list[tuple[int, set[str], str, str]]:
    """(athlete, exercises of the split before, dropped, adopted) for each pair of consecutive
    sessions of one split that differ by exactly one exercise."""
    sessions = squad.activities.query("sport == 'strength'")[["activity_id", "athlete_id", "name", "start_time"]]
    sets = squad.strength_sets.merge(sessions.rename(columns={"activity_id": "session_id"}),
                                     on=["session_id", "athlete_id"])
    sets["split"] = sets["name"].str.split().str[0]
    out = []
    for (athlete, _), own in sets.groupby(["athlete_id", "split"]):
        programs = [set(g["exercise_id"]) for _, g in own.sort_values("start_time").groupby("session_id", sort=False)]
        for before, after in zip(programs, programs[1:]):
            if len(before - after) == 1 and len(after - before) == 1:
                out.append((athlete, before, *(before - after), *(after - before)))
    return out


def test_athletes_adopt_new_exercises_by_the_documented_rule(squad):
    """The adoption rule (generator.ADOPT_P): like-for-like swaps, a new exercise that works a
    primary muscle of the dropped one, against what a uniform pick among the same never-done
    exercises of the split would give."""
    from engine.demo.generator import ALTERNATIVES, EXERCISES

    catalog = {e["id"]: e for e in json.loads((ROOT / "data/catalog/exercises.json").read_text(encoding="utf-8"))}
    split_of = {e: v[0] for e, v in (EXERCISES | ALTERNATIVES).items()}
    swaps = _swaps(squad)
    assert len(swaps) >= 15
    done: dict[int, set[str]] = {}
    alike, alike_null = [], []
    for athlete, before, dropped, adopted in swaps:
        done.setdefault(athlete, set()).update(before)
        candidates = [e for e, s in split_of.items() if s == split_of[adopted] and e not in done[athlete]]
        shares = lambda e: bool(set(catalog[e]["primaryMuscles"]) & set(catalog[dropped]["primaryMuscles"]))  # noqa: E731
        alike.append(shares(adopted))
        alike_null.append(np.mean([shares(e) for e in candidates]))
        done[athlete].add(adopted)
    assert np.mean(alike) > 0.9 > np.mean(alike_null) + 0.5


def test_wellness_covers_most_days_and_matches_the_session_load(squad):
    w = squad.wellness
    assert len(w) >= 0.9 * SMALL.athletes * SMALL.weeks * 7
    assert w["sleep_h"].between(4, 10).all() and w["soreness"].between(0, 10).all()
    assert abs(w["sleep_h"].mean() - 7.3) < 0.15
    acts = squad.activities.assign(day=squad.activities["start_time"].dt.date,
                                   load=squad.activities["srpe"] * squad.activities["duration_s"] / 60)
    daily = acts.groupby(["athlete_id", "day"])["load"].sum()
    merged = w.set_index(["athlete_id", "day"])["srpe_load"]
    assert np.allclose(merged, daily.reindex(merged.index).fillna(0.0), atol=0.1)   # Foster sRPE x min


def test_saved_plans_cover_the_last_weeks_and_plan_the_missed_sessions_too(squad):
    """The coach's plan puts every template session on its day: each day with a session is
    planned, and some planned days have none (missed sessions) so compliance shows red."""
    from engine.demo.generator import PLAN_WEEKS
    plans = squad.planned_days
    per_athlete = plans.groupby("athlete_id")["day"].agg(["min", "max", "size"])
    assert (per_athlete["size"] == 7 * PLAN_WEEKS).all() and (per_athlete["max"] == SMALL.end_date).all()
    assert (pd.to_datetime(plans["saved_at"]).dt.date < plans["day"]).all()       # saved before the day
    done = squad.activities.assign(day=squad.activities["start_time"].dt.date).groupby(["athlete_id", "day"]).size()
    planned = plans.set_index(["athlete_id", "day"])["planned_au"]
    with_session = planned.reindex(done.index).dropna()
    assert len(with_session) > 0 and (with_session > 0).all()
    missed = planned[(planned > 0) & ~planned.index.isin(done.index)]
    assert len(missed) > 0


def test_morning_hr_rises_with_atl(squad):
    acts = squad.activities.assign(day=pd.to_datetime(squad.activities["start_time"].dt.date),
                                   load=squad.activities["srpe"] * squad.activities["duration_s"] / 60)
    days = pd.date_range(END - dt.timedelta(days=7 * SMALL.weeks - 1), END)
    rs = []
    for athlete_id, w in squad.wellness.groupby("athlete_id"):
        load = acts[acts["athlete_id"] == athlete_id].groupby("day")["load"].sum().reindex(days, fill_value=0.0)
        atl = load.ewm(alpha=1 - np.exp(-1 / 7), adjust=False).mean().shift(1)   # up to the evening before
        x = atl.reindex(pd.to_datetime(w["day"])).to_numpy()
        keep = ~np.isnan(x)
        rs.append(np.corrcoef(x[keep], w["hr_rest_morning"].to_numpy()[keep])[0, 1])
    assert np.mean(rs) > 0.1 and np.mean(np.array(rs) > 0) >= 0.75


# --- cohort (§1.2, §2.4-2.7) ------------------------------------------------------------------------

def test_cohort_size(cohort):
    assert len(cohort) == 6698 and cohort["record_id"].is_unique


def test_cohort_bmi_class_shares(cohort):
    share = cohort["bmi_class"].value_counts(normalize=True) * 100
    targets = [("underweight", 5.3, 1.0), ("normal", 74.5, 1.0), ("overweight", 19.0, 1.0), ("obese", 1.2, 0.5)]
    for cls, target, tol in targets:
        assert abs(share[cls] - target) <= tol, (cls, share[cls])
    assert np.allclose(cohort["bmi"], cohort["mass_kg"] / (cohort["height_cm"] / 100) ** 2, atol=0.006)


def test_cohort_age(cohort):
    assert abs(cohort["age_y"].mean() - 18.7) <= 0.1
    assert cohort["age_y"].between(18, 20).all()


def test_cohort_r_bmi_3000m(cohort):
    assert 0.12 <= np.corrcoef(cohort["bmi"], cohort["run_3000m_s"])[0, 1] <= 0.28


def test_cohort_r_bmi_pullups(cohort):
    assert -0.36 <= np.corrcoef(cohort["bmi"], cohort["pullups"])[0, 1] <= -0.20


def test_cohort_r_bmi_situps(cohort):
    assert -0.24 <= np.corrcoef(cohort["bmi"], cohort["situps_60s"])[0, 1] <= -0.06


def test_cohort_r_bmi_shuttle_positive(cohort):
    assert np.corrcoef(cohort["bmi"], cohort["shuttle_30x2_s"])[0, 1] > 0.05


def test_cohort_3000m_inverted_u(cohort):
    mean_s = cohort.groupby("bmi_class")["run_3000m_s"].mean()
    assert mean_s["normal"] + 10 < mean_s["underweight"] and mean_s["normal"] + 10 < mean_s["obese"]


def test_cohort_pullups_distribution(cohort):
    assert abs(cohort["pullups"].mean() - 9) <= 1 and abs(cohort["pullups"].std() - 5.5) <= 1
    assert (cohort["pullups"] == 0).mean() > 0.03                     # zero-inflated
