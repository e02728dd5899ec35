"""The API's indexed window gives a batch exactly the history the scoring path builds."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from fraudwatch.api.window import TransactionWindow
from fraudwatch.features import LOOKBACK
from fraudwatch.features.inputs import history_from_window
from tests.features.scenario import START, make_scenario


def _staged(frame: pl.DataFrame, created: datetime) -> pl.DataFrame:
    return frame.with_columns(pl.lit(created, pl.Datetime("us")).alias("record_created_ts"))


@pytest.fixture(scope="module")
def rows() -> pl.DataFrame:
    """A world with ties, shared customers and null merchants, as staged rows."""
    return _staged(make_scenario(n=300, days=40, seed=5).transactions, START)


def _expected(
    rows: pl.DataFrame, accounts: list[str], merchants: list[str], end: datetime
) -> pl.DataFrame:
    inside = rows.filter(pl.col("transaction_timestamp").is_between(end - LOOKBACK, end, "left"))
    return history_from_window(inside.drop("record_created_ts"), accounts, merchants)


def test_history_equals_the_scoring_paths(rows: pl.DataFrame) -> None:
    """For any accounts, merchants and time range, the gathered history is the frame
    `history_from_window` builds from the same rows: same rows, columns, marks and order."""
    window = TransactionWindow(rows.head(200), START)
    window.add(rows.tail(100))  # a delta appended later is indexed like the first load
    names = rows["account_number"].unique().sort().to_list()
    shops = rows["merchant_name"].drop_nulls().unique().sort().to_list()
    rng = random.Random(3)
    for _ in range(25):
        accounts = sorted(rng.sample(names, rng.randint(0, 3)))
        merchants = sorted(rng.sample(shops, rng.randint(0, 2)))
        end = START + timedelta(days=rng.uniform(1, 41))
        found = window.history(accounts, merchants, end - LOOKBACK, end)
        expected = _expected(rows, accounts, merchants, end)
        assert_frame_equal(found.history, expected)
        assert found.ids == expected["transaction_id"].to_list()


def test_add_skips_held_ids_and_rows_before_the_window(rows: pl.DataFrame) -> None:
    """A row read twice (the late-commit margin is read again) is held once; a row older than
    the window is not held."""
    start = START + timedelta(days=10)
    window = TransactionWindow(rows.head(100), start)
    held = window.height
    assert window.add(rows.head(100)) == 0
    later = rows.slice(100, 50)
    assert window.add(later) == later.filter(pl.col("transaction_timestamp") >= start).height
    assert window.height == held + later.filter(pl.col("transaction_timestamp") >= start).height


def test_since_drops_expired_rows(rows: pl.DataFrame) -> None:
    """A window rebuilt from a later start holds only the rows from then on."""
    window = TransactionWindow(rows, START)
    cut = START + timedelta(days=20)
    expired = rows.filter(pl.col("transaction_timestamp") < cut).height
    assert window.expired(cut) == expired
    assert window.since(cut).height == rows.height - expired
