"""Squad: one row per athlete; click a row to open the athlete."""
import datetime as dt

import streamlit as st

from dashboard import nav
from dashboard.state import param, read, set_param
from dashboard.widgets import share_link
from engine.store import queries

st.title("Squad")
squad = read(queries.squad_summary, dt.date.today())
teams = sorted(squad["team"].dropna().unique())
chosen = st.multiselect("Team", teams, default=[t for t in (param("team") or "").split(",") if t in teams],
                        placeholder="All teams")
set_param("team", ",".join(chosen) or None)
if chosen:
    squad = squad[squad["team"].isin(chosen)]

st.caption(f"{len(squad)} athletes · {int(squad['sessions_7d'].sum())} sessions in the last 7 days. "
           "Click a row to open the athlete; click a column header to sort.")
C = st.column_config
table = st.dataframe(
    squad, hide_index=True, on_select="rerun", selection_mode="single-row", key="squad_table",
    column_order=["name", "team", "last_activity", "last_sport", "sessions_7d", "minutes_7d", "week_vs_4wk",
                  "last_test", "load_14d"],
    column_config={
        "name": C.TextColumn("Athlete"),
        "team": C.TextColumn("Team"),
        "last_activity": C.DatetimeColumn("Last activity", format="YYYY-MM-DD HH:mm"),
        "last_sport": C.TextColumn("Sport"),
        "sessions_7d": C.NumberColumn("Sessions 7 d", help="Sessions in the last 7 days, today included"),
        "minutes_7d": C.NumberColumn("Minutes 7 d", format="%.0f min", help="Training time in the last 7 days"),
        "week_vs_4wk": C.NumberColumn(
            "Week vs 4-wk avg", format="%.2f",
            help="Minutes in the last 7 days / weekly average of the last 28 days (1.00 = as usual)"),
        "last_test": C.DateColumn("Last fitness test"),
        "load_14d": C.BarChartColumn(
            "Load, 14 days", y_min=0,
            help="Daily session load (sRPE x minutes, Foster 2001, a.u.), oldest to today"),
    },
)
if table.selection.rows:
    athlete_id = int(squad.iloc[table.selection.rows[0]]["athlete_id"])
    st.switch_page(nav.page("athlete"), query_params={"athlete": str(athlete_id)})
share_link()
