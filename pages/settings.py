"""Settings: the training-load constants of each team, with what each one means."""
import dataclasses

import streamlit as st

from dashboard.state import param, read, set_param, store
from dashboard.widgets import share_link
from engine.load import report
from engine.load.settings import CHOICES, FIELD_HELP, LoadSettings
from engine.fitness.battery import CUTOFF_LABELS
from engine.store import app_settings

st.title("Settings")
st.write("Training-load constants per team. Bands and thresholds are guidance for a conversation "
         "with the athlete, not clinical cut-offs.")
all_settings = read(report.team_settings)
teams = list(all_settings)
label = {t: t or "(no team)" for t in teams}
team = st.selectbox("Team", teams, index=teams.index(param("team")) if param("team") in teams else 0,
                    format_func=label.get)
set_param("team", team)
current = all_settings[team]

with st.form("load_settings"):
    values = {}
    cols = st.columns(3)
    for i, field in enumerate(dataclasses.fields(LoadSettings)):
        value, col, help_text = getattr(current, field.name), cols[i % 3], FIELD_HELP[field.name]
        if field.name in CHOICES:
            options = CHOICES[field.name]
            values[field.name] = col.selectbox(field.name, options, index=options.index(value), help=help_text)
        elif isinstance(value, int) and not isinstance(value, bool):
            values[field.name] = int(col.number_input(field.name, value=value, step=1, help=help_text))
        else:
            values[field.name] = col.number_input(field.name, value=float(value), help=help_text, format="%.3g")
    if st.form_submit_button("Save", type="primary"):
        try:
            report.save_team_settings(store(), team, LoadSettings(**values))
            st.success(f"Settings saved for {label[team]}.")
        except ValueError as err:
            st.error(f"Not saved: {err}")

st.subheader("Map")
tiles_now = app_settings.get(store(), "map_tiles")
tile_choices = list(app_settings.CHOICES["map_tiles"])
tiles = st.radio("Map background", tile_choices, index=tile_choices.index(tiles_now), horizontal=True,
                 format_func={"none": "None (plain, works offline)", "OpenStreetMap": "OpenStreetMap"}.get,
                 help=app_settings.HELP["map_tiles"])
if tiles != tiles_now:
    app_settings.set(store(), "map_tiles", tiles)
    st.success(f"Map background saved: {tiles}.")

st.subheader("Fitness tests")
cutoffs_now = app_settings.get(store(), "bmi_cutoffs")
cutoff_choices = list(app_settings.CHOICES["bmi_cutoffs"])
cutoffs = st.radio("BMI cut-offs", cutoff_choices, index=cutoff_choices.index(cutoffs_now), horizontal=True,
                   format_func=CUTOFF_LABELS.get, help=app_settings.HELP["bmi_cutoffs"])
if cutoffs != cutoffs_now:
    app_settings.set(store(), "bmi_cutoffs", cutoffs)
    st.success(f"BMI cut-offs saved: {CUTOFF_LABELS[cutoffs]}.")
share_link()
