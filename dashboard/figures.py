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
