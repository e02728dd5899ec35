"""The API's transaction window keeps the feed's bookkeeping: which ids it holds, how many rows
were stamped in a span, the latest stamp, and how many rows expired."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta

import polars as pl
import pytest

from fraudwatch.api.window import TransactionWindow, empty_window
from tests.features.scenario import START, make_scenario


def _stamped(frame: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Staged rows stamped out of time order (late commits), some sharing a stamp."""
    rng = random.Random(seed)
    created = [START + timedelta(seconds=rng.randrange(frame.height)) for _ in range(frame.height)]
    return frame.with_columns(pl.Series("record_created_ts", created, pl.Datetime("us")))


@pytest.fixture(scope="module")
def rows() -> pl.DataFrame:
    """A world with ties and null merchants, as staged rows stamped out of order."""
    return _stamped(make_scenario(n=300, days=40, seed=5).transactions, seed=9)


def _inside(rows: pl.DataFrame, start: datetime) -> pl.DataFrame:
    return rows.filter(pl.col("transaction_timestamp") >= start)


def test_add_skips_held_ids_and_rows_before_the_window(rows: pl.DataFrame) -> None:
    """A row read twice (the late-commit margin is read again, or twice in one read) is held
    once; a row older than the window is not held; `add` says how many it took."""
    start = START + timedelta(days=10)
    window = TransactionWindow(rows.head(100), start)
    held = window.height
    assert held == _inside(rows.head(100), start).height
    assert window.add(rows.head(100)) == 0
    later = rows.slice(100, 50)
    twice = pl.concat([later, later.head(10)])
    assert window.add(twice) == _inside(later, start).height
    assert window.height == held + _inside(later, start).height
    assert window.add(rows.slice(100, 60)) == _inside(rows.slice(150, 10), start).height


def test_stamp_counts_and_latest_stamp_are_those_of_the_held_rows(rows: pl.DataFrame) -> None:
    """For any span, the window counts the held rows stamped within it, both ends included;
    the latest stamp never goes back when an earlier-stamped row (a late commit) arrives."""
    start = START + timedelta(days=5)
    window = empty_window(start)
    assert window.latest_created() is None
    assert window.count_created_between(START, START + timedelta(days=1)) == 0
    for low, high in ((0, 120), (120, 210), (210, rows.height)):
        window.add(rows.slice(low, high - low))
        assert window.latest_created() == _inside(rows.head(high), start)["record_created_ts"].max()
    held = _inside(rows, start)
    assert window.height == held.height
    created = held["record_created_ts"].to_list()
    rng = random.Random(4)
    for _ in range(40):
        low = START + timedelta(seconds=rng.randrange(-5, rows.height + 5))
        high = low + timedelta(seconds=rng.randrange(0, 60))
        assert window.count_created_between(low, high) == sum(low <= c <= high for c in created)
    first = min(created)
    assert window.count_created_between(first, first) == created.count(first)


def test_late_stamp_does_not_lower_the_latest(rows: pl.DataFrame) -> None:
    """A row stamped before the latest held stamp is taken and counted, but the latest stays."""
    window = TransactionWindow(rows.head(50), START)
    latest = window.latest_created()
    assert latest is not None
    late = rows.slice(50, 1).with_columns(
        pl.lit(latest - timedelta(hours=1), pl.Datetime("us")).alias("record_created_ts")
    )
    assert window.add(late) == 1
    assert window.latest_created() == latest
    moment = latest - timedelta(hours=1)
    assert window.count_created_between(moment, moment) >= 1


def test_since_drops_expired_rows(rows: pl.DataFrame) -> None:
    """A window rebuilt from a later start holds only the rows from then on, with their stamps,
    and still skips the ids it holds."""
    window = TransactionWindow(rows, START)
    cut = START + timedelta(days=20)
    kept = _inside(rows, cut)
    assert window.expired(cut) == rows.height - kept.height
    smaller = window.since(cut)
    assert smaller.start == cut and smaller.height == kept.height
    assert smaller.expired(cut) == 0
    assert smaller.latest_created() == kept["record_created_ts"].max()
    assert smaller.count_created_between(START, START + timedelta(days=1)) == kept.height
    assert smaller.add(rows) == 0
    assert window.height == rows.height  # the old window is unchanged
    assert window.since(START + timedelta(days=99)).latest_created() is None


def test_since_while_rows_are_added_is_consistent(rows: pl.DataFrame) -> None:
    """A copy taken while the writer adds rows holds whole rows: each id once, with its
    stamps, never a row without its times."""
    window = empty_window(START)
    copies: list[TransactionWindow] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set() and len(copies) < 200:
            copies.append(window.since(START))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for offset in range(0, rows.height, 3):
            window.add(rows.slice(offset, 3))
    finally:
        done.set()
        reader.join()
    copies.append(window.since(START))
    wide = (START - timedelta(days=1), START + timedelta(days=1))
    for copy in copies:
        assert copy.count_created_between(*wide) == copy.height
        held = copy.height
        assert copy.add(rows) == rows.height - held
    assert copies[-1].height == rows.height
