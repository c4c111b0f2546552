"""Plotly figure builders with one theme; every axis names its unit."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go

COLORS = ["#1f6f8b", "#e07a5f", "#3d405b", "#81b29a", "#f2cc8f", "#99621e"]
LAYOUT = dict(
    template="plotly_white",
    colorway=COLORS,
    font=dict(family="Source Sans Pro, sans-serif", size=13),
    margin=dict(l=10, r=10, t=40, b=10),
    hovermode="x unified",
    legend=dict(orientation="h", y=-0.2),
)


def themed(fig: go.Figure, title: str = "", x_title: str = "", y_title: str = "", height: int = 320) -> go.Figure:
    """Apply the house theme, a title and axis titles (with units)."""
    fig.update_layout(**LAYOUT, title=title, height=height)
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title=y_title)
    return fig


def calendar_heatmap(days: pd.DataFrame, end: dt.date, weeks: int = 26) -> go.Figure:
    """Training minutes per day as a weeks x weekdays grid ending at `end` (`days`: day, minutes)."""
    last_monday = end - dt.timedelta(days=end.weekday())
    first = last_monday - dt.timedelta(weeks=weeks - 1)
    minutes = days.assign(day=pd.to_datetime(days["day"]).dt.date).set_index("day")["minutes"]
    grid = np.full((7, weeks), np.nan)
    for i in range(weeks * 7):
        day = first + dt.timedelta(days=i)
        if day <= end:
            grid[i % 7, i // 7] = minutes.get(day, 0.0)
    mondays = [first + dt.timedelta(weeks=w) for w in range(weeks)]
    fig = go.Figure(go.Heatmap(
        z=grid, x=mondays, y=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        colorscale=[[0, "#f2f5f7"], [0.01, "#cfe3ea"], [1, COLORS[0]]], xgap=2, ygap=2,
        colorbar=dict(title="min"), hovertemplate="week of %{x}<br>%{y}: %{z:.0f} min<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    return themed(fig, "Training days", "week (Monday)", "", height=240)


def _with_plan(fig: go.Figure, plan: pd.DataFrame | None, columns: dict[str, str]) -> None:
    """Draw the projected days of `plan` as dashed continuations of the named lines."""
    if plan is None or plan.empty:
        return
    for i, (column, name) in enumerate(columns.items()):
        fig.add_trace(go.Scatter(x=plan["day"], y=plan[column], name=f"{name} (plan)", mode="lines",
                                 line=dict(dash="dash", color=COLORS[(i + 1) % len(COLORS)])))


SOURCE_COLORS = {"srpe": "#b0bec5", "hr": "#e8a48f", "hr+srpe": "#9fb8ad"}


def pmc_chart(daily: pd.DataFrame, plan: pd.DataFrame | None = None) -> go.Figure:
    """Performance management chart: daily load bars coloured by their source, CTL / ATL / TSB
    lines (a.u./day), the ramp rate (a.u./day per week, right axis), and the plan dashed."""
    fig = go.Figure()
    for source, part in daily.groupby(daily.get("source", pd.Series("srpe", daily.index)).replace("", "srpe")):
        fig.add_bar(x=part["day"], y=part["load_au"], name=f"Daily load ({source})",
                    marker_color=SOURCE_COLORS.get(source, "#cfd8dc"))
    for i, (column, name) in enumerate({"ctl": "CTL (fitness)", "atl": "ATL (fatigue)", "tsb": "TSB (form)"}.items()):
        fig.add_trace(go.Scatter(x=daily["day"], y=daily[column], name=name, mode="lines",
                                 line=dict(color=COLORS[i + 1])))
    fig.add_trace(go.Scatter(x=daily["day"], y=daily["ramp"], name="Ramp rate", mode="lines", yaxis="y2",
                             line=dict(color=COLORS[5], width=1, dash="dot")))
    if plan is not None and not plan.empty:
        fig.add_bar(x=plan["day"], y=plan["load_au"], name="Planned load", marker_color="#f2cc8f")
    _with_plan(fig, plan, {"ctl": "CTL", "atl": "ATL", "tsb": "TSB"})
    fig = themed(fig, "Fitness, fatigue and form", "date", "load (a.u./day)", height=400)
    fig.update_layout(barmode="stack", yaxis2=dict(title="ramp (CTL change per 7 d, a.u./day)", overlaying="y",
                                                   side="right", showgrid=False))
    return fig


def acwr_chart(daily: pd.DataFrame, low: float, high: float, plan: pd.DataFrame | None = None) -> go.Figure:
    """ACWR line with the configured band shaded (ratio, no unit)."""
    fig = go.Figure()
    fig.add_hrect(y0=low, y1=high, fillcolor=COLORS[3], opacity=0.15, line_width=0,
                  annotation_text=f"band {low:g}–{high:g}", annotation_position="top left")
    fig.add_trace(go.Scatter(x=daily["day"], y=daily["acwr"], name="ACWR", mode="lines", line=dict(color=COLORS[0])))
    fig.add_trace(go.Scatter(x=daily["day"], y=daily["frbi"], name="FRBI", mode="lines",
                             line=dict(color=COLORS[1], width=1)))
    _with_plan(fig, plan, {"acwr": "ACWR", "frbi": "FRBI"})
    return themed(fig, "Acute:chronic workload ratio", "date", "ratio (acute / chronic)")


def weekly_monotony_strain_chart(weekly: pd.DataFrame, monotony_max: float, strain_max: float) -> go.Figure:
    """Weekly monotony (line, no unit) and strain (bars, a.u.) with their thresholds."""
    fig = go.Figure()
    fig.add_bar(x=weekly["week"], y=weekly["strain"], name="Strain (a.u.)", marker_color=COLORS[4])
    fig.add_trace(go.Scatter(x=weekly["week"], y=weekly["monotony"], name="Monotony", yaxis="y2",
                             mode="lines+markers", line=dict(color=COLORS[2])))
    fig.add_hline(y=strain_max, line_dash="dot", line_color=COLORS[4], annotation_text="strain threshold")
    fig.add_hline(y=monotony_max, line_dash="dot", line_color=COLORS[2], yref="y2",
                  annotation_text="monotony threshold")
    fig = themed(fig, "Weekly monotony and strain", "week (Monday)", "strain (a.u.)")
    fig.update_layout(yaxis2=dict(title="monotony (mean / SD)", overlaying="y", side="right", rangemode="tozero"))
    return fig


def zones_chart(weekly: pd.DataFrame) -> go.Figure:
    """Minutes per week in Edwards HR zones 1-5 (50-60 ... 90-100 % HRmax), stacked."""
    fig = go.Figure()
    for z in range(1, 6):
        fig.add_bar(x=weekly["week"], y=weekly[f"zone_{z}_min"], name=f"Z{z} {40 + 10 * z}-{50 + 10 * z} %")
    fig.update_layout(barmode="stack")
    return themed(fig, "Time in HR zones", "week (Monday)", "minutes")


def muscle_volume_chart(volume: pd.DataFrame) -> go.Figure:
    """Weekly strength volume (kg lifted) per muscle group, stacked."""
    fig = go.Figure()
    for muscle, part in volume.groupby("muscle"):
        fig.add_bar(x=part["week"], y=part["volume_kg"], name=muscle)
    fig.update_layout(barmode="stack")
    return themed(fig, "Strength volume per muscle group", "week (Monday)", "volume (kg = sets x reps x kg)")


def e1rm_chart(e1rm: pd.DataFrame) -> go.Figure:
    """Estimated 1RM per session for the chosen exercises (kg)."""
    fig = go.Figure()
    for name, part in e1rm.groupby("exercise_name"):
        fig.add_trace(go.Scatter(x=part["session_date"], y=part["e1rm_epley_kg"], name=name, mode="lines+markers"))
    return themed(fig, "Estimated 1RM (Epley, sets of <= 10 reps)", "date", "e1RM (kg)")
