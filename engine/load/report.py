"""Training load for the app: read sessions from the store, compute daily series and metrics.

The science is in session.py, series.py, strength.py and planner.py; this module only joins it
to the data. Settings are per team (engine.store.loads).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from engine.load.planner import compliance
from engine.load.series import daily_matrix, flags, load_metrics
from engine.load.session import foster_load, hr_session_loads
from engine.load.strength import e1rm_by_session, personal_records, weekly_muscle_volume
from engine.load.settings import LoadSettings
from engine.store import loads as store_loads
from engine.store import queries
from engine.store.db import Store

# a.u. per hrTSS point for an athlete with fewer than 3 sessions that have both sRPE and HR:
# 60 min at threshold is 100 hrTSS and about sRPE 7 x 60 min = 420 a.u. (project's choice)
HRTSS_TO_AU = 4.2
METRIC_HELP = {
    "ctl": "Chronic training load (fitness): exponentially weighted daily load, time constant 42 d (settings); a.u./day",
    "atl": "Acute training load (fatigue): exponentially weighted daily load, time constant 7 d (settings); a.u./day",
    "tsb": "Training stress balance (form) = yesterday's CTL - yesterday's ATL; a.u./day",
    "ramp": "Ramp rate = CTL today - CTL 7 days ago; a.u./day per week",
    "acwr": "Acute:chronic workload ratio by the method in settings (EWMA, Williams 2017, or rolling 7/28 d)",
    "monotony": "Monotony = mean / SD of the last 7 daily loads (Foster 1998); capped when the SD is 0",
    "strain": "Strain = 7-day load x monotony (Foster 1998); a.u.",
    "frbi": "Fatigue-recovery balance index (this project's definition): EWMA 7 d / 28 d load x morning HR / "
            "its 28-day median",
}
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


def session_loads(store: Store, athlete_id: int | None = None) -> pd.DataFrame:
    """Every session with foster_au (sRPE x min), Banister and Edwards TRIMP, hrTSS and time in
    HR zones (NaN without HR), using each athlete's team settings and profile."""
    return _session_loads(store, athlete_id, *_athletes_and_settings(store, athlete_id))


def _session_loads(store: Store, athlete_id: int | None, athletes: pd.DataFrame,
                   settings: dict[str, LoadSettings]) -> pd.DataFrame:
    sessions = store_loads.sessions(store, athlete_id)
    sessions["foster_au"] = foster_load(sessions["srpe"], sessions["duration_s"])
    no_hr = pd.DataFrame({"activity_id": [], "athlete_id": [], "heart_rate": [], "dt_s": []})
    parts = [hr_session_loads(no_hr, athletes, LoadSettings())]  # the columns, when nobody has HR
    for team, members in athletes.assign(team=athletes["team"].fillna("")).groupby("team"):
        seconds = store_loads.hr_seconds(store, members["athlete_id"].tolist(), settings[team].max_sample_gap_s)
        parts.append(hr_session_loads(seconds, members, settings[team]))
    hr = pd.concat(parts)
    return sessions.merge(hr, on="activity_id", how="left")


def _session_load_au(sessions: pd.DataFrame, source: str) -> tuple[pd.Series, pd.Series]:
    """Each session's load and where it came from ('srpe', 'hr' or '') for one load source.

    'srpe': Foster load only. 'hrtss': hrTSS points only. 'blend': Foster load, else hrTSS scaled
    by the athlete's median ratio of Foster load to hrTSS (HRTSS_TO_AU without 3 such sessions).
    """
    has_srpe = sessions["foster_au"].notna()
    has_hr = sessions["hrtss"].notna()
    if source == "srpe":
        return sessions["foster_au"].where(has_srpe, 0.0), pd.Series(np.where(has_srpe, "srpe", ""), sessions.index)
    if source == "hrtss":
        return sessions["hrtss"].where(has_hr, 0.0), pd.Series(np.where(has_hr, "hr", ""), sessions.index)
    both = sessions[has_srpe & has_hr]
    ratio = (both["foster_au"] / both["hrtss"]).groupby(both["athlete_id"]).agg(["median", "count"])
    ratio = ratio["median"].where(ratio["count"] >= 3)
    scale = sessions["athlete_id"].map(ratio).fillna(HRTSS_TO_AU)
    load = sessions["foster_au"].where(has_srpe, (sessions["hrtss"] * scale).where(has_hr, 0.0))
    used = np.where(has_srpe, "srpe", np.where(has_hr, "hr", ""))
    return load, pd.Series(used, sessions.index)


