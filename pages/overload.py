"""Strength & overload: one athlete's next session per exercise from the overload models, how far
each model can be trusted on their held-out weeks, the exercise graph, SHAP for one exercise, and
a 4-week split the coach can export or save as the planned week."""
import datetime as dt

import pandas as pd
import streamlit as st

from engine import clock
from dashboard import figures
from dashboard.state import store
from dashboard.widgets import athlete_or_stop, data_table, share_link, train_prompt
from engine.export import csv_bytes
from engine.models.registry import ModelNotTrained
from engine.overload import predict
from engine.overload.dataset import FEATURE_LABELS, FEATURE_UNITS, TEST_DAYS
from engine.overload.evaluate import METRICS
from engine.overload.model import LEARNT, MODEL_LABELS, RULE_TEXT
from engine.overload.split import PROGRESSION_TEXT, ROUNDING_TEXT, SPLITS, SplitError, planned_week
from engine.store import plans

C = st.column_config
AS_LOGGED = "as logged"
RPE_OPTIONS = [AS_LOGGED, *[x / 2 for x in range(10, 21)]]          # RPE 5-10 in half steps
REST_OPTIONS = [AS_LOGGED, *range(1, 15)]                            # days


def _sets_text(weight_kg: pd.Series, reps: pd.Series, rest_s: pd.Series) -> list[str]:
    """"67.5 kg × 5, rest 175 s" per row (no rest when none is logged)."""
    return [f"{w:.1f} kg × {r:.0f}" + ("" if pd.isna(s) else f", rest {s:.0f} s")
            for w, r, s in zip(weight_kg, reps, rest_s)]


st.title("Strength & overload")
athlete_id = athlete_or_stop("upload strength logs")
graph = predict.athlete_graph(store(), athlete_id)
if graph.nodes.empty:
    st.info("This athlete has no strength sessions yet: upload a Strong, Hevy or native strength CSV (Upload page).",
            icon=":material/fitness_center:")
    share_link()
    st.stop()

left, right = st.columns(2)
rpe = left.select_slider(
    "Today's RPE (fatigue)", RPE_OPTIONS, value=AS_LOGGED, key="overload_rpe",
    help=f"What if every exercise's last session had felt like this (CR-10 RPE)? The models and the rule redraw "
         f"(the rule: {RULE_TEXT})")
rest_days = right.select_slider(
    "Days of rest before the next session", REST_OPTIONS, value=AS_LOGGED, key="overload_rest",
    help="What if the next session of each exercise came after this many days? 'as logged': the athlete's usual gap")
try:
    with st.spinner("Prescribing…"):
        prescription = predict.prescribe(store(), athlete_id, None if rpe == AS_LOGGED else rpe,
                                         None if rest_days == AS_LOGGED else rest_days)
except ModelNotTrained:
    train_prompt("overload", "overload", "next-session prescriptions", "well under a minute on the demo squad")
    share_link()
    st.stop()

st.subheader("Next session")
st.caption(f"By **{MODEL_LABELS[prescription.model]}**: {prescription.why}. Weights are rounded to the equipment's "
           f"step ({ROUNDING_TEXT}).")
if prescription.model not in LEARNT:
    st.caption(f"{MODEL_LABELS[prescription.model]} does not read RPE or days of rest: the sliders move the rule's "
               "suggestion and the SHAP chart, not the next session.")
everything = prescription.table
table = everything[everything["current"]]
if len(table) < len(everything):
    st.caption(f"{len(everything) - len(table)} exercises last done more than {predict.CURRENT_WEEKS} weeks before "
               "the latest session are left out.")
table = table.assign(last=_sets_text(table["last_weight_kg"], table["last_reps"], table["last_rest_s"]),
                     rule=_sets_text(table["rule_weight_kg"], table["rule_reps"], table["rule_rest_s"]))
logged = [c for c in ("rpe", "rest_s") if table[c].notna().any()]  # a log without RPE or rest: no empty column
data_table(table, key="prescription", height=38 + 35 * min(len(table), 20), column_order=[
    "exercise", "last_day", "last", *(["rpe"] if "rpe" in logged else []), "weight_kg", "reps",
    *(["rest_s"] if "rest_s" in logged else []), "rule"], column_config={
    "exercise": C.TextColumn("Exercise"),
    "last_day": C.DateColumn("Last done", format="ddd D MMM"),
    "last": C.TextColumn("Last session",
                       help="Its top set (heaviest weight, then most reps) and mean rest between sets"),
    "rpe": C.NumberColumn("RPE", format="%.1f", help="Mean RPE of the last session's sets (or the what-if)"),
    "weight_kg": C.NumberColumn("Next weight", format="%.1f kg", help="The model's top-set weight for next time"),
    "reps": C.NumberColumn("Next reps", format="%.0f"),
    "rest_s": C.NumberColumn("Next rest", format="%.0f s"),
    "rule": C.TextColumn("Rule suggests", help=f"The original project's rule: {RULE_TEXT}"),
})

