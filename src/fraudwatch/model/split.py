"""The time split: train | gap | validation | gap | test, by transaction timestamp.

Windows are half-open, `[start, end)`, in naive UTC. The gaps leave room for label delay: a
chargeback for a transaction late in the train window arrives days after it, so the model is
validated (and tested) on periods whose own training labels had time to arrive, as in production.
`cutoff` is the instant the labels are read as of (see labels.py).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl

DEFAULT_GAP = timedelta(days=7)
WARMUP = timedelta(days=1)
MIN_USABLE_DAYS = 5
SPLIT_COLUMN = "split"


class SplitError(ValueError):
    """The windows overlap, are empty, or the data is too short for them; the message says which."""


@dataclass(frozen=True)
class TimeSplit:
    """Three consecutive windows and the instant labels are read as of."""

    train_start: datetime
    train_end: datetime
    validation_start: datetime
    validation_end: datetime
    test_start: datetime
    test_end: datetime
    cutoff: datetime

    def __post_init__(self) -> None:
        """Reject empty or overlapping windows."""
        order = [
            ("train", self.train_start, self.train_end),
            ("validation", self.validation_start, self.validation_end),
            ("test", self.test_start, self.test_end),
        ]
        for name, start, end in order:
            if not start < end:
                raise SplitError(f"the {name} window is empty: {start} is not before {end}")
        for (name_a, _, end_a), (name_b, start_b, _) in itertools.pairwise(order):
            if start_b < end_a:
                raise SplitError(
                    f"the {name_a} window (ending {end_a}) overlaps the {name_b} window "
                    f"(starting {start_b})"
                )

    @property
    def gaps(self) -> tuple[timedelta, timedelta]:
        """Return the gaps train→validation and validation→test."""
        return (
            self.validation_start - self.train_end,
            self.test_start - self.validation_end,
        )

    def assign(self, timestamps: pl.Series) -> pl.Series:
        """Return, per timestamp, "train", "validation", "test" or null (in a gap or outside)."""
        ts = pl.col("ts")
        frame = pl.DataFrame({"ts": timestamps})
        expression = (
            pl.when((ts >= self.train_start) & (ts < self.train_end))
            .then(pl.lit("train"))
            .when((ts >= self.validation_start) & (ts < self.validation_end))
            .then(pl.lit("validation"))
            .when((ts >= self.test_start) & (ts < self.test_end))
            .then(pl.lit("test"))
            .otherwise(pl.lit(None, dtype=pl.String))
        )
        return frame.select(expression.alias(SPLIT_COLUMN)).to_series()

    def to_dict(self) -> dict[str, Any]:
        """Return the windows as ISO strings (for metadata.json and the report)."""
        return {
            name: value.isoformat()
            for name, value in (
                ("train_start", self.train_start),
                ("train_end", self.train_end),
                ("validation_start", self.validation_start),
                ("validation_end", self.validation_end),
                ("test_start", self.test_start),
                ("test_end", self.test_end),
                ("cutoff", self.cutoff),
            )
        }


def _midnight(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, moment.day)


def plan_split(
    data_start: datetime,
    data_end: datetime,
    *,
    gap: timedelta = DEFAULT_GAP,
    cutoff: datetime | None = None,
    shares: tuple[float, float] = (0.2, 0.2),
) -> TimeSplit:
    """Return windows on whole UTC days picked from the span of the data.

    The test window ends `gap` before the last whole day of data (its labels have matured that
    long); before it come a gap, validation, a gap and train. The first day is left as feature
    warm-up. Validation and test each get `shares` of the usable days (at least one day each);
    train gets the rest. `cutoff` defaults to `data_end`.
    """
    first = _midnight(data_start) + WARMUP
    gap_days = timedelta(days=gap.days)
    test_end = _midnight(data_end) - gap_days
    usable = (test_end - first).days - 2 * gap_days.days
    if usable < MIN_USABLE_DAYS:
        span = (data_end - data_start).days
        raise SplitError(
            f"{span} days of data are too few for windows with a {gap_days.days}-day label gap "
            f"(need {MIN_USABLE_DAYS + 2 + 3 * gap_days.days}); load more history, give a "
            "smaller --gap-days, or give the windows as dates"
        )
    test_days = max(1, round(usable * shares[1]))
    validation_days = max(1, round(usable * shares[0]))
    test_start = test_end - timedelta(days=test_days)
    validation_end = test_start - gap_days
    validation_start = validation_end - timedelta(days=validation_days)
    train_end = validation_start - gap_days
    return TimeSplit(
        train_start=first,
        train_end=train_end,
        validation_start=validation_start,
        validation_end=validation_end,
        test_start=test_start,
        test_end=test_end,
        cutoff=cutoff or data_end,
    )


def split_from_dates(
    train_start: datetime,
    train_end: datetime,
    test_start: datetime,
    test_end: datetime,
    *,
    gap: timedelta = DEFAULT_GAP,
    cutoff: datetime,
    validation_share: float = 0.2,
) -> TimeSplit:
    """Return a split for windows given as dates; validation is carved from the train window.

    Validation is the last `validation_share` of `[train_start, train_end)`, separated from the
    rest of train by `gap` (shrunk to a quarter of the window if the window is short). The gap
    between `train_end` and `test_start` is the caller's choice; they must not overlap.
    """
    if test_start < train_end:
        raise SplitError(
            f"the test window starts ({test_start}) before the train window ends ({train_end})"
        )
    span = train_end - train_start
    inner_gap = min(gap, span / 4)
    validation_length = (span - inner_gap) * validation_share
    validation_start = train_end - validation_length
    return TimeSplit(
        train_start=train_start,
        train_end=validation_start - inner_gap,
        validation_start=validation_start,
        validation_end=train_end,
        test_start=test_start,
        test_end=test_end,
        cutoff=cutoff,
    )
