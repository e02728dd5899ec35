"""Every figure of the exploration report, computed from a Dataset into plain data.

Rendering (explore.render) only formats what is here; tests compare these numbers with SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from fraudwatch.explore.amounts import (
    AmountOutliers,
    Histogram,
    amount_histogram,
    amount_outliers,
)
from fraudwatch.explore.groups import GroupRow, amount_band, band_order, group_rows, key_text
from fraudwatch.explore.load import Dataset, Source
from fraudwatch.explore.quality import QualityCheck, Summary, quality_checks, summarize
from fraudwatch.explore.timing import HourRow, LateNightTest, by_hour, by_weekday, late_night_test


@dataclass(frozen=True)
class FraudRates:
    """Fraud share by channel, type, international and amount band (labelled data only)."""

    channel: tuple[GroupRow, ...]
    transaction_type: tuple[GroupRow, ...]
    international: tuple[GroupRow, ...]
    amount_band: tuple[GroupRow, ...]


@dataclass(frozen=True)
class ExploreReport:
    """The whole exploration report as numbers. Label-based parts are None without labels."""

    source: Source
    generated_at: datetime
    summary: Summary
    quality: tuple[QualityCheck, ...]
    outliers: AmountOutliers | None
    histogram: Histogram
    channels: tuple[GroupRow, ...]
    hours: tuple[HourRow, ...]
    weekdays: tuple[tuple[str, int], ...]
    late_night: LateNightTest | None
    fraud_rates: FraudRates | None

    @property
    def empty(self) -> bool:
        """Return True when there is no transaction to report on."""
        return self.summary.rows == 0


def analyse(dataset: Dataset, as_of: datetime) -> ExploreReport:
    """Return every figure of the report; `as_of` (naive UTC) is when it is generated."""
    frame = dataset.frame
    labelled = dataset.source.has_labels
    hours = by_hour(frame)
    return ExploreReport(
        source=dataset.source,
        generated_at=as_of,
        summary=summarize(frame, dataset.source.raw_columns),
        quality=quality_checks(frame, as_of),
        outliers=amount_outliers(frame),
        histogram=amount_histogram(frame),
        channels=group_rows(frame, key_text("channel_name")),
        hours=hours,
        weekdays=by_weekday(frame),
        late_night=late_night_test(hours) if labelled else None,
        fraud_rates=fraud_rates(frame) if labelled else None,
    )


def fraud_rates(frame: pl.DataFrame) -> FraudRates:
    """Return the fraud-share tables (unlabelled transactions count as not known fraud)."""
    return FraudRates(
        channel=group_rows(frame, key_text("channel_name")),
        transaction_type=group_rows(frame, key_text("transaction_type")),
        international=group_rows(frame, key_text("is_international")),
        amount_band=band_order(group_rows(frame, amount_band())),
    )


def channel_sentence(channels: tuple[GroupRow, ...]) -> str:
    """Return which channel leads by count, by average amount and by total amount."""
    if not channels:
        return "There are no transactions, so no channel leads."
    total = sum(row.transactions for row in channels)
    most = max(channels, key=lambda row: (row.transactions, row.key))
    priced = [row for row in channels if row.mean_amount is not None]
    parts = [
        f"{most.key} has the most transactions ({most.transactions:,}, "
        f"{most.transactions / total:.1%} of all)"
    ]
    if priced:
        dearest = max(priced, key=lambda row: (row.mean_amount or 0.0, row.key))
        largest = max(priced, key=lambda row: (row.total_amount, row.key))
        parts.append(f"{dearest.key} has the highest average amount ({dearest.mean_amount:,.2f})")
        parts.append(f"{largest.key} carries the largest total ({largest.total_amount:,.2f})")
    return "; ".join(parts) + "."
