"""Fitness prescription: deficiency ranking, the weekly plan, the biweekly reassessment, the FRBI cut."""
import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest

from engine.fitness import prescribe as pr
from engine.fitness.battery import MODALITY_LABELS, TEST_BY_COLUMN
from engine.ingest.exercise_names import load_catalog
from engine.load.session import foster_load
from engine.load.settings import LoadSettings
from engine.store import plans

MONDAY = dt.date(2024, 4, 1)
COLUMNS = list(TEST_BY_COLUMN)
# every deficiency list weekly_plan accepts: none, one test, or an ordered pair
DEFICIENCY_LISTS = [[], *[[c] for c in COLUMNS], *[list(p) for p in itertools.permutations(COLUMNS, 2)]]


def _minutes(plan: pd.DataFrame) -> pd.Series:
    return plan.groupby("modality")["duration_min"].sum().reindex(list(MODALITY_LABELS), fill_value=0.0)


def _sessions(plan: pd.DataFrame) -> pd.Series:
    return plan.groupby("modality")["day"].nunique().reindex(list(MODALITY_LABELS), fill_value=0)


# ---- deficiencies ----

def test_deficiencies_rank_positive_shap_values_largest_first():
    shap = {"run_3000m_s": 0.30, "pullups": 0.52, "situps_60s": -0.10, "shuttle_30x2_s": 0.05}
    assert pr.deficiencies(shap) == ["pullups", "run_3000m_s"]
    assert pr.deficiencies(shap, top=4) == ["pullups", "run_3000m_s", "shuttle_30x2_s"]  # negative dropped
    assert pr.deficiencies(shap, top=1) == ["pullups"]
    assert pr.deficiencies({c: -0.2 for c in COLUMNS}) == []
    assert pr.deficiencies({"situps_60s": 0.0, "pullups": np.nan}) == []
    with pytest.raises(pr.PrescriptionError, match="unknown test column"):
        pr.deficiencies({"bench_press": 0.4})


# ---- templates ----

def test_every_template_exercise_is_in_the_catalog():
    catalog_ids = set(load_catalog()["exercise_id"])
    assert set(pr.TEMPLATES) == set(MODALITY_LABELS) == set(pr.DAY_SLOTS)
    for modality, template in pr.TEMPLATES.items():
        assert template.modality == modality
        assert template.items and template.source
        ids = [item.exercise_id for item in template.items]
        assert set(ids) <= catalog_ids, f"{modality}: {set(ids) - catalog_ids} not in the catalog"
        assert len(ids) == len(set(ids))
        assert template.duration_min <= template.max_duration_min
        assert template.sessions_per_week <= len(pr.DAY_SLOTS[modality])
    all_ids = [item.exercise_id for t in pr.TEMPLATES.values() for item in t.items]
    assert len(all_ids) == len(set(all_ids))   # two sessions on one day never repeat an exercise


# ---- weekly plan ----

def test_weekly_plan_covers_seven_days_from_week_start_and_is_saveable(store):
    plan = pr.weekly_plan(["pullups"], MONDAY)
    assert list(plan.columns) == pr.PLAN_FRAME_COLUMNS
    days = set(plan["day"])
    assert days <= {MONDAY + dt.timedelta(days=k) for k in range(7)}
    assert min(days) == MONDAY
    assert len(days) <= 6                                   # at least one rest day
    assert not plan.duplicated(["day", "exercise_id"]).any()
    assert plan[["weight_low_kg", "weight_high_kg"]].isna().all().all()
    plans.save_planned_exercises(store, 1, plan[plans.PLAN_COLUMNS], "recommend")
    saved = plans.planned_exercises(store, 1)
    assert len(saved) == len(plan)
    assert saved["load_au"].sum() == pytest.approx(plan["load_au"].sum())


def test_deficiencies_shift_minutes_but_keep_the_weekly_total():
    base = _minutes(pr.weekly_plan([], MONDAY))
    for deficient in DEFICIENCY_LISTS[1:]:
        minutes = _minutes(pr.weekly_plan(deficient, MONDAY))
        assert minutes.sum() == pytest.approx(base.sum()), deficient
        gained = [TEST_BY_COLUMN[c].modality for c in deficient]
        ratio = minutes / base
        assert ratio[gained[0]] == pytest.approx(1 + pr.SHIFTS[0])
        if len(gained) == 2:
            assert ratio[gained[1]] == pytest.approx(1 + pr.SHIFTS[1])
            assert ratio[gained[0]] > ratio[gained[1]] > 1
        donors = ratio.drop(gained)
        assert (donors < 1).all()
        assert donors.round(9).nunique() == 1          # taken in proportion to their minutes
        assert (donors >= 0.5).all()                    # the base week keeps donors at half or more


