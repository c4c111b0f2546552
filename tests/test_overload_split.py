"""CSV export, the planned-exercises store and the split generator."""
import csv
import datetime as dt
import io

import duckdb
import numpy as np
import pandas as pd
import pytest

from engine.export import csv_bytes
from engine.load.session import foster_load
from engine.overload import split as sp
from engine.store import loads as store_loads
from engine.store import plans, queries
from engine.store.db import migrate
from engine.store.schema import MIGRATIONS

MONDAY = dt.date(2024, 4, 1)
# exercise_id: (prescribed weight kg, reps, median sets, rest s, sessions logged)
OWN = {
    "Barbell_Bench_Press_-_Medium_Grip": (100.0, 5, 4, 180.0, 6),   # chest, barbell, compound
    "Standing_Military_Press": (60.0, 6, 3, 120.0, 4),             # shoulders, barbell
    "Incline_Dumbbell_Press": (30.0, 8, 3, 90.0, 3),               # chest, dumbbell
    "Side_Lateral_Raise": (12.0, 12, 3, np.nan, 5),                # shoulders, dumbbell, isolation
    "Pullups": (0.0, 8, 3, 120.0, 4),                              # lats, body only
    "Bent_Over_Barbell_Row": (80.0, 8, 4, 120.0, 4),               # middle back
    "Wide-Grip_Lat_Pulldown": (70.0, 10, 3, 90.0, 2),              # lats, cable
    "Dumbbell_Bicep_Curl": (16.0, 10, 3, 60.0, 5),                 # biceps
    "Barbell_Squat": (120.0, 5, 5, 180.0, 6),                      # quadriceps
    "Leg_Press": (200.0, 10, 3, 120.0, 3),                         # quadriceps, machine
    "Lying_Leg_Curls": (50.0, 10, 3, 90.0, 3),                     # hamstrings, machine
    "Barbell_Deadlift": (140.0, 5, 3, 180.0, 2),                   # lower back
}
# never trained: triceps, glutes, calves, abdominals


@pytest.fixture
def catalog(store):
    return queries.exercises(store)


def _history() -> pd.DataFrame:
    rows = []
    for exercise_id, (weight, reps, sets, rest, n) in OWN.items():
        for k in range(n):
            rows.append({"exercise_id": exercise_id, "day": pd.Timestamp("2024-03-01") + pd.Timedelta(days=3 * k),
                         "sets": sets, "top_weight_kg": max(0.0, weight - 2.5 * (n - 1 - k)) if weight else 0.0,
                         "top_reps": reps, "rest_s": rest})
    return pd.DataFrame(rows)


def _prescription() -> pd.DataFrame:
    return pd.DataFrame([{"exercise_id": e, "weight_kg": w, "reps": r, "rest_s": np.nan if e == "Leg_Press" else rest}
                         for e, (w, r, _s, rest, _n) in OWN.items()])


def _split(catalog, days=3) -> pd.DataFrame:
    return sp.generate_split(_history(), _prescription(), catalog, days, MONDAY)


# --- CSV export ------------------------------------------------------------------------------

def test_csv_bytes_neutralises_formula_prefixes_in_cells_and_headers():
    dangerous = ["=SUM(A1)", "+1", "-2+3", "@cmd", "\tx", "\rx"]
    frame = pd.DataFrame({"=HYPERLINK()": dangerous + ["safe", "a=b"],
                          "delta_kg": [-5.0, 2.5, -0.5, 0, 1, 2, 3, 4],
                          "reps": [-1, 2, 3, 4, 5, 6, 7, 8],
                          "ok": pd.array(["-x", "fine", None, "@y", "z", "=1", "q", "+"], dtype="string")})
    data = csv_bytes(frame)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0] == ["'=HYPERLINK()", "delta_kg", "reps", "ok"]
    assert [r[0] for r in rows[1:]] == ["'" + d for d in dangerous] + ["safe", "a=b"]
    assert [r[3] for r in rows[1:]] == ["'-x", "fine", "", "'@y", "z", "'=1", "q", "'+"]
    back = pd.read_csv(io.BytesIO(data))
    assert back["delta_kg"].tolist() == [-5.0, 2.5, -0.5, 0, 1, 2, 3, 4]   # negative numbers stay numbers
    assert back["reps"].tolist() == [-1, 2, 3, 4, 5, 6, 7, 8]
    assert frame.iloc[0, 0] == "=SUM(A1)"   # the caller's frame is not changed


