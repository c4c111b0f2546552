"""Session: one activity (?activity=ID). Runs and rides: map, curves and splits; strength: sets,
volume and e1RM against the previous best."""
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard import figures, hr_views, maps, nav
from dashboard.state import param, read, read_only, seed, set_param, store
from dashboard.widgets import athlete_picker, data_table, hr_notes, metric, metric_row, plain, share_link
from engine.ingest.common import PAUSE_GAP_S
from engine.load import report
from engine.load.session import ZONE_COLUMNS
from engine.session import detail, strength
from engine.store import app_settings, queries, sessions
from engine.store.edits import NOTE_MAX_CHARS, InvalidEdit, update_session

C = st.column_config


def session_label(row) -> str:
    """"Running · Sun 10 Jan 2021 · Morning run": sport, date and name of an activity row."""
    name = plain(row["name"]) if pd.notna(row["name"]) and str(row["name"]).strip() else None
    return " · ".join(x for x in [str(row["sport"]).capitalize(), f"{row['start_time']:%a %d %b %Y}", name] if x)


def choice(label: str, options: dict[str, str], url_key: str, help: str) -> str:
    """A segmented control whose choice is kept in the URL (?url_key=)."""
    keys = list(options)
    seed(f"choice_{url_key}", param(url_key) if param(url_key) in keys else keys[0])
    value = st.segmented_control(label, keys, format_func=options.get, key=f"choice_{url_key}", help=help) or keys[0]
    set_param(url_key, value)
    return value


raw_id = param("activity") or ""
set_param("at", None)  # the squad's link carries the start time only to label itself
found = read(sessions.activity, int(raw_id)) if raw_id.isdigit() and len(raw_id) < 19 else pd.DataFrame()  # BIGINT
if found.empty:
    st.title("Session")
    st.info((f"There is no session with id {raw_id!r}. " if raw_id else "No session chosen. ")
            + "Open one from the **Activities** table of the athlete page (select its row), a day of its "
            + ("**Calendar**, " if read_only() else "**Calendar**, the **Last activity** column of the squad, ")
            + "or pick one of the latest below.",
            icon=":material/info:")
    athlete_id = athlete_picker(container=st.sidebar)
    if athlete_id is not None:
        latest = read(queries.activities, athlete_id).head(10)
        names = read(queries.athletes).set_index("athlete_id")["name"]
        st.subheader(f"Latest sessions of {plain(names.get(athlete_id, 'this athlete'))}")
        if latest.empty:
            st.caption("No sessions yet.")
        for _, row in latest.iterrows():
            st.page_link(nav.page("session"), label=session_label(row),
                         query_params={"activity": str(row["activity_id"])},
                         icon=":material/fitness_center:" if row["sport"] == "strength"
                         else ":material/directions_run:")
    share_link()
    st.stop()

act = found.iloc[0]
activity_id = int(act["activity_id"])
st.session_state["athlete_id"] = int(act["athlete_id"])  # the athlete pages follow the coach from here
samples = read(sessions.samples, activity_id)
sets = read(sessions.strength_sets, activity_id)
pace_sport = detail.shows_pace(act["sport"])

st.title(session_label(act))
st.page_link(nav.page("athlete"), label=plain(act["athlete_name"]), icon=":material/person:",
             query_params={"athlete": str(act["athlete_id"])}, help="Open the athlete's page")
st.caption(" · ".join(str(x) for x in [
    f"Started {act['start_time']:%H:%M} "   # stored in UTC, read in the team's time zone (Settings)
    f"({read(report.athlete_settings, int(act['athlete_id'])).time_zone})",
    act["device"] if pd.notna(act["device"]) else None,
    f"{int(act['pause_count'])} pause{'' if act['pause_count'] == 1 else 's'} over {PAUSE_GAP_S:.0f} s"
    if pd.notna(act["pause_count"]) and act["pause_count"] else None,
] if x))

