"""Training load of one athlete: PMC, ACWR, monotony and strain, HR zones, strength volume and e1RM."""

import pandas as pd
import streamlit as st

from engine import clock
from dashboard import figures
from dashboard.state import param, read, seed, set_param
from dashboard.widgets import athlete_picker, data_table, date_range_picker, load_metric_row, share_link
from engine.load import report
from engine.store import queries

athlete_id = athlete_picker(container=st.sidebar)
start, end = date_range_picker(read(queries.activity_days, athlete_id), container=st.sidebar)
settings = read(report.athlete_settings, athlete_id)
today = clock.today()
as_of = read(report.judged_day, today)      # the metric row: the day every page judges on, whatever the dates
daily = read(report.daily_metrics, today, athlete_id)
shown = daily[(daily["day"] >= pd.Timestamp(start)) & (daily["day"] <= pd.Timestamp(end))]
st.title("Training load")
if shown.empty:
    st.info("No sessions for this athlete in the chosen dates.")
    st.stop()

judged = daily[daily["day"] == pd.Timestamp(as_of)]
latest = judged.iloc[-1] if len(judged) else daily.iloc[-1]
st.caption(f"Load source: **{settings.load_source}** (Settings page) · values on {latest['day']:%a %d %b %Y}"
           + (f", {report.JUDGED_DAY_TEXT}" if len(judged) else "") + "; the charts show the chosen dates")
load_metric_row(latest, settings)

st.plotly_chart(figures.pmc_chart(shown), width="stretch")
if shown[["acwr", "frbi"]].notna().any().any():
    st.plotly_chart(figures.acwr_chart(shown, settings.acwr_low, settings.acwr_high), width="stretch")
else:
    st.markdown("**Acute:chronic workload ratio**")
    st.caption(f"ACWR and FRBI need {settings.chronic_days} days of history; none of these dates has them yet.")
left, right = st.columns(2)
with left:
    st.plotly_chart(figures.weekly_monotony_strain_chart(
        report.weekly(shown), settings.monotony_threshold, settings.strain_threshold), width="stretch")
with right:
    zones = read(report.weekly_zones, athlete_id)
    zones = zones[zones["week"].between(pd.Timestamp(start) - pd.Timedelta(days=6), pd.Timestamp(end))]
    if zones.drop(columns="week").fillna(0).to_numpy().sum() > 0:
        st.plotly_chart(figures.zones_chart(zones), width="stretch")
    else:
        st.markdown("**Time in HR zones**")
        st.caption("No session with heart rate in these dates.")

st.subheader("Strength")
progress = read(report.strength_progress, athlete_id)
if progress["e1rm"].empty:
    st.caption("No strength sets logged.")
else:
    volume = progress["volume"]
    weeks = volume["week"].between(pd.Timestamp(start) - pd.Timedelta(days=6), pd.Timestamp(end))
    st.plotly_chart(figures.muscle_volume_chart(volume[weeks]), width="stretch")
    names = sorted(progress["e1rm"]["exercise_name"].unique())
    seed(f"exercises_{athlete_id}", [n for n in (param("exercises") or "").split("|") if n in names] or names[:3])
    chosen = st.multiselect("Exercises", names, key=f"exercises_{athlete_id}",
                            help="Estimated 1RM, Epley: weight x (1 + reps / 30), best set of <= 10 reps per session")
    set_param("exercises", "|".join(chosen) or None)
    e1rm = progress["e1rm"]
    dated = pd.to_datetime(e1rm["session_date"]).between(pd.Timestamp(start), pd.Timestamp(end))
    st.plotly_chart(figures.e1rm_chart(e1rm[e1rm["exercise_name"].isin(chosen) & dated]), width="stretch")
    st.markdown("**Personal records**")
    C = st.column_config
    data_table(progress["records"],
               column_order=["exercise_name", "max_weight_kg", "max_weight_date", "best_e1rm_kg", "best_e1rm_date"],
               column_config={"exercise_name": "Exercise",
                              "max_weight_kg": C.NumberColumn("Heaviest set", format="%.1f kg"),
                              "max_weight_date": C.DateColumn("On", format="D MMM YYYY"),
                              "best_e1rm_kg": C.NumberColumn("Best e1RM (Epley)", format="%.1f kg",
                                                             help="Best set of 1-10 reps: weight x (1 + reps / 30)"),
                              "best_e1rm_date": C.DateColumn("On ", format="D MMM YYYY")})
share_link()
