"""Plotly figure builders with one theme; every axis names its unit."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from engine.load.session import EDWARDS_BOUNDS, ZONE_LABELS

COLORS = ["#1f6f8b", "#e07a5f", "#7566a8", "#81b29a", "#f2cc8f", "#99621e"]   # readable on light and dark
LAYOUT = dict(
    colorway=COLORS,
    font=dict(family="Source Sans Pro, sans-serif", size=13),
    margin=dict(l=10, r=10, t=40, b=10),
    hovermode="x unified",
    # at the figure's foot, which plotly grows to fit it: at y=-0.2 of the plot, the legend covered
    # the x axis's title and two-line date ticks; above the plot it covered the title
    legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, xanchor="left", x=0),
)


def themed(fig: go.Figure, title: str = "", x_title: str = "", y_title: str = "", height: int = 320) -> go.Figure:
    """Apply the house theme, a title and axis titles (with units)."""
    fig.update_layout(**LAYOUT, title=title, height=height)
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title=y_title)
    return fig


CALENDAR_CELL_PX = 24  # one day's square plus its gap


def calendar_heatmap(days: pd.DataFrame, start: dt.date, end: dt.date) -> go.Figure:
    """Training minutes per day from `start` to `end` as a weeks x weekdays grid of squares (`days`:
    day, minutes); a rest day is white and the colour scale starts at 0. Drawn as a scatter of
    square markers (a plotly heatmap cannot be clicked in Streamlit); each point's customdata is
    [day (ISO), minutes], for the click that opens the day."""
    last_monday = end - dt.timedelta(days=end.weekday())
    first = start - dt.timedelta(days=start.weekday())
    weeks = (last_monday - first).days // 7 + 1
    minutes = days.assign(day=pd.to_datetime(days["day"]).dt.date).set_index("day")["minutes"]
    shown = [first + dt.timedelta(days=i) for i in range(weeks * 7) if start <= first + dt.timedelta(days=i) <= end]
    values = [float(minutes.get(day, 0.0)) for day in shown]
    weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    fig = go.Figure(go.Scatter(
        x=[day - dt.timedelta(days=day.weekday()) for day in shown], y=[weekdays[day.weekday()] for day in shown],
        mode="markers", customdata=[[day.isoformat(), v] for day, v in zip(shown, values)],
        marker=dict(symbol="square", size=CALENDAR_CELL_PX - 5, color=values, cmin=0,
                    cmax=max(values + [1.0]), colorscale=[[0, "#ffffff"], [0.01, "#cfe3ea"], [1, COLORS[0]]],
                    colorbar=dict(title="min", thickness=12), line=dict(width=1, color="#d5dde2")),
        selected=dict(marker=dict(opacity=1)), unselected=dict(marker=dict(opacity=0.45)),
        hovertemplate="%{customdata[0]} (%{y}): %{customdata[1]:.0f} min<extra></extra>",
    ))
    fig = themed(fig, "Training days (click a day to open its session)", "week (Monday)", "",
                 height=7 * CALENDAR_CELL_PX + 130)
    fig.update_layout(width=weeks * CALENDAR_CELL_PX + 170, hovermode="closest", showlegend=False)
    fig.update_xaxes(range=[first - dt.timedelta(days=4), last_monday + dt.timedelta(days=4)], showgrid=False,
                     zeroline=False)
    fig.update_yaxes(categoryorder="array", categoryarray=weekdays, autorange="reversed", showgrid=False)
    return fig


# daily_metrics column -> (legend name, colour, width) of its line; a plan's dashed line keeps them
LINES = {"ctl": ("CTL (fitness)", COLORS[1], 2), "atl": ("ATL (fatigue)", COLORS[2], 2),
         "tsb": ("TSB (form)", COLORS[3], 2), "acwr": ("ACWR", COLORS[0], 2), "frbi": ("FRBI", COLORS[1], 1)}


def _right_axis(fig: go.Figure, title: str, **axis) -> None:
    """A second y axis on the right. Its ticks are its own round values: plotly's default for an
    overlaying axis ("sync") puts them on the left axis's grid, at values such as 4.62."""
    fig.update_layout(yaxis2=dict(title=title, overlaying="y", side="right", showgrid=False, tickmode="auto", **axis))


