"""Chart builders: plain functions from Polars frames to Plotly figures."""

from __future__ import annotations

import math

import polars as pl

from fraudwatch.explore import charts


def test_threshold_line_sits_at_the_threshold_on_the_log_axis() -> None:
    """The IQR line is a shape in data units; its label an annotation in log10 units.

    (Checked in Chromium with plotly 7.1: on a log axis plotly.js places shapes by value
    and annotations by log10 of the value.)
    """
    bins = pl.DataFrame({"lower": [1.0, 10.0], "upper": [10.0, 100.0], "count": [3, 4]})
    fig = charts.amount_histogram_figure(bins, threshold=274.35)
    [shape] = fig.layout.shapes
    [note] = fig.layout.annotations
    assert shape.x0 == shape.x1 == 274.35
    assert note.x == math.log10(274.35)
    assert fig.layout.xaxis.type == "log"
    assert list(fig.data[0].x) == [1.0, 10.0, 100.0]  # edges: the step ends at the last bin


def test_no_threshold_line_when_not_positive() -> None:
    """A threshold of zero or less cannot be drawn on a log axis and is left out."""
    bins = pl.DataFrame({"lower": [1.0], "upper": [10.0], "count": [3]})
    assert charts.amount_histogram_figure(bins, threshold=-5.0).layout.shapes == ()


def test_hour_figure_has_fraud_line_only_with_labels() -> None:
    """Without labels the hour chart has the volume bars only."""
    hours = pl.DataFrame(
        {"hour": list(range(24)), "transactions": [1] * 24, "fraud_share": [0.0] * 24}
    )
    assert len(charts.hour_figure(hours, with_fraud=True).data) == 2
    assert len(charts.hour_figure(hours, with_fraud=False).data) == 1
