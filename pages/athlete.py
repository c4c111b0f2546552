"""Athlete: editable profile, activities, strength log, fitness tests, training calendar."""
import datetime as dt

import pandas as pd
import streamlit as st

from engine import clock
from dashboard import figures, nav
from dashboard.state import hosted, link_secret, param, read, read_only, scope, seed, set_param, store
from dashboard.widgets import (app_origin, athlete_picker, data_table, date_range_picker, hr_help, hr_notes, metric,
                               metric_row, plain, share_link, train_prompt)
from engine.load import report, wellness
from engine.models.registry import ModelNotTrained
from engine.store import access, queries
from engine.store.athletes import PROFILE_RANGES, update_profile
from engine.store.edits import InvalidEdit, set_srpe

athlete_id = athlete_picker(container=st.sidebar)
athletes = read(queries.athletes)
profile = athletes.set_index("athlete_id").loc[athlete_id]
acts = read(queries.activities, athlete_id)
st.title(plain(profile["name"]))
st.caption(" · ".join([plain(profile["team"]) if pd.notna(profile["team"]) else "No team",
                        *([profile["sex"]] if pd.notna(profile["sex"]) else [])]))

start, end = date_range_picker(acts["start_time"].dt.date, container=st.sidebar)   # the activities read above


def in_dates(frame, column: str):
    """The rows of `frame` whose `column` falls in the chosen dates."""
    days = frame[column].dt.date
    return frame[(days >= start) & (days <= end)]


in_range = in_dates(acts, "start_time")

with metric_row():
    metric("Sessions", len(in_range), help="Activities and strength sessions in the chosen dates")
    metric("Training time", in_range["duration_s"].sum() / 3600, "h", help="Sum of session durations")
    metric("Running distance", in_range.loc[in_range["sport"] == "running", "distance_m"].sum() / 1000, "km",
           help="Sum of run distances in the chosen dates")
    metric("Avg HR, runs", report.average_hr(in_range[in_range["sport"] == "running"]), "bpm", digits=0,
           help="The runs' average heart rates weighted by their duration")

views = ["Activities", "Strength log", "Fitness tests", "Wellness", "Calendar", *([] if read_only() else ["Profile"])]
seed("athlete_view", param("view") if param("view") in views else views[0])
view = st.segmented_control("View", views, key="athlete_view", label_visibility="collapsed") or views[0]
set_param("view", view)
C = st.column_config

if view == "Activities":
    table = in_range.assign(duration_min=in_range["duration_s"] / 60, distance_km=in_range["distance_m"] / 1000)
    st.caption("Select a row to open the session.")
    picked = data_table(table, on_select="rerun", selection_mode="single-row",
                        key="activities_table",
                        column_order=["start_time", "sport", "name", "duration_min", "distance_km", "avg_hr",
                                      "max_hr", "srpe"],
                        column_config={
                            "start_time": C.DatetimeColumn("Start", format="YYYY-MM-DD HH:mm"),
                            "sport": "Sport", "name": "Name",
                            "duration_min": C.NumberColumn("Duration", format="%.0f min"),
                            "distance_km": C.NumberColumn("Distance", format="%.2f km"),
                            "avg_hr": C.NumberColumn("Avg HR", format="%.0f bpm"),
                            "max_hr": C.NumberColumn("Max HR", format="%.0f bpm"),
                            "srpe": C.NumberColumn("sRPE", format="%.1f", help="Session RPE, CR-10 (Foster 2001)"),
                        })
    if picked.selection.rows:
        st.switch_page(nav.page("session"),
                       query_params={"activity": str(table.iloc[picked.selection.rows[0]]["activity_id"])})
    if not read_only():  # a signed athlete link changes nothing
        with st.expander("Set the session RPE of many sessions", icon=":material/edit_note:"):
            st.caption("Type each session's RPE (CR-10, 0-10) in the chosen dates, then save them together. Until a "
                       "session has one, its load comes from set RPE, heart rate or the team's default (estimated).")
            edited = st.data_editor(
                table[["activity_id", "start_time", "sport", "name", "duration_min", "srpe"]], hide_index=True,
                key="srpe_editor", disabled=["start_time", "sport", "name", "duration_min"],
                column_order=["start_time", "sport", "name", "duration_min", "srpe"],
                column_config={
                    "start_time": C.DatetimeColumn("Start", format="YYYY-MM-DD HH:mm"), "sport": "Sport",
                    "name": "Name",
                    "duration_min": C.NumberColumn("Duration", format="%.0f min"),
                    "srpe": C.NumberColumn("sRPE", min_value=0.0, max_value=10.0, step=0.5, format="%.1f",
                                           help="Session RPE, CR-10 (Foster 2001): 0 rest ... 10 maximal"),
                })
            changed = edited[(edited["srpe"] != table["srpe"]) & ~(edited["srpe"].isna() & table["srpe"].isna())]
            if st.button(f"Save {len(changed)} session RPE{'s' if len(changed) != 1 else ''}", type="primary",
                         disabled=changed.empty):
                try:
                    saved = set_srpe(store(), athlete_id, dict(zip(changed["activity_id"], changed["srpe"])))
                    st.toast(f"Session RPE saved for {saved} sessions.", icon=":material/check:")
                    st.rerun()
                except InvalidEdit as err:
                    st.error(f"Not saved: {err}")
