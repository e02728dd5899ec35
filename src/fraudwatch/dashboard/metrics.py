"""What the dashboard shows, computed from the live window: plain Polars, no Shiny, no SQL.

Every function takes the window frame (`data.WINDOW_SCHEMA`) and the `Filters`; a transaction
belongs to a period when `start <= transaction_timestamp < end` (UTC). docs/dashboard.md defines
each number; tests check them against direct SQL on every backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import polars as pl

# Time ranges offered, and the bucket width their time series use.
WINDOWS: Final = {
    "1h": (timedelta(hours=1), "1m"),
    "24h": (timedelta(hours=24), "15m"),
    "7d": (timedelta(days=7), "1h"),
    "30d": (timedelta(days=30), "6h"),
}
WINDOW_LABELS: Final = {
    "1h": "Last hour",
    "24h": "Last 24 hours",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
}
HISTOGRAM_BINS: Final = 20
HIGH_RISK_ROWS: Final = 200


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices at one moment: a time range ending `now`, optional channel and
    type (None means all), and the risk threshold (a score >= threshold is high risk)."""

    now: datetime
    window: str = "24h"
    channel: str | None = None
    transaction_type: str | None = None
    threshold: float = 0.7

    @property
    def span(self) -> timedelta:
        """Return the length of the time range."""
        return WINDOWS[self.window][0]

    @property
    def bucket(self) -> str:
        """Return the Polars duration string of the time series' bucket width."""
        return WINDOWS[self.window][1]

    @property
    def start(self) -> datetime:
        """Return the first instant of the current period."""
        return self.now - self.span

    def previous(self) -> Filters:
        """Return the same filters for the previous period of the same length."""
        return Filters(self.start, self.window, self.channel, self.transaction_type, self.threshold)