# --- planned exercises -------------------------------------------------------------------------

def test_migration_5_creates_planned_exercises_and_upgrades_an_old_file(store, tmp_path):
    columns = store.query("DESCRIBE planned_exercises")["column_name"].tolist()
    assert columns == ["athlete_id", "day", "exercise_id", "sets", "reps_low", "reps_high", "weight_low_kg",
                       "weight_high_kg", "rest_s", "load_au", "source", "saved_at",
                       "duration_min", "intensity"]    # migration 6: timed items of the fitness plan
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    migrate(con, MIGRATIONS[:4])
    con.execute("INSERT INTO planned_days VALUES (1, DATE '2024-04-01', 300, TIMESTAMP '2024-03-30 18:00')")
    assert migrate(con) == len(MIGRATIONS)
    assert con.execute("SELECT count(*) FROM planned_exercises").fetchone()[0] == 0
    assert con.execute("SELECT planned_au FROM planned_days").fetchall() == [(300.0,)]
    con.close()


def _day_au(store, day) -> float:
    days = store_loads.planned_days(store, 1)
    return float(days.loc[days["day"] == pd.Timestamp(day), "planned_au"].sum())


def test_saving_a_split_twice_does_not_double_the_days_load(store, catalog):
    store_loads.save_plan(store, 1, MONDAY, [300.0])   # the what-if planner's day, e.g. a run
    week = sp.planned_week(_split(catalog))
    monday_au = week.loc[week["day"] == MONDAY, "load_au"].sum()
    before = store.data_version()
    plans.save_planned_exercises(store, 1, week, "split")
    assert _day_au(store, MONDAY) == pytest.approx(300.0 + monday_au)
    plans.save_planned_exercises(store, 1, week, "split")
    assert _day_au(store, MONDAY) == pytest.approx(300.0 + monday_au)
    assert store.data_version() == before + 2
    saved = plans.planned_exercises(store, 1)
    assert len(saved) == len(week)
    assert set(saved["source"]) == {"split"}
    monday = saved[saved["day"] == pd.Timestamp(MONDAY)]
    assert monday["exercise"].tolist() == sorted(monday["exercise"])
    assert "Barbell Bench Press - Medium Grip" in monday["exercise"].tolist()
    assert plans.planned_exercises(store, 1, first_day=MONDAY + dt.timedelta(days=1))["day"].min() \
        > pd.Timestamp(MONDAY)

    # a smaller split on Monday replaces the split's Monday rows: the day moves by the difference
    smaller = week[week["day"] == MONDAY].head(2)
    plans.save_planned_exercises(store, 1, smaller, "split")
    assert _day_au(store, MONDAY) == pytest.approx(300.0 + smaller["load_au"].sum())
    # the recommender's rows on the same day add to it and leave the split's alone
    extra = smaller.head(1).assign(exercise_id="Pushups", load_au=20.0)
    plans.save_planned_exercises(store, 1, extra, "recommend")
    assert _day_au(store, MONDAY) == pytest.approx(300.0 + smaller["load_au"].sum() + 20.0)
    assert len(plans.planned_exercises(store, 1, MONDAY, MONDAY)) == 3