elif view == "Strength log":
    sessions = in_dates(read(queries.strength_sessions, athlete_id), "start_time")
    data_table(sessions, column_order=["start_time", "workout", "minutes", "sets", "volume_kg", "exercises"],
               column_config={
                   "start_time": C.DatetimeColumn("Session", format="YYYY-MM-DD HH:mm"),
                   "workout": "Workout", "minutes": C.NumberColumn("Duration", format="%.0f min"),
                   "sets": C.NumberColumn("Sets"),
                   "volume_kg": C.NumberColumn("Volume", format="%.0f kg",
                                               help="Sum of weight x reps over working sets (warm-ups excluded)"),
                   "exercises": C.ListColumn("Exercises"),
               })
    with st.expander("All sets of the chosen dates"):
        sets = in_dates(read(queries.strength_sets, athlete_id), "session_date")
        data_table(sets, column_order=["session_date", "exercise_name", "set_order", "set_type", "weight_kg", "reps",
                                       "duration_s", "rpe", "rir", "rest_s"],
                   column_config={
                       "session_date": C.DateColumn("Day", format="ddd D MMM YYYY"),
                       "exercise_name": C.TextColumn("Exercise"), "set_order": C.NumberColumn("Set"),
                       "set_type": C.TextColumn("Type", help="warmup, normal, drop set or failure, as logged"),
                       "weight_kg": C.NumberColumn("Weight", format="%.1f kg"), "reps": C.NumberColumn("Reps"),
                       "duration_s": C.NumberColumn("Time", format="%.0f s", help="Timed sets (holds, carries)"),
                       "rpe": C.NumberColumn("RPE", format="%.1f", help="Perceived exertion of the set, 1-10"),
                       "rir": C.NumberColumn("RIR", format="%.0f", help="Reps in reserve"),
                       "rest_s": C.NumberColumn("Rest", format="%.0f s", help="Rest before the next set"),
                   })
    st.subheader("Next session")
    from engine.progression.suggest import next_session  # torch and LightGBM: only when this view is open
    try:
        suggestions = read(next_session, athlete_id)
    except ModelNotTrained:
        suggestions = None
        train_prompt("progression", "progression", "a suggestion per exercise", "a few seconds on this database")
    if suggestions is not None and len(suggestions):
        version = int(suggestions["model_version"].iloc[0])
        st.caption(f"What the progression model (v{version}, LightGBM) expects at the next session of each exercise, "
                   "from this athlete's logs; the reasons are the features that push most toward it (SHAP). "
                   "The Models page shows how often it is right.")
        data_table(suggestions, key="suggestions",
                   column_order=["exercise_name", "last_done", "suggestion", "probability", "reasons"],
                   column_config={
                       "exercise_name": C.TextColumn("Exercise"),
                       "last_done": C.DatetimeColumn("Last done", format="YYYY-MM-DD"),
                       "suggestion": C.TextColumn("Next session", help="add weight, add reps, hold or back off"),
                       "probability": C.ProgressColumn("Probability", min_value=0.0, max_value=1.0,
                                                       format="percent"),
                       "reasons": C.ListColumn("Top reasons", width="large",
                                               help="Features with the largest SHAP values toward the suggestion"),
                   })
elif view == "Fitness tests":
    tests = read(queries.fitness_tests, athlete_id)
    data_table(tests.assign(run_3000m_min=tests["run_3000m_s"] / 60),
               column_order=["test_date", "mass_kg", "run_3000m_min", "pullups", "situps_60s", "shuttle_30x2_s",
                             "lap_200m_s"],
               column_config={
                   "test_date": C.DateColumn("Date"), "mass_kg": C.NumberColumn("Mass", format="%.1f kg"),
                   "run_3000m_min": C.NumberColumn("3,000 m", format="%.2f min", help="Sum of the 15 laps"),
                   "pullups": "Pull-ups", "situps_60s": C.NumberColumn("Sit-ups", help="In 60 s"),
                   "shuttle_30x2_s": C.NumberColumn("Shuttle 30x2", format="%.2f s"),
                   "lap_200m_s": C.LineChartColumn("200 m laps (s)", help="The 15 lap splits of the 3,000 m"),
               })
