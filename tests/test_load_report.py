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


def test_a_strength_session_without_rpe_counts_the_default_and_says_it_is_estimated(store, samples_dir):
    path = samples_dir / "strength_csv" / "strong.csv"
    import_file(store, path.name, path.read_bytes(), athlete="Ada", create=True)
    import_file(store, "w.csv", b"date,srpe\n2021-02-10,7\n", athlete="Ada")
    daily = report.daily_metrics(store, dt.date(2021, 2, 14))
    assert _day(daily, dt.date(2021, 2, 10))["load_au"] == pytest.approx(7 * 138)  # 2h 18m session
    assert _day(daily, dt.date(2021, 2, 10))["source"] == "srpe"
    minutes = queries.activities(store).set_index(pd.to_datetime(queries.activities(store)["start_time"]).dt.date)
    day = _day(daily, dt.date(2021, 2, 12))  # a workout with neither session nor set RPE
    assert day["source"] == "estimated"
    assert day["load_au"] == pytest.approx(LoadSettings().default_srpe_strength
                                           * minutes.loc[dt.date(2021, 2, 12), "duration_s"] / 60)
    assert _day(daily, dt.date(2021, 2, 13))["load_au"] == 0 and _day(daily, dt.date(2021, 2, 13))["source"] == ""


def test_records_become_seconds_in_one_place(store):
    """engine.store.loads.hr_seconds is the one rule: a record with HR lasts until the next record
    with HR, at most max_sample_gap_s, so a dropout is bridged and a pause counts the cap; the
    session loads only ever see its seconds (one run, one answer)."""
    from engine.load.session import hr_session_loads
    from engine.store.db import insert_frame
    with store.transaction() as cur:
        cur.execute("INSERT INTO athletes (athlete_id, name, sex, hr_rest, hr_max) VALUES (1, 'Ada', 'F', 50, 190)")
        cur.execute("INSERT INTO activities (activity_id, athlete_id, sport, start_time, duration_s) "
                    "VALUES (1, 1, 'running', TIMESTAMP '2024-01-01 08:00:00', 400)")
        insert_frame(cur, "samples", pd.DataFrame({
            "activity_id": 1, "t_s": [0.0, 10.0, 20.0, 30.0, 40.0, 400.0],
            "heart_rate": [150.0, 150.0, None, 160.0, 160.0, 170.0]}))   # a dropout at 20 s, a pause after 40 s
    seconds = store_loads.hr_seconds(store, [1], 30.0).set_index("heart_rate")["dt_s"]
    assert seconds.to_dict() == {150.0: 10 + 20, 160.0: 10 + 30, 170.0: 0}
    loads = hr_session_loads(store_loads.hr_seconds(store, [1], 30.0), queries.athletes(store), LoadSettings())
    assert loads["hr_minutes"].iloc[0] == pytest.approx(70 / 60)
    assert report.session_loads(store)["trimp_banister"].iloc[0] == pytest.approx(loads["trimp_banister"].iloc[0])


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


def test_a_run_with_hr_counts_before_the_profile_is_filled_and_says_it_is_estimated(store, samples_dir):
    path = samples_dir / "fit" / "run.fit"
    import_file(store, path.name, path.read_bytes(), athlete="Cy", create=True)  # no profile at all
    profile = report.hr_profile(store, 1)
    seconds = store_loads.hr_seconds(store, [1], 30.0)
    from engine.load.profile import sustained_hr_max
    assert profile["hr_max"] == sustained_hr_max(seconds).loc[1] <= queries.activities(store)["max_hr"].iloc[0]
    assert profile["hr_max_source"].startswith("estimated: highest HR held 60 s")
    assert profile["hr_rest"] == LoadSettings().default_hr_rest_bpm and profile["hr_estimated"]
    loads = report.session_loads(store).iloc[0]
    assert loads["hrtss"] > 0 and loads["source"] == "estimated" and loads["basis"] == "hr"
    assert _day(report.daily_metrics(store, RUN_DAY), RUN_DAY)["source"] == "estimated"

    # a birth date makes Tanaka's estimate the floor; a filled profile makes the load measured
    with store.transaction() as cur:
        cur.execute("UPDATE athletes SET birth_date = DATE '1990-01-01'")
    assert report.hr_profile(store, 1, on_day=dt.date(2020, 1, 1))["hr_max"] == 208 - 0.7 * 30 == 187
    with store.transaction() as cur:
        cur.execute("UPDATE athletes SET hr_rest = 48, hr_max = 185")
    assert report.session_loads(store).iloc[0]["source"] == "hr"
    assert report.hr_profile(store, 1)["lthr_source"] == "rest + 0.85 x (max - rest)"