@pytest.mark.parametrize("change, message", [
    ({"exercise_id": "No_Such_Exercise"}, "unknown exercise"),
    ({"load_au": -1.0}, "load"),
    ({"sets": -3}, "sets"),
])
def test_a_bad_row_writes_nothing(store, catalog, change, message):
    week = sp.planned_week(_split(catalog))
    plans.save_planned_exercises(store, 1, week, "split")
    days_before = store_loads.planned_days(store, 1)
    rows_before = plans.planned_exercises(store, 1)
    version = store.data_version()
    bad = week.copy()
    for column, value in change.items():
        bad.loc[bad.index[-1], column] = value
    with pytest.raises(plans.PlanError, match=message):
        plans.save_planned_exercises(store, 1, bad, "split")
    with pytest.raises(plans.PlanError, match="source"):
        plans.save_planned_exercises(store, 1, week, "guess")
    pd.testing.assert_frame_equal(store_loads.planned_days(store, 1), days_before)
    pd.testing.assert_frame_equal(plans.planned_exercises(store, 1), rows_before)
    assert store.data_version() == version


def test_removing_an_exercise_subtracts_its_load_not_below_zero(store, catalog):
    week = sp.planned_week(_split(catalog))
    plans.save_planned_exercises(store, 1, week, "split")
    bench = week[week["exercise_id"] == "Barbell_Bench_Press_-_Medium_Grip"].iloc[0]
    total = week.loc[week["day"] == MONDAY, "load_au"].sum()
    plans.remove_planned_exercise(store, 1, MONDAY, bench["exercise_id"])
    assert _day_au(store, MONDAY) == pytest.approx(total - bench["load_au"])
    assert bench["exercise_id"] not in plans.planned_exercises(store, 1)["exercise_id"].tolist()
    with pytest.raises(plans.PlanError):
        plans.remove_planned_exercise(store, 1, MONDAY, bench["exercise_id"])
    # the coach lowered the day in the what-if planner: removing cannot make it negative
    store_loads.save_plan(store, 1, MONDAY, [10.0])
    plans.remove_planned_exercise(store, 1, MONDAY, "Standing_Military_Press")
    assert _day_au(store, MONDAY) == 0.0


# --- split generator ---------------------------------------------------------------------------

@pytest.mark.parametrize("days", [3, 4, 5])
def test_split_has_the_days_weeks_and_muscles_asked_for(catalog, days):
    split = _split(catalog, days)
    assert sorted(split["week"].unique()) == [1, 2, 3, 4]
    per_week = split.groupby("week")["day"].nunique()
    assert per_week.tolist() == [days] * sp.WEEKS
    offsets = sorted({(d - MONDAY).days for d in split.loc[split["week"] == 1, "day"]})
    assert offsets == list(sp.DAY_OFFSETS[days])
    assert (split.loc[split["week"] == 2, "day"].min() - MONDAY).days == 7
    muscles = catalog.set_index("exercise_id")["primary_muscles"]
    for r in split.itertuples():
        assert set(muscles[r.exercise_id]) & set(r.targets.split(", ")), (r.exercise, r.targets)
    assert not split.duplicated(["week", "exercise_id"]).any()
    counts = split[split["week"] == 1].groupby("day_no").size()
    assert counts.between(sp.MIN_EXERCISES, sp.MAX_EXERCISES).all()
    assert split.loc[split["week"] == 4, "note"].str.startswith("deload").all()