elif view == "Wellness":
    trend = read(report.wellness, athlete_id)
    shown = trend[trend["day"].dt.date.between(start, end)]
    if shown["value"].notna().sum() == 0:
        st.caption("No wellness logged in these dates (sleep, soreness, HRV, morning HR: a wellness CSV on the "
                   "Upload page).")
    else:
        baseline_days = read(report.athlete_settings, athlete_id).frbi_median_days
        as_of, latest = wellness.latest(trend, end)
        st.caption(f"As of {as_of:%a %d %b %Y}, the last morning logged in these dates: each measure's mean over "
                   f"the {wellness.MEAN_DAYS} days up to it against the athlete's baseline, the median of the "
                   f"{baseline_days} days up to it (the team's FRBI window).")
        with metric_row():
            for m in wellness.MEASURES:
                mean, base = latest[m.column]
                metric(m.label, mean, m.unit, digits=m.digits,
                       help=f"{m.help}. Mean of the {wellness.MEAN_DAYS} days up to {as_of:%d %b %Y}, the last "
                            f"morning logged in the chosen dates; the delta is against the {baseline_days}-day "
                            "median.",
                       delta=None if mean != mean or base != base else f"{mean - base:+.{m.digits}f} {m.unit}",
                       delta_color="normal" if m.higher_is_better else "inverse")
        st.plotly_chart(figures.wellness_chart(shown, wellness.MEASURES), width="stretch")
elif view == "Calendar":
    clicked = st.plotly_chart(figures.calendar_heatmap(read(queries.training_days, athlete_id), start, end),
                              width="content",
                              on_select="rerun", selection_mode="points", key="calendar")
    days = [p["customdata"][0] for p in clicked.selection.points if p.get("customdata")]
    if days:
        on_day = acts[acts["start_time"].dt.date == dt.date.fromisoformat(days[0])].sort_values("start_time")
        if len(on_day) == 1:
            st.switch_page(nav.page("session"), query_params={"activity": str(on_day["activity_id"].iloc[0])})
        st.markdown(f"**{dt.date.fromisoformat(days[0]):%a %d %b %Y}**" + ("" if len(on_day) else ": no session"))
        for row in on_day.itertuples():
            name = f" · {plain(row.name)}" if pd.notna(row.name) else ""
            st.page_link(nav.page("session"), query_params={"activity": str(row.activity_id)},
                         label=f"{row.start_time:%H:%M} · {row.sport}{name}")
else:
    with st.form("profile"):
        left, right = st.columns(2)
        sexes = ["M", "F"]
        sex = left.selectbox("Sex", sexes, index=sexes.index(profile["sex"]) if profile["sex"] in sexes else None)
        birth = left.date_input("Birth date", profile["birth_date"] if pd.notna(profile["birth_date"]) else None,
                                min_value=dt.date(1900, 1, 1), max_value=clock.today())
        def number(column, label, field, fmt, step, help=None, placeholder=None):
            # no min/max on the widget: the browser would only turn an out-of-range value red and submit
            # the old one; update_profile checks PROFILE_RANGES and the error is shown
            value = profile[field] if pd.notna(profile[field]) else None
            low, high = PROFILE_RANGES[field]
            return column.number_input(label, value=value, step=step, format=fmt, placeholder=placeholder,
                                       help=" ".join(x for x in [help, f"From {low:g} to {high:g}."] if x))

        mass = number(left, "Mass (kg)", "mass_kg", "%.1f", 0.5)
        used = read(report.hr_profile, athlete_id)
        rest, top, lthr = (number(right, label, field, "%.0f", 1.0, *hr_help(used, field)) for label, field in [
            ("Resting HR (bpm)", "hr_rest"), ("Max HR (bpm)", "hr_max"), ("LTHR (bpm)", "lthr")])
        if used["hr_estimated"]:
            st.caption("Loads use " + " · ".join(hr_notes(used, only_estimates=True)) + ". Fill in the profile to "
                       "replace the estimates.")
        if st.form_submit_button("Save profile", type="primary"):
            try:
                update_profile(store(), athlete_id, sex=sex, birth_date=birth, mass_kg=mass, hr_rest=rest,
                               hr_max=top, lthr=lthr)
                st.success("Profile saved.")
            except InvalidEdit as err:
                st.error(f"Not saved: {err}")
    if hosted():
        st.subheader("Read-only links")
        st.caption("A link to this athlete's pages (activities, sessions, training load) that needs no login, "
                   "changes nothing and expires. Anyone with the link sees them: send it to the athlete only.")
        days_col, button_col = st.columns([1, 3], vertical_alignment="bottom")
        days = days_col.number_input("Valid for (days)", 1, access.MAX_LINK_DAYS, 14)
        if button_col.button("Create a link", icon=":material/link:"):
            token = access.create_link(store(), link_secret(), athlete_id, int(days), scope().who)
            st.code(app_origin() + nav.link_path(athlete_id, token), language=None, wrap_lines=True)
        listed = read(access.links)
        listed = listed[listed["athlete_id"] == athlete_id]
        for row in listed.itertuples():
            text, revoke = st.columns([4, 1], vertical_alignment="center")
            text.write(f"Link {row.link_id}, made by {plain(row.created_by)} on {row.created_at:%d %b %Y}: {row.status}"
                       + (f" until {row.expires_at:%d %b %Y}" if row.status == "active" else ""))
            if row.status == "active" and revoke.button("Revoke", key=f"revoke_{row.link_id}"):
                access.revoke_link(store(), row.link_id)
                st.rerun()
share_link()
