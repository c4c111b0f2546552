"""Training load from the store: load sources, per-team settings, squad flags, plans and compliance."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from engine.load import report
from engine.load.settings import LoadSettings
from engine.store import loads as store_loads
from engine.store import queries
from engine.store.imports import import_file

RUN_DAY = dt.date(2019, 9, 14)  # run.fit: 3167 s, avg HR 130


@pytest.fixture
def one_run(store, samples_dir):
    path = samples_dir / "fit" / "run.fit"
    import_file(store, path.name, path.read_bytes(), athlete="Ada", create=True)
    with store.transaction() as cur:
        cur.execute("UPDATE athletes SET sex = 'F', hr_rest = 50, hr_max = 190 WHERE name = 'Ada'")
    return store


def _day(daily, day):
    return daily[daily["day"] == pd.Timestamp(day)].iloc[0]


def test_blend_falls_back_to_hr_and_says_so(one_run):
    loads = report.session_loads(one_run)
    hrtss = loads["hrtss"].iloc[0]
    assert hrtss > 0 and np.isnan(loads["foster_au"].iloc[0])
    daily = report.daily_metrics(one_run, RUN_DAY + dt.timedelta(days=3))
    row = _day(daily, RUN_DAY)
    assert row["source"] == "hr" and row["load_au"] == pytest.approx(hrtss * report.HRTSS_TO_AU)
    assert _day(daily, RUN_DAY + dt.timedelta(days=1))["load_au"] == 0  # rest days are 0
    assert len(daily) == 4


def test_srpe_wins_in_blend_and_srpe_source_ignores_hr(one_run):
    import_file(one_run, "w.csv", b"date,srpe\n2019-09-14,6\n", athlete="Ada")
    row = _day(report.daily_metrics(one_run, RUN_DAY), RUN_DAY)
    assert row["source"] == "srpe" and row["load_au"] == pytest.approx(6 * 3167 / 60)

    report.save_team_settings(one_run, "", LoadSettings(load_source="hrtss"))
    row = _day(report.daily_metrics(one_run, RUN_DAY), RUN_DAY)
    assert row["source"] == "hr" and row["load_au"] == pytest.approx(report.session_loads(one_run)["hrtss"].iloc[0])


def test_bad_settings_are_refused_and_nothing_is_saved(one_run):
    with pytest.raises(ValueError):
        report.save_team_settings(one_run, "", LoadSettings(acwr_low=1.5, acwr_high=1.3))
    assert store_loads.settings_json(one_run) == {}
    assert report.team_settings(one_run)[""] == LoadSettings()


def test_squad_flags_on_the_demo_squad(store):
    from engine.demo import DemoConfig, write_demo
    end = dt.date(2026, 3, 1)
    write_demo(store, DemoConfig(athletes=6, weeks=6, seed=2, end_date=end))
    squad = report.squad_flags(store, end)
    assert sorted(squad["athlete_id"]) == sorted(queries.athletes(store)["athlete_id"])
    assert (squad["flag_count"] == squad["flags"].map(len)).all()
    assert squad["ctl"].gt(0).all() and squad["acwr"].notna().all()
    # tighten the monotony threshold for one team: its athletes get flagged for it
    team = queries.athletes(store)["team"].iloc[0]
    report.save_team_settings(store, team, LoadSettings(monotony_threshold=0.01))
    again = report.squad_flags(store, end)
    members = queries.athletes(store).query("team == @team")["athlete_id"]
    flagged = again[again["athlete_id"].isin(members)]
    assert flagged["why"].map(lambda w: any("onotony" in x for x in w)).all()


def test_saved_plan_is_compared_with_what_was_done(one_run):
    store_loads.save_plan(one_run, 1, RUN_DAY - dt.timedelta(days=1), [0, 400, 0, 0, 0, 0, 0])
    table = report.compliance_table(one_run, 1, RUN_DAY + dt.timedelta(days=1))
    assert table["day"].dt.date.tolist() == [RUN_DAY - dt.timedelta(days=1), RUN_DAY, RUN_DAY + dt.timedelta(days=1)]
    assert table["compliance"].iloc[0] == "green"  # planned rest, rested
    with pytest.raises(ValueError):
        store_loads.save_plan(one_run, 1, RUN_DAY, [-5.0] * 7)


def test_sessions_without_any_hr_use_srpe_only(store, samples_dir):
    path = samples_dir / "strength_csv" / "strong.csv"
    import_file(store, path.name, path.read_bytes(), athlete="Ada", create=True)
    import_file(store, "w.csv", b"date,srpe\n2021-02-10,7\n", athlete="Ada")
    daily = report.daily_metrics(store, dt.date(2021, 2, 12))
    assert _day(daily, dt.date(2021, 2, 10))["load_au"] == pytest.approx(7 * 138)  # 2h 18m session
    assert _day(daily, dt.date(2021, 2, 12))["load_au"] == 0 and _day(daily, dt.date(2021, 2, 12))["source"] == ""


def test_seconds_per_hr_value_give_the_same_loads_as_the_records(one_run):
    """The store's per-HR-value durations are an exact shortcut for the per-record computation."""
    from engine.load.session import hr_session_loads
    athletes = queries.athletes(one_run)
    records = queries.samples(one_run, 1).assign(athlete_id=1)
    records = records[records["heart_rate"] > 0]
    by_record = hr_session_loads(records, athletes, LoadSettings())
    by_value = hr_session_loads(store_loads.hr_seconds(one_run, [1], 30.0), athletes, LoadSettings())
    assert len(store_loads.hr_seconds(one_run, [1], 30.0)) < len(records) / 5
    pd.testing.assert_frame_equal(by_value, by_record, rtol=1e-9)


def test_team_mates_with_and_without_morning_hr(one_run):
    """Morning HR of one athlete must not shift onto a team mate who has none."""
    lifts = (b"date,exercise,set,weight_kg,reps,duration_min\n"
             b"2019-08-10 18:00,Squat,1,100,5,60\n2019-09-14 18:00,Squat,1,100,5,60\n")
    assert import_file(one_run, "bo.csv", lifts, athlete="Bo", create=True).status == "imported"
    rpe = b"date,srpe\n2019-08-10,5\n2019-09-14,5\n"
    assert import_file(one_run, "bo-rpe.csv", rpe, athlete="Bo").status == "imported"
    days = pd.date_range(RUN_DAY - dt.timedelta(days=40), RUN_DAY)
    wellness = "date,hr_rest_morning\n" + "".join(f"{d:%Y-%m-%d},{50 if d.day % 2 else 60}\n" for d in days)
    assert import_file(one_run, "w.csv", wellness.encode(), athlete="Ada").status == "imported"
    daily = report.daily_metrics(one_run, RUN_DAY + dt.timedelta(days=30))
    ada, bo = (daily[daily["athlete_id"] == i].set_index("day").loc[pd.Timestamp(RUN_DAY)] for i in (1, 2))
    assert bo["load_au"] == pytest.approx(5 * 60) and bo["acwr_ewma"] > 0
    assert bo["frbi"] == pytest.approx(bo["acwr_ewma"])  # no morning HR: factor 1
    assert ada["frbi"] == pytest.approx(ada["acwr_ewma"] * 60 / 55)  # 60 bpm on the 14th, 28-day median 55