def _lines(fig: go.Figure, daily: pd.DataFrame, plan: pd.DataFrame | None, columns: list[str]) -> None:
    """The named LINES of `daily`, solid, and the projected days of `plan` as dashed continuations
    in the same colour, starting from daily's last day."""
    for column in columns:
        name, color, width = LINES[column]
        fig.add_trace(go.Scatter(x=daily["day"], y=daily[column], name=name, mode="lines",
                                 line=dict(color=color, width=width)))
    if plan is None or plan.empty:
        return
    joined = pd.concat([daily.tail(1), plan])
    for column in columns:
        name, color, width = LINES[column]
        fig.add_trace(go.Scatter(x=joined["day"], y=joined[column], name=f"{name.split(' (')[0]} (plan)",
                                 mode="lines", line=dict(dash="dash", color=color, width=width)))


ZONE_COLORS = ["#cfe3ea", "#81b29a", "#f2cc8f", "#e07a5f", "#b23a48"]  # Z1 (easy) ... Z5
SOURCE_COLORS = {"srpe": "#b0bec5", "hr": "#e8a48f", "hr+srpe": "#9fb8ad", "estimated": "#e9c46a"}
SOURCE_LABELS = {"srpe": "sRPE", "hr": "HR", "hr+srpe": "HR + sRPE", "estimated": "rests on an estimate"}


def pmc_chart(daily: pd.DataFrame, plan: pd.DataFrame | None = None) -> go.Figure:
    """Performance management chart: daily load bars coloured by their source, CTL / ATL / TSB
    lines (a.u./day), the ramp rate (a.u./day per week, right axis), and the plan dashed."""
    fig = go.Figure()
    for source, part in daily.groupby(daily.get("source", pd.Series("srpe", daily.index)).replace("", "srpe")):
        fig.add_bar(x=part["day"], y=part["load_au"], name=f"Daily load ({SOURCE_LABELS.get(source, source)})",
                    marker_color=SOURCE_COLORS.get(source, "#cfd8dc"),
                    marker_pattern_shape="/" if source == "estimated" else "")
    _lines(fig, daily, plan, ["ctl", "atl", "tsb"])
    fig.add_trace(go.Scatter(x=daily["day"], y=daily["ramp"], name="Ramp rate", mode="lines", yaxis="y2",
                             line=dict(color=COLORS[5], width=1, dash="dot")))
    if plan is not None and not plan.empty:
        fig.add_bar(x=plan["day"], y=plan["load_au"], name="Planned load", marker_color="#f2cc8f")
    fig = themed(fig, "Fitness, fatigue and form", "date", "load (a.u./day)", height=400)
    fig.update_layout(barmode="stack")
    _right_axis(fig, "ramp (CTL change per 7 d, a.u./day)")
    return fig


def acwr_chart(daily: pd.DataFrame, low: float, high: float, plan: pd.DataFrame | None = None) -> go.Figure:
    """ACWR line with the configured band shaded (ratio, no unit)."""
    fig = go.Figure()
    fig.add_hrect(y0=low, y1=high, fillcolor=COLORS[3], opacity=0.15, line_width=0,
                  annotation_text=f"band {low:g}–{high:g}", annotation_position="top left")
    _lines(fig, daily, plan, ["acwr", "frbi"])
    return themed(fig, "Acute:chronic workload ratio", "date", "ratio (acute / chronic)")


def weekly_monotony_strain_chart(weekly: pd.DataFrame, monotony_max: float, strain_max: float) -> go.Figure:
    """Weekly monotony (line, no unit) and strain (bars, a.u.) with their thresholds."""
    fig = go.Figure()
    fig.add_bar(x=weekly["week"], y=weekly["strain"], name="Strain (a.u.)", marker_color=COLORS[4])
    fig.add_trace(go.Scatter(x=weekly["week"], y=weekly["monotony"], name="Monotony", yaxis="y2",
                             mode="lines+markers", line=dict(color=COLORS[2])))
    # the two threshold labels sit at opposite ends, so they never cross whatever the two scales
    fig.add_hline(y=strain_max, line_dash="dot", line_color=COLORS[4], annotation_text="strain threshold",
                  annotation_position="top left")
    fig.add_hline(y=monotony_max, line_dash="dot", line_color=COLORS[2], yref="y2",
                  annotation_text="monotony threshold", annotation_position="top right")
    fig = themed(fig, "Weekly monotony and strain", "week (Monday)", "strain (a.u.)")
    _right_axis(fig, "monotony (mean / SD)", rangemode="tozero")
    return fig