if len(samples) or pd.notna(act["distance_m"]):
    avg_pace = detail.pace_s_per_km(act["moving_time_s"], act["distance_m"])
    with metric_row():
        metric("Distance", act["distance_m"] / 1000, "km", digits=2, help="Distance of the activity as recorded")
        metric("Duration", figures.clock(act["duration_s"]), help="Elapsed time, start to finish (h:mm:ss)")
        metric("Moving time", figures.clock(act["moving_time_s"]),
               help=f"Elapsed time minus pauses (gaps over {PAUSE_GAP_S:.0f} s between records), h:mm:ss")
        if pace_sport:
            metric("Avg pace", f"{figures.clock(avg_pace)} /km" if pd.notna(avg_pace) else None,
                   help="Moving time per km (min:ss per km)")
        else:
            metric("Avg speed", 3600 / avg_pace if pd.notna(avg_pace) else None, "km/h",
                   help="Distance over moving time, km/h")
        metric("Avg HR", act["avg_hr"], "bpm", digits=0, help="Average heart rate of the activity")
        metric("Max HR", act["max_hr"], "bpm", digits=0, help="Highest heart rate of the activity")
else:
    with metric_row():
        metric("Duration", act["duration_s"] / 60 if pd.notna(act["duration_s"]) else None, "min", digits=0,
               help="Session duration, as logged")
        metric("Volume", strength.total_volume_kg(sets), "kg", digits=0,
               help="Sum of weight x reps over working sets (warm-ups excluded)")
        metric("Sets", len(sets), help="All sets of the session, warm-ups included")
        metric("Exercises", sets["exercise_id"].nunique() if len(sets) else 0, help="Different exercises done")

loads = read(report.session_detail, int(act["athlete_id"]), activity_id)
settings = read(report.athlete_settings, int(act["athlete_id"]))
st.subheader("Load")
SOURCE_BADGES = {"srpe": ":blue-badge[sRPE]", "hr": ":green-badge[HR]", "estimated": ":orange-badge[estimated]"}
cols = st.columns(5)
with cols[0]:
    unit = "hrTSS" if settings.load_source == "hrtss" else "a.u."
    metric("Counted load", loads["load_au"], unit, digits=0,
           help=f"What this session adds to the daily load (load source: {settings.load_source}, Settings page)")
with cols[1]:
    metric("sRPE x min", loads["foster_au"], "a.u.", digits=0,
           help="Foster et al. 2001: session RPE (CR-10) x duration in minutes; blank without a session RPE")
with cols[2]:
    metric("Banister TRIMP", loads["trimp_banister"], "a.u.", digits=0,
           help="Sum of minutes x HRr x a x e^(b x HRr), HRr = (HR - rest) / (max - rest) (Banister 1991); "
                f"a {settings.trimp_a_men:g} / b {settings.trimp_b_men:g} for men, "
                f"{settings.trimp_a_women:g} / {settings.trimp_b_women:g} for women")
with cols[3]:
    metric("Edwards TRIMP", loads["trimp_edwards"], "a.u.", digits=0,
           help="Minutes in the zones 50-60 ... 90-100 % of HRmax x 1 ... 5 (Edwards 1993)")
with cols[4]:
    metric("hrTSS", loads["hrtss"], "", digits=0,
           help="100 x Banister TRIMP / TRIMP of 60 min at LTHR: 100 = an hour at threshold")
st.markdown(f"{SOURCE_BADGES.get(loads['source'], '')} {loads['basis_text']}")
has_hr = pd.notna(loads["hrtss"]) or pd.notna(loads["trimp_edwards"])
if has_hr:
    profile = loads["profile"]
    st.caption("HR profile used: " + " · ".join(hr_notes(profile)) + (
        ". Fill in the athlete's profile to replace the estimates." if profile["hr_estimated"] else "."))
    zones = [loads[c] for c in ZONE_COLUMNS]
    if pd.notna(zones[0]):
        st.plotly_chart(figures.session_zones_chart(zones, loads["profile"]["hr_max"]), width="stretch",
                        key="session_zones")

