"""Plotly figures for the reports: plain functions from small Polars frames to figures.

No rendering or I/O here; each function's frame columns are named in its docstring.
"""

from __future__ import annotations

import math
from typing import Final

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

BLUE: Final = "#3a6fd8"
RED: Final = "#c0392b"
LAYOUT: Final = {
    "margin": {"l": 60, "r": 30, "t": 50, "b": 50},
    "height": 380,
    "template": "plotly_white",
}


def amount_histogram_figure(bins: pl.DataFrame, threshold: float | None) -> go.Figure:
    """Return a step histogram on a log amount axis; `bins` has lower, upper, count.

    A dashed line marks the IQR outlier threshold when it is positive.
    """
    x = [*bins["lower"].to_list(), *bins["upper"].tail(1).to_list()]
    y = [*bins["count"].to_list(), *bins["count"].tail(1).to_list()]
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            line={"shape": "hv", "color": BLUE},
            fill="tozeroy",
            name="transactions",
        )
    )
    if threshold is not None and threshold > 0:
        # On a log axis Plotly places shapes in data units but annotations in log10 units.
        fig.add_shape(
            type="line",
            x0=threshold,
            x1=threshold,
            y0=0,
            y1=1,
            yref="paper",
            line={"dash": "dash", "color": RED},
        )
        fig.add_annotation(
            x=math.log10(threshold),
            y=1,
            yref="paper",
            text=f"Q3 + 1.5 IQR = {threshold:,.2f}",
            showarrow=False,
            xanchor="left",
        )
    fig.update_xaxes(type="log", title="transaction amount (log scale)")
    fig.update_yaxes(title="transactions")
    fig.update_layout(title="Amounts", showlegend=False, **LAYOUT)
    return fig


def channel_figure(channels: pl.DataFrame) -> go.Figure:
    """Return bars of count and total amount per channel; `channels` has key, transactions,
    total_amount."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("transactions", "total amount"))
    keys = channels["key"].to_list()
    fig.add_trace(go.Bar(x=keys, y=channels["transactions"].to_list(), marker_color=BLUE), 1, 1)
    fig.add_trace(go.Bar(x=keys, y=channels["total_amount"].to_list(), marker_color=BLUE), 1, 2)
    fig.update_layout(title="By channel", showlegend=False, **LAYOUT)
    return fig


def hour_figure(hours: pl.DataFrame, with_fraud: bool) -> go.Figure:
    """Return volume by hour (bars) and, `with_fraud`, fraud share by hour (line, right axis);
    `hours` has hour, transactions, fraud_share."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(
            x=hours["hour"].to_list(),
            y=hours["transactions"].to_list(),
            marker_color=BLUE,
            name="transactions",
        ),
        secondary_y=False,
    )
    if with_fraud:
        fig.add_trace(
            go.Scatter(
                x=hours["hour"].to_list(),
                y=hours["fraud_share"].to_list(),
                mode="lines+markers",
                line={"color": RED},
                name="fraud share",
            ),
            secondary_y=True,
        )
        fig.update_yaxes(
            title="fraud share", tickformat=".1%", rangemode="tozero", secondary_y=True
        )
    fig.update_xaxes(title="hour of day (UTC)", dtick=1, range=[-0.5, 23.5])
    fig.update_yaxes(title="transactions", secondary_y=False)
    fig.update_layout(title="By hour of day", **LAYOUT)
    return fig


def weekday_figure(days: pl.DataFrame) -> go.Figure:
    """Return bars of volume by day of week; `days` has day, transactions."""
    fig = go.Figure(
        go.Bar(x=days["day"].to_list(), y=days["transactions"].to_list(), marker_color=BLUE)
    )
    fig.update_yaxes(title="transactions")
    fig.update_layout(title="By day of week (UTC)", **LAYOUT)
    return fig


def fraud_share_figure(groups: pl.DataFrame, title: str) -> go.Figure:
    """Return bars of fraud share per group; `groups` has key, fraud_share."""
    fig = go.Figure(
        go.Bar(x=groups["key"].to_list(), y=groups["fraud_share"].to_list(), marker_color=RED)
    )
    fig.update_yaxes(title="fraud share", tickformat=".1%")
    fig.update_layout(title=title, **LAYOUT)
    return fig