def test_split_progresses_weeks_1_to_3_and_deloads_in_week_4(catalog):
    split = _split(catalog, 3)
    weighted = split[split["weight_high_kg"] > 0]
    weight = weighted.pivot(index="exercise_id", columns="week", values="weight_high_kg")
    sets = split.pivot(index="exercise_id", columns="week", values="sets")
    assert (weight[2] >= weight[1]).all() and (weight[3] > weight[1]).all()
    assert (weight[4] < weight[3]).all()
    assert (sets[4] < sets[3]).all() and (sets[4] >= 2).all()
    bench = split[split["exercise_id"] == "Barbell_Bench_Press_-_Medium_Grip"].set_index("week")
    assert bench["weight_high_kg"].tolist() == [100.0, 102.5, 105.0, 95.0]   # 105 x 0.9 = 94.5 -> 95
    assert bench["weight_low_kg"].tolist() == [97.5, 100.0, 102.5, 92.5]
    assert bench.loc[1, ["reps_low", "reps_high", "sets", "rest_s"]].tolist() == [4, 6, 4, 180.0]
    curl = split[split["exercise_id"] == "Dumbbell_Bicep_Curl"].set_index("week")
    assert curl["weight_high_kg"].tolist() == [16.0, 16.0, 17.0, 15.0]   # 1 kg steps: 16.4 -> 16, 16.81 -> 17
    pullups = split[split["exercise_id"] == "Pullups"].set_index("week")
    assert pullups["weight_high_kg"].tolist() == [0.0] * 4
    assert pullups["reps_high"].tolist() == [9, 10, 11, 9]
    lateral = split[split["exercise_id"] == "Side_Lateral_Raise"].iloc[0]
    assert lateral["rest_s"] == sp.DEFAULT_REST_S          # no rest prescribed or logged
    leg_press = split[split["exercise_id"] == "Leg_Press"].iloc[0]
    assert leg_press["rest_s"] == 120.0                     # no rest prescribed: the athlete's median


def test_a_never_trained_muscle_gets_one_deterministic_catalog_exercise(store, catalog):
    split = _split(catalog, 3)
    legs = split[(split["week"] == 1) & (split["day_label"] == "Legs")]
    calves = legs[legs["exercise_id"].map(catalog.set_index("exercise_id")["primary_muscles"])
                  .map(lambda ms: "calves" in ms)]
    assert len(calves) == 1
    expected = store.query(
        """SELECT exercise_id FROM exercises
           WHERE category = 'strength' AND level IN ('beginner', 'intermediate')
             AND list_contains(primary_muscles, 'calves') AND list_contains(?, equipment)
           ORDER BY coalesce(mechanic = 'compound', false) DESC, name LIMIT 1""",
        [["barbell", "dumbbell", "body only", "cable", "machine"]])["exercise_id"][0]
    new = calves.iloc[0]
    assert new["exercise_id"] == expected
    assert new["note"] == sp.NOTE_NEW and np.isnan(new["weight_high_kg"])
    assert (new["sets"], new["reps_low"], new["reps_high"], new["rest_s"]) == (3, 8, 12, 90.0)
    shuffled = _history().sample(frac=1.0, random_state=3)
    again = sp.generate_split(shuffled, _prescription().iloc[::-1], catalog.iloc[::-1], 3, MONDAY)
    pd.testing.assert_frame_equal(again.reset_index(drop=True), split.reset_index(drop=True))


def test_bad_requests_raise_split_error(catalog):
    with pytest.raises(sp.SplitError, match="training days"):
        sp.generate_split(_history(), _prescription(), catalog, 6, MONDAY)
    with pytest.raises(sp.SplitError, match="history"):
        sp.generate_split(_history().iloc[0:0], _prescription(), catalog, 3, MONDAY)


def test_session_load_is_foster_rpe_times_planned_minutes(catalog):
    split = _split(catalog, 3)
    load = sp.session_load_au(split)
    bench = split[split["exercise_id"] == "Barbell_Bench_Press_-_Medium_Grip"]
    week1, week4 = bench.index[bench["week"] == 1][0], bench.index[bench["week"] == 4][0]
    assert load[week1] == pytest.approx(foster_load(sp.PLANNED_RPE, 4 * (40 + 180)))   # 7 x 14.67 min
    assert load[week4] == pytest.approx(foster_load(sp.DELOAD_RPE, 2 * (40 + 180)))
    week = sp.planned_week(split)
    assert list(week.columns) == sp.PLAN_COLUMNS
    assert len(week) == (split["week"] == 1).sum()
