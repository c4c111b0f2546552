"""engine.load: hand-computed checks of every formula, vectorised shapes, settings round trip."""
import datetime as dt
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.load import planner, series, session, strength
from engine.load.settings import FIELD_HELP, LoadSettings

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- settings

def test_settings_defaults_help_and_round_trip():
    s = LoadSettings()
    s.validate()
    assert (s.ctl_days, s.atl_days, s.acwr_method, s.load_source) == (42, 7, "ewma", "blend")
    assert (s.monotony_sd, s.monotony_ddof, s.strain_threshold) == ("population", 0, 6000)
    assert set(FIELD_HELP) == set(s.to_dict())
    back = LoadSettings.from_dict({**s.to_dict(), "acwr_high": 1.5, "no_such_field": 1})
    assert back.acwr_high == 1.5 and back.ctl_days == 42
    assert LoadSettings.from_dict({}) == LoadSettings()


@pytest.mark.parametrize("change, words", [
    ({"ctl_days": -1}, "ctl_days"),
    ({"acwr_low": 1.4}, "acwr_low"),
    ({"acwr_method": "weekly"}, "acwr_method"),
    ({"load_source": "power"}, "load_source"),
    ({"monotony_sd": "robust"}, "monotony_sd"),
    ({"frbi_cut_low": 0.25}, "frbi_cut_low"),
    ({"acute_days": 28}, "acute_days"),
    ({"frbi_cut_days": 6}, "frbi_cut_days"),
    ({"strain_threshold": "a lot"}, "strain_threshold"),
])
def test_settings_validate_names_the_bad_field(change, words):
    with pytest.raises(ValueError, match=words):
        LoadSettings(**change).validate()