def session_zones_chart(zone_s: list[float], hr_max_bpm: float) -> go.Figure:
    """Minutes of one session in each Edwards HR zone (% of HRmax, with the bpm range), as bars."""
    bounds = [*EDWARDS_BOUNDS, 1.0]
    labels = [f"{label}<br>{bounds[i] * hr_max_bpm:.0f}-{bounds[i + 1] * hr_max_bpm:.0f} bpm"
              for i, label in enumerate(ZONE_LABELS)]
    minutes = [s / 60 for s in zone_s]
    fig = go.Figure(go.Bar(x=minutes, y=labels, orientation="h", marker_color=ZONE_COLORS,
                           text=[f"{m:.0f} min" for m in minutes], textposition="auto",
                           hovertemplate="%{y}: %{x:.1f} min<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig = themed(fig, "Time in HR zones", "minutes", "", height=260)
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig


def zones_chart(weekly: pd.DataFrame) -> go.Figure:
    """Minutes per week in Edwards HR zones 1-5 (50-60 ... 90-100 % HRmax), stacked, Z1 at the bottom
    and first in the legend."""
    fig = go.Figure()
    for z in range(1, 6):
        fig.add_bar(x=weekly["week"], y=weekly[f"zone_{z}_min"], name=ZONE_LABELS[z - 1],
                    marker_color=ZONE_COLORS[z - 1])
    fig = themed(fig, "Time in HR zones", "week (Monday)", "minutes")
    fig.update_layout(barmode="stack", legend=dict(traceorder="normal", title_text="% of HRmax"))
    return fig


def wellness_chart(trend: pd.DataFrame, measures) -> go.Figure:
    """One panel per wellness measure (engine.load.wellness.MEASURES): the logged mornings as dots,
    the 7-day mean as a line and the athlete's baseline (rolling median) dotted, each in its unit."""
    from plotly.subplots import make_subplots
    fig = make_subplots(rows=len(measures), cols=1, shared_xaxes=True, vertical_spacing=0.05)
    traces = [("value", "morning value", dict(mode="markers", marker=dict(size=4, color="#b0bec5"))),
              ("mean_7d", "7-day mean", dict(mode="lines", line=dict(color=COLORS[0], width=2))),
              ("baseline", "baseline (median)", dict(mode="lines", line=dict(color=COLORS[1], width=1, dash="dot")))]
    for row, m in enumerate(measures, start=1):
        part = trend[trend["measure"] == m.column]
        for column, name, style in traces:
            fig.add_trace(go.Scatter(x=part["day"], y=part[column], name=name, legendgroup=column, showlegend=row == 1,
                                     hovertemplate=f"%{{x|%a %d %b}}, {name}: %{{y:.{m.digits}f}} {m.unit}"
                                                   f"<extra>{m.label}</extra>", **style), row=row, col=1)
    fig = themed(fig, "Wellness", "", "", height=130 + 150 * len(measures))
    for row, m in enumerate(measures, start=1):    # after themed, which blanks every axis title
        fig.update_yaxes(title_text=f"{m.label} ({m.unit})", row=row, col=1)
    fig.update_layout(hovermode="closest")
    return fig


def muscle_volume_chart(volume: pd.DataFrame) -> go.Figure:
    """Weekly strength volume (kg lifted) per muscle group, stacked."""
    fig = go.Figure()
    palette = qualitative.Safe + qualitative.Vivid     # up to 22 muscle groups, no colour twice
    for i, (muscle, part) in enumerate(volume.groupby("muscle")):
        fig.add_bar(x=part["week"], y=part["volume_kg"], name=muscle, marker_color=palette[i % len(palette)])
    fig.update_layout(barmode="stack")
    return themed(fig, "Strength volume per muscle group", "week (Monday)", "volume (kg = sets x reps x kg)")


def e1rm_chart(e1rm: pd.DataFrame) -> go.Figure:
    """Estimated 1RM per session for the chosen exercises (kg)."""
    fig = go.Figure()
    for name, part in e1rm.groupby("exercise_name"):
        fig.add_trace(go.Scatter(x=part["session_date"], y=part["e1rm_epley_kg"], name=name, mode="lines+markers"))
    return themed(fig, "Estimated 1RM (Epley, sets of <= 10 reps)", "date", "e1RM (kg)")


# --- one session: curves against distance or time, the map's colour legend ---

def clock(seconds) -> str:
    """Seconds as m:ss, or h:mm:ss from an hour on; "–" when missing."""
    if seconds is None or pd.isna(seconds):
        return "–"
    total = int(round(float(seconds)))
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _pace_ticks(pace_min: pd.Series) -> tuple[list[float], list[str]]:
    """Tick positions (min/km) and m:ss labels covering the paces shown, about five ticks."""
    values = pace_min.dropna()
    if values.empty:
        return [], []
    low, high = float(values.min()), float(values.max())
    step = next((s for s in (0.25, 0.5, 1.0, 2.0, 5.0) if (high - low) / s <= 6), 10.0)
    ticks = np.arange(np.floor(low / step) * step, high + step, step)
    return ticks.tolist(), [clock(t * 60) for t in ticks]


def session_curves(track: pd.DataFrame, x: str = "distance", pace: bool = True, max_points: int = 3000) -> go.Figure:
    """HR (bpm), pace (min/km, faster up; or speed, km/h, when `pace` is False) and altitude (m) of one
    activity, stacked with one shared x axis (distance, km, or elapsed time, min) and one hover for
    all rows. `track` is engine.session.detail.track(); rows without data are left out."""
    from plotly.subplots import make_subplots

    if len(track) > max_points:
        index = np.unique(np.linspace(0, len(track) - 1, max_points).round().astype(int))
        track = track.iloc[index]
    x_column, x_title = ("distance_km", "distance (km)") if x == "distance" else ("t_min", "elapsed time (min)")
    rows = []
    if track["heart_rate"].notna().any():
        rows.append(("heart_rate", "Heart rate", "HR (bpm)", "%{y:.0f} bpm", COLORS[1]))
    if pace and track["pace_min_per_km"].notna().any():
        rows.append(("pace_min_per_km", "Pace", "pace (min/km)", "%{customdata} /km", COLORS[0]))
    elif not pace and track["speed_kmh"].notna().any():
        rows.append(("speed_kmh", "Speed", "speed (km/h)", "%{y:.1f} km/h", COLORS[0]))
    if track["altitude_smooth_m"].notna().any():
        rows.append(("altitude_smooth_m", "Altitude", "altitude (m)", "%{y:.0f} m", COLORS[3]))
    if not rows:
        return themed(go.Figure(), "No curves: this activity has no HR, speed or altitude samples")
    fig = make_subplots(rows=len(rows), cols=1, shared_xaxes=True, vertical_spacing=0.04)
    for i, (column, name, axis_title, hover, color) in enumerate(rows, start=1):
        custom = track[column].map(lambda v: clock(v * 60)) if column == "pace_min_per_km" else None
        fig.add_trace(go.Scatter(x=track[x_column], y=track[column], name=name, mode="lines", customdata=custom,
                                 line=dict(color=color, width=1.6), connectgaps=False,
                                 hovertemplate=f"{name}: {hover}<extra></extra>"), row=i, col=1)
        fig.update_yaxes(title=axis_title, row=i, col=1)
        if column == "pace_min_per_km":
            ticks, labels = _pace_ticks(track[column])
            fig.update_yaxes(autorange="reversed", tickvals=ticks, ticktext=labels, row=i, col=1)
    bottom = f"x{len(rows)}" if len(rows) > 1 else "x"
    fig.update_traces(xaxis=bottom)  # every row on the bottom axis: one hover across the rows
    fig.update_layout(**LAYOUT, height=130 + 170 * len(rows), showlegend=False,
                      title=f"{', '.join(r[1] for r in rows)} against {x_title.split(' (')[0]}")
    fig.update_layout(hovermode="x unified", hoversubplots="axis")
    fig.update_xaxes(showspikes=True, spikemode="across", spikethickness=1, spikecolor="#9aa5ad")
    fig.update_xaxes(title=x_title, hoverformat=".2f" if x == "distance" else ".1f",
                     unifiedhovertitle=dict(text="%{x:.2f} km" if x == "distance" else "%{x:.1f} min elapsed"),
                     row=len(rows), col=1)
    return fig


def colour_legend(labels: list[str], colors: list[str], title: str) -> go.Figure:
    """A strip of colour bins, each with its range written on it: the legend of the track map's
    colours (the unit is in `title`)."""
    def ink(color: str) -> str:  # dark text on light colours, white on dark ones
        r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
        return "#1b2631" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"

    fig = go.Figure(go.Bar(x=list(range(len(labels))), y=[1] * len(labels), text=labels, textposition="inside",
                           insidetextanchor="middle", textangle=0, hoverinfo="skip", width=1.0,
                           textfont=dict(size=12, color=[ink(c) for c in colors]),
                           marker=dict(color=colors, line=dict(width=0))))
    fig = themed(fig, "", "", "", height=64)
    fig.update_layout(bargap=0, showlegend=False, margin=dict(l=0, r=0, t=24, b=0), uniformtext=dict(minsize=9),
                      title=dict(text=title, font=dict(size=13), x=0, y=0.98, yanchor="top"))
    fig.update_xaxes(visible=False, fixedrange=True)
    fig.update_yaxes(visible=False, fixedrange=True)
    return fig


def confusion_chart(matrix: list[list[int]], classes: list[str], title: str) -> go.Figure:
    """A confusion matrix as a heatmap: rows the actual class, columns the predicted one (counts)."""
    labels = [c.replace("_", " ") for c in classes]
    fig = go.Figure(go.Heatmap(z=matrix, x=labels, y=labels, colorscale=[[0, "#f2f5f7"], [1, COLORS[0]]],
                               text=matrix, texttemplate="%{text}", showscale=False,
                               hovertemplate="actual %{y}, predicted %{x}: %{z}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig = themed(fig, title, "predicted", "actual", height=360)
    fig.update_layout(hovermode="closest")
    return fig


HR_LINE_COLORS = {"target": "#2e7d32", "ceiling": "#a50026"}


def _hr_line(fig: go.Figure, bpm: float, kind: str) -> None:
    """A dotted horizontal line at a target or ceiling HR, named with its value in the legend (a
    label on the plot would sit on the curves)."""
    line = dict(color=HR_LINE_COLORS[kind], width=1, dash="dot")
    fig.add_hline(y=bpm, line=line)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=line, name=f"{kind} {bpm:.0f} bpm"))


def predicted_hr_chart(time: pd.DataFrame, what_if: pd.DataFrame | None, what_if_label: str,
                       ceiling_bpm: float, onsets: pd.DataFrame) -> go.Figure:
    """Real against predicted HR (bpm) over elapsed time (min), the what-if curve, the warning
    ceiling and where the ease-off warning fires (engine.hr.predict)."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=time["t_min"], y=time["hr_bpm"], name="Real HR", mode="lines",
                             line=dict(color=COLORS[1], width=1.6), hovertemplate="real %{y:.0f} bpm<extra></extra>"))
    fig.add_trace(go.Scatter(x=time["t_min"], y=time["hr_pred_bpm"], name="Predicted from the route and pace",
                             mode="lines", line=dict(color=COLORS[0], width=2),
                             hovertemplate="predicted %{y:.0f} bpm<extra></extra>"))
    if what_if is not None:
        fig.add_trace(go.Scatter(x=what_if["t_min"], y=what_if["hr_pred_bpm"], name=what_if_label, mode="lines",
                                 line=dict(color=COLORS[2], width=2, dash="dash"),
                                 hovertemplate="what-if %{y:.0f} bpm<extra></extra>"))
    _hr_line(fig, ceiling_bpm, "ceiling")
    if len(onsets):
        fig.add_trace(go.Scatter(x=onsets["t_min"], y=onsets["forecast_bpm"], name="Ease-off warning", mode="markers",
                                 marker=dict(symbol="triangle-down", size=11, color="#a50026"),
                                 hovertemplate="warning: forecast %{y:.0f} bpm<extra></extra>"))
    return themed(fig, "Heart rate: real and predicted", "elapsed time (min)", "HR (bpm)", height=380)


def predicted_speed_chart(route: pd.DataFrame) -> go.Figure:
    """Real against predicted moving speed (km/h) along the route (km)."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=route["distance_km"], y=route["speed_kmh"], name="Real speed", mode="lines",
                             line=dict(color=COLORS[1], width=1.4), hovertemplate="real %{y:.1f} km/h<extra></extra>"))
    fig.add_trace(go.Scatter(x=route["distance_km"], y=route["speed_pred_kmh"], name="Predicted from the route",
                             mode="lines", line=dict(color=COLORS[0], width=2),
                             hovertemplate="predicted %{y:.1f} km/h<extra></extra>"))
    return themed(fig, "Speed: real and predicted", "distance (km)", "speed (km/h)", height=300)