if not read_only():  # a signed athlete link changes nothing
    with st.expander("Edit session RPE, duration or note", icon=":material/edit:"):
        with st.form("edit_session"):
            left, middle = st.columns(2)
            srpe = left.number_input(
                "Session RPE (CR-10)", 0.0, 10.0, value=act["srpe"] if pd.notna(act["srpe"]) else None, step=0.5,
                placeholder="not given",
                help="How hard the whole session was, 0 (rest) to 10 (maximal), asked ~30 min after (Foster 2001); "
                     "empty: the load comes from set RPE, HR or the team default")
            minutes = middle.number_input("Duration (min)", 0.1, 1440.0, step=1.0, format="%.1f",
                                          value=act["duration_s"] / 60 if pd.notna(act["duration_s"]) else None,
                                          placeholder=f"estimated {loads['duration_used_s'] / 60:.0f}"
                                          if pd.notna(loads["duration_used_s"]) else "not known",
                                          help="Session duration, min: the Foster load is sRPE x minutes")
            note = st.text_area("Note", act["note"] if pd.notna(act["note"]) else "", max_chars=NOTE_MAX_CHARS,
                                help="Anything the coach wants to remember about this session")
            if st.form_submit_button("Save", type="primary"):
                try:
                    update_session(store(), activity_id, srpe=srpe, note=note,
                                   duration_s=None if minutes is None else minutes * 60)
                    st.toast("Session saved: every figure is recomputed.", icon=":material/check:")
                    st.rerun()
                except InvalidEdit as err:
                    st.error(f"Not saved: {err}")
if pd.notna(act["note"]):
    st.info(plain(act["note"]), icon=":material/sticky_note_2:")

if len(samples):
    track = detail.track(samples)
    laps = read(sessions.laps, activity_id)
    map_col, splits_col = st.columns([1, 1], gap="medium")
    with map_col:
        st.subheader("Route")
        if track["lat"].notna().sum() >= 2:
            colours = {"hr": "HR", "pace": "Pace" if pace_sport else "Speed", "grade": "Grade"}
            if track["heart_rate"].isna().all():
                colours.pop("hr")
            if track["altitude_smooth_m"].isna().all():
                colours.pop("grade")
            colour = choice("Colour the track by", colours, "color",
                            "HR: heart rate; Pace/Speed: smoothed speed; Grade: slope of the smoothed altitude (%)")
            bins = maps.colour_bins(track, colour, pace_sport)
            tiles = app_settings.get(store(), "map_tiles")
            st_folium(maps.track_map(track, bins, tiles), height=460, use_container_width=True, returned_objects=[],
                      key="session_map")
            st.plotly_chart(figures.colour_legend(list(bins.labels), list(bins.colors), bins.title), width="stretch",
                            config={"displayModeBar": False, "staticPlot": True}, key="map_legend")
            st.caption("Green dot: start · dark ring: finish · numbered dots: each km. "
                       + ("Map background: none (Settings → Map)." if tiles == "none" else "Map © OpenStreetMap."))
        else:
            st.info("No GPS positions in this activity: no map.", icon=":material/location_off:")
    with splits_col:
        st.subheader("Splits")
        options = {"km": "Per km", "lap": "Per device lap"} if len(laps) else {"km": "Per km"}
        split_by = choice("Splits", options, "splits", "Per km of distance, or per lap as the device recorded them")
        table = detail.km_splits(track) if split_by == "km" else detail.lap_splits(track, laps)
        shown = table.assign(distance_km=table["distance_m"] / 1000, time=table["moving_s"].map(figures.clock),
                             pace=table["pace_s_per_km"].map(lambda s: figures.clock(s) if pd.notna(s) else None),
                             speed_kmh=3600 / table["pace_s_per_km"])
        data_table(shown, key="splits_table",
                   height=min(38 + 35 * len(shown), 600),
                   column_order=["split", "distance_km", "time", "pace" if pace_sport else "speed_kmh",
                                 "avg_hr_bpm", "gain_m", "loss_m"],
                   column_config={
                       "split": C.NumberColumn("Km" if split_by == "km" else "Lap", format="%d",
                                               help="Split number: each km, or the device's lap number"),
                       "distance_km": C.NumberColumn("Distance", format="%.2f km", help="Distance of the split"),
                       "time": C.TextColumn("Time", help=f"Moving time of the split: pauses over "
                                                         f"{PAUSE_GAP_S:.0f} s left out (m:ss)"),
                       "pace": C.TextColumn("Pace /km", help="Moving time per km of the split (min:ss per km)"),
                       "speed_kmh": C.NumberColumn("Speed", format="%.1f km/h", help="Distance over moving time"),
                       "avg_hr_bpm": C.NumberColumn("Avg HR", format="%.0f bpm",
                                                    help="Time-weighted mean heart rate over the moving time"),
                       "gain_m": C.NumberColumn("Gain", format="%.0f m", help="Climbs of the smoothed altitude"),
                       "loss_m": C.NumberColumn("Loss", format="%.0f m", help="Descents of the smoothed altitude"),
                   })
        note = "" if len(laps) else " This file has no device laps."
        if table["gain_m"].notna().any():
            st.caption(f"Elevation over the splits: +{table['gain_m'].sum():.0f} m / −{table['loss_m'].sum():.0f} m "
                       f"(smoothed altitude; the device's own total may differ).{note}")
        elif note:
            st.caption(note.strip())
    st.subheader("Curves")
    x_axis = choice("Against", {"distance": "Distance (km)", "time": "Time (min)"}, "x",
                    "Draw the curves against distance or elapsed time")
    st.plotly_chart(figures.session_curves(track, x_axis, pace_sport), width="stretch", key="session_curves")
    st.caption("Pace and speed are smoothed (rolling median then mean over 25 s), so a GPS spike never shows; "
               "slower than walking (5 km/h) is left blank. Faster is up.")
    if pace_sport and track["heart_rate"].notna().any():
        hr_views.session_panel(activity_id)

