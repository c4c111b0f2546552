"""What-if planner: plan the next 7 days, see the projected load metrics, apply the FRBI rule, save."""
import datetime as dt

import streamlit as st

from dashboard import figures
from dashboard.state import param, read, seed, set_param, store
from dashboard.widgets import athlete_picker, load_metric_row, share_link
from engine.load import planner, report
from engine.store import loads as store_loads

athlete_id = athlete_picker(container=st.sidebar)
today = dt.date.today()
settings = read(report.athlete_settings, athlete_id)
daily = read(report.daily_metrics, today, athlete_id)
st.title("What-if planner")
if daily.empty:
    st.info("No sessions for this athlete yet: the planner projects from past training.")
    st.stop()

recent_week_au = float(daily["load_au"].tail(28).sum() / 4)
first_day = today + dt.timedelta(days=1)
days = [first_day + dt.timedelta(days=i) for i in range(7)]
modes = ["Weekly total", "Day by day"]
seed("plan_mode", param("plan") if param("plan") in modes else modes[0])
mode = st.segmented_control("Plan", modes, key="plan_mode") or modes[0]
set_param("plan", mode)
if mode == "Weekly total":
    left, right = st.columns([2, 1])
    total = left.slider("Planned load for the next 7 days (a.u.)", 0, int(max(3000, recent_week_au * 2.5)),
                        int(round(recent_week_au, -1)), step=10,
                        help=f"Foster load, sRPE x minutes. The last 4 weeks averaged {recent_week_au:,.0f} a.u./week.")
    pattern_name = right.selectbox("Day pattern", list(planner.PATTERNS), help="How the week's load is spread")
    planned = [float(x) for x in planner.day_pattern_plan(total, planner.PATTERNS[pattern_name])]
    for i, value in enumerate(planned):  # "Day by day" starts from this plan
        st.session_state[f"day_{i}"] = float(round(value))
else:
    cols = st.columns(7)
    for i in range(7):
        st.session_state.setdefault(f"day_{i}", float(round(recent_week_au / 7)))
    planned = [cols[i].number_input(f"{d:%a %d}", 0.0, 5000.0, step=10.0, key=f"day_{i}", format="%.0f",
                                    help="Planned Foster load for the day, a.u. (sRPE x minutes)")
               for i, d in enumerate(days)]

projection = report.plan_projection(daily, settings, planned, first_day)
plan_rows, suggestion = projection.rows, projection.suggestion
past = daily.tail(56)

if suggestion:
    st.warning(suggestion["message"], icon=":material/warning:")
    def apply(adjusted) -> None:
        for i, value in enumerate(adjusted):
            st.session_state[f"day_{i}"] = float(round(value))
        st.session_state["plan_mode"] = "Day by day"

    st.button("Apply the suggestion", on_click=apply, args=(suggestion["adjusted"],),
              help="Replace the plan by the adjusted one, day by day")
elif plan_rows["frbi"].isna().all():
    st.info(f"FRBI needs {settings.chronic_days - 1} days of history before it can be projected.")
elif not projection.flags:
    st.success(f"Projected FRBI stays at or below {settings.frbi_threshold:g} for the whole week, and no other "
               "load metric is flagged.")
for line in projection.flags:
    if not (suggestion and line.startswith("FRBI")):
        st.warning(line, icon=":material/flag:")

st.caption(f"Projected on {days[-1]:%a %d %b}, the last planned day:")
load_metric_row(plan_rows.iloc[-1], settings)
st.plotly_chart(figures.pmc_chart(past, plan_rows), width="stretch")
st.plotly_chart(figures.acwr_chart(past, settings.acwr_low, settings.acwr_high, plan_rows), width="stretch")

if st.button("Save this plan", type="primary", help="Store the 7 planned days to compare with what is done"):
    store_loads.save_plan(store(), athlete_id, first_day, list(planned))
    st.success("Plan saved.")

st.subheader("Plans against what was done")
done = read(report.compliance_table, athlete_id, today)
if done.empty:
    st.caption("No saved plan has reached its days yet.")
else:
    st.dataframe(done.style.map(lambda c: f"background-color: {planner.COMPLIANCE_COLORS.get(c, '')}",
                                subset=["compliance"]),
                 hide_index=True, column_config={
                     "day": st.column_config.DateColumn("Day"),
                     "planned_au": st.column_config.NumberColumn("Planned", format="%.0f a.u."),
                     "done_au": st.column_config.NumberColumn("Done", format="%.0f a.u."),
                     "compliance": st.column_config.TextColumn(
                         "Compliance", help=planner.compliance_text()),
                 })
share_link()
