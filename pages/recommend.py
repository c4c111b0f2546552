"""Exercise recommendations: one athlete's ranked list under hard constraints (equipment, level,
muscles to avoid, a goal, a target or a fitness-test deficiency), each with its reasons, the
catalog's instructions and "Add to plan"; and a squad view of the exercises recommended most and
the muscle groups the squad neglects."""
import datetime as dt

import streamlit as st

from engine import clock
from dashboard import figures
from dashboard.state import read, store
from dashboard.widgets import athlete_or_stop, data_table, plain, share_link, train_prompt
from engine.fitness.battery import TEST_BY_COLUMN
from engine.models.registry import ModelNotTrained
from engine.recommend import constraints as cons
from engine.recommend import service
from engine.store import plans, queries

C = st.column_config
st.title("Exercise recommendations")
athlete_id = athlete_or_stop("upload a Strong or Hevy log")
names = read(queries.athletes).set_index("athlete_id")["name"]
try:
    fitted, card = service.model(store())
except ModelNotTrained:
    train_prompt("recommend", "recommend", "exercise recommendations with their reasons",
                 "a few seconds")
    share_link()
    st.stop()

athlete_tab, squad_tab = st.tabs(["Athlete", "Squad"])
with athlete_tab:
    catalog = fitted.catalog
    st.markdown("**Equipment available**")
    kits = sorted(set(cons.equipment_of(catalog)))
    columns = st.columns(5)
    chosen_kit = {kit for k, kit in enumerate(kits) if columns[k % 5].checkbox(kit, value=True, key=f"kit_{kit}")}
    left, middle, right = st.columns(3)
    level = left.segmented_control("Hardest level", cons.LEVELS, default=cons.LEVELS[-1], key="level",
                                   help="Catalog level of the hardest exercise to suggest") or cons.LEVELS[-1]
    muscles = sorted({m for ms in catalog["primary_muscles"] for m in ms})
    avoid = middle.multiselect("Muscles to avoid (injury)", muscles, key="avoid",
                               help="Nothing that works these, as a primary or a secondary muscle, is suggested")
    goal = right.selectbox("Goal", [None, *cons.GOALS], key="goal",
                           format_func=lambda g: "Any" if g is None else cons.GOALS[g].label,
                           help="Keeps the catalog categories that serve the goal; the scheme an added exercise "
                                "gets: " + "; ".join(f"{g.label.lower()} {g.sets} × {g.reps_low}–{g.reps_high}, "
                                                     f"{g.rest_s:.0f} s rest" for g in cons.GOALS.values()))
    fitness = service.fitness_targets(store(), athlete_id)
    targets = ["any", "muscles", *(fitness[1] if fitness else [])]
    target = st.radio("Target", targets, horizontal=True, key="target", format_func=lambda t: {
        "any": "Any muscle", "muscles": "Muscles I choose"}.get(t) or (
        f"Fitness test: {cons.DEFICIENCY_TARGETS[t].label} ({TEST_BY_COLUMN[t].label}, {fitness[0]:%-d %b %Y})"),
        help="A fitness-test deficiency (Fitness tests page, latest battery) sets the target muscles and the goal")
    try:
        equipment = None if chosen_kit == set(kits) else frozenset(chosen_kit)
        if target in cons.DEFICIENCY_TARGETS:
            constraints = cons.Constraints.from_deficiency(target, equipment=equipment, level=level,
                                                           avoid=frozenset(avoid))
            st.caption(f"Target: {', '.join(sorted(constraints.target))}; goal: "
                       f"{cons.GOALS[constraints.goal].label.lower()} (from the deficiency)")
        else:
            chosen = st.multiselect("Target muscles", [m for m in muscles if m not in avoid], key="target_muscles") \
                if target == "muscles" else []
            constraints = cons.Constraints(equipment=equipment, level=level, avoid=frozenset(avoid),
                                           target=frozenset(chosen), goal=goal)
    except cons.ConstraintError as err:
        st.error(str(err), icon=":material/error:")
        st.stop()

    recs = service.recommendations(store(), athlete_id, constraints)
    st.subheader(f"For {plain(names[athlete_id])}")
    if not recs:
        st.warning("No catalog exercise meets all these constraints: loosen one.", icon=":material/filter_alt_off:")
    else:
        day = st.date_input("Add to the plan on", clock.today() + dt.timedelta(days=1), key="plan_day",
                            help="The athlete's planned week, the same one the training-load, overload and fitness "
                                 "pages show")
        for rank, rec in enumerate(recs, 1):
            with st.container(border=True):
                head, button = st.columns([5, 1])
                why = "; ".join(rec.reasons)
                head.markdown(f"**{rank}. {rec.name}**  \n{why[:1].upper()}{why[1:]}.")
                if button.button("Add to plan", key=f"add_{rec.exercise_id}", icon=":material/playlist_add:"):
                    try:
                        service.add_to_plan(store(), athlete_id, rec.exercise_id, day, constraints.goal)
                        st.session_state["added"] = (f"{rec.name} added to {names[athlete_id]}'s plan on "
                                                     f"{day:%a %-d %b}.")
                    except plans.PlanError as err:
                        st.session_state["added"] = f"Not added: {err}"
                st.caption(f"Primary: {', '.join(rec.primary_muscles) or '–'} · secondary: "
                           f"{', '.join(rec.secondary_muscles) or '–'} · {rec.equipment} · {rec.level} · "
                           f"{rec.category}")
                steps = service.instructions(rec.exercise_id)
                if steps:
                    with st.expander("Instructions"):
                        st.markdown("\n".join(f"{k}. {s}" for k, s in enumerate(steps, 1)))
        if st.session_state.get("added"):
            st.success(st.session_state.pop("added"), icon=":material/playlist_add_check:")
        planned = read(plans.planned_exercises, athlete_id, clock.today(), clock.today() + dt.timedelta(days=13))
        st.markdown("**Planned, next two weeks**")
        if planned.empty:
            st.caption("Nothing planned yet.")
        else:
            data_table(planned, column_order=["day", "exercise", "sets", "reps_low", "reps_high",
                                                                "rest_s", "load_au", "source"], column_config={
                "day": C.DateColumn("Day", format="ddd D MMM"), "exercise": "Exercise", "sets": "Sets",
                "reps_low": "Reps from", "reps_high": "to", "rest_s": C.NumberColumn("Rest (s)", format="%.0f"),
                "load_au": C.NumberColumn("Planned load (a.u.)", format="%.0f", help="Foster sRPE × min"),
                "source": C.TextColumn("From", help="recommend: this page; split: the overload page's split; "
                                                  "fitness: the fitness prescription")})
    st.caption(service.evaluation_text(card))

with squad_tab:
    st.subheader("Recommended most across the squad")
    top = read(service.most_recommended)
    data_table(top, height=35 * (len(top) + 1) + 3,
               column_order=["exercise", "athletes", "primary_muscles", "equipment"],
               column_config={"exercise": "Exercise",
                              "athletes": C.NumberColumn("Athletes", help="In how many athletes' top 10 it is"),
                              "primary_muscles": "Primary muscles", "equipment": "Equipment"})
    st.subheader("Muscle groups the squad neglects")
    balance = read(service.muscle_balance)
    if balance.empty:
        st.caption("No strength log yet.")
    else:
        st.plotly_chart(figures.muscle_balance_chart(balance, service.REFERENCE_SETS_PER_WEEK), width="stretch")
        neglected = balance[balance["neglected"]]["muscle"].tolist()
        if len(neglected) == len(balance):
            st.write(f"Every major muscle group is below the reference; the least trained: "
                     f"**{', '.join(neglected[:3])}**.")
        else:
            st.write(f"Below the reference: **{', '.join(neglected)}**." if neglected
                     else "Every major muscle group reaches the reference.")
        st.caption(service.balance_text())
share_link()
