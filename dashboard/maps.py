"""Folium map of one activity's track, drawn with the Leaflet vendored in dashboard/static/leaflet.

Works offline: the map loads Leaflet from the app's own static files (server.enableStaticServing)
instead of folium's CDN links, uses only vector markers (CircleMarker, and DivIcon labels created
with their icon), no colormap (streamlit-folium would fetch d3 for one), and tiles only when the
app setting `map_tiles` asks for them. The colour legend is drawn by dashboard.figures.colour_legend from the same bins.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import folium
from branca.element import MacroElement
from jinja2 import Template
import numpy as np
import pandas as pd
import streamlit as st

from dashboard.figures import clock
from engine.session.detail import KM_M, crossing_times, thin

MAX_MAP_POINTS = 2000
MAX_KM_MARKERS = 60
SEQUENTIAL = ("#313695", "#4575b4", "#74add1", "#fdae61", "#f46d43", "#a50026")  # low -> high
GRADE_COLORS = ("#313695", "#4575b4", "#74add1", "#66bd63", "#fdae61", "#f46d43", "#a50026")  # down -> up
GRADE_EDGES = (-8.0, -4.0, -1.0, 1.0, 4.0, 8.0)  # %
NO_DATA = "#9e9e9e"
FIT_TOP_LEFT_PX = (52, 24)       # (x, y): room for the zoom buttons
FIT_BOTTOM_RIGHT_PX = (24, 44)   # room for the scale bar
CASING = "#1b2631"
METRICS = {"hr": "HR", "pace": "Pace", "grade": "Grade"}
MAP_CSS = """<style>
.leaflet-container { background: #eef2f4; }
.km-label div { width: 18px; height: 18px; border-radius: 50%; background: #ffffff; color: #1b2631;
  border: 1.5px solid #1b2631; box-sizing: border-box; font: 600 10px/15px sans-serif; text-align: center; }
</style>"""


LEAFLET_DIR = Path(__file__).parent / "static" / "leaflet"  # Leaflet 1.9.4 (BSD-2-Clause, see LICENSE there)


def leaflet_url(name: str) -> str:
    """Absolute URL of a vendored Leaflet file, under the server's base URL path."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{'/' + base if base else ''}/app/static/leaflet/{name}"


@dataclass(frozen=True)
class ColourBins:
    """How the track is coloured: values below edges[0] get colors[0], ..., at or above edges[-1]
    the last colour; a missing value gets NO_DATA."""
    column: str               # the track column binned
    title: str                # the legend's title, with its unit
    unit: str                 # the labels' unit
    edges: tuple[float, ...]  # inner bin edges, ascending, len(colors) - 1
    colors: tuple[str, ...]
    labels: tuple[str, ...]   # one per colour, in `unit`

    def bin_of(self, values) -> np.ndarray:
        """The bin of each value (0 .. len(colors) - 1), -1 where missing."""
        values = np.asarray(values, dtype=float)
        return np.where(np.isfinite(values), np.searchsorted(self.edges, values, side="right"), -1)


def _spread_edges(values: pd.Series, n_bins: int, digits: int) -> tuple[float, ...]:
    """Equal-width inner edges between the 5th and 95th percentile (outliers go to the end bins)."""
    low, high = np.nanpercentile(values, [5, 95])
    if not high > low:
        high = low + 1.0
    return tuple(dict.fromkeys(np.round(np.linspace(low, high, n_bins + 1)[1:-1], digits).tolist()))


def _range_labels(edges: tuple[float, ...], fmt, sep: str = "–") -> tuple[str, ...]:
    inner = [f"{fmt(a)}{sep}{fmt(b)}" for a, b in zip(edges[:-1], edges[1:])]
    return (f"< {fmt(edges[0])}", *inner, f"≥ {fmt(edges[-1])}")


def colour_bins(track: pd.DataFrame, metric: str, pace: bool = True) -> ColourBins:
    """Colour bins for `metric` (hr | pace | grade) over this track. Pace is binned on the
    smoothed speed (slow = blue, fast = red) and labelled in min/km, or in km/h when `pace` is False."""
    if metric == "hr":
        values = track["heart_rate"].dropna()
        edges = _spread_edges(values, len(SEQUENTIAL), 0) if len(values) else (0.0,)
        labels = _range_labels(edges, lambda v: f"{v:.0f}")
        return ColourBins("heart_rate", "Track colour: heart rate (bpm)", "bpm", edges, SEQUENTIAL[:len(edges) + 1],
                          labels)
    if metric == "pace":
        values = track["speed_mps"].dropna()
        edges = _spread_edges(values, len(SEQUENTIAL), 2) if len(values) else (1.0,)
        if pace:  # faster = higher speed = shorter pace: label each bin by its pace range
            as_pace = [clock(KM_M / e) for e in edges]
            labels = (f"> {as_pace[0]}", *[f"{a}–{b}" for a, b in zip(as_pace[:-1], as_pace[1:])], f"< {as_pace[-1]}")
            title, unit = "Track colour: pace (min/km; red = faster)", "/km"
        else:
            labels = _range_labels(tuple(e * 3.6 for e in edges), lambda v: f"{v:.0f}")
            title, unit = "Track colour: speed (km/h; red = faster)", "km/h"
        return ColourBins("speed_mps", title, unit, edges, SEQUENTIAL[:len(edges) + 1], labels)
    if metric == "grade":
        labels = _range_labels(GRADE_EDGES, lambda v: f"{v:+.0f}".replace("-", "−"), sep=" to ")
        return ColourBins("grade_pct", "Track colour: grade (%; red = uphill)", "%", GRADE_EDGES, GRADE_COLORS, labels)
    raise ValueError(f"unknown map colour {metric!r}")


def _runs(points: np.ndarray, bins: np.ndarray) -> dict[int, list[list[list[float]]]]:
    """Consecutive segments of the same bin joined into lines: {bin: [line, ...]}; a segment takes
    the bin of its first point."""
    lines: dict[int, list] = {}
    if len(points) < 2:
        return lines
    start = 0
    for j in range(1, len(points) - 1):  # segment j runs from point j to point j + 1
        if bins[j] != bins[start]:
            lines.setdefault(int(bins[start]), []).append(points[start:j + 1].tolist())
            start = j
    lines.setdefault(int(bins[start]), []).append(points[start:].tolist())
    return lines


class KmLabel(MacroElement):
    """A numbered round label at a point: an L.marker created with its L.divIcon (folium's Marker
    sets a DivIcon only after adding the marker, so Leaflet first fetches its default marker image)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.marker({{ this.location|tojson }}, {
                icon: L.divIcon({html: {{ this.text|tojson }}, className: "km-label", iconSize: [18, 18],
                                 iconAnchor: [9, 9]}),
                title: {{ this.title|tojson }}, keyboard: false
            }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, location: list[float], text: str, title: str):
        super().__init__()
        self._name = "KmLabel"
        self.location, self.text, self.title = [float(x) for x in location], f"<div>{text}</div>", title


class FitOnResize(MacroElement):
    """Fit the map to `bounds` again whenever it is resized: the component's frame takes its final
    width after the map has drawn, which would otherwise leave the track small in a corner."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.on("resize", function (e) {
                e.target.fitBounds({{ this.bounds|tojson }}, {paddingTopLeft: {{ this.top_left|tojson }},
                                                               paddingBottomRight: {{ this.bottom_right|tojson }},
                                                               animate: false});
            });
        {% endmacro %}
    """)

    def __init__(self, bounds: list[list[float]], top_left: tuple[int, int], bottom_right: tuple[int, int]):
        super().__init__()
        self._name = "FitOnResize"
        self.bounds, self.top_left, self.bottom_right = bounds, list(top_left), list(bottom_right)


def _base_map(points: np.ndarray, tiles: str, height: int) -> folium.Map:
    """A map centred on `points` (lat, lon) that loads the vendored Leaflet; tiles "none" or
    "OpenStreetMap"."""
    m = folium.Map(location=points.mean(axis=0).tolist(), tiles="OpenStreetMap" if tiles == "OpenStreetMap" else None,
                   control_scale=True, height=height, zoom_snap=0.25, zoom_delta=0.5)
    m.default_js = [("leaflet", leaflet_url("leaflet.js"))]
    m.default_css = [("leaflet_css", leaflet_url("leaflet.css"))]
    m.get_root().header.add_child(folium.Element(MAP_CSS))
    return m


def _fit(m: folium.Map, points: np.ndarray) -> folium.Map:
    """Fit the map to `points` now and whenever its frame is resized."""
    bounds = [points.min(axis=0).tolist(), points.max(axis=0).tolist()]
    m.fit_bounds(bounds, padding_top_left=FIT_TOP_LEFT_PX, padding_bottom_right=FIT_BOTTOM_RIGHT_PX)
    FitOnResize(bounds, FIT_TOP_LEFT_PX, FIT_BOTTOM_RIGHT_PX).add_to(m)
    return m


def track_map(track: pd.DataFrame, bins: ColourBins, tiles: str = "none", height: int = 460) -> folium.Map:
    """The track (engine.session.detail.track) coloured by `bins`: one polyline per colour bin
    (at most MAX_MAP_POINTS points), a dark casing under it, start (green dot) and finish (ring)
    markers and a numbered dot at every km. `tiles`: "none" (plain background) or "OpenStreetMap"."""
    located = track.dropna(subset=["lat", "lon"])
    shown = thin(located, MAX_MAP_POINTS)
    points = shown[["lat", "lon"]].to_numpy()
    m = _base_map(points, tiles, height)

    folium.PolyLine(points.tolist(), color=CASING, weight=6, opacity=0.4).add_to(m)
    by_bin = _runs(points, bins.bin_of(shown[bins.column]))
    for b, lines in sorted(by_bin.items()):
        color, label = (bins.colors[b], f"{bins.labels[b]} {bins.unit}") if b >= 0 else (NO_DATA, "no data")
        folium.PolyLine(lines, color=color, weight=4, opacity=1.0, tooltip=label).add_to(m)

    total = float(located["distance_m"].iloc[-1]) if len(located) else 0.0
    step_km = max(1, int(np.ceil(total / KM_M / MAX_KM_MARKERS)))
    marks_m = np.arange(step_km * KM_M, total, step_km * KM_M)
    if len(marks_m):
        t_marks = crossing_times(located, marks_m)
        lat = np.interp(t_marks, located["t_s"], located["lat"])
        lon = np.interp(t_marks, located["t_s"], located["lon"])
        for km, la, lo in zip(np.rint(marks_m / KM_M).astype(int), lat, lon):
            KmLabel([la, lo], str(km), f"km {km}").add_to(m)
    folium.CircleMarker(points[-1].tolist(), radius=10, color=CASING, weight=3, fill=False,
                        tooltip="Finish").add_to(m)
    folium.CircleMarker(points[0].tolist(), radius=6, color="#ffffff", weight=2, fill=True, fill_color="#2e7d32",
                        fill_opacity=1.0, tooltip="Start").add_to(m)
    return _fit(m, points)


ROUTE_COLORS = ("#1f6f8b", "#e07a5f", "#3d405b", "#81b29a", "#99621e", "#6a4c93", "#c44536", "#2a9d8f",
                "#8d99ae", "#e9c46a", "#264653", "#f4a261")


def routes_map(lines: list[tuple[str, np.ndarray, np.ndarray]], tiles: str = "none", height: int = 460,
               highlight: int | None = None) -> folium.Map:
    """Several tracks on one map: `lines` = (label, lat, lon) each, coloured in turn from
    ROUTE_COLORS with the label as tooltip and a start dot; `highlight` (an index) is drawn thick on
    top, the others thin."""
    points = np.concatenate([np.column_stack([lat, lon]) for _, lat, lon in lines])
    m = _base_map(points, tiles, height)
    order = [k for k in range(len(lines)) if k != highlight] + ([highlight] if highlight is not None else [])
    for k in order:
        label, lat, lon = lines[k]
        track = np.column_stack([lat, lon])[:: max(1, len(lat) // 400)]
        weight, opacity = (6, 1.0) if k == highlight else ((3, 0.85) if highlight is None else (2, 0.45))
        folium.PolyLine(track.tolist(), color=ROUTE_COLORS[k % len(ROUTE_COLORS)], weight=weight, opacity=opacity,
                        tooltip=label).add_to(m)
    folium.CircleMarker(points[0].tolist(), radius=6, color="#ffffff", weight=2, fill=True, fill_color="#2e7d32",
                        fill_opacity=1.0, tooltip="Start").add_to(m)
    return _fit(m, points)