def route_hr_chart(curves: dict, names: dict, target_bpm: float | None, ceiling_bpm: float | None) -> go.Figure:
    """Predicted HR (bpm) over elapsed time (min) on several routes (route_id -> (t_min, hr)),
    with the coach's target or ceiling."""
    fig = go.Figure()
    for k, (route_id, (t_min, hr)) in enumerate(curves.items()):
        fig.add_trace(go.Scatter(x=t_min, y=hr, name=names[route_id], mode="lines",
                                 line=dict(color=COLORS[k % len(COLORS)], width=2 if k == 0 else 1.4),
                                 hovertemplate=f"{names[route_id]}: %{{y:.0f}} bpm<extra></extra>"))
    if target_bpm is not None:
        _hr_line(fig, target_bpm, "target")
    if ceiling_bpm is not None:
        _hr_line(fig, ceiling_bpm, "ceiling")
    return themed(fig, "Predicted heart rate on the best routes", "elapsed time (min)", "HR (bpm)", height=380)


RELATION_STYLES = {"muscle": ("Shares a primary muscle", "#c9ced6", "solid"),
                   "order": ("Next exercise in the session", "#8d99ae", "dot"),
                   "next": ("Next session of the exercise", "#3d405b", "dash")}


def exercise_graph_chart(nodes: pd.DataFrame, edges: dict, names: dict, weeks: int = 4) -> go.Figure:
    """The athlete's exercise graph over their last `weeks` weeks: one marker per exercise session
    (x: day, y: exercise), coloured by its first primary muscle, with the graph's three relations
    as lines. nodes: the graph's node frame (positions = node ids); edges: relation -> (2, E)."""

    shown = nodes["day"] >= nodes["day"].max() - pd.Timedelta(weeks=weeks)
    frame = nodes.assign(name=nodes["exercise_id"].map(names).fillna(nodes["exercise_id"]),
                         muscle=nodes["primary_muscles"].map(lambda m: m[0] if len(m) else "other"))
    order = frame[shown].sort_values(["muscle", "name"])["name"].unique().tolist()
    fig = go.Figure()
    for relation, (label, colour, dash) in RELATION_STYLES.items():
        e = edges[relation]
        keep = shown.to_numpy()[e[0]] & shown.to_numpy()[e[1]]
        xs, ys = [], []
        for a, b in e[:, keep].T:
            xs += [frame["day"].iloc[a], frame["day"].iloc[b], None]
            ys += [frame["name"].iloc[a], frame["name"].iloc[b], None]
        fig.add_scatter(x=xs, y=ys, mode="lines", name=label, hoverinfo="skip",
                        line=dict(color=colour, width=1, dash=dash))
    palette = qualitative.Safe + qualitative.Vivid
    for i, (muscle, group) in enumerate(frame[shown].groupby("muscle", sort=True)):
        fig.add_scatter(x=group["day"], y=group["name"], mode="markers", name=muscle,
                        marker=dict(size=11, color=palette[i % len(palette)], line=dict(width=1, color="white")),
                        customdata=np.stack([group["top_weight_kg"], group["top_reps"], group["rpe"]], axis=1),
                        hovertemplate="%{y}<br>%{x|%a %d %b}<br>top set %{customdata[0]:.1f} kg × "
                                      "%{customdata[1]:.0f}, RPE %{customdata[2]:.1f}<extra>%{fullData.name}</extra>")
    fig = themed(fig, f"Exercise graph, last {weeks} weeks: one dot per exercise session", "", "",
                 height=max(360, 120 + 26 * len(order)))
    fig.update_layout(hovermode="closest", legend=dict(orientation="v", x=1.02, y=1, yanchor="top"))
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], automargin=True)
    return fig