trust = prescription.trust.assign(label=prescription.trust["model"].map(MODEL_LABELS))
with st.expander("How far to trust each model", expanded=False):
    st.caption(f"Mean absolute error of each model's next session, on this athlete's last {TEST_DAYS // 7} weeks "
               f"({int(trust['n_own'].iloc[0])} held-out sessions, never seen in training) and on the whole "
               "squad's. Lower is better.")
    data_table(trust, key="trust", column_order=[
        "label", *[f"own_{m}" for m in METRICS.values()], *[f"db_{m}" for m in METRICS.values()]], column_config={
        "label": C.TextColumn("Model"),
        "own_weight_mae_kg": C.NumberColumn("Weight, athlete", format="%.2f kg"),
        "own_reps_mae_reps": C.NumberColumn("Reps, athlete", format="%.2f"),
        "own_rest_mae_s": C.NumberColumn("Rest, athlete", format="%.1f s"),
        "db_weight_mae_kg": C.NumberColumn("Weight, squad", format="%.2f kg"),
        "db_reps_mae_reps": C.NumberColumn("Reps, squad", format="%.2f"),
        "db_rest_mae_s": C.NumberColumn("Rest, squad", format="%.1f s"),
    })
    for note in predict.strong_sample_notes(store()):
        st.caption(note)

names = dict(zip(table["exercise_id"], table["exercise"]))
st.plotly_chart(figures.exercise_graph_chart(prescription.graph.nodes, prescription.graph.edges, names),
                width="stretch", key="exercise_graph")
pick_col, shap_col = st.columns([1, 2], gap="medium")
exercise_id = pick_col.selectbox("Explain the next weight of", list(names), format_func=names.get, key="shap_exercise")
pick_col.caption("SHAP values of the predicted change in weight, computed on this session's own neighbourhood in "
                 "the graph: each bar is how much that input moves the prediction away from a typical training "
                 "session. The sliders above change them too.")
with st.spinner("Explaining…"):
    shap_values, explained = predict.explain_exercise(store(), prescription, exercise_id)
shap_col.plotly_chart(figures.shap_chart(shap_values, FEATURE_LABELS, FEATURE_UNITS, "kg",
                                         f"Why {MODEL_LABELS[explained]} changes the weight of {names[exercise_id]}"),
                      width="stretch", key="shap_chart")

st.subheader("4-week split")
cols = st.columns([1, 1, 2])
days_per_week = cols[0].segmented_control("Training days a week", list(SPLITS), default=3, key="split_days") or 3
first_day = cols[1].date_input("Starting", clock.today() + dt.timedelta(days=1), key="split_start")
try:
    split = predict.split_plan(store(), prescription, days_per_week, first_day)
except SplitError as err:
    st.warning(str(err))
    st.stop()
st.caption(PROGRESSION_TEXT)
week = st.segmented_control("Week", sorted(split["week"].unique()), default=1, key="split_week",
                            format_func=lambda w: f"Week {w}") or 1
shown = split[split["week"] == week]
data_table(shown, key="split_table", height=38 + 35 * len(shown), column_order=[
    "day", "day_label", "exercise", "sets", "reps_low", "reps_high", "weight_low_kg", "weight_high_kg", "rest_s",
    "note"], column_config={
    "day": C.DateColumn("Day", format="ddd D MMM"),
    "day_label": C.TextColumn("Session"),
    "exercise": C.TextColumn("Exercise"),
    "sets": C.NumberColumn("Sets", format="%d"),
    "reps_low": C.NumberColumn("Reps from", format="%d"),
    "reps_high": C.NumberColumn("to", format="%d"),
    "weight_low_kg": C.NumberColumn("Weight from", format="%.1f kg"),
    "weight_high_kg": C.NumberColumn("to", format="%.1f kg"),
    "rest_s": C.NumberColumn("Rest", format="%.0f s"),
    "note": C.TextColumn("Note"),
})
save_col, export_col = st.columns(2)
export_col.download_button("Export the 4 weeks as CSV", csv_bytes(split.drop(columns=["exercise_id"])),
                           file_name=f"split-{first_day:%Y-%m-%d}.csv", mime="text/csv", icon=":material/download:")
if save_col.button("Save week 1 as the planned week", type="primary", icon=":material/event_upcoming:",
                   help="Adds these sessions, with their estimated Foster load, to the plan the Training load and "
                        "What-if planner pages compare with what is done"):
    try:
        plans.save_planned_exercises(store(), athlete_id, planned_week(split), "split")
    except plans.PlanError as err:
        st.error(str(err))
    else:
        st.success(f"Saved {int((split['week'] == 1).sum())} planned exercises from {first_day:%a %d %b}.")
share_link()
