"""Chart builders, PSI, identity headers and formatting: plain functions, no browser."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from fraudwatch.dashboard import charts, drift, metrics
from fraudwatch.dashboard.identity import analyst_from_headers
from fraudwatch.dashboard.kpi import change_text
from fraudwatch.dashboard.tabs.operations import metric_rows

NOW = datetime(2026, 1, 10, 12, 0)


def window_frame() -> pl.DataFrame:
    """A tiny live window: three transactions, one unscored."""
    return pl.DataFrame(
        {
            "transaction_id": ["a", "b", "c"],
            "transaction_timestamp": [NOW - timedelta(minutes=m) for m in (5, 30, 90)],
            "record_created_ts": [NOW - timedelta(minutes=m) for m in (4, 29, 89)],
            "transaction_amount": [10.0, 20.0, 30.0],
            "channel_name": ["ATM", "Branch", "ATM"],
            "transaction_type": ["DEBIT", "DEBIT", "CREDIT"],
            "fraud_probability": [0.9, None, 0.1],
            "fraud_prediction": [True, None, False],
            "scored_at": [NOW - timedelta(minutes=3), None, NOW - timedelta(minutes=88)],
        }
    )


def test_kpis_and_windows() -> None:
    """The last hour holds two transactions, one pending; 24 h holds all three."""
    frame = window_frame()
    hour = metrics.kpis(metrics.select(frame, metrics.Filters(NOW, "1h")), 0.7)
    assert (hour.transactions, hour.pending, hour.high_risk, hour.scoring_lag_seconds) == (
        2,
        1,
        1,
        60.0,
    )
    day = metrics.kpis(metrics.select(frame, metrics.Filters(NOW, "24h", channel="ATM")), 0.7)
    assert (day.transactions, day.total_amount, day.fraud_rate) == (2, 40.0, 0.5)


def test_histogram_puts_one_in_last_bin() -> None:
    """A score of exactly 1.0 counts in the last bin; bins cover [0, 1]."""
    frame = window_frame().with_columns(pl.Series("fraud_probability", [1.0, None, 0.0]))
    hist = metrics.probability_histogram(frame)
    assert hist.height == 20 and hist["count"][-1] == 1 and hist["count"][0] == 1


def test_chart_builders_return_figures_with_data() -> None:
    """Every builder returns a figure with traces; an empty frame gives a 'no data' note."""
    frame = window_frame()
    filters = metrics.Filters(NOW, "24h")
    figures = [
        charts.volume_figure(metrics.volume_series(frame, filters), filters.bucket),
        charts.dimension_figure(metrics.by_dimension(frame, "channel_name"), "channel_name", "x"),
        charts.histogram_figure(metrics.probability_histogram(frame), 0.7),
        charts.flagged_figure(metrics.flagged_series(frame, filters), filters.bucket, 0.7),
        charts.drift_figure(pl.DataFrame({"name": ["amount"], "psi": [0.3]})),
    ]
    assert all(len(f.data) >= 1 for f in figures)
    empty = charts.volume_figure(metrics.volume_series(frame.clear(), filters), "1m")
    assert "no data" in str(empty.layout.annotations[0].text)
    html = charts.figure_html(figures[0], "v")
    assert 'id="v"' in html and "<script" in html and "cdn" not in html.lower()


def test_psi() -> None:
    """PSI is 0 for equal shares and grows as shares move apart."""
    assert drift.psi({"a": 5, "b": 5}, {"a": 5, "b": 5}) == 0.0
    assert drift.psi({"a": 5, "b": 5}, {"a": 9, "b": 1}) > 0.25
    assert drift.psi({}, {"a": 1}) is None


def test_identity_headers() -> None:
    """Connect's credentials header wins, then proxy user headers; blanks are ignored."""
    assert (
        analyst_from_headers(
            {"RStudio-Connect-Credentials": '{"user": "ana"}', "X-Forwarded-User": "x"}
        )
        == "ana"
    )
    assert analyst_from_headers({"x-auth-request-user": "  bo  "}) == "bo"
    assert analyst_from_headers({"X-Forwarded-User": "  "}) is None
    assert analyst_from_headers({"RStudio-Connect-Credentials": "not json"}) is None


def test_change_text_and_metric_rows() -> None:
    """Comparisons say the direction and the previous value; nested metrics flatten."""
    assert change_text(110, 100, "24h").startswith("▲ 10.0% vs previous 24 hours")
    assert change_text(5, 0, "1h").startswith("no comparison")
    assert metric_rows({"test": {"roc_auc": 0.91234}, "n": 3}) == [
        ("test.roc_auc", "0.9123"),
        ("n", "3"),
    ]