def test_strength_load_from_set_rpe_and_duration_from_sets(store):
    lifts = (b"date,exercise,set,weight_kg,reps,rpe,rir\n"
             b"2024-05-01 18:30,Back Squat,W,60,5,,\n"      # warm-up: counts as a set, not in the mean RPE
             b"2024-05-01 18:30,Back Squat,1,100,5,8,\n"
             b"2024-05-01 18:30,Back Squat,2,100,5,,3\n")    # RIR 3 -> RPE 7
    assert import_file(store, "lifts.csv", lifts, athlete="Di", create=True).status == "imported"
    row = report.session_loads(store).iloc[0]
    s = LoadSettings()
    assert row["duration_estimated"] and row["duration_used_s"] == 3 * s.strength_s_per_set
    assert row["basis"] == "set_rpe" and row["source"] == "estimated"
    assert row["load_au"] == pytest.approx(7.5 * 3 * s.strength_s_per_set / 60)
    # an hrTSS-only team counts no load for a session without HR
    report.save_team_settings(store, "", LoadSettings(load_source="hrtss"))
    assert report.session_loads(store).iloc[0]["load_au"] == 0


def _early_and_late_flag_rates(store, end) -> tuple[float, float]:
    """Share of athlete-days with a TSB, monotony or strain flag (the flags defined from day one),
    in the first six weeks of the data and after them."""
    from engine.load.series import flags
    daily = report.daily_metrics(store, end)
    settings = report.athlete_settings(store, 1)
    raised = flags({m: daily[m].to_numpy() for m in ("acwr", "monotony", "strain", "frbi", "tsb")}, settings)
    flagged = pd.Series([any(f["code"] in ("tsb", "monotony", "strain") for f in day) for day in raised])
    early = (daily["day"] < daily["day"].min() + pd.Timedelta(weeks=6)).to_numpy()
    return flagged[early].mean(), flagged[~early].mean()


def test_the_pmc_seed_removes_the_cold_start_flags_of_an_imported_history(tmp_path):
    from engine.demo import DemoConfig, write_demo
    from engine.store.db import Store
    store = Store(tmp_path / "demo.duckdb")
    end = dt.date(2026, 6, 30)
    write_demo(store, DemoConfig(athletes=12, weeks=14, seed=3, end_date=end))
    early, late = _early_and_late_flag_rates(store, end)
    assert early <= late + 0.03, (early, late)
    for team in report.team_settings(store):  # without the seed, CTL starts at 0: false "deep fatigue"
        report.save_team_settings(store, team, LoadSettings(pmc_seed_days=0))
    cold_early, _ = _early_and_late_flag_rates(store, end)
    assert cold_early > early + 0.1, (cold_early, early)
    store.close()


def test_session_detail_says_how_each_load_was_found(one_run, samples_dir):
    strong = samples_dir / "strength_csv" / "strong.csv"
    import_file(one_run, strong.name, strong.read_bytes(), athlete="Ada")
    run = report.session_detail(one_run, 1, 1)
    assert run["basis"] == "hr" and run["source"] == "hr"  # Ada's profile has rest and max HR
    assert run["basis_text"].startswith(f"no session RPE: hrTSS {run['hrtss']:.0f} x 4.2 a.u. per point")
    assert run["profile"]["hr_max"] == 190 and run["profile"]["hr_max_source"] == "profile"
    assert run["profile"]["lthr"] == pytest.approx(50 + 0.85 * 140)
    lift = report.session_detail(one_run, 1, 2)
    assert lift["basis"] == "default" and lift["source"] == "estimated"
    assert lift["basis_text"] == (f"no RPE or HR: the team's default session RPE for strength, 6, "
                                  f"x {lift['duration_used_s'] / 60:.0f} min")
    with pytest.raises(KeyError):
        report.session_detail(one_run, 1, 10_000)


def test_a_plan_projection_warns_on_every_flag_it_raises(one_run):
    daily = report.daily_metrics(one_run, RUN_DAY + dt.timedelta(days=60))
    settings = LoadSettings()
    first = RUN_DAY + dt.timedelta(days=61)
    even = report.plan_projection(daily, settings, [300.0] * 7, first)
    assert any(line.startswith("Monotony high from") for line in even.flags)      # seven equal days
    rest = report.plan_projection(daily, settings, [0.0] * 7, first)
    assert not any(line.startswith("Monotony") for line in rest.flags)
    assert all(f"{first:%a %d %b}" in line or "from" in line for line in even.flags)