def test_more_minutes_lengthen_sessions_up_to_the_cap_then_add_one():
    base = _sessions(pr.weekly_plan([], MONDAY))
    run = pr.weekly_plan(["run_3000m_s"], MONDAY)           # aerobic 3 x 42 min, under the 60 min cap
    assert _sessions(run)["aerobic"] == base["aerobic"]
    pull = pr.weekly_plan(["pullups"], MONDAY)              # strength 112 min > 2 x 50 min cap
    assert _sessions(pull)["strength"] == base["strength"] + 1
    strength = pull[pull["modality"] == "strength"].groupby("day")["duration_min"].sum()
    assert (strength <= pr.TEMPLATES["strength"].max_duration_min).all()


def test_session_load_is_the_foster_load_of_the_session():
    plan = pr.weekly_plan(["shuttle_30x2_s", "situps_60s"], MONDAY, levels={"core": 3})
    sessions = plan.groupby(["day", "modality"]).agg(load_au=("load_au", "sum"), minutes=("duration_min", "sum"),
                                                     rpe=("rpe", "first"), rpes=("rpe", "nunique"))
    assert (sessions["rpes"] == 1).all()
    expected = foster_load(sessions["rpe"], sessions["minutes"] * 60.0)
    assert np.allclose(sessions["load_au"], expected)


def test_schedule_keeps_hard_days_apart_and_a_rest_day():
    for deficient in DEFICIENCY_LISTS:
        for level in (0, 2, 3):
            plan = pr.weekly_plan(deficient, MONDAY, levels=dict.fromkeys(MODALITY_LABELS, level))
            offsets = plan.assign(offset=[(d - MONDAY).days for d in plan["day"]])
            by_day = offsets.groupby("offset")["modality"].agg(set)
            assert len(by_day) < 7, (deficient, level)
            assert not any(set(pr.HARD_MODALITIES) <= m for m in by_day), (deficient, level)
            hiit = sorted(offsets.loc[offsets["modality"] == "hiit", "offset"].unique())
            # never consecutive, also across weeks (last day -> the next week's first)
            assert all((b - a) % 7 not in (1, 6) for a, b in itertools.combinations(hiit, 2)), (deficient, level)


def test_levels_add_volume_then_sessions_then_intensity():
    base = pr.weekly_plan(["pullups"], MONDAY)
    strength = pr.TEMPLATES["strength"]

    def rows(plan, modality="strength"):
        return plan[plan["modality"] == modality]

    one = pr.weekly_plan(["pullups"], MONDAY, levels={"strength": 1})
    assert (rows(one)["sets"].to_numpy() == rows(base)["sets"].to_numpy() + pr.VOLUME_SETS).all()
    assert rows(one)["duration_min"].sum() > rows(base)["duration_min"].sum()
    assert _sessions(one)["strength"] == _sessions(base)["strength"]
    assert rows(one, "aerobic").equals(rows(base, "aerobic"))   # other modalities untouched

    aerobic = pr.weekly_plan([], MONDAY, levels={"aerobic": 1})
    assert _minutes(aerobic)["aerobic"] == pytest.approx((1 + pr.VOLUME_STEP) * _minutes(pr.weekly_plan([], MONDAY))
                                                         ["aerobic"])

    plain = pr.weekly_plan([], MONDAY)
    two = pr.weekly_plan([], MONDAY, levels={"strength": 2})
    assert _sessions(two)["strength"] == _sessions(plain)["strength"] + pr.FREQUENCY_STEP
    assert rows(two)["sets"].min() == rows(plain)["sets"].min() + pr.VOLUME_SETS

    three = pr.weekly_plan([], MONDAY, levels={"strength": 3})
    assert (rows(three)["rpe"] == strength.rpe + pr.RPE_STEP).all()
    assert set(rows(three)["intensity"]) == {strength.next_intensity}
    assert set(rows(two)["intensity"]) == {strength.intensity}
    assert _sessions(three)["strength"] == _sessions(two)["strength"]


