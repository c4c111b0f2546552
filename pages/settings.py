"""Settings: the training-load constants of each team, with what each one means."""
import streamlit as st

from dashboard.state import is_admin, param, read, seed, set_param, store
from dashboard.widgets import share_link
from engine.load import report
from engine.load.settings import CHOICES, FIELD_GROUPS, TIME_ZONES, LoadSettings, field_help, field_label
from engine.fitness.battery import CUTOFF_LABELS
from engine.store import app_settings

st.title("Settings")
st.write("Training-load constants per team. Bands and thresholds are guidance for a conversation "
         "with the athlete, not clinical cut-offs.")
all_settings = read(report.team_settings)
teams = list(all_settings)
label = {t: t or "(no team)" for t in teams}
seed("settings_team", param("team") if param("team") in teams else teams[0])
team = st.selectbox("Team", teams, format_func=label.get, key="settings_team")
set_param("team", team)
current = all_settings[team]

if "settings_saved" in st.session_state:
    st.success(st.session_state.pop("settings_saved"))
with st.form("load_settings"):
    values = {}
    for group, names in FIELD_GROUPS.items():
        st.markdown(f"**{group}**")
        cols = st.columns(3)
        for i, name in enumerate(names):
            value, col, key = getattr(current, name), cols[i % 3], f"{team}:{name}"
            shown = {"label": field_label(name), "help": field_help(name), "key": key}
            if name in CHOICES:
                values[name] = col.selectbox(options=CHOICES[name], index=CHOICES[name].index(value), **shown)
            elif name == "time_zone":
                if st.context.timezone:
                    shown["help"] += f" This browser is in {st.context.timezone}."
                values[name] = col.selectbox(options=TIME_ZONES, index=TIME_ZONES.index(value), **shown)
            elif isinstance(value, int) and not isinstance(value, bool):
                values[name] = int(col.number_input(value=value, step=1, **shown))
            else:
                values[name] = col.number_input(value=float(value), format="%.3g", **shown)
    save, reset = st.columns([1, 5])
    if save.form_submit_button("Save", type="primary"):
        try:
            report.save_team_settings(store(), team, LoadSettings(**values))
            st.success(f"Settings saved for {label[team]}.")
        except ValueError as err:
            st.error(f"Not saved: {err}")
    if reset.form_submit_button("Reset to defaults", help="Every constant of this team back to its default"):
        report.save_team_settings(store(), team, LoadSettings())
        for name in values:
            st.session_state.pop(f"{team}:{name}", None)
        st.session_state["settings_saved"] = f"Defaults restored for {label[team]}."
        st.rerun()

st.subheader("Map")
if not is_admin():
    st.caption("The map background and the BMI cut-offs apply to every team: an admin of this dashboard sets them.")
tiles_now = app_settings.get(store(), "map_tiles")
tile_choices = list(app_settings.CHOICES["map_tiles"])
tiles = st.radio("Map background", tile_choices, index=tile_choices.index(tiles_now), horizontal=True,
                 format_func={"none": "None (plain, works offline)", "OpenStreetMap": "OpenStreetMap"}.get,
                 help=app_settings.HELP["map_tiles"], disabled=not is_admin())
if tiles != tiles_now:
    app_settings.set(store(), "map_tiles", tiles)
    st.success(f"Map background saved: {tiles}.")

st.subheader("Fitness tests")
cutoffs_now = app_settings.get(store(), "bmi_cutoffs")
cutoff_choices = list(app_settings.CHOICES["bmi_cutoffs"])
cutoffs = st.radio("BMI cut-offs", cutoff_choices, index=cutoff_choices.index(cutoffs_now), horizontal=True,
                   format_func=CUTOFF_LABELS.get, help=app_settings.HELP["bmi_cutoffs"], disabled=not is_admin())
if cutoffs != cutoffs_now:
    app_settings.set(store(), "bmi_cutoffs", cutoffs)
    st.success(f"BMI cut-offs saved: {CUTOFF_LABELS[cutoffs]}.")
share_link()