def test_package_imports_neither_duckdb_nor_streamlit():
    code = ("import sys, engine.load; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'duckdb', 'streamlit'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


# ---------------------------------------------------------------- session

def test_foster_load():
    assert session.foster_load(7, 3600) == 420
    got = session.foster_load(np.array([5, np.nan]), np.array([1800, 600]))
    np.testing.assert_allclose(got, [150, np.nan])
    out = session.foster_load(pd.Series([5, None], dtype="Int64"), pd.Series([600, 600]))
    assert isinstance(out, pd.Series) and out.iloc[0] == 50 and np.isnan(out.iloc[1])


def _steady(activity_id, athlete_id, minutes, bpm):
    """`minutes` at one HR, as engine.store.loads.hr_seconds gives it: seconds per HR value."""
    return pd.DataFrame({"activity_id": [activity_id], "athlete_id": [athlete_id], "heart_rate": [float(bpm)],
                         "dt_s": [minutes * 60.0]})


ATHLETES = pd.DataFrame({"athlete_id": [1, 2, 3], "sex": ["M", "F", None],
                         "hr_rest": [40.0, 50.0, 40.0], "hr_max": [200.0, 190.0, 200.0],
                         "lthr": [np.nan, 170.0, np.nan]})


def test_banister_trimp_hand_value_and_sexes():
    samples = pd.concat([_steady(10, 1, 30, 130), _steady(11, 2, 30, 130), _steady(12, 3, 30, 130)])
    out = session.hr_session_loads(samples, ATHLETES, LoadSettings()).set_index("activity_id")
    assert out.loc[10, "trimp_banister"] == pytest.approx(30 * 0.5625 * 0.64 * math.exp(1.92 * 0.5625))
    assert out.loc[10, "trimp_banister"] == pytest.approx(31.8, abs=0.05)
    hrr_f = (130 - 50) / 140
    assert out.loc[11, "trimp_banister"] == pytest.approx(30 * hrr_f * 0.86 * math.exp(1.67 * hrr_f))
    assert out.loc[12, "trimp_banister"] == pytest.approx(out.loc[10, "trimp_banister"])  # no sex: men's
    assert out.loc[10, "hr_minutes"] == pytest.approx(30)
    # 130/200 = 65 % HRmax: zone 2, 30 min x 2
    assert out.loc[10, "zone_s_2"] == 1800 and out.loc[10, "trimp_edwards"] == pytest.approx(60)
    # hrTSS: LTHR default 40 + 0.85 x 160 = 176 bpm -> HRr 0.85
    one_hour_lthr = 60 * 0.85 * 0.64 * math.exp(1.92 * 0.85)
    assert out.loc[10, "hrtss"] == pytest.approx(100 * out.loc[10, "trimp_banister"] / one_hour_lthr)


def test_hr_loads_nan_and_zones():
    samples = pd.DataFrame({
        "activity_id": 5, "athlete_id": 1,
        "heart_rate": [190.0, np.nan, 150.0, 110.0, 95.0, 181.0, 0.0],
        "dt_s": [10.0, 10.0, 30.0, 10.0, 10.0, 0.0, 20.0],
    })
    out = session.hr_session_loads(samples, ATHLETES, LoadSettings()).iloc[0]
    # HRmax 200: 190 bpm 10 s in z5; 150 bpm (75 %) 30 s in z3; 110 bpm (55 %) 10 s in z1;
    # 95 bpm (47.5 %) 10 s in no zone; NaN and 0 bpm count nothing
    assert out["zone_s_5"] == 10 and out["zone_s_3"] == 30 and out["zone_s_1"] == 10
    assert out["zone_s_2"] == 0 and out["zone_s_4"] == 0
    assert out["hr_minutes"] == pytest.approx(60 / 60)
    assert out["trimp_edwards"] == pytest.approx((10 * 5 + 30 * 3 + 10 * 1) / 60)


def test_hr_loads_many_activities_missing_profile_and_empty():
    samples = pd.concat([_steady(i, 1 + i % 2, 5, 120 + i) for i in range(40)] + [_steady(99, 77, 5, 120)])
    out = session.hr_session_loads(samples.sample(frac=1, random_state=0), ATHLETES, LoadSettings())
    assert list(out.columns) == session.HR_LOAD_COLUMNS and len(out) == 41
    assert out.set_index("activity_id").loc[99, ["trimp_banister", "hrtss", "trimp_edwards"]].isna().all()
    assert session.hr_session_loads(samples.iloc[:0], ATHLETES, LoadSettings()).empty


# ---------------------------------------------------------------- series

def test_daily_matrix_sums_fills_and_clips():
    long = pd.DataFrame({"athlete_id": [2, 1, 1, 1, 2], "load_au": [50.0, 100.0, 20.0, 7.0, 1.0],
                         "day": pd.to_datetime(["2024-01-02", "2024-01-01", "2024-01-01", "2024-01-09",
                                                "2023-12-31"])})
    ids, days, m = series.daily_matrix(long, "2024-01-01", "2024-01-03")
    assert list(ids) == [1, 2] and len(days) == 3 and days[0] == pd.Timestamp("2024-01-01")
    np.testing.assert_array_equal(m, [[120, 0, 0], [0, 50, 0]])
    _, _, hr = series.daily_matrix(long, "2024-01-01", "2024-01-03", fill=np.nan)
    assert np.isnan(hr[0, 1]) and hr[1, 1] == 50


def test_pmc_exact_form_tsb_uses_yesterday_and_ramp():
    load = np.array([[100.0, 0, 50, 0, 0, 0, 0, 0, 80, 0]])
    out = series.pmc(load, 42, 7)
    kc, ka = math.exp(-1 / 42), math.exp(-1 / 7)
    ctl0, atl0 = 100 * (1 - kc), 100 * (1 - ka)
    ctl1, atl1 = ctl0 * kc, atl0 * ka
    ctl2 = ctl1 * kc + 50 * (1 - kc)
    assert out["ctl"][0, :3] == pytest.approx([ctl0, ctl1, ctl2])
    assert out["atl"][0, 1] == pytest.approx(atl1)
    assert out["tsb"][0, 0] == 0
    assert out["tsb"][0, 1] == pytest.approx(ctl0 - atl0)  # yesterday's, not today's
    assert out["tsb"][0, 2] == pytest.approx(ctl1 - atl1)
    assert np.isnan(out["ramp"][0, :7]).all()
    assert out["ramp"][0, 7] == pytest.approx(out["ctl"][0, 7] - ctl0)
    assert out["ramp"][0, 9] == pytest.approx(out["ctl"][0, 9] - ctl2)


def test_acwr_ewma_by_hand():
    load = np.array([10.0, 20.0, 0.0, 30.0])
    la, lc = 2 / (2 + 1), 2 / (3 + 1)  # acute N = 2, chronic N = 3
    a0, c0 = la * 10, lc * 10
    a1, c1 = la * 20 + (1 - la) * a0, lc * 20 + (1 - lc) * c0
    a2, c2 = (1 - la) * a1, (1 - lc) * c1
    a3, c3 = la * 30 + (1 - la) * a2, lc * 30 + (1 - lc) * c2
    got = series.acwr_ewma(load, 2, 3)
    assert got == pytest.approx([a0 / c0, a1 / c1, a2 / c2, a3 / c3])
    assert np.isnan(series.acwr_ewma(np.array([0.0, 0.0, 5.0]), 2, 3)[:2]).all()  # chronic 0 -> NaN


def test_acwr_rolling_coupled_vs_uncoupled():
    load = np.array([[4.0, 0, 2, 6, 8, 10]])  # acute 2 days, chronic 4 days
    coupled = series.acwr_rolling(load, 2, 4, coupled=True)[0]
    uncoupled = series.acwr_rolling(load, 2, 4, coupled=False)[0]
    assert np.isnan(coupled[:3]).all() and np.isnan(uncoupled[:3]).all()
    # t = 3: acute (2+6)/2 = 4; coupled chronic (4+0+2+6)/4 = 3; uncoupled chronic days 0-1: (4+0)/2 = 2
    assert coupled[3] == pytest.approx(4 / 3) and uncoupled[3] == pytest.approx(4 / 2)
    # t = 5: acute (8+10)/2 = 9; coupled (2+6+8+10)/4 = 6.5; uncoupled days 2-3: (2+6)/2 = 4
    assert coupled[5] == pytest.approx(9 / 6.5) and uncoupled[5] == pytest.approx(9 / 4)
    rest = series.acwr_rolling(np.zeros(6), 2, 4, coupled=True)
    assert np.isnan(rest).all()  # chronic 0 -> NaN


def test_monotony_strain_hand_values_and_flat_week():
    week = np.array([100.0, 0, 200, 100, 0, 300, 0])
    mono, strain = series.monotony_strain(week)
    assert np.isnan(mono[:6]).all()
    assert mono[6] == pytest.approx(week.mean() / week.std())
    assert strain[6] == pytest.approx(700 * week.mean() / week.std())
    sample_mono, _ = series.monotony_strain(week, ddof=1)
    assert sample_mono[6] == pytest.approx(week.mean() / week.std(ddof=1))
    flat, flat_strain = series.monotony_strain(np.full(8, 100 / 3), cap=10.0)
    assert flat[6:] == pytest.approx([10.0, 10.0]) and flat_strain[6] == pytest.approx(700 / 3 * 10)
    rest, rest_strain = series.monotony_strain(np.zeros(7))
    assert rest[6] == 0 and rest_strain[6] == 0


def test_frbi_morning_hr_factor():
    load = np.array([50.0, 60, 70, 80])
    hr = np.array([60.0, np.nan, 60, 66])
    got = series.frbi(load, hr, acute=2, chronic=3, median_days=3)
    ratio = series.acwr_ewma(load, 2, 3)
    # day 3: median of 60, NaN, 60... window days 1-3 = (NaN, 60, 66) -> 63
    assert got == pytest.approx([ratio[0], ratio[1], ratio[2], ratio[3] * 66 / 63])
    assert series.frbi(load, None, 2, 3) == pytest.approx(ratio)


def test_load_metrics_squad_shapes_and_consistency():
    rng = np.random.default_rng(0)
    load = rng.gamma(2.0, 150.0, size=(50, 730)) * (rng.random((50, 730)) > 0.3)
    hr = np.where(rng.random((50, 730)) > 0.2, rng.normal(55, 3, (50, 730)), np.nan)
    s = LoadSettings()
    out = series.load_metrics(load, s, hr_morning=hr)
    assert set(out) == {"ctl", "atl", "tsb", "ramp", "acwr", "acwr_coupled", "acwr_uncoupled", "acwr_ewma",
                        "monotony", "strain", "frbi"}
    for name, values in out.items():
        assert values.shape == (50, 730), name
        assert np.isfinite(values[:, 28:]).all(), name
    assert np.isnan(out["acwr_ewma"][:, :27]).all() and np.isfinite(out["acwr_ewma"][:, 27]).all()
    np.testing.assert_allclose(out["acwr"], out["acwr_ewma"])
    np.testing.assert_allclose(out["acwr_ewma"][:, 27:], series.acwr_ewma(load, 7, 28)[:, 27:])
    one = series.load_metrics(load[3], LoadSettings(acwr_method="rolling_uncoupled"))
    np.testing.assert_allclose(one["ctl"], out["ctl"][3])
    np.testing.assert_allclose(one["acwr"], out["acwr_uncoupled"][3])


def test_flags_words_and_nan():
    s = LoadSettings()
    latest = {"acwr": np.array([1.42, 0.5, np.nan]), "monotony": np.array([2.5, 1.0, np.nan]),
              "strain": np.array([7250.0, 100.0, np.nan]), "frbi": np.array([1.31, 0.7, np.nan]),
              "tsb": np.array([-135.0, 5.0, np.nan])}
    raised = series.flags(latest, s)
    assert [f["code"] for f in raised[0]] == ["acwr_high", "monotony", "strain", "frbi", "tsb"]
    assert "ACWR 1.42" in raised[0][0]["why"] and "0.8–1.3 band" in raised[0][0]["why"]
    assert "7,250 a.u." in raised[0][2]["why"]
    assert [f["code"] for f in raised[1]] == ["acwr_low"]
    assert raised[2] == []
    near = {"acwr": [1.0], "monotony": [1.0], "strain": [0.0], "frbi": [1.2035], "tsb": [-120.2]}
    close = series.flags(near, s)[0]
    assert close[0]["why"].startswith("FRBI 1.204 is above 1.2: cut planned load 15-20 % for 3-5 days")
    assert close[1]["why"].startswith("TSB -120.2 ")


# ---------------------------------------------------------------- strength

SETS = pd.DataFrame({
    "session_date": pd.to_datetime(["2024-03-04"] * 4 + ["2024-03-07"] * 3 + ["2024-03-11"]),
    "exercise_id": ["squat", "squat", "squat", "row", "squat", "squat", "row", "squat"],
    "exercise_name": ["Squat", "Squat", "Squat", "Row", "Squat", "Squat", "Row", "Squat"],
    "weight_kg": [140.0, 100.0, 90.0, 60.0, 100.0, 60.0, 70.0, 100.0],
    "reps": [1, 5, 12, 10, 8, 15, 8, 5],
    "set_type": ["warmup", "normal", "normal", None, "failure", "normal", "normal", "dropset"],
})
EXERCISES = pd.DataFrame({"exercise_id": ["squat", "row"],
                          "primary_muscles": [["quadriceps"], ["lats"]],
                          "secondary_muscles": [["glutes", "hamstrings"], []]})


def test_e1rm_formulas():
    assert strength.epley(100, 5) == pytest.approx(100 * (1 + 5 / 30))
    assert strength.brzycki(100, 5) == pytest.approx(100 * 36 / 32)
    assert strength.epley(100, 1) == pytest.approx(103.333, abs=1e-3)
    got = strength.brzycki([100, 100, 100], [0, 10, 11])
    np.testing.assert_array_equal(np.isnan(got), [True, False, True])


def test_e1rm_by_session_excludes_warmups_and_long_sets():
    out = strength.e1rm_by_session(SETS).set_index(["session_date", "exercise_id"])
    first = out.loc[(pd.Timestamp("2024-03-04"), "squat")]
    assert first["e1rm_epley_kg"] == pytest.approx(100 * (1 + 5 / 30))  # not the 140 kg warm-up single
    assert out.loc[(pd.Timestamp("2024-03-07"), "squat"), "e1rm_brzycki_kg"] == pytest.approx(100 * 36 / 29)
    assert len(out) == 5


def test_weekly_muscle_volume_primary_full_secondary_half():
    out = strength.weekly_muscle_volume(SETS, EXERCISES).set_index(["week", "muscle"])
    week1 = pd.Timestamp("2024-03-04")
    squat_kg = 100 * 5 + 90 * 12 + 100 * 8 + 60 * 15
    assert out.loc[(week1, "quadriceps"), "volume_kg"] == pytest.approx(squat_kg)
    assert out.loc[(week1, "quadriceps"), "sets"] == 4
    assert out.loc[(week1, "glutes"), "volume_kg"] == pytest.approx(squat_kg / 2)
    assert out.loc[(week1, "glutes"), "sets"] == 2
    assert out.loc[(week1, "lats"), "volume_kg"] == pytest.approx(600 + 560)
    assert out.loc[(pd.Timestamp("2024-03-11"), "quadriceps"), "volume_kg"] == 500


def test_personal_records():
    out = strength.personal_records(SETS).set_index("exercise_id")
    assert out.loc["squat", "max_weight_kg"] == 100
    assert out.loc["squat", "max_weight_date"] == pd.Timestamp("2024-03-04")
    assert out.loc["squat", "best_e1rm_kg"] == pytest.approx(100 * (1 + 8 / 30))
    assert out.loc["squat", "best_e1rm_date"] == pd.Timestamp("2024-03-07")
    assert out.loc["row", "best_e1rm_kg"] == pytest.approx(70 * (1 + 8 / 30))


def test_strength_per_athlete_when_present():
    two = pd.concat([SETS.assign(athlete_id=1), SETS.assign(athlete_id=2, weight_kg=SETS["weight_kg"] * 2)])
    out = strength.personal_records(two)
    assert len(out) == 4
    assert out.set_index(["athlete_id", "exercise_id"]).loc[(2, "squat"), "max_weight_kg"] == 200


# ---------------------------------------------------------------- planner

def test_day_pattern_plan():
    plan = planner.day_pattern_plan(1400, [1, 0, 2, 1, 0, 2, 1])
    assert plan == pytest.approx([200, 0, 400, 200, 0, 400, 200]) and plan.sum() == pytest.approx(1400)
    with pytest.raises(ValueError):
        planner.day_pattern_plan(1000, [1, 1, 1])
    assert planner.day_pattern_plan(0, [0] * 7).sum() == 0


def test_project_extends_history():
    history = np.full(60, 300.0)
    out = planner.project(history, np.zeros(7), LoadSettings(), hr_morning=np.full(60, 55.0))
    assert out["ctl"].shape == (67,) and (out["load"][60:] == 0).all()
    assert out["atl"][-1] < out["atl"][59] and out["tsb"][-1] > out["tsb"][59]


def test_frbi_suggestion_cuts_and_message():
    s = LoadSettings()
    history = np.full(60, 300.0)
    assert planner.frbi_suggestion(history, np.full(7, 300.0), s) is None
    planned = np.array([300.0, 300, 700, 700, 700, 700, 300])
    got = planner.frbi_suggestion(history, planned, s)
    frbi = planner.project(history, planned, s)["frbi"][60:]
    first = int(np.argmax(frbi > 1.2))
    assert got["first_day"] == first and got["cut"] == pytest.approx(0.18)
    assert 3 <= got["days"] <= 5 and got["passes"] >= 1 and got["still_over"] == []
    np.testing.assert_allclose(got["adjusted"][:first], planned[:first])          # nothing before the first day
    assert (got["adjusted"] <= planned).all()
    assert (planner.project(history, got["adjusted"], s)["frbi"][60:] <= 1.2).all()   # one apply is enough
    head = f"FRBI reaches {frbi[first]:.2f} on day {first + 1}: cut planned load 15-20 % for 3-5 days"
    assert got["message"].startswith(head)
    assert f"−18 % on day {first + 1} to day {first + got['days']}" in got["message"]
    dated = planner.frbi_suggestion(history, planned, s, first_date=dt.date(2026, 11, 25))
    day = dt.date(2026, 11, 25) + dt.timedelta(days=first)
    assert f"on {day:%a %d %b}:" in dated["message"] and "on day " not in dated["message"]


def test_one_apply_brings_a_very_hard_week_to_the_threshold():
    s = LoadSettings()
    history = np.full(60, 300.0)
    planned = np.full(7, 1500.0)
    got = planner.frbi_suggestion(history, planned, s)
    assert got["passes"] > 1 and got["still_over"] == []
    assert (planner.project(history, got["adjusted"], s)["frbi"][60:] <= s.frbi_threshold).all()
    assert "applied" in got["message"]
    # a history whose FRBI is already far up: even rest does not bring the first days down, and it says so
    spike = planner.frbi_suggestion(np.r_[np.full(50, 100.0), np.full(10, 2000.0)], np.full(7, 100.0), s)
    assert spike["still_over"] and "Even so" in spike["message"]


def test_frbi_suggestion_extends_while_still_high():
    s = LoadSettings()
    history = np.full(60, 200.0)
    short = planner.frbi_suggestion(history, np.array([900.0, 200, 200, 200, 200, 200, 200]), s)
    long = planner.frbi_suggestion(history, np.full(7, 900.0), s)
    assert short["days"] == 3 and long["days"] == 5 and long["first_day"] == 0


def test_compliance_colours():
    got = planner.compliance([100, 100, 100, 100, 0, 0, 0, 100], [120, 79, 150, 30, 0, 29, 31, np.nan])
    assert got == ["green", "yellow", "yellow", "red", "green", "yellow", "red", "red"]


def test_sustained_hr_max_ignores_short_spikes():
    from engine.load.profile import sustained_hr_max
    seconds = pd.DataFrame({"activity_id": [1, 1, 1, 2, 2], "athlete_id": [7, 7, 7, 7, 7],
                            "heart_rate": [220.0, 175.0, 150.0, 168.0, 160.0],
                            "dt_s": [10.0, 55.0, 600.0, 60.0, 300.0]})
    # activity 1: 10 s at 220 is an artefact; 65 s at >= 175 holds 175. Activity 2 holds 168.
    assert sustained_hr_max(seconds).to_dict() == {7: 175.0}


def test_pmc_starts_from_the_mean_load_of_the_first_days():
    from engine.load.series import pmc
    load = np.array([[0, 0, 40, 0, 80, 60, 0, 20], [0] * 8], dtype=float)
    out = pmc(load, 42, 7, seed_days=4)
    seed = (40 + 0 + 80 + 60) / 4  # the first loaded day and the 3 after it
    k = 1 - np.exp(-1 / 42)
    assert out["ctl"][0, :2].tolist() == [0, 0]  # before the athlete's first day: nothing known
    assert out["ctl"][0, 2] == pytest.approx(seed + k * (40 - seed))
    assert out["ctl"][0, 3] == pytest.approx(seed + k * (40 - seed) - k * (seed + k * (40 - seed)))
    assert out["tsb"][0, 3] == pytest.approx(out["ctl"][0, 2] - out["atl"][0, 2])
    assert out["tsb"][0, 2] == 0  # yesterday's CTL and ATL are both 0 (unseeded day)
    assert not out["ctl"][1].any()  # an athlete without load stays at 0
    plain = pmc(load, 42, 7, seed_days=0)
    assert plain["ctl"][0, 2] == pytest.approx(k * 40)


def test_every_setting_has_one_group_a_label_and_a_help_with_its_default():
    from engine.load.settings import FIELD_GROUPS, FIELD_LABELS, field_help, field_label
    names = list(LoadSettings().to_dict())
    grouped = [n for group in FIELD_GROUPS.values() for n in group]
    assert sorted(grouped) == sorted(names) and set(FIELD_LABELS) == set(names)
    assert field_label("ctl_days") == "Fitness (CTL) time constant, d"
    assert field_help("ctl_days").endswith("Default: 42 d.")


def test_metric_help_is_built_from_the_settings_in_force():
    from engine.load.metric_table import METRIC_ROW, METRIC_TABLE, help_text
    custom = LoadSettings(ctl_days=50, atl_days=9, acute_days=5, chronic_days=21, acwr_low=0.7, frbi_threshold=1.3,
                          monotony_threshold=2.5)
    assert "50 d" in help_text("ctl", custom) and "42" not in help_text("ctl", custom)
    assert "5 d / 21 d" in help_text("acwr", custom) and "0.7-1.3" in help_text("acwr", custom)
    assert "1.3" in help_text("frbi", custom) and "5 d / 21 d" in help_text("frbi", custom)
    assert "2.5" in help_text("monotony", custom)
    assert "rolling" in help_text("acwr", LoadSettings(acwr_method="rolling_uncoupled"))
    assert [METRIC_TABLE[k].title for k in METRIC_ROW] == ["CTL, a.u.", "ATL, a.u.", "TSB, a.u.", "ACWR", "Monotony",
                                                           "Strain, a.u.", "FRBI"]