def shap_chart(frame: pd.DataFrame, labels: dict, units: dict, unit: str, title: str, top: int = 10) -> go.Figure:
    """Horizontal SHAP bars (frame: feature, value, shap; sorted by |shap|), the top `top`, each
    labelled with the feature's value; positive pushes the prediction up (in `unit`)."""
    shown = frame.head(top).iloc[::-1]
    text = [f"{labels.get(f, f)} = {v:,.4g}" for f, v in zip(shown["feature"], shown["value"])]
    fig = go.Figure(go.Bar(x=shown["shap"], y=text, orientation="h",
                           marker_color=np.where(shown["shap"] >= 0, COLORS[0], COLORS[1]),
                           customdata=[units.get(f, "") for f in shown["feature"]],
                           hovertemplate="%{y} (%{customdata})<br>%{x:+.3f} " + unit + "<extra></extra>"))
    fig = themed(fig, title, f"Push on the prediction ({unit})", "", height=120 + 26 * len(shown))
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(automargin=True)
    return fig


def lap_pace_chart(laps_s, title: str) -> go.Figure:
    """The 15 x 200 m laps of a 3,000 m (s) against even pace (the mean lap, dashed): laps slower
    than even pace in the second colour."""
    laps = np.asarray(laps_s, dtype=float)
    even = laps.mean()
    fig = go.Figure(go.Bar(x=np.arange(1, len(laps) + 1), y=laps, name="lap",
                           marker_color=np.where(laps > even, COLORS[1], COLORS[0]),
                           hovertemplate="lap %{x}: %{y:.1f} s<extra></extra>"))
    fig.add_hline(y=even, line_dash="dash", line_color=COLORS[2],
                  annotation_text=f"even pace {even:.1f} s", annotation_position="top left")
    fig = themed(fig, title, "lap (200 m)", "s per 200 m", height=300)
    fig.update_yaxes(range=[laps.min() * 0.9, laps.max() * 1.04])
    fig.update_xaxes(dtick=1)
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig


def probability_chart(probabilities: dict[str, float], highlight: str) -> go.Figure:
    """Class probabilities as horizontal bars (%); `highlight` (the most likely class) in the first colour."""
    classes = list(probabilities)[::-1]
    values = [100 * probabilities[c] for c in classes]
    fig = go.Figure(go.Bar(x=values, y=classes, orientation="h", text=[f"{v:.0f} %" for v in values],
                           textposition="outside", cliponaxis=False,
                           marker_color=[COLORS[0] if c == highlight else "#c9d6df" for c in classes],
                           hovertemplate="%{y}: %{x:.1f} %<extra></extra>"))
    fig = themed(fig, "Predicted BMI class", "probability (%)", "", height=230)
    fig.update_xaxes(range=[0, 115])
    fig.update_layout(hovermode="closest", margin=dict(l=10, r=30, t=40, b=10))
    return fig


def shap_waterfall(base: float, shap: dict[str, float], values: dict[str, str]) -> go.Figure:
    """SHAP waterfall of P(unhealthy class) in %: the model's average over its background, each
    test's push (label shows the test's value), the athlete's probability."""
    labels = [f"{name}<br>{values[name]}" for name in shap]
    pushes = [100 * v for v in shap.values()]
    fig = go.Figure(go.Waterfall(
        orientation="v", measure=["absolute", *["relative"] * len(shap), "total"],
        x=["average<br>battery", *labels, "this<br>athlete"], y=[100 * base, *pushes, 0],
        text=[f"{100 * base:.0f} %", *[f"{p:+.1f}" for p in pushes], f"{100 * base + sum(pushes):.0f} %"],
        textposition="outside", cliponaxis=False,
        increasing=dict(marker_color=COLORS[1]), decreasing=dict(marker_color=COLORS[0]),
        totals=dict(marker_color=COLORS[2]), connector=dict(line=dict(color="#bbbbbb")),
        hovertemplate="%{x}: %{y:.1f}<extra></extra>"))
    fig = themed(fig, "Why: each test's push on P(not normal BMI)", "", "percentage points", height=340)
    fig.update_layout(hovermode="closest", showlegend=False)
    top = max(100 * base + max(0.0, sum(pushes)), *(100 * base + np.cumsum(pushes)))
    fig.update_yaxes(range=[0, min(100.0, top * 1.15 + 5)])
    return fig