def daily_metrics(store: Store, end: dt.date, athlete_id: int | None = None) -> pd.DataFrame:
    """Per athlete and day, from the first session to `end`: load_au, source (which sources the
    day's sessions used), sessions, and every load metric (METRICS), each team with its settings."""
    athletes, settings = _athletes_and_settings(store, athlete_id)
    sessions = _session_loads(store, athlete_id, athletes, settings)
    if sessions.empty or athletes.empty:
        return pd.DataFrame(columns=["athlete_id", "day", "load_au", "source", "sessions", *METRICS])
    for team, group in sessions.groupby("team"):  # each team counts load from its own source
        sessions.loc[group.index, "load_au"], sessions.loc[group.index, "source"] = _session_load_au(
            group, settings[team].load_source)
    per_day = (sessions.assign(by_hr=sessions["source"] == "hr", by_srpe=sessions["source"] == "srpe")
               .groupby(["athlete_id", "day"])
               .agg(load_au=("load_au", "sum"), sessions=("activity_id", "count"),
                    by_hr=("by_hr", "any"), by_srpe=("by_srpe", "any"))
               .reset_index())
    per_day["source"] = np.select([per_day["by_hr"] & per_day["by_srpe"], per_day["by_hr"], per_day["by_srpe"]],
                                  ["hr+srpe", "hr", "srpe"], "")

    start = min(pd.Timestamp(sessions["day"].min()).date(), end)
    # one row per athlete on the first day, so that every athlete gets a row in both matrices
    # (a rest-day series without sessions, no morning HR without wellness)
    every = athletes[["athlete_id"]].assign(day=pd.Timestamp(start))
    ids, days, load = daily_matrix(pd.concat([per_day, every.assign(load_au=0.0)]), start, end)
    morning = store_loads.morning_hr(store).rename(columns={"hr_rest_morning": "load_au"})
    _, _, hr_morning = daily_matrix(pd.concat([morning[morning["athlete_id"].isin(ids)],
                                               every.assign(load_au=np.nan)]), start, end, fill=np.nan)
    metrics = {m: np.full(load.shape, np.nan) for m in METRICS}
    team_of = athletes.set_index("athlete_id")["team"].fillna("").reindex(ids).to_numpy()
    for team in np.unique(team_of):
        rows = team_of == team
        for m, values in load_metrics(load[rows], settings[team], hr_morning=hr_morning[rows]).items():
            if m in metrics:
                metrics[m][rows] = values
    frame = pd.DataFrame({"athlete_id": np.repeat(ids, len(days)), "day": np.tile(days, len(ids)),
                          "load_au": load.ravel(), **{m: v.ravel() for m, v in metrics.items()}})
    per_day["day"] = pd.to_datetime(per_day["day"])
    return (frame.merge(per_day[["athlete_id", "day", "source", "sessions"]], on=["athlete_id", "day"], how="left")
            .fillna({"source": "", "sessions": 0}))


def squad_flags(store: Store, today: dt.date) -> pd.DataFrame:
    """Per athlete, the risk flags and METRICS as of the squad's last day with a session up to
    `today` (so a morning view is not judged on a day that has not been trained yet): athlete_id,
    as_of, flag_count, flags (chip labels), why (one sentence per flag), and the METRICS."""
    daily = daily_metrics(store, today)
    if daily.empty:
        return pd.DataFrame(columns=["athlete_id", "as_of", "flag_count", "flags", "why", *METRICS])
    as_of = daily.loc[daily["sessions"] > 0, "day"].max()
    latest = daily[daily["day"] == as_of].set_index("athlete_id").assign(as_of=as_of)
    athletes, settings = _athletes_and_settings(store)
    rows = []
    for team, members in latest.groupby(athletes.set_index("athlete_id")["team"].reindex(latest.index).fillna("")):
        raised = flags({m: members[m].to_numpy() for m in METRICS}, settings[team])
        rows += [{"athlete_id": aid, "flag_count": len(f), "flags": [x["label"] for x in f],
                  "why": [x["why"] for x in f]} for aid, f in zip(members.index, raised)]
    return pd.DataFrame(rows).merge(latest[["as_of", *METRICS]].reset_index(), on="athlete_id")


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


def compliance_table(store: Store, athlete_id: int, today: dt.date) -> pd.DataFrame:
    """Saved planned days up to today against the load done: day, planned_au, done_au, compliance."""
    plans = store_loads.planned_days(store, athlete_id)
    plans = plans[pd.to_datetime(plans["day"]) <= pd.Timestamp(today)]
    if plans.empty:
        return pd.DataFrame(columns=["day", "planned_au", "done_au", "compliance"])
    daily = daily_metrics(store, today, athlete_id)[["day", "load_au"]].rename(columns={"load_au": "done_au"})
    table = plans.assign(day=pd.to_datetime(plans["day"])).merge(daily, on="day", how="left").fillna({"done_au": 0.0})
    table["compliance"] = compliance(table["planned_au"].to_numpy(), table["done_au"].to_numpy())
    return table[["day", "planned_au", "done_au", "compliance"]]