if len(sets):
    summary = strength.exercise_summary(sets, read(sessions.earlier_sets, activity_id))
    st.subheader("Volume and e1RM per exercise")
    data_table(summary, key="exercise_table",
               height=min(38 + 35 * len(summary), 600),
               column_order=["exercise_name", "working_sets", "volume_kg", "best_e1rm_kg", "previous_best_e1rm_kg",
                             "e1rm_change_kg"],
               column_config={
                   "exercise_name": C.TextColumn("Exercise"),
                   "working_sets": C.NumberColumn("Working sets", help="Sets that are not warm-ups"),
                   "volume_kg": C.NumberColumn("Volume", format="%.0f kg",
                                               help="Sum of weight x reps over working sets (warm-ups excluded)"),
                   "best_e1rm_kg": C.NumberColumn("Best e1RM", format="%.1f kg",
                                                  help="Best estimated 1RM this session: Epley, w x (1 + reps/30), "
                                                       "working sets of 1-10 reps with a weight"),
                   "previous_best_e1rm_kg": C.NumberColumn(
                       "Previous best", format="%.1f kg",
                       help="Best e1RM (Epley) of this exercise before this session"),
                   "e1rm_change_kg": C.NumberColumn("Change", format="%+.1f kg",
                                                    help="This session's best e1RM minus the previous best"),
               })
    st.caption(f"Total volume {strength.total_volume_kg(sets):,.0f} kg over {int(summary['working_sets'].sum())} "
               "working sets.")
    st.subheader("Sets")
    data_table(sets, key="sets_table", height=min(38 + 35 * len(sets), 880),
               column_order=["exercise_name", "set_order", "set_type", "weight_kg", "reps",
                             *(["duration_s"] if sets["duration_s"].notna().any() else []), "rpe", "rir", "rest_s"],
               column_config={
                   "exercise_name": C.TextColumn("Exercise"),
                   "set_order": C.NumberColumn("Set", help="Set number within the exercise"),
                   "set_type": C.TextColumn("Type", help="normal, warmup, failure or dropset"),
                   "weight_kg": C.NumberColumn("Weight", format="%.1f kg", help="External load; empty = body weight"),
                   "reps": C.NumberColumn("Reps", help="Repetitions"),
                   "duration_s": C.NumberColumn("Duration", format="%.0f s", help="Duration of a timed set"),
                   "rpe": C.NumberColumn("RPE", format="%.1f", help="Rating of perceived exertion, 0-10 (RIR-based)"),
                   "rir": C.NumberColumn("RIR", format="%.0f", help="Repetitions in reserve"),
                   "rest_s": C.NumberColumn("Rest", format="%.0f s", help="Rest after the set"),
               })

if not len(samples) and not len(sets):
    st.info("This session has no samples and no sets: only its totals are known.", icon=":material/info:")
share_link()
