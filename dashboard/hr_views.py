"""The HR models in the app: the session view's prediction panel (predicted against real curves,
a pace slider, another route, the ease-off timeline). Reads engine.hr.predict, draws."""
from __future__ import annotations

import streamlit as st

from dashboard import figures, nav
from dashboard.state import store
from dashboard import widgets
from dashboard.widgets import metric
from engine.hr import predict
from engine.models.registry import ModelNotTrained

OWN_ROUTE = 0


def train_prompt(what: str) -> None:
    """No HR model yet: say so, and train it behind a status on request."""
    widgets.train_prompt("hr", "HR", what, "about a minute and a half on the demo squad (two CPU cores)")


def ceiling_picker(hr_max_bpm: float, key: str) -> float:
    """The warning ceiling as a fraction of HRmax (the fractions the Models page evaluates)."""
    options = list(predict.CEILING_FRACTIONS)
    fraction = st.segmented_control(
        "Ease-off ceiling", options, default=options[-1], key=key,
        format_func=lambda f: f"{100 * f:.0f} % HRmax ({f * hr_max_bpm:.0f} bpm)",
        help="The warning fires where the short-term model's forecast of the next 10 s crosses this ceiling")
    return fraction or options[-1]


def session_panel(activity_id: int) -> None:
    """Predicted against real HR and speed for one run, with what-ifs and the ease-off timeline."""
    st.subheader("Predicted by the HR model")
    left, right = st.columns(2)
    pace_pct = left.slider("Pace change", -20, 20, 0, step=5, format="%+d %%", key="hr_pace",
                           help="Run the same route this much faster (+) or slower (−): the predicted HR redraws")
    try:
        with st.spinner("Reading the squad's routes…"):
            options = {OWN_ROUTE: "This run's own route"} | {r.route_id: r.label for r in predict.routes(store())}
        route_id = right.selectbox("Run it on another route", list(options), format_func=options.get, key="hr_route",
                                   help="The speed model paces the athlete along the other route, then the HR model "
                                        "predicts the HR there")
        prediction = predict.session_prediction(store(), activity_id, 1 + pace_pct / 100,
                                                None if route_id == OWN_ROUTE else route_id)
    except ModelNotTrained:
        train_prompt("this run's predicted HR and speed")
        return
    except predict.NoPrediction as err:
        st.caption(f"No prediction for this session: {err}.")
        return
    label = (f"On {options[route_id]}" if route_id != OWN_ROUTE else "This route") + (
        f" at {pace_pct:+d} % pace" if pace_pct else "")
    cols = st.columns(3)
    with cols[0]:
        metric("HR error, this run", prediction.hr_mae_bpm, "bpm",
               help="Mean absolute difference between the predicted and the real HR over this run's 10 s steps "
                    "(at its own pace)")
    with cols[1]:
        metric("Speed error, this run", prediction.speed_mae_kmh, "km/h",
               help="Mean absolute difference between the predicted and the real moving speed per 50 m")
    with cols[2]:
        metric("This run in the data", prediction.split.split(" (")[0].split(":")[0].capitalize(),
               help=f"Where the run falls in the split: {prediction.split}. A training run's error is optimistic; "
                    "the Models page gives the held-out figures")
    ceiling = ceiling_picker(prediction.hr_max_bpm, "hr_ceiling") * prediction.hr_max_bpm
    onsets = predict.ease_off(prediction, ceiling / prediction.hr_max_bpm)
    st.plotly_chart(figures.predicted_hr_chart(prediction.time, prediction.what_if, label, ceiling, onsets),
                    width="stretch", key="hr_predicted")
    if len(onsets):
        times = ", ".join(figures.clock(t * 60) for t in onsets["t_min"].head(8))
        st.caption(f"Ease-off warning would have fired {len(onsets)} time{'s' if len(onsets) > 1 else ''} on this run "
                   f"(at {times}{' …' if len(onsets) > 8 else ''} elapsed): the short-term model's "
                   f"forecast of the next 10 s crossed {ceiling:.0f} bpm.")
    else:
        st.caption("The ease-off warning would not have fired on this run: the forecast never crossed "
                   f"{ceiling:.0f} bpm.")
    st.plotly_chart(figures.predicted_speed_chart(prediction.route), width="stretch", key="speed_predicted")
    who = ("the population model (this athlete has too few runs for their own embedding)" if prediction.population
           else "this athlete's own embedding and their previous run")
    st.caption(f"HR model v{prediction.version}, FitRec-style: from the route, the pace and {who}. The speed model "
               "predicts the pace from the route, the weekday and the athlete's habits: it cannot see the day's plan "
               "(an easy run or intervals).")
    if nav.shown("models"):
        st.page_link(nav.page("models"), label="How the HR models compare with their baselines",
                     icon=":material/model_training:")
