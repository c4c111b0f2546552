"""Routes: every route the squad has run on one map, and the route finder: routes ranked for an
athlete by the HR the model predicts there against a target average HR or a ceiling."""
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard import figures, maps
from dashboard.hr_views import train_prompt
from dashboard.state import read, store
from dashboard.widgets import athlete_picker, data_table, share_link
from engine.hr import predict
from engine.hr.routes import route_frame
from engine.load import report
from engine.models.registry import ModelNotTrained
from engine.store import app_settings

C = st.column_config
FALLBACK_HR_MAX_BPM = 190.0  # ceilings and targets before the athlete has any HR
TARGETS = {"target": "Target average HR", "ceiling": "Stay under a ceiling"}

st.title("Routes")
with st.spinner("Reading the squad's routes…"):
    routes = predict.routes(store())
if not routes:
    st.info("No routes yet: upload runs with GPS and heart rate (Upload page).", icon=":material/route:")
    share_link()
    st.stop()
by_id = {r.route_id: r for r in routes}
tiles = app_settings.get(store(), "map_tiles")

athlete_id = athlete_picker(container=st.sidebar)
profile = read(report.hr_profile, athlete_id) if athlete_id is not None else None
hr_max = float(profile["hr_max"]) if profile is not None and pd.notna(profile["hr_max"]) else FALLBACK_HR_MAX_BPM

st.subheader("Find a route")
cols = st.columns([1, 1, 1])
distance_km = cols[0].number_input("Distance (km)", 1.0, 60.0, 10.0, step=0.5,
                                   help="A shorter route is run in loops, a longer one cut at this distance")
mode = cols[1].segmented_control("Rank by", list(TARGETS), format_func=TARGETS.get, default="target", key="route_mode",
                                 help="Closest predicted average HR to a target, or the least time above a ceiling") \
    or "target"
default_bpm = round((0.75 if mode == "target" else 0.85) * hr_max)
bpm = cols[2].number_input("Target average HR (bpm)" if mode == "target" else "Ceiling (bpm)", 80, 220, default_bpm,
                           help=f"This athlete's HRmax is {hr_max:.0f} bpm "
                                f"({profile['hr_max_source'] if profile is not None else 'default'})")
try:
    ranking = predict.find_routes(store(), athlete_id, distance_km, target_hr_bpm=bpm if mode == "target" else None,
                                 ceiling_bpm=bpm if mode == "ceiling" else None)
    ranked = ranking.table
except ModelNotTrained:
    ranking = None
    train_prompt("routes ranked by predicted HR")
if ranking is not None:
    if not ranking.history:
        st.warning("This athlete has no run with heart rate yet: the population model predicts them without any "
                   "history, so treat these figures as rough.", icon=":material/warning:")
    elif ranking.population:
        st.caption("This athlete has too few runs for their own model: the population model predicts them.")
    data_table(ranked.assign(rank=range(1, len(ranked) + 1)), key="ranked_routes",
               column_order=["rank", "name", "hr_mean_bpm", "hr_max_bpm",
                             *(["minutes_above"] if mode == "ceiling" else []), "duration_min", "speed_kmh", "loops"],
               column_config={
                   "rank": C.NumberColumn("Rank"),
                   "name": C.TextColumn("Route"),
                   "hr_mean_bpm": C.NumberColumn("Predicted avg HR", format="%.0f bpm"),
                   "hr_max_bpm": C.NumberColumn("Predicted max HR", format="%.0f bpm"),
                   "minutes_above": C.NumberColumn("Above ceiling", format="%.1f min"),
                   "duration_min": C.NumberColumn("Predicted time", format="%.0f min"),
                   "speed_kmh": C.NumberColumn("Predicted speed", format="%.1f km/h"),
                   "loops": C.NumberColumn("Laps of the route", format="%.1f",
                                           help="How many times the route is run to make the distance "
                                                "(below 1: cut short)"),
               })
    top = ranked.head(3)
    names = dict(zip(ranked["route_id"], ranked["name"]))
    left, right = st.columns([3, 2], gap="medium")
    left.plotly_chart(figures.route_hr_chart({r: ranking.curves[r] for r in top["route_id"]}, names,
                                             bpm if mode == "target" else None, bpm if mode == "ceiling" else None),
                      width="stretch", key="route_curves")
    with right:
        shown = st.selectbox("Show on the map", list(ranked["route_id"]), format_func=names.get, key="route_shown")
        route = by_id[shown]
        st_folium(maps.routes_map([(route.label, route.representative.lat, route.representative.lon)], tiles, 320),
                  height=320, use_container_width=True, returned_objects=[], key="route_map")
    st.caption("Predicted by the HR model from each route's hills and the pace the speed model expects of this athlete "
               "tomorrow morning (it knows their weekly habits, e.g. a hard session on the day they usually do one), "
               "with their latest run as context.")

st.subheader("Every route the squad has run")
left, right = st.columns([1, 1], gap="medium")
with left:
    lines = [(r.label, r.representative.lat, r.representative.lon) for r in routes]
    st_folium(maps.routes_map(lines, tiles), height=460, use_container_width=True, returned_objects=[],
              key="all_routes")
    st.caption("Each colour is one route (hover a line for its name); runs that follow the same track within about "
               "100 m and 4 % of its length count as one route. "
               + ("Map background: none (Settings → Map)." if tiles == "none" else "Map © OpenStreetMap."))
with right:
    table = route_frame(routes)
    data_table(table, key="route_table", height=460,
               column_order=["name", "distance_km", "ascent_m", "runs", "athletes"],
               column_config={"name": C.TextColumn("Route"),
                              "distance_km": C.NumberColumn("Distance", format="%.1f km"),
                              "ascent_m": C.NumberColumn("Climb", format="%.0f m",
                                                         help="Sum of the climbs over 50 m steps"),
                              "runs": C.NumberColumn("Runs", help="Runs on this route, every athlete"),
                              "athletes": C.NumberColumn("Athletes", help="Athletes who ran it")})
share_link()
