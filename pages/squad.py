"""Squad: one row per athlete; click a row to open the athlete."""

import pandas as pd
import streamlit as st

from engine import clock
from dashboard import nav
from dashboard.state import param, read, seed, set_param
from dashboard.widgets import EMPTY_CELL, data_table, plain, share_link, tinted
from engine.load import report
from engine.load.metric_table import help_text
from engine.store import queries

st.title("Squad")
today = clock.today()
flags = read(report.squad_flags, today)
squad = read(queries.squad_summary, today).merge(
    flags[["athlete_id", "flag_count", "flags", "why", "acwr", "frbi", "load_14d", "last_day", "inactive"]],
    on="athlete_id", how="left")
squad["flag_count"] = squad["flag_count"].fillna(0).astype(int)
squad = squad.sort_values(["flag_count", "name"], ascending=[False, True], ignore_index=True)
teams = sorted(squad["team"].dropna().unique())
seed("squad_teams", [t for t in (param("team") or "").split(",") if t in teams])
chosen = st.multiselect("Team", teams, placeholder="All teams", key="squad_teams")
set_param("team", ",".join(chosen) or None)
if chosen:
    squad = squad[squad["team"].isin(chosen)]

# the session page's URL, the start time first so that the column sorts by time; the cell shows the time
squad["last_session"] = ("session?at=" + squad["last_activity"].dt.strftime("%Y-%m-%d %H:%M") + "&activity="
                         + squad["last_activity_id"].astype("Int64").astype("string"))

flagged = squad[squad["flag_count"] > 0].sort_values("flag_count", ascending=False)
as_of = f" (as of {flags['as_of'].max():%a %d %b}, {report.JUDGED_DAY_TEXT})" if len(flags) else ""
if len(flagged):
    st.warning(f"**{len(flagged)} athlete{'s' if len(flagged) > 1 else ''} need{'' if len(flagged) > 1 else 's'} "
               f"attention**{as_of}", icon=":material/flag:")
    with st.expander("Why these flags"):
        for row in flagged.itertuples():
            chips = " ".join(f":red-badge[{label}]" for label in row.flags)
            st.markdown(f"**{plain(row.name)}** {chips}", help=" · ".join(row.why))
else:
    st.success(f"No risk flags{as_of}.", icon=":material/check_circle:")
inactive = squad[squad["inactive"].fillna(False).astype(bool)]
if len(inactive):
    st.info("**Inactive** (no session for longer than the team's setting; not flagged): " + ", ".join(
        plain(r.name) + (f" (last session {r.last_day:%d %b %Y})" if pd.notna(r.last_day) else " (no session)")
        for r in inactive.itertuples()), icon=":material/bedtime:")
st.caption(f"{len(squad)} athletes · {int(squad['sessions_7d'].sum())} sessions in the last 7 days. "
           "Click a row to open the athlete, a last activity to open that session; click a column header to sort "
           "(Risk sorts by flags).")
C = st.column_config
settings, shared = read(report.squad_settings)
per_team = "" if shared else ". Bands differ per team (Settings page); the defaults are shown"
RISK_COLORS = ["#d8f3dc", "#fff3bf", "#ffd6d6"]  # no flag, one flag, two or more
squad = squad.assign(team=squad["team"].fillna(EMPTY_CELL))
table = data_table(
    squad.style.map(lambda n: tinted(RISK_COLORS[min(int(n), 2)]), subset=["flag_count"]),
    on_select="rerun", selection_mode=["single-row", "single-cell"], key="squad_table",
    # what a coach scans first comes first: on a phone the name, the risk and the flags stay in view
    column_order=["name", "flag_count", "flags", "acwr", "load_14d", "last_session", "last_sport", "sessions_7d",
                  "minutes_7d", "week_vs_4wk", "team", "last_test"],
    column_config={
        "name": C.TextColumn("Athlete", pinned=True),
        "team": C.TextColumn("Team"),
        "flag_count": C.NumberColumn("Risk", help=f"Number of risk flags raised{as_of} (Settings page: thresholds)"),
        "flags": C.ListColumn("Flags", width="medium",
                              help="ACWR out of band, monotony, strain, FRBI, TSB below floor"),
        "acwr": C.NumberColumn("ACWR", format="%.2f", help=f"{help_text('acwr', settings)}{as_of}{per_team}"),
        "last_session": C.LinkColumn("Last activity", display_text=r"at=([^&]+)",
                                     help="Start of the latest session; click it to open the session"),
        "last_sport": C.TextColumn("Sport"),
        "sessions_7d": C.NumberColumn("Sessions 7 d", help="Sessions in the last 7 days, today included"),
        "minutes_7d": C.NumberColumn("Minutes 7 d", format="%.0f min", help="Training time in the last 7 days"),
        "week_vs_4wk": C.NumberColumn(
            "Week vs 4-wk avg", format="%.2f",
            help="Minutes in the last 7 days / weekly average of the last 28 days (1.00 = as usual)"),
        "last_test": C.DateColumn("Last fitness test", format="D MMM YYYY"),
        "load_14d": C.BarChartColumn(
            f"Load, {report.SPARK_DAYS} days", y_min=0,
            help=f"Daily load (a.u.), the series ACWR and FRBI come from, oldest first{as_of}"),
    },
)
# a click anywhere on a row opens the athlete (a cell selects the cell, so both count), except on the
# last-activity link, which opens that session
clicked = table.selection.rows or [row for row, column in table.selection.cells if column != "last_session"]
if clicked:
    athlete_id = int(squad.iloc[clicked[0]]["athlete_id"])
    st.switch_page(nav.page("athlete"), query_params={"athlete": str(athlete_id)})
share_link()