def test_weekly_plan_refuses_bad_input():
    with pytest.raises(pr.PrescriptionError, match="unknown test column"):
        pr.weekly_plan(["bench_press"], MONDAY)
    with pytest.raises(pr.PrescriptionError, match="twice"):
        pr.weekly_plan(["pullups", "pullups"], MONDAY)
    with pytest.raises(pr.PrescriptionError, match="at most 2"):
        pr.weekly_plan(COLUMNS[:3], MONDAY)
    with pytest.raises(pr.PrescriptionError, match="unknown modality"):
        pr.weekly_plan([], MONDAY, levels={"flexibility": 1})
    with pytest.raises(pr.PrescriptionError, match="level of core"):
        pr.weekly_plan([], MONDAY, levels={"core": 4})


# ---- reassessment ----

def _batteries() -> pd.DataFrame:
    rows = [
        # test_date,  3,000 m s, pull-ups, sit-ups, shuttle s
        ("2024-01-01", 900.0, 5.0, 40.0, 16.0),    # baseline
        ("2024-01-15", 880.0, 5.0, 37.0, np.nan),  # R1: improving, stagnant, declining, not tested
        ("2024-01-22", 850.0, 9.0, 50.0, 15.0),    # only 7 days on: not a reassessment, ignored
        ("2024-01-29", 875.0, 5.5, 37.0, 15.9),    # R2
        ("2024-02-12", 870.0, 6.5, 36.0, 15.85),   # R3
    ]
    frame = pd.DataFrame(rows, columns=["test_date", *COLUMNS])
    return frame.iloc[[3, 0, 4, 2, 1]]            # any order


def _frbi() -> pd.Series:
    return pd.Series([1.25, 1.1], index=[dt.date(2024, 1, 15), dt.date(2024, 1, 29)])


def test_reassess_statuses_streaks_and_actions():
    out = pr.reassess(_batteries(), _frbi(), LoadSettings())
    assert list(out.columns) == pr.REASSESS_COLUMNS
    assert sorted(set(out["test_date"])) == [dt.date(2024, 1, 15), dt.date(2024, 1, 29), dt.date(2024, 2, 12)]
    got = out.set_index(["reassessment", "column"])

    def check(r, column, status, action, level, streak):
        row = got.loc[(r, column)]
        assert (row["status"], row["action"], row["level"], row["streak"]) == (status, action, level, streak), \
            (r, column)

    check(1, "run_3000m_s", "improving", "keep", 0, 0)
    check(1, "pullups", "stagnant", "volume", 1, 1)
    check(1, "situps_60s", "declining", "volume", 1, 1)
    check(1, "shuttle_30x2_s", "not tested", "keep", 0, 0)
    check(2, "run_3000m_s", "stagnant", "volume", 1, 1)
    check(2, "pullups", "stagnant", "frequency", 2, 2)        # stagnant twice: volume, then frequency
    check(2, "situps_60s", "stagnant", "frequency", 2, 2)
    check(2, "shuttle_30x2_s", "improving", "keep", 0, 0)     # 0.1 s faster than the baseline
    check(3, "pullups", "improving", "keep", 2, 0)            # improving keeps its prescription
    check(3, "situps_60s", "stagnant", "intensity", 3, 3)
    check(3, "shuttle_30x2_s", "stagnant", "volume", 1, 1)

    assert got.loc[(2, "pullups"), "previous"] == 5.0         # the 7-day battery's 9 is not a reassessment
    assert got.loc[(2, "shuttle_30x2_s"), "previous"] == 16.0  # last value tested: the baseline
    assert got.loc[(1, "run_3000m_s"), "vs_previous"] == 20.0  # 20 s faster, in the test's unit
    assert got.loc[(3, "run_3000m_s"), "vs_baseline"] == 30.0
    assert got.loc[(3, "pullups"), "vs_baseline"] == 1.5
    assert got.loc[(3, "situps_60s"), "baseline"] == 40.0
    assert pr.levels_now(out) == {"aerobic": 2, "strength": 2, "core": 3, "hiit": 1}
    assert pr.levels_now(out.iloc[0:0]) == dict.fromkeys(MODALITY_LABELS, 0)


