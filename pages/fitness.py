"""Fitness tests & prescription: one athlete's batteries with national-standard scores and the
3,000 m lap pacing; the BMI class the paper's pipeline predicts, with SHAP; what-if sliders; the
deficiencies and the weekly plan they drive (edit, save as the planned week, export); the biweekly
reassessments with FRBI; a squad view; and a fitness-test upload that is assessed at once."""
import datetime as dt

import streamlit as st

from engine import clock
from dashboard import figures
from dashboard.state import read, store
from dashboard.widgets import athlete_or_stop, data_table, plain, share_link, train_prompt
from engine.export import csv_bytes
from engine.fitness import assess, standards
from engine.fitness.battery import CLASSES, MODALITY_LABELS, TEST_BY_COLUMN, TESTS
from engine.fitness.prescribe import PrescriptionError, rules_text
from engine.load import report
from engine.load.metric_table import help_text
from engine.models.registry import ModelNotTrained
from engine.store import plans, queries
from engine.store.imports import import_files

C = st.column_config
LABELS = {t.column: t.label for t in TESTS}


def _shown(column: str, value: float) -> str:
    """A test's value for a label: the 3,000 m as m:ss, the rest in their unit."""
    if column == "run_3000m_s":
        return figures.clock(value)
    return f"{value:.2f} s" if TEST_BY_COLUMN[column].unit == "s" else f"{value:.0f} reps"


st.title("Fitness tests & prescription")
athlete_id = athlete_or_stop("upload a fitness-test CSV")
names = read(queries.athletes).set_index("athlete_id")["name"]

with st.sidebar.expander("Upload a fitness-test CSV", icon=":material/upload_file:"):
    upload = st.file_uploader("Fitness-test CSV", type=["csv"], key="fitness_upload",
                              help="The battery CSV of the Upload page: date, height_cm, mass_kg, the 15 laps, "
                                   "pull-ups, sit-ups and the shuttle. Rows without an athlete column go to the "
                                   "athlete chosen above.")
    if upload is not None and st.button("Import and assess", type="primary"):
        result = import_files(store(), [(upload.name, upload.getvalue())], athlete=names[athlete_id])[0]
        (st.success if result.status == "imported" else st.error)(
            f"{result.file_name}: {result.status}" + (f" ({result.message})" if result.message else ""))

try:
    fitted, card = assess.model(store())
except ModelNotTrained as err:
    if "cut-offs" in str(err):
        st.warning(str(err), icon=":material/warning:")
    train_prompt("fitness", "fitness", "each battery's BMI class, its SHAP reasons and the prescription",
                 "about half a minute on the demo squad (two CPU cores; the cross-validation of the hybrid, its "
                 "ablations and five baselines on two datasets follows as a job of its own)")
    share_link()
    st.stop()

