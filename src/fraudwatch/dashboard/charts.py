"""Plotly figures for the dashboard: plain functions from small Polars frames to figures.

No Shiny import here. Each function names the columns it reads; an empty frame gives an empty
figure with a "no data" note rather than an error. Times are UTC.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

import plotly
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from plotly.subplots import make_subplots

BLUE: Final = "#3a6fd8"
GREY: Final = "#b0b7c3"
RED: Final = "#c0392b"
ORANGE: Final = "#e67e22"
# The parts of plotly's "plotly_white" template these charts use, built once: applying the full
# named template deep-copies and validates it on every figure (~20 ms each, most of a chart's
# server time) and sends ~8 KB more per figure to the browser.
_AXIS: Final = {
    "gridcolor": "#EBF0F8",
    "linecolor": "#EBF0F8",
    "zerolinecolor": "#EBF0F8",
    "zerolinewidth": 2,
    "ticks": "",
    "automargin": True,
    "title": {"standoff": 15},
}
TEMPLATE: Final = go.layout.Template(
    layout={
        "font": {"color": "#2a3f5f"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "title": {"x": 0.05},
        "xaxis": _AXIS,
        "yaxis": _AXIS,
    }
)
LAYOUT: Final = {
    "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
    "height": 300,
    "template": TEMPLATE,
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


PLOT_CONFIG: Final = {"displaylogo": False, "responsive": True}

# plotly.js (4.6 MB) takes longer to parse and run than everything else on the page together,
# so it is kept off the first render: the page only preloads it (download in parallel, no
# parsing), and this loader runs it once the first figure arrives and the values that came
# with it (the KPIs) have been painted. Figures wait in a queue (the latest per element) until
# then; afterwards they are drawn at once.
PLOT_LOADER_JS: Final = """
(function () {
  var pending = {};
  var ready = false;
  var requested = false;
  var config = __CONFIG__;
  function draw(id, figure) {
    var element = document.getElementById(id);
    if (element) {
      window.Plotly.newPlot(element, figure.data, figure.layout, config);
    }
  }
  function loaded() {
    ready = true;
    var queued = pending;
    pending = {};
    Object.keys(queued).forEach(function (id) { draw(id, queued[id]); });
  }
  function load() {
    var script = document.createElement("script");
    script.src = window.fraudwatchPlotlySrc;
    script.async = true;
    script.onload = loaded;
    document.head.appendChild(script);
  }
  window.fraudwatchPlot = function (id, figure) {
    if (ready) {
      draw(id, figure);
      return;
    }
    pending[id] = figure;
    if (!requested) {
      requested = true;
      // After the next paint: what arrived with this figure is on screen before the parse.
      window.requestAnimationFrame(function () { window.setTimeout(load, 0); });
    }
  };
})();
""".replace("__CONFIG__", json.dumps(PLOT_CONFIG))


def plotly_loader_js(src: str) -> str:
    """Return the inline script that defines `fraudwatchPlot` and loads plotly.js from `src`."""
    return f"window.fraudwatchPlotlySrc = {json.dumps(src)};" + PLOT_LOADER_JS


def figure_html(fig: go.Figure, element_id: str) -> str:
    """Return the figure as an HTML fragment: a sized placeholder and a call that draws it
    with plotly.js once that is loaded (see `PLOT_LOADER_JS`; plotly.js is served locally)."""
    figure = pio.to_json(fig, validate=False).replace("</", "<\\/")
    height = fig.layout.height or LAYOUT["height"]
    return (
        f'<div id="{element_id}" class="plotly-graph-div" '
        f'style="height:{height}px; width:100%;"></div>'
        f"<script>window.fraudwatchPlot({json.dumps(element_id)}, {figure});</script>"
    )
