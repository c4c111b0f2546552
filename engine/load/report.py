"""Training load for the app: read sessions from the store, compute daily series and metrics.

The science is in session.py, series.py, strength.py and planner.py; this module only joins it
to the data. Settings are per team (engine.store.loads).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine import clock
from engine.load import planner
from engine.load.series import daily_matrix, flags, load_metrics
from engine.load.profile import estimate_profiles
from engine.load.session import basis_text, foster_load, hr_session_loads, session_load
from engine.load.strength import e1rm_by_session, personal_records, weekly_muscle_volume
from engine.load.wellness import trends as wellness_trends
from engine.load.settings import LoadSettings
from engine.store import loads as store_loads
from engine.store import plans as plans_store
from engine.store import queries
from engine.store.db import Store

# a.u. per hrTSS point for an athlete with fewer than 3 sessions that have both sRPE and HR:
# 60 min at threshold is 100 hrTSS and about sRPE 7 x 60 min = 420 a.u. (project's choice)
HRTSS_TO_AU = 4.2
METRICS = ["ctl", "atl", "tsb", "ramp", "acwr", "acwr_coupled", "acwr_uncoupled", "acwr_ewma",
           "monotony", "strain", "frbi"]


def _athletes_and_settings(store: Store, athlete_id: int | None = None
                           ) -> tuple[pd.DataFrame, dict[str, LoadSettings]]:
    """The athletes (one, or all) and the settings of every team, read once."""
    athletes = queries.athletes(store)
    saved = store_loads.settings_json(store)
    teams = set(athletes["team"].fillna("")) | set(saved)
    settings = {team: LoadSettings.from_dict(saved.get(team, {})) for team in sorted(teams)}
    if athlete_id is not None:
        athletes = athletes[athletes["athlete_id"] == athlete_id]
    return athletes, settings


def team_settings(store: Store) -> dict[str, LoadSettings]:
    """Settings per team name ('' = no team); teams without saved settings get the defaults."""
    return _athletes_and_settings(store)[1]


def save_team_settings(store: Store, team: str, settings: LoadSettings) -> None:
    """Validate (ValueError with a message) and save one team's settings."""
    settings.validate()
    store_loads.save_settings_json(store, team, settings.to_dict())


def session_loads(store: Store, athlete_id: int | None = None, on_day: dt.date | None = None) -> pd.DataFrame:
    """Every session with its loads under its team's settings: foster_au (sRPE x min; NaN without
    RPE), Banister and Edwards TRIMP, hrTSS, time in HR zones (NaN without HR), and the load that
    counts (engine.load.session.session_load: duration_used_s, duration_estimated, load_au, basis,
    source) with hr_estimated (the athlete's HR profile holds estimates, engine.load.profile)."""
    athletes, settings = _athletes_and_settings(store, athlete_id)
    return _session_loads(store, athlete_id, athletes, settings, store_loads.morning_hr(store),
                          on_day or clock.today())[0]


def hr_profile(store: Store, athlete_id: int, on_day: dt.date | None = None) -> dict:
    """One athlete's HR profile as the loads use it: hr_rest, hr_max, lthr (bpm; NaN when unknown)
    with hr_rest_source, hr_max_source, lthr_source (the coach's value or how it was estimated) and
    hr_estimated (rest or max is an estimate)."""
    athletes, settings = _athletes_and_settings(store, athlete_id)
    team = settings[athletes["team"].fillna("").iloc[0]]
    seconds = store_loads.hr_seconds(store, [athlete_id], team.max_sample_gap_s)
    return estimate_profiles(athletes, seconds, store_loads.morning_hr(store), team,
                             on_day or clock.today()).iloc[0].to_dict()


def session_detail(store: Store, athlete_id: int, activity_id: int) -> dict:
    """One session's row of session_loads plus basis_text (how its load was found, one line) and
    profile (hr_profile: the HR values its HR loads used, with their sources)."""
    athletes, settings = _athletes_and_settings(store, athlete_id)
    loads, profiles = _session_loads(store, athlete_id, athletes, settings, store_loads.morning_hr(store),
                                     clock.today())
    row = loads[loads["activity_id"] == activity_id]
    if row.empty:
        raise KeyError(f"athlete {athlete_id} has no session {activity_id}")
    detail = row.iloc[0].to_dict()
    team = settings[athletes["team"].fillna("").iloc[0]]
    return {**detail, "basis_text": basis_text(detail, team), "profile": profiles.iloc[0].to_dict()}