def test_reassess_frbi_cut():
    out = pr.reassess(_batteries(), _frbi(), LoadSettings()).drop_duplicates("reassessment").set_index("reassessment")
    assert out.loc[1, "frbi"] == 1.25
    assert out.loc[1, "cut"] == pytest.approx(0.18)
    assert out.loc[1, "cut_days"] == 3
    assert (out.loc[2, "frbi"], out.loc[2, "cut"], out.loc[2, "cut_days"]) == (1.1, 0.0, 0)
    assert np.isnan(out.loc[3, "frbi"]) and out.loc[3, "cut"] == 0.0   # no FRBI that day
    strict = pr.reassess(_batteries(), _frbi(), LoadSettings(frbi_threshold=1.3))
    assert (strict["cut"] == 0).all()


def test_reassess_spacing_counts_from_the_previous_reassessment_and_the_ladder_tops_at_intensity():
    days = [0, 10, 20, 30, 34, 48, 62]    # 10 and 30 come too soon after the baseline / reassessment at 20
    batteries = pd.DataFrame({"test_date": [dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in days],
                              "run_3000m_s": 900.0, "pullups": 5.0, "shuttle_30x2_s": np.nan,
                              "situps_60s": [np.nan, np.nan, 40.0, 40.0, 40.0, 43.0, 43.0]})
    out = pr.reassess(batteries, pd.Series(dtype=float), LoadSettings())
    pull = out[out["column"] == "pullups"]
    assert [(d - dt.date(2024, 1, 1)).days for d in pull["test_date"]] == [20, 34, 48, 62]
    assert pull["streak"].tolist() == [1, 2, 3, 4]
    assert pull["action"].tolist() == ["volume", "frequency", "intensity", "intensity"]
    assert pull["level"].tolist() == [1, 2, 3, 3]
    assert (out.loc[out["column"] == "shuttle_30x2_s", "status"] == "not tested").all()
    sit = out[out["column"] == "situps_60s"]    # not in the baseline: its first test becomes its baseline
    assert sit["status"].tolist() == ["first test", "stagnant", "improving", "stagnant"]
    assert sit["level"].tolist() == [0, 1, 1, 2]   # improving keeps level 1; the next stall climbs to 2
    assert sit["baseline"].tolist() == [40.0] * 4
    assert sit["vs_baseline"].tolist() == [0.0, 0.0, 3.0, 3.0]
    assert out["frbi"].isna().all() and (out["cut_days"] == 0).all()


def test_reassess_spacing_and_bad_input():
    weekly = pr.reassess(_batteries(), _frbi(), LoadSettings(), every_days=7)
    assert weekly["reassessment"].max() == 4
    assert pr.reassess(_batteries().head(1), _frbi(), LoadSettings()).empty
    with pytest.raises(pr.PrescriptionError, match="test_date"):
        pr.reassess(_batteries().drop(columns="test_date"), _frbi(), LoadSettings())
    with pytest.raises(pr.PrescriptionError, match="test_date"):
        pr.reassess(_batteries().assign(test_date=None), _frbi(), LoadSettings())


# ---- FRBI cut on a plan, rules text ----

def test_cut_plan_reduces_exactly_the_days_in_range():
    plan = pr.weekly_plan(["run_3000m_s"], MONDAY)
    first = MONDAY + dt.timedelta(days=1)
    cut = pr.cut_plan(plan, first, 3, 0.18)
    inside = plan["day"].between(first, first + dt.timedelta(days=2)).to_numpy()
    assert inside.any() and (~inside).any()
    for name in ("duration_min", "load_au"):
        assert np.allclose(cut.loc[inside, name], plan.loc[inside, name] * 0.82)
        assert cut.loc[~inside, name].equals(plan.loc[~inside, name])
    assert cut.drop(columns=["duration_min", "load_au"]).equals(plan.drop(columns=["duration_min", "load_au"]))
    assert pr.weekly_plan(["run_3000m_s"], MONDAY).equals(plan)   # a copy: the plan is untouched
    with pytest.raises(pr.PrescriptionError, match="cut"):
        pr.cut_plan(plan, first, 3, 1.2)


def test_rules_text_follows_the_constants_and_settings():
    text = pr.rules_text(LoadSettings())
    assert "+40 %" in text and "+20 %" in text and "18 %" in text and "1.2" in text and "3 days" in text
    other = pr.rules_text(LoadSettings(frbi_threshold=1.4, frbi_cut_days=4))
    assert "1.4" in other and "4 days" in other