def select(frame: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    """Return the rows of `frame` inside the period and matching channel and type."""
    conditions = [
        pl.col("transaction_timestamp") >= filters.start,
        pl.col("transaction_timestamp") < filters.now,
    ]
    if filters.channel:
        conditions.append(pl.col("channel_name") == filters.channel)
    if filters.transaction_type:
        conditions.append(pl.col("transaction_type") == filters.transaction_type)
    return frame.filter(*conditions)


@dataclass(frozen=True)
class Kpis:
    """The headline numbers of one period (None where a ratio has no denominator)."""

    transactions: int
    total_amount: float
    average_amount: float | None
    scored: int
    pending: int
    share_scored: float | None
    scoring_lag_seconds: float | None
    predicted_fraud: int
    fraud_rate: float | None
    average_probability: float | None
    high_risk: int


def kpis(rows: pl.DataFrame, threshold: float) -> Kpis:
    """Return the KPIs of already-selected rows.

    Scoring lag is the mean of scored_at - record_created_ts (ingest to score) over the scored
    rows; the fraud rate is predicted fraud over scored; high risk counts scores >= threshold.
    """
    prob = pl.col("fraud_probability")
    lag = (pl.col("scored_at") - pl.col("record_created_ts")).dt.total_microseconds() / 1e6
    out = rows.select(
        pl.len().alias("n"),
        pl.col("transaction_amount").sum().alias("total"),
        prob.is_not_null().sum().alias("scored"),
        lag.mean().alias("lag"),
        pl.col("fraud_prediction").fill_null(False).sum().alias("predicted"),
        prob.mean().alias("avg_prob"),
        (prob >= threshold).fill_null(False).sum().alias("high_risk"),
    ).row(0, named=True)
    n, scored = int(out["n"]), int(out["scored"])
    return Kpis(
        transactions=n,
        total_amount=float(out["total"] or 0.0),
        average_amount=float(out["total"]) / n if n else None,
        scored=scored,
        pending=n - scored,
        share_scored=scored / n if n else None,
        scoring_lag_seconds=float(out["lag"]) if out["lag"] is not None else None,
        predicted_fraud=int(out["predicted"]),
        fraud_rate=int(out["predicted"]) / scored if scored else None,
        average_probability=float(out["avg_prob"]) if out["avg_prob"] is not None else None,
        high_risk=int(out["high_risk"]),
    )


def change(current: float | None, previous: float | None) -> float | None:
    """Return the relative change from `previous` to `current`, or None if undefined.

    >>> change(110, 100)
    0.1
    """
    if current is None or previous is None or previous == 0:
        return None
    return round((current - previous) / previous, 12)


def volume_series(rows: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    """Return bucket, scored, pending, amount per time bucket of the period (UTC)."""
    return (
        rows.lazy()
        .group_by(pl.col("transaction_timestamp").dt.truncate(filters.bucket).alias("bucket"))
        .agg(
            pl.col("fraud_probability").is_not_null().sum().alias("scored"),
            pl.col("fraud_probability").is_null().sum().alias("pending"),
            pl.col("transaction_amount").sum().alias("amount"),
        )
        .sort("bucket")
        .collect()
    )


def by_dimension(rows: pl.DataFrame, column: str) -> pl.DataFrame:
    """Return `column`, count, amount, pending per value of `column`, largest count first."""
    return (
        rows.lazy()
        .group_by(column)
        .agg(
            pl.len().alias("count"),
            pl.col("transaction_amount").sum().alias("amount"),
            pl.col("fraud_probability").is_null().sum().alias("pending"),
        )
        .with_columns(pl.col(column).cast(pl.String))
        .sort(["count", column], descending=[True, False])
        .collect()
    )


def probability_histogram(rows: pl.DataFrame, bins: int = HISTOGRAM_BINS) -> pl.DataFrame:
    """Return lower, upper, count for `bins` equal-width bins of the scores on [0, 1].

    Bin i holds i/bins <= p < (i+1)/bins; a score of exactly 1 goes in the last bin.
    """
    index = (
        (pl.col("fraud_probability") * bins).floor().cast(pl.Int64).clip(0, bins - 1).alias("bin")
    )
    # Lazy, so only the score column is read: filtering the whole frame first would copy every
    # column (the ids too) of every scored row.
    counts = (
        rows.lazy()
        .filter(pl.col("fraud_probability").is_not_null())
        .group_by(index)
        .agg(pl.len().alias("count"))
        .collect()
    )
    frame = pl.DataFrame({"bin": pl.int_range(bins, eager=True).cast(pl.Int64)})
    return (
        frame.join(counts, on="bin", how="left")
        .with_columns(
            (pl.col("bin") / bins).alias("lower"),
            ((pl.col("bin") + 1) / bins).alias("upper"),
            pl.col("count").fill_null(0).cast(pl.Int64),
        )
        .select("lower", "upper", "count")
    )


def flagged_series(rows: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    """Return bucket, high_risk (score >= threshold), predicted (model's flag) per bucket."""
    return (
        rows.lazy()
        .filter(pl.col("fraud_probability").is_not_null())
        .group_by(pl.col("transaction_timestamp").dt.truncate(filters.bucket).alias("bucket"))
        .agg(
            (pl.col("fraud_probability") >= filters.threshold).sum().alias("high_risk"),
            pl.col("fraud_prediction").sum().alias("predicted"),
        )
        .sort("bucket")
        .collect()
    )


def high_risk(rows: pl.DataFrame, threshold: float, limit: int = HIGH_RISK_ROWS) -> pl.DataFrame:
    """Return the rows scored >= `threshold`, highest score first (latest first on ties),
    at most `limit` of them; the caller says how many there are in all."""
    return (
        rows.lazy()
        .filter(pl.col("fraud_probability") >= threshold)
        .sort(
            ["fraud_probability", "transaction_timestamp", "transaction_id"],
            descending=[True, True, False],
        )
        .head(limit)
        .collect()
    )


def oldest_unscored(frame: pl.DataFrame, now: datetime) -> timedelta | None:
    """Return how long the oldest unscored transaction of the window has waited since it was
    stored (now - record_created_ts), or None when every transaction is scored."""
    waiting = frame["record_created_ts"].filter(frame["fraud_probability"].is_null()).min()
    if waiting is None:
        return None
    assert isinstance(waiting, datetime)
    return max(now - waiting, timedelta(0))


def categories(frame: pl.DataFrame, column: str) -> list[str]:
    """Return the distinct non-null values of `column`, sorted."""
    return sorted(v for v in frame[column].unique().to_list() if v is not None)