athlete_tab, squad_tab = st.tabs(["Athlete", "Squad"])
with athlete_tab:
    history = read(assess.athlete_assessments, athlete_id)
    if history.empty:
        st.info(f"{plain(names[athlete_id])} has no fitness battery yet: upload one in the sidebar.",
                icon=":material/info:")
    else:
        st.subheader("Battery history")
        history = history.assign(
            run=history["run_3000m_s"].map(figures.clock),
            pullup_points=history["pullups"].map(standards.pullup_points),
            bmi_points=history["bmi"].map(standards.bmi_points))
        data_table(history.iloc[::-1], column_order=[
            "test_date", "bmi", "bmi_points", "measured_class", "predicted_class", "run", "pullups", "pullup_points",
            "situps_60s", "shuttle_30x2_s"], column_config={
            "test_date": C.DateColumn("Date", format="D MMM YYYY"),
            "bmi": C.NumberColumn("BMI", format="%.1f", help="kg/m², from the battery's height and mass"),
            "bmi_points": C.NumberColumn("BMI points", format="%.0f", help=f"{standards.SOURCE}: BMI item"),
            "measured_class": C.TextColumn("Measured class", help=f"BMI class under the "
                                                                f"{card.details['cutoffs'].upper()} cut-offs (Settings "
                                                                "page)"),
            "predicted_class": C.TextColumn("Predicted from the tests"),
            "run": C.TextColumn(LABELS["run_3000m_s"], help="m:ss, the sum of the 15 laps"),
            "pullups": C.NumberColumn(LABELS["pullups"], format="%d"),
            "pullup_points": C.NumberColumn("Pull-up points", format="%.0f",
                                          help=f"{standards.SOURCE}; pass = {standards.PASS_POINTS}"),
            "situps_60s": C.NumberColumn(LABELS["situps_60s"], format="%d", help="no national standard for men"),
            "shuttle_30x2_s": C.NumberColumn(f"{LABELS['shuttle_30x2_s']} (s)", format="%.2f",
                                           help="no national standard found"),
        })
        dates = history["test_date"].dt.date.tolist()
        chosen = st.select_slider("Battery", dates, value=dates[-1], format_func=lambda d: d.strftime("%d %b %Y"),
                                  key="fitness_battery")
        battery = history[history["test_date"].dt.date == chosen].iloc[-1].to_dict()
        st.plotly_chart(figures.lap_pace_chart(battery["lap_200m_s"], f"3,000 m on {chosen:%d %b %Y}: "
                                               f"{figures.clock(battery['run_3000m_s'])} against even pace"),
                        key="fitness_laps")

        st.subheader("What if")
        sliders = st.columns(len(TESTS))
        deltas = {t.column: box.slider(f"{t.label} ({t.unit})", *assess.WHAT_IF[t.column][:2], 0.0,
                                       assess.WHAT_IF[t.column][2], key=f"whatif_{t.column}",
                                       help="Change this test and see the class, the reasons and the plan move. "
                                            + ("Lower is better." if t.lower_is_better else "Higher is better."))
                  for t, box in zip(TESTS, sliders)}
        what_if = assess.changed(battery, deltas)
        result = assess.assess(fitted, what_if)
        left, right = st.columns([2, 3])
        left.plotly_chart(figures.probability_chart(result.probabilities, result.predicted_class),
                          key="fitness_probabilities")
        right.plotly_chart(figures.shap_waterfall(
            result.base_value, {LABELS[c]: v for c, v in result.shap.items()},
            {LABELS[c]: _shown(c, what_if[c]) for c in result.shap}), key="fitness_shap")
        st.caption(f"The model (v{card.version}) reads only the four tests, not height or mass. "
                   "A bar above zero means that test looks like those of athletes with a less healthy BMI class. "
                   "See the Models page for how often it is right against simple baselines.")

        st.subheader("Deficiencies and the week's plan")
        reassessed = read(assess.reassessment, athlete_id, clock.today())
        frbi = read(assess.frbi_by_day, athlete_id, clock.today())
        settings = report.athlete_settings(store(), athlete_id)
        week_start = clock.today() + dt.timedelta(days=1)
        try:
            prescription = assess.prescription(result.deficiencies, reassessed, frbi, settings, week_start)
        except PrescriptionError as err:
            st.error(str(err))
            st.stop()
        weakest = ", ".join(f"**{LABELS[c]}** → {MODALITY_LABELS[TEST_BY_COLUMN[c].modality]}"
                            for c in result.deficiencies)
        st.write(f"Weakest: {weakest}." if weakest else "No test pushes toward a less healthy class: the base week.")
        raised = {m: lv for m, lv in prescription.levels.items() if lv}
        if raised:
            st.caption("Intensified after the reassessments: " + ", ".join(
                f"{MODALITY_LABELS[m]} level {lv}" for m, lv in raised.items()))
        if prescription.cut:
            st.warning(f"FRBI is {prescription.frbi:.2f}: the first {prescription.cut_days} days are cut by "
                       f"{100 * prescription.cut:.0f} %.", icon=":material/warning:")
        catalog = read(queries.exercises).set_index("exercise_id")["name"]
        plan = prescription.plan.assign(exercise=lambda p: p["exercise_id"].map(catalog),
                                        duration_min=lambda p: p["duration_min"].round(0))
        edited = st.data_editor(plan, hide_index=True, key=f"fitness_plan_{athlete_id}", column_order=[
            "day", "session", "exercise", "sets", "reps_low", "reps_high", "duration_min", "intensity", "rpe"],
            disabled=["day", "session", "exercise", "intensity"], column_config={
            "day": C.DateColumn("Day", format="ddd D MMM"),
            "session": C.TextColumn("Session"), "exercise": C.TextColumn("Exercise"),
            "sets": C.NumberColumn("Sets", min_value=1, max_value=20, step=1),
            "reps_low": C.NumberColumn("Reps from", min_value=0, max_value=100, step=1),
            "reps_high": C.NumberColumn("to", min_value=0, max_value=100, step=1),
            "duration_min": C.NumberColumn("Minutes", min_value=0, max_value=240, step=1, format="%d"),
            "intensity": C.TextColumn("Intensity", width="large"),
            "rpe": C.NumberColumn("RPE", min_value=0, max_value=10, step=0.5, help="CR-10 session RPE target; "
                                  "planned load = RPE × minutes (Foster)")})
        left, right = st.columns(2)
        if left.button("Save as the planned week", type="primary", icon=":material/event_available:",
                       help="Replaces this page's earlier plan on those days; the training-load planner and the "
                            "overload page read the same plan"):
            try:
                assess.save_plan(store(), athlete_id, edited)
                st.success(f"Saved: {len(edited)} planned exercises from {week_start:%d %b}.")
            except plans.PlanError as err:
                st.error(f"Not saved: {err}")
        right.download_button("Export the plan (CSV)", csv_bytes(edited.drop(columns=["exercise_id"])),
                              f"plan_{names[athlete_id]}_{week_start}.csv", "text/csv", icon=":material/download:")
        with st.expander("How the plan is built"):
            st.markdown(rules_text(settings))
            st.caption(f"{help_text('frbi', settings)}. The paper names FRBI without a formula.")

        st.subheader("Reassessments")
        if reassessed.empty:
            st.caption("One battery so far: the first reassessment comes with a battery two weeks later.")
        else:
            st.plotly_chart(figures.reassessment_chart(reassessed, LABELS, settings.frbi_threshold),
                            key="fitness_reassess")
            st.caption(f"FRBI above {settings.frbi_threshold:g} on a reassessment day (red triangles) cut the load; "
                       "FRBI is the project's own definition (see How the plan is built).")

