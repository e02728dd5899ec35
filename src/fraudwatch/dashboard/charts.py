"""Plotly figures for the dashboard: plain functions from small Polars frames to figures.

No Shiny import here. Each function names the columns it reads; an empty frame gives an empty
figure with a "no data" note rather than an error. Times are UTC.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import plotly
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

BLUE: Final = "#3a6fd8"
GREY: Final = "#b0b7c3"
RED: Final = "#c0392b"
ORANGE: Final = "#e67e22"
LAYOUT: Final = {
    "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
    "height": 300,
    "template": "plotly_white",
    "legend": {"orientation": "h", "y": -0.2},
}
PLOTLY_JS: Final = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _empty(fig: go.Figure, frame: pl.DataFrame) -> go.Figure:
    if frame.is_empty():
        fig.add_annotation(
            text="no data for these filters",
            showarrow=False,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
        )
    return fig


def volume_figure(series: pl.DataFrame, bucket: str) -> go.Figure:
    """Return stacked bars of scored and pending (not yet scored) transactions per bucket.

    `series` has bucket, scored, pending.
    """
    fig = go.Figure(
        [
            go.Bar(x=series["bucket"], y=series["scored"], name="scored", marker_color=BLUE),
            go.Bar(x=series["bucket"], y=series["pending"], name="pending", marker_color=GREY),
        ]
    )
    fig.update_layout(barmode="stack", title=f"Transactions per {bucket} (UTC)", **LAYOUT)
    return _empty(fig, series)


def dimension_figure(frame: pl.DataFrame, column: str, title: str) -> go.Figure:
    """Return side-by-side bars of count and amount per value of `column`.

    `frame` has `column`, count, amount.
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=("count", "amount"))
    labels = frame[column].fill_null("(none)")
    fig.add_trace(go.Bar(x=labels, y=frame["count"], marker_color=BLUE, name="count"), 1, 1)
    fig.add_trace(go.Bar(x=labels, y=frame["amount"], marker_color=ORANGE, name="amount"), 1, 2)
    fig.update_layout(title=title, showlegend=False, **{**LAYOUT, "height": 320})
    return _empty(fig, frame)


def histogram_figure(histogram: pl.DataFrame, threshold: float) -> go.Figure:
    """Return the score histogram with the risk threshold marked.

    `histogram` has lower, upper, count.
    """
    centres = (histogram["lower"] + histogram["upper"]) / 2
    colours = [RED if lower >= threshold else BLUE for lower in histogram["lower"]]
    fig = go.Figure(
        go.Bar(
            x=centres,
            y=histogram["count"],
            width=1 / max(histogram.height, 1),
            marker_color=colours,
        )
    )
    fig.add_vline(x=threshold, line_dash="dash", line_color=RED)
    fig.update_xaxes(range=[0, 1], title="fraud probability")
    fig.update_yaxes(title="transactions")
    fig.update_layout(title=f"Score distribution (threshold {threshold:.2f})", **LAYOUT)
    return _empty(fig, histogram.filter(pl.col("count") > 0))


def flagged_figure(series: pl.DataFrame, bucket: str, threshold: float) -> go.Figure:
    """Return lines of high-risk (score >= threshold) and model-flagged transactions per bucket.

    `series` has bucket, high_risk, predicted.
    """
    fig = go.Figure(
        [
            go.Scatter(
                x=series["bucket"],
                y=series["high_risk"],
                name=f"score ≥ {threshold:.2f}",
                mode="lines+markers",
                line_color=RED,
            ),
            go.Scatter(
                x=series["bucket"],
                y=series["predicted"],
                name="predicted fraud",
                mode="lines+markers",
                line_color=ORANGE,
            ),
        ]
    )
    fig.update_layout(title=f"Flagged transactions per {bucket} (UTC)", **LAYOUT)
    return _empty(fig, series)


def drift_figure(psi: pl.DataFrame) -> go.Figure:
    """Return bars of the population stability index per distribution, with the usual
    0.1 (watch) and 0.25 (act) lines. `psi` has name, psi."""
    colours = [RED if v >= 0.25 else ORANGE if v >= 0.1 else BLUE for v in psi["psi"]]
    fig = go.Figure(go.Bar(x=psi["name"], y=psi["psi"], marker_color=colours))
    for level, colour in ((0.1, ORANGE), (0.25, RED)):
        fig.add_hline(y=level, line_dash="dot", line_color=colour)
    fig.update_layout(title="Drift against the champion's training window (PSI)", **LAYOUT)
    return _empty(fig, psi)


def figure_html(fig: go.Figure, element_id: str) -> str:
    """Return the figure as an HTML fragment that expects plotly.js already on the page."""
    return str(
        fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=element_id,
            config={"displaylogo": False, "responsive": True},
        )
    )