def test_average_hr_over_runs_is_weighted_by_duration():
    runs = pd.DataFrame({"avg_hr": [150.0, 130.0, np.nan], "moving_time_s": [7200.0, np.nan, 600.0],
                         "duration_s": [7300.0, 1800.0, 600.0]})
    assert report.average_hr(runs) == pytest.approx((150 * 7200 + 130 * 1800) / 9000)   # not (150 + 130) / 2
    assert np.isnan(report.average_hr(runs.iloc[2:]))


def test_an_inactive_athlete_is_listed_apart_not_flagged(one_run):
    """Ada's one run is far behind Bo's recent lift: past inactive_days she raises no flag."""
    lifts = b"date,exercise,set,weight_kg,reps,duration_min\n2019-10-30 18:00,Squat,1,100,5,60\n"
    assert import_file(one_run, "bo.csv", lifts, athlete="Bo", create=True).status == "imported"
    flags = report.squad_flags(one_run, dt.date(2019, 10, 30)).set_index("athlete_id")
    ada = queries.athletes(one_run).set_index("name").loc["Ada", "athlete_id"]
    assert bool(flags.loc[ada, "inactive"]) and flags.loc[ada, "flag_count"] == 0
    assert flags.loc[ada, "last_day"] == pd.Timestamp(RUN_DAY)
    report.save_team_settings(one_run, "", LoadSettings(inactive_days=60))
    assert not report.squad_flags(one_run, dt.date(2019, 10, 30)).set_index("athlete_id").loc[ada, "inactive"]


def test_the_squad_and_each_athlete_get_the_same_metrics_when_histories_start_apart(store, samples_dir):
    """An athlete whose file is years older than the demo does not move anyone's series: every
    athlete's metrics start on their own first session, in the squad's matrix and on their own."""
    from engine.demo import DemoConfig, write_demo
    end = dt.date(2026, 3, 1)
    write_demo(store, DemoConfig(athletes=3, weeks=6, seed=2, end_date=end))
    path = samples_dir / "gpx" / "strava_export.gpx"                  # a run in January 2021
    import_file(store, path.name, path.read_bytes(), athlete="Ada", create=True)
    squad = report.daily_metrics(store, end)
    for athlete_id, own in squad.groupby("athlete_id"):
        alone = report.daily_metrics(store, end, int(athlete_id))
        pd.testing.assert_frame_equal(own[["day", *report.METRICS]].reset_index(drop=True),
                                      alone[["day", *report.METRICS]].reset_index(drop=True), check_dtype=False)
    flags = report.squad_flags(store, end).set_index("athlete_id")
    for athlete_id in flags.index:
        alone = report.daily_metrics(store, end, int(athlete_id))
        on_day = alone[alone["day"] == flags.loc[athlete_id, "as_of"]].iloc[0]
        assert np.allclose(flags.loc[athlete_id, report.METRICS].astype(float),
                           on_day[report.METRICS].astype(float), equal_nan=True)
    assert flags["inactive"].sum() == 1             # Ada: one run, years old


def test_an_athlete_whose_history_begins_after_the_end_gets_no_rows(store, samples_dir):
    """The load series up to `end` (as the strength models read it: the last strength session) leaves
    out an athlete whose first session is later, and keeps everyone else's series as before (real
    files: the Strong log up to June 2021, and a runner whose only run is from July 2021)."""
    lines = (samples_dir / "strength_csv" / "strong.csv").read_text().splitlines(keepends=True)
    strong = "".join(line for line in lines if line.startswith("Date") or line < "2021-07").encode()
    import_file(store, "strong.csv", strong, athlete="Lifter", create=True)
    end = store.query("SELECT max(start_time) AS t FROM activities")["t"][0].date()
    before = report.daily_metrics(store, end)
    run = samples_dir / "gpx" / "nike_run.gpx"                          # 2021-07-04
    import_file(store, run.name, run.read_bytes(), athlete="Runner", create=True)
    after = report.daily_metrics(store, end)
    assert end < dt.date(2021, 7, 4) and len(before) > 100
    pd.testing.assert_frame_equal(after, before)