with squad_tab:
    ranked = read(assess.squad)
    counts = ranked["predicted_class"].value_counts().reindex(list(CLASSES), fill_value=0)
    measured = ranked["measured_class"].value_counts().reindex(list(CLASSES), fill_value=0)
    left, right = st.columns(2)
    left.plotly_chart(figures.class_distribution_chart(counts, "Predicted from the tests (latest battery)"),
                      key="fitness_squad_predicted")
    right.plotly_chart(figures.class_distribution_chart(measured, "Measured BMI class (latest battery)"),
                       key="fitness_squad_measured")
    st.caption("Most in need of attention first: the probability that the tests belong to a less healthy BMI class.")
    data_table(ranked.assign(weakest=ranked["deficiencies"].map(lambda d: ", ".join(LABELS[c] for c in d)),
                             p_unhealthy=100 * ranked["p_unhealthy"]),
               column_order=["name", "test_date", "p_unhealthy", "predicted_class",
                                              "measured_class", "bmi", "weakest"], column_config={
        "name": C.TextColumn("Athlete"), "test_date": C.DateColumn("Latest battery", format="D MMM YYYY"),
        "p_unhealthy": C.ProgressColumn("P(not normal)", format="%.0f %%", min_value=0, max_value=100),
        "predicted_class": C.TextColumn("Predicted"), "measured_class": C.TextColumn("Measured"),
        "bmi": C.NumberColumn("BMI", format="%.1f"), "weakest": C.TextColumn("Weakest tests")})
share_link()