def _settings_groups(settings: dict[str, LoadSettings], teams) -> dict[LoadSettings, list[str]]:
    """The teams among `teams` grouped by identical settings: each group is computed in one pass."""
    groups: dict[LoadSettings, list[str]] = {}
    for team in pd.unique(pd.Series(teams, dtype=object)):
        groups.setdefault(settings[team], []).append(team)
    return groups


def _blend_scale(sessions: pd.DataFrame) -> pd.Series:
    """a.u. per hrTSS point for each session: the athlete's median ratio of Foster load to hrTSS
    over sessions with both, HRTSS_TO_AU with fewer than 3 such sessions."""
    both = sessions[sessions["foster_au"].notna() & sessions["hrtss"].notna()]
    ratio = (both["foster_au"] / both["hrtss"]).groupby(both["athlete_id"]).agg(["median", "count"])
    return sessions["athlete_id"].map(ratio["median"].where(ratio["count"] >= 3)).fillna(HRTSS_TO_AU)


def _session_loads(store: Store, athlete_id: int | None, athletes: pd.DataFrame, settings: dict[str, LoadSettings],
                   morning: pd.DataFrame, on_day: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(sessions with every load, the athletes' HR profiles as estimate_profiles gives them)."""
    sessions = store_loads.sessions(store, athlete_id)
    sessions["foster_au"] = foster_load(sessions["srpe"], sessions["duration_s"])
    no_hr = pd.DataFrame({"activity_id": [], "athlete_id": [], "heart_rate": [], "dt_s": []})
    parts = [hr_session_loads(no_hr, athletes, LoadSettings())]  # the columns, when nobody has HR
    profiles, teams = [], athletes["team"].fillna("")
    groups = _settings_groups(settings, teams)
    for group_settings, group_teams in groups.items():
        members = athletes[teams.isin(group_teams)]
        seconds = store_loads.hr_seconds(store, members["athlete_id"].tolist(), group_settings.max_sample_gap_s)
        profiles.append(estimate_profiles(members, seconds, morning, group_settings, on_day))
        parts.append(hr_session_loads(seconds, profiles[-1], group_settings))
    profiles = pd.concat(profiles) if profiles else athletes.assign(hr_estimated=False)
    sessions = sessions.merge(pd.concat(parts), on="activity_id", how="left")
    sessions["hr_estimated"] = sessions["athlete_id"].map(profiles.set_index("athlete_id")["hr_estimated"])
    counted = []
    for group_settings, group_teams in groups.items():
        group = sessions if len(groups) == 1 else sessions[sessions["team"].isin(group_teams)]
        counted.append(session_load(group, group_settings, _blend_scale(group)))
    columns = ["duration_used_s", "duration_estimated", "load_au", "basis", "source"]
    return sessions.join(pd.concat(counted) if counted else pd.DataFrame(columns=columns)), profiles


def daily_metrics(store: Store, end: dt.date, athlete_id: int | None = None) -> pd.DataFrame:
    """Per athlete and day, from the athlete's first logged day to `end`: load_au, hr_morning (bpm, NaN when not
    measured), source (which sources the day's sessions used), sessions, and every load metric
    (METRICS), each team with its settings."""
    athletes, settings = _athletes_and_settings(store, athlete_id)
    morning = store_loads.morning_hr(store)
    sessions = _session_loads(store, athlete_id, athletes, settings, morning, end)[0]
    if sessions.empty or athletes.empty:
        return pd.DataFrame(columns=["athlete_id", "day", "load_au", "hr_morning", "source", "sessions", *METRICS])
    per_day = (sessions.assign(by_hr=sessions["source"] == "hr", by_srpe=sessions["source"] == "srpe",
                               by_estimate=sessions["source"] == "estimated")
               .groupby(["athlete_id", "day"])
               .agg(load_au=("load_au", "sum"), sessions=("activity_id", "count"),
                    by_hr=("by_hr", "any"), by_srpe=("by_srpe", "any"), by_estimate=("by_estimate", "any"))
               .reset_index())
    per_day["source"] = np.select(  # a day that rests on any estimate says so
        [per_day["by_estimate"], per_day["by_hr"] & per_day["by_srpe"], per_day["by_hr"], per_day["by_srpe"]],
        ["estimated", "hr+srpe", "hr", "srpe"], "")

    morning = morning[morning["athlete_id"].isin(athletes["athlete_id"])]
    start = min(pd.to_datetime(pd.concat([sessions["day"], morning["day"]])).min().date(), end)
    # one row per athlete on the first day, so that every athlete gets a row in both matrices
    # (a rest-day series without sessions, no morning HR without wellness)
    every = athletes[["athlete_id"]].assign(day=pd.Timestamp(start))
    ids, days, load = daily_matrix(pd.concat([per_day, every.assign(load_au=0.0)]), start, end)
    morning = morning.rename(columns={"hr_rest_morning": "load_au"})
    _, _, hr_morning = daily_matrix(pd.concat([morning[morning["athlete_id"].isin(ids)],
                                               every.assign(load_au=np.nan)]), start, end, fill=np.nan)
    # each athlete's series starts on their own first logged day (a session or a morning HR), whoever
    # else is in the matrix: the squad page (every athlete) and the athlete's pages (one) then agree
    logged = pd.concat([per_day[["athlete_id", "day"]], morning[["athlete_id", "day"]]])
    first = pd.to_datetime(logged.groupby("athlete_id")["day"].min()).reindex(ids).fillna(pd.Timestamp(start))
    first_index = (first - pd.Timestamp(start)).dt.days.to_numpy()
    metrics = {m: np.full(load.shape, np.nan) for m in METRICS}
    team_of = athletes.set_index("athlete_id")["team"].fillna("").reindex(ids).to_numpy()
    for group_settings, group_teams in _settings_groups(settings, team_of).items():
        for offset in np.unique(first_index[np.isin(team_of, group_teams)]):
            if offset >= len(days):      # first logged after `end`: no day of theirs is in the window
                continue
            rows = np.isin(team_of, group_teams) & (first_index == offset)
            for m, values in load_metrics(load[rows, offset:], group_settings,
                                          hr_morning=hr_morning[rows, offset:]).items():
                if m in metrics:
                    metrics[m][rows, offset:] = values
    started = (np.arange(len(days))[None, :] >= first_index[:, None]).ravel()
    frame = pd.DataFrame({"athlete_id": np.repeat(ids, len(days)), "day": np.tile(days, len(ids)),
                          "load_au": load.ravel(), "hr_morning": hr_morning.ravel(),
                          **{m: v.ravel() for m, v in metrics.items()}})[started]
    per_day["day"] = pd.to_datetime(per_day["day"])
    return (frame.merge(per_day[["athlete_id", "day", "source", "sessions"]], on=["athlete_id", "day"], how="left")
            .fillna({"source": "", "sessions": 0}))


def average_hr(activities: pd.DataFrame) -> float:
    """Mean HR over activities, bpm, each activity's avg_hr weighted by its duration (moving time
    when known, else elapsed): a 2-hour run counts four times a 30-minute one. NaN without HR."""
    seconds = activities["moving_time_s"].fillna(activities["duration_s"])
    has = activities["avg_hr"].notna() & (seconds > 0)
    if not has.any():
        return float("nan")
    return float((activities.loc[has, "avg_hr"] * seconds[has]).sum() / seconds[has].sum())


def judged_day(store: Store, up_to: dt.date) -> dt.date | None:
    """The day every page judges the load metrics on: the squad's last day with a session up to
    `up_to` (a morning view is not judged on a day nobody has trained yet); None without sessions."""
    return queries.last_session_day(store, up_to)


JUDGED_DAY_TEXT = "the squad's last day with a session"
SPARK_DAYS = 14


def squad_flags(store: Store, today: dt.date) -> pd.DataFrame:
    """Per athlete, the risk flags and METRICS on judged_day(today), from daily_metrics(store, today)
    as the Training load page reads them: athlete_id, as_of, flag_count, flags (chip labels), why (one
    sentence per flag), the METRICS, load_14d (the daily loads of the SPARK_DAYS days up to as_of,
    oldest first: the series the metrics come from), last_day (their last session) and inactive (no
    session for more than the team's inactive_days: listed apart, never flagged for underloading)."""
    columns = ["athlete_id", "as_of", "flag_count", "flags", "why", *METRICS, "load_14d", "last_day", "inactive"]
    as_of = judged_day(store, today)
    daily = daily_metrics(store, today) if as_of else pd.DataFrame()
    if daily.empty:
        return pd.DataFrame(columns=columns)
    as_of = pd.Timestamp(as_of)
    latest = daily[daily["day"] == as_of].set_index("athlete_id").assign(as_of=as_of)
    recent = daily[(daily["day"] > as_of - pd.Timedelta(days=SPARK_DAYS)) & (daily["day"] <= as_of)]
    spark = recent.groupby("athlete_id")["load_au"].apply(list).rename("load_14d")
    athletes, settings = _athletes_and_settings(store)
    last_day = daily[daily["sessions"] > 0].groupby("athlete_id")["day"].max()
    rows = []
    for team, members in latest.groupby(athletes.set_index("athlete_id")["team"].reindex(latest.index).fillna("")):
        raised = flags({m: members[m].to_numpy() for m in METRICS}, settings[team])
        for aid, f in zip(members.index, raised):
            last = last_day.get(aid, pd.NaT)
            inactive = bool(pd.isna(last) or (as_of - last).days > settings[team].inactive_days)
            f = [] if inactive else f
            rows.append({"athlete_id": aid, "flag_count": len(f), "flags": [x["label"] for x in f],
                         "why": [x["why"] for x in f], "last_day": last, "inactive": inactive})
    return (pd.DataFrame(rows).merge(latest[["as_of", *METRICS]].reset_index(), on="athlete_id")
            .merge(spark.reset_index(), on="athlete_id", how="left")[columns])


@dataclass(frozen=True)
class PlanProjection:
    """rows: per planned day, day, load_au and every METRICS value; suggestion: the FRBI rule's
    (planner.frbi_suggestion), None when no planned day goes over the threshold; flags: plan_flags."""
    rows: pd.DataFrame
    suggestion: dict | None
    flags: list[str]


def plan_projection(daily: pd.DataFrame, settings: LoadSettings, planned, first_day: dt.date) -> PlanProjection:
    """`planned` (a.u. a day from first_day, the day after daily's last) projected on one athlete's
    daily_metrics: the same loads and morning HR, so the history reads as on the Training load page."""
    history, hr = daily["load_au"].to_numpy(dtype=float), daily["hr_morning"].to_numpy(dtype=float)
    projection = planner.project(history, planned, settings, hr)
    rows = pd.DataFrame({"day": pd.date_range(first_day, periods=len(planned)), "load_au": np.asarray(planned, float),
                         **{m: projection[m][len(history):] for m in METRICS}})
    return PlanProjection(rows, planner.frbi_suggestion(history, planned, settings, hr, first_day),
                          plan_flags(rows, settings))


def plan_flags(rows: pd.DataFrame, settings: LoadSettings) -> list[str]:
    """Every risk flag (series.flags, as on the squad page) the projected days raise: one line per
    flag, its first planned day and why, in the order they first appear."""
    first: dict[str, str] = {}
    for day, raised in zip(rows["day"], flags({m: rows[m].to_numpy() for m in METRICS}, settings)):
        for f in raised:
            first.setdefault(f["code"], f"{f['label']} from {day:%a %d %b}: {f['why']}")
    return list(first.values())


def squad_settings(store: Store) -> tuple[LoadSettings, bool]:
    """(the settings the squad's help texts are built from, whether every team uses them): the
    teams' settings when they all agree, else the defaults."""
    distinct = set(team_settings(store).values())
    return (distinct.pop(), True) if len(distinct) == 1 else (LoadSettings(), False)


def athlete_settings(store: Store, athlete_id: int) -> LoadSettings:
    """The load settings of the athlete's team."""
    athletes, settings = _athletes_and_settings(store, athlete_id)
    return settings.get(athletes["team"].fillna("").iloc[0] if len(athletes) else "", LoadSettings())


def weekly(daily: pd.DataFrame) -> pd.DataFrame:
    """One athlete's daily metrics sampled on each week's last day (Sunday): week (Monday),
    load_au (weekly sum), monotony and strain of that 7-day window."""
    days = daily.assign(week=daily["day"] - pd.to_timedelta(daily["day"].dt.day_of_week, unit="D"))
    sums = days.groupby("week")["load_au"].sum()
    last = days[days["day"].dt.day_of_week == 6].set_index("week")[["monotony", "strain"]]
    return pd.concat([sums, last], axis=1).reset_index()


def weekly_zones(store: Store, athlete_id: int) -> pd.DataFrame:
    """Minutes per week (Monday) in Edwards HR zones: week, zone_1_min .. zone_5_min."""
    loads = session_loads(store, athlete_id)
    zones = [f"zone_s_{z}" for z in range(1, 6)]
    if loads.empty or zones[0] not in loads:
        return pd.DataFrame(columns=["week", *[f"zone_{z}_min" for z in range(1, 6)]])
    day = pd.to_datetime(loads["day"])
    per_week = loads[zones].fillna(0).groupby(day - pd.to_timedelta(day.dt.day_of_week, unit="D")).sum() / 60
    per_week.columns = [f"zone_{z}_min" for z in range(1, 6)]
    return per_week.rename_axis("week").reset_index()


def strength_progress(store: Store, athlete_id: int) -> dict[str, pd.DataFrame]:
    """e1RM per session and exercise, weekly volume per muscle group, and personal records."""
    sets = queries.strength_sets(store, athlete_id)
    return {"e1rm": e1rm_by_session(sets), "volume": weekly_muscle_volume(sets, queries.exercises(store)),
            "records": personal_records(sets)}


def saved_plan(store: Store, athlete_id: int, first_day: dt.date, n_days: int = planner.PLAN_DAYS) -> pd.DataFrame:
    """The saved plan for n_days from first_day (planner, overload split, recommender and fitness
    prescription all write planned_days): day, planned_au (a.u., NaN = nothing saved), exercises
    (how many planned exercises the day holds). Empty when nothing is saved for those days."""
    days = pd.DataFrame({"day": pd.date_range(first_day, periods=n_days)})
    plans = store_loads.planned_days(store, athlete_id)
    plans = plans.assign(day=pd.to_datetime(plans["day"]))
    exercises = plans_store.planned_exercises(store, athlete_id, first_day, first_day + dt.timedelta(days=n_days - 1))
    counts = exercises.assign(day=pd.to_datetime(exercises["day"])).groupby("day").size().rename("exercises")
    out = days.merge(plans[["day", "planned_au"]], on="day", how="left").merge(counts, on="day", how="left")
    return out.fillna({"exercises": 0}).astype({"exercises": int}) if out["planned_au"].notna().any() else out.iloc[:0]


@dataclass(frozen=True)
class PlanHistory:
    """weeks: every saved plan by week (Monday): week, days (planned days), planned_au, done_au
    (days up to today), green, yellow, red (compliance days, planner.compliance), saved_at (last
    save), newest first; days: compliance_table."""
    weeks: pd.DataFrame
    days: pd.DataFrame


def plan_history(store: Store, athlete_id: int, today: dt.date) -> PlanHistory:
    """The athlete's saved plans against what was done, by week and by day (one read of the plans
    and one of the daily loads)."""
    columns = ["week", "days", "planned_au", "done_au", "green", "yellow", "red", "saved_at"]
    plans = store_loads.planned_days(store, athlete_id)
    days = _compliance(store, athlete_id, plans, today)
    if plans.empty:
        return PlanHistory(pd.DataFrame(columns=columns), days)
    rows = plans.assign(day=pd.to_datetime(plans["day"])).merge(days[["day", "done_au", "compliance"]],
                                                                 on="day", how="left")
    rows["week"] = rows["day"] - pd.to_timedelta(rows["day"].dt.day_of_week, unit="D")
    colours = pd.get_dummies(rows["compliance"]).reindex(columns=["green", "yellow", "red"], fill_value=0)
    rows = pd.concat([rows, colours.astype(int)], axis=1)
    weeks = rows.groupby("week").agg(days=("day", "size"), planned_au=("planned_au", "sum"),
                                     done_au=("done_au", lambda x: x.sum(min_count=1)), green=("green", "sum"),
                                     yellow=("yellow", "sum"), red=("red", "sum"), saved_at=("saved_at", "max"))
    return PlanHistory(weeks.reset_index().sort_values("week", ascending=False)[columns].reset_index(drop=True), days)


def wellness(store: Store, athlete_id: int) -> pd.DataFrame:
    """The athlete's wellness trends (engine.load.wellness.trends) against the baseline window of
    their team's settings (frbi_median_days)."""
    return wellness_trends(queries.wellness(store, athlete_id), athlete_settings(store, athlete_id).frbi_median_days)


def compliance_table(store: Store, athlete_id: int, today: dt.date) -> pd.DataFrame:
    """Saved planned days up to today against the load done: day, planned_au, done_au, compliance."""
    return _compliance(store, athlete_id, store_loads.planned_days(store, athlete_id), today)


def _compliance(store: Store, athlete_id: int, plans: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    plans = plans[pd.to_datetime(plans["day"]) <= pd.Timestamp(today)]
    if plans.empty:
        return pd.DataFrame(columns=["day", "planned_au", "done_au", "compliance"])
    daily = daily_metrics(store, today, athlete_id)[["day", "load_au"]].rename(columns={"load_au": "done_au"})
    table = plans.assign(day=pd.to_datetime(plans["day"])).merge(daily, on="day", how="left").fillna({"done_au": 0.0})
    table["compliance"] = planner.compliance(table["planned_au"].to_numpy(), table["done_au"].to_numpy())
    return table[["day", "planned_au", "done_au", "compliance"]]