REASSESS_COLORS = {"improving": "#2e7d32", "stagnant": "#f2a900", "declining": "#c62828", "not tested": "#9e9e9e",
                   "first test": "#9e9e9e"}


def reassessment_chart(reassessed: pd.DataFrame, labels: dict[str, str], threshold: float) -> go.Figure:
    """Top: FRBI on each reassessment day, the threshold dashed, days that triggered a load cut
    marked. Bottom: each test's status per reassessment (colour) with its action."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.4, 0.6], vertical_spacing=0.08)
    days = reassessed.drop_duplicates("test_date")
    fig.add_trace(go.Scatter(x=days["test_date"], y=days["frbi"], mode="lines+markers", name="FRBI",
                             line_color=COLORS[2], hovertemplate="%{x|%d %b}: FRBI %{y:.2f}<extra></extra>"),
                  row=1, col=1)
    cuts = days[days["cut"] > 0]
    fig.add_trace(go.Scatter(x=cuts["test_date"], y=cuts["frbi"], mode="markers", name="load cut",
                             marker=dict(symbol="triangle-down", size=13, color=REASSESS_COLORS["declining"]),
                             customdata=np.column_stack([100 * cuts["cut"], cuts["cut_days"]]) if len(cuts) else None,
                             hovertemplate="%{x|%d %b}: cut %{customdata[0]:.0f} % for %{customdata[1]} days"
                                           "<extra></extra>"), row=1, col=1)
    fig.add_hline(y=threshold, line_dash="dash", line_color=REASSESS_COLORS["declining"], row=1, col=1)
    for status, colour in REASSESS_COLORS.items():
        part = reassessed[reassessed["status"] == status]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["test_date"], y=part["column"].map(labels), mode="markers", name=status,
            marker=dict(size=15, color=colour, symbol="square"), customdata=part["action"],
            hovertemplate="%{y}, %{x|%d %b}: " + status + " → %{customdata}<extra></extra>"), row=2, col=1)
    fig = themed(fig, "Reassessments", "", "", height=380)
    fig.update_yaxes(title_text="FRBI", row=1, col=1)
    fig.update_layout(hovermode="closest", legend=dict(orientation="h", y=-0.12))
    return fig


def class_distribution_chart(counts: pd.Series, title: str) -> go.Figure:
    """Athletes per BMI class (counts; index = class, in order)."""
    fig = go.Figure(go.Bar(x=counts.index, y=counts.to_numpy(), text=counts.to_numpy(), textposition="outside",
                           cliponaxis=False, marker_color=COLORS[0], hovertemplate="%{x}: %{y}<extra></extra>"))
    fig = themed(fig, title, "", "athletes", height=280)
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(range=[0, max(1, counts.max()) * 1.25])
    return fig


def muscle_balance_chart(balance: pd.DataFrame, reference: float) -> go.Figure:
    """The squad's median weekly sets per muscle group (horizontal bars, neglected ones highlighted)
    against the reference (a dashed line)."""
    colours = [COLORS[1] if n else COLORS[0] for n in balance["neglected"]]
    fig = go.Figure(go.Bar(y=balance["muscle"], x=balance["median_sets_per_week"], orientation="h",
                           marker_color=colours, text=balance["median_sets_per_week"].map("{:.1f}".format),
                           textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: %{x:.1f} sets a week<extra></extra>"))
    fig.add_vline(x=reference, line_dash="dash", line_color=COLORS[2],
                  annotation_text=f"reference {reference:g}", annotation_position="top")
    fig = themed(fig, "Weekly sets per muscle group (squad median)", "working sets per week", "",
                 height=40 + 28 * len(balance))
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, max(reference, float(balance["median_sets_per_week"].max())) * 1.2])
    return fig
