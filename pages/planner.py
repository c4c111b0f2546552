"""What-if planner: plan the next 7 days, see the projected load metrics, apply the FRBI rule, save."""
import datetime as dt

import streamlit as st

from engine import clock
from dashboard import figures
from dashboard.state import numbers_param, param, read, seed, set_param, store
from dashboard.widgets import athlete_picker, data_table, load_metric_row, share_link, tinted
from engine.load import planner, report
from engine.store import loads as store_loads

athlete_id = athlete_picker(container=st.sidebar)
today = clock.today()
settings = read(report.athlete_settings, athlete_id)
daily = read(report.daily_metrics, today, athlete_id)
st.title("What-if planner")
if daily.empty:
    st.info("No sessions for this athlete yet: the planner projects from past training.")
    st.stop()

recent_week_au = float(daily["load_au"].tail(28).sum() / 4)
first_day = today + dt.timedelta(days=1)
days = [first_day + dt.timedelta(days=i) for i in range(planner.PLAN_DAYS)]
day_keys = [f"day:{athlete_id}:{i}" for i in range(planner.PLAN_DAYS)]
saved = read(report.saved_plan, athlete_id, first_day)
saved_au = saved["planned_au"].fillna(0.0).tolist()   # NaN: nothing saved that day
modes = ["Weekly total", "Day by day"]

# first values: the plan in a shared link, else the plan saved for these days, else a weekly total
linked = numbers_param("days", planner.PLAN_DAYS)
start_days = linked or (saved_au if not saved.empty else None)
seed("plan_mode", modes[1] if start_days and param("plan") != modes[0] else
     param("plan") if param("plan") in modes else modes[0])
for key, value in zip(day_keys, start_days or [round(recent_week_au / 7)] * planner.PLAN_DAYS):
    seed(key, float(round(value)))


def use_days(values) -> None:
    for key, value in zip(day_keys, values):
        st.session_state[key] = float(round(value))
    st.session_state["plan_mode"] = modes[1]


if not saved.empty:
    planned_exercises = int(saved["exercises"].sum())
    st.caption(f"A plan is saved for {saved['planned_au'].notna().sum()} of these days: "
               f"{sum(saved_au):,.0f} a.u."
               + (f", with {planned_exercises} planned exercises (overload split, recommendations or fitness "
                  "prescription)" if planned_exercises else "") + ".")
    st.button("Start from the saved plan", on_click=use_days, args=(saved_au,),
              help="Put the saved plan's days in Day by day")

mode = st.segmented_control("Plan", modes, key="plan_mode") or modes[0]
set_param("plan", mode)
if mode == modes[0]:
    left, right = st.columns([2, 1])
    slider_max = int(max(3000, recent_week_au * 2.5))
    total_key, pattern_key = f"plan_total:{athlete_id}", "plan_pattern"
    linked_total = numbers_param("total", 1)
    seed(total_key, int(min(linked_total[0] if linked_total else round(recent_week_au, -1), slider_max)))
    seed(pattern_key, param("pattern") if param("pattern") in planner.PATTERNS else next(iter(planner.PATTERNS)))
    total = left.slider("Planned load for the next 7 days (a.u.)", 0, slider_max, step=10, key=total_key,
                        help=f"Foster load, sRPE x minutes. The last 4 weeks averaged {recent_week_au:,.0f} a.u./week.")
    pattern_name = right.selectbox("Day pattern", list(planner.PATTERNS), key=pattern_key,
                                   help="How the week's load is spread")
    planned = [float(x) for x in planner.day_pattern_plan(total, planner.PATTERNS[pattern_name])]
    for key, value in zip(day_keys, planned):   # "Day by day" starts from this plan
        st.session_state[key] = float(round(value))
    set_param("total", total)
    set_param("pattern", pattern_name)
    set_param("days", None)
else:
    cols = st.columns(planner.PLAN_DAYS)
    planned = [cols[i].number_input(f"{d:%a %d}", 0.0, 5000.0, step=10.0, key=key, format="%.0f",
                                    help="Planned Foster load for the day, a.u. (sRPE x minutes)")
               for i, (d, key) in enumerate(zip(days, day_keys))]
    set_param("days", ",".join(f"{x:g}" for x in planned))
    set_param("total", None)
    set_param("pattern", None)

projection = report.plan_projection(daily, settings, planned, first_day)
plan_rows, suggestion = projection.rows, projection.suggestion
past = daily.tail(56)

if suggestion:
    st.warning(suggestion["message"], icon=":material/warning:")
    st.button("Apply the suggestion", on_click=use_days, args=(suggestion["adjusted"],),
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
    st.success(f"Plan saved for {days[0]:%a %d %b} to {days[-1]:%a %d %b}.")

st.subheader("Saved plans")
history = read(report.plan_history, athlete_id, today)
weeks = history.weeks
if weeks.empty:
    st.caption("No plan saved yet.")
else:
    data_table(weeks, column_config={
        "week": st.column_config.DateColumn("Week of", format="ddd D MMM YYYY"),
        "days": st.column_config.NumberColumn("Days planned"),
        "planned_au": st.column_config.NumberColumn("Planned", format="%.0f a.u."),
        "done_au": st.column_config.NumberColumn("Done so far", format="%.0f a.u."),
        "green": st.column_config.NumberColumn("Green days", help=planner.compliance_text()),
        "yellow": st.column_config.NumberColumn("Yellow days", help=planner.compliance_text()),
        "red": st.column_config.NumberColumn("Red days", help=planner.compliance_text()),
        "saved_at": st.column_config.DatetimeColumn("Last saved", format="D MMM YYYY, HH:mm"),
    })
    done = history.days.sort_values("day", ascending=False)
    with st.expander(f"Day by day: planned against done ({len(done)} days)"):
        coloured = done.style.map(lambda c: tinted(planner.COMPLIANCE_COLORS.get(c, "")), subset=["compliance"])
        data_table(coloured, column_config={
            "day": st.column_config.DateColumn("Day", format="ddd D MMM YYYY"),
            "planned_au": st.column_config.NumberColumn("Planned", format="%.0f a.u."),
            "done_au": st.column_config.NumberColumn("Done", format="%.0f a.u."),
            "compliance": st.column_config.TextColumn("Compliance", help=planner.compliance_text()),
        })
share_link()
