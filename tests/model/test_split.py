"""Time split: windows in order, gaps respected, dates honoured."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from fraudwatch.model.split import SplitError, TimeSplit, plan_split, split_from_dates

START = datetime(2026, 1, 1, 8, 30)


def test_planned_windows_do_not_overlap_and_keep_the_gap():
    """Auto windows are ordered, separated by the gap, and test ends a gap before the data."""
    end = START + timedelta(days=40, hours=3)
    split = plan_split(START, end, gap=timedelta(days=7))
    assert split.train_start < split.train_end
    assert split.validation_start - split.train_end == timedelta(days=7)
    assert split.test_start - split.validation_end == timedelta(days=7)
    assert split.test_end <= end - timedelta(days=7)
    assert split.cutoff == end


def test_assign_puts_each_timestamp_in_at_most_one_window():
    """Timestamps in a gap get no window, and every window gets only its own range."""
    split = plan_split(START, START + timedelta(days=40), gap=timedelta(days=7))
    stamps = pl.datetime_range(START, START + timedelta(days=40), interval="1h", eager=True).cast(
        pl.Datetime("us")
    )
    assigned = split.assign(stamps)
    frame = pl.DataFrame({"ts": stamps, "part": assigned})
    bounds = {
        "train": (split.train_start, split.train_end),
        "validation": (split.validation_start, split.validation_end),
        "test": (split.test_start, split.test_end),
    }
    for part, (lo, hi) in bounds.items():
        rows = frame.filter(pl.col("part") == part)["ts"]
        assert rows.len() > 0
        assert rows.min() >= lo and rows.max() < hi  # type: ignore[operator]
    in_gap = frame.filter(
        (pl.col("ts") >= split.train_end) & (pl.col("ts") < split.validation_start)
    )
    assert in_gap["part"].null_count() == in_gap.height


def test_too_little_data_is_a_clear_error():
    """Ten days cannot hold windows with a seven-day gap; the message says what to do."""
    with pytest.raises(SplitError, match="too few"):
        plan_split(START, START + timedelta(days=10), gap=timedelta(days=7))


def test_overlapping_windows_are_rejected():
    """A test window that starts inside the train window is refused."""
    with pytest.raises(SplitError, match="before the train window ends"):
        split_from_dates(
            datetime(2026, 1, 1),
            datetime(2026, 2, 1),
            datetime(2026, 1, 20),
            datetime(2026, 2, 10),
            cutoff=datetime(2026, 3, 1),
        )
    with pytest.raises(SplitError, match="overlaps"):
        TimeSplit(
            datetime(2026, 1, 1),
            datetime(2026, 1, 10),
            datetime(2026, 1, 5),
            datetime(2026, 1, 12),
            datetime(2026, 1, 13),
            datetime(2026, 1, 14),
            datetime(2026, 1, 20),
        )


def test_dates_carve_validation_from_the_end_of_train():
    """Given dates, validation is the end of the train window after a gap, test is as given."""
    split = split_from_dates(
        datetime(2026, 1, 1),
        datetime(2026, 2, 1),
        datetime(2026, 2, 8),
        datetime(2026, 2, 15),
        cutoff=datetime(2026, 3, 1),
    )
    assert split.validation_end == datetime(2026, 2, 1)
    assert split.validation_start - split.train_end == timedelta(days=7)
    assert (split.test_start, split.test_end) == (datetime(2026, 2, 8), datetime(2026, 2, 15))
