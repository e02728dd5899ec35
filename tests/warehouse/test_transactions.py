"""Transactions on every backend: bulk insert, exact round trip, idempotence, the anti-join."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import sqlalchemy as sa
from polars.testing import assert_frame_equal
from sqlalchemy.engine import Engine

from fraudwatch.schemas import TRANSACTION_SCHEMA
from fraudwatch.warehouse import (
    count_rows,
    existing_transaction_ids,
    insert_scores,
    insert_transactions,
    read_frame,
    tables,
    unscored_transactions,
    utc_now,
)
from tests.factories import DEFAULT_START, make_scores, make_transactions

staging = tables.transaction_staging


def stored_transactions(engine: Engine) -> pl.DataFrame:
    """Every stored transaction, ordered by id, in TRANSACTION_SCHEMA."""
    statement = sa.select(*(staging.c[n] for n in TRANSACTION_SCHEMA.names())).order_by(
        staging.c.transaction_id
    )
    return read_frame(engine, statement, TRANSACTION_SCHEMA)


def edge_row() -> pl.DataFrame:
    """One transaction with nulls, booleans set, and a one-microsecond fraction."""
    return pl.DataFrame(
        {
            "transaction_id": ["edge-1"],
            "account_number": ["AC999999"],
            "transaction_post_date": [date(2024, 2, 29)],
            "transaction_timestamp": [datetime(2024, 2, 29, 23, 59, 59, 1)],
            "transaction_type": ["DEBIT"],
            "transaction_description": [None],
            "transaction_amount": [0.01],
            "channel_name": ["ATM"],
            "merchant_name": [None],
            "merchant_category_code": [None],
            "is_international": [True],
            "reversal_flag": [True],
        },
        schema=TRANSACTION_SCHEMA,
    )


def test_bulk_insert_counts_and_round_trips_values(engine: Engine) -> None:
    """Inserted rows come back exactly: microsecond timestamps, dates, booleans and nulls."""
    frame = pl.concat([make_transactions(300, seed=1), edge_row()])
    assert frame["transaction_description"].null_count() > 0

    assert insert_transactions(engine, frame) == 301
    assert count_rows(engine, staging) == 301
    assert_frame_equal(stored_transactions(engine), frame.sort("transaction_id"))


def test_insert_stamps_record_created_ts(engine: Engine) -> None:
    """The store sets record_created_ts to the load time (naive UTC) on every row."""
    before = utc_now() - timedelta(seconds=1)
    insert_transactions(engine, make_transactions(10, seed=2))
    with engine.connect() as conn:
        lowest, highest, nulls = conn.execute(
            sa.select(
                sa.func.min(staging.c.record_created_ts),
                sa.func.max(staging.c.record_created_ts),
                sa.func.count() - sa.func.count(staging.c.record_created_ts),
            )
        ).one()
    assert nulls == 0
    assert before <= lowest <= highest <= utc_now() + timedelta(seconds=1)


def test_reinserting_the_same_rows_adds_nothing(engine: Engine) -> None:
    """A second insert of the same batch adds no row and raises no error."""
    frame = make_transactions(100, seed=4)
    assert insert_transactions(engine, frame) == 100
    assert insert_transactions(engine, frame) == 0
    assert count_rows(engine, staging) == 100


def test_partly_overlapping_insert_adds_only_new_rows(engine: Engine) -> None:
    """Of a batch half already stored, only the new half is added; stored rows are unchanged."""
    first = make_transactions(100, seed=5)
    overlapping = make_transactions(100, seed=6, first_id=50)
    assert insert_transactions(engine, first) == 100
    assert insert_transactions(engine, overlapping) == 50
    assert count_rows(engine, staging) == 150
    stored = stored_transactions(engine)
    # Ids 50..99 keep the first batch's values, not the overlapping batch's.
    assert_frame_equal(stored.head(100), first.sort("transaction_id"))
    assert_frame_equal(stored.tail(50), overlapping.tail(50))


def test_duplicate_ids_within_one_batch_are_stored_once(engine: Engine) -> None:
    """A batch that repeats an id stores it once and counts it once."""
    frame = make_transactions(20, seed=7)
    assert insert_transactions(engine, pl.concat([frame, frame.head(5)])) == 20
    assert count_rows(engine, staging) == 20


def test_existing_transaction_ids_finds_only_stored_ids(engine: Engine) -> None:
    """existing_transaction_ids returns exactly the given ids that are stored."""
    insert_transactions(engine, make_transactions(10, seed=8))
    asked = ["tx000000003", "tx000000009", "nope"]
    assert existing_transaction_ids(engine, asked) == {"tx000000003", "tx000000009"}


def test_unscored_returns_oldest_first_and_bounded(engine: Engine) -> None:
    """The anti-join returns at most `limit` unscored rows, oldest timestamp first."""
    frame = make_transactions(30, seed=9)
    insert_transactions(engine, frame.reverse())
    got = unscored_transactions(engine, 10)
    assert_frame_equal(got, frame.sort("transaction_timestamp").head(10))


def test_unscored_excludes_scored_transactions(engine: Engine) -> None:
    """Transactions with a score never come back from the anti-join."""
    frame = make_transactions(20, seed=10)
    insert_transactions(engine, frame)
    scored = frame["transaction_id"].to_list()[::2]
    insert_scores(engine, make_scores(scored))
    got = unscored_transactions(engine, 100)
    assert set(got["transaction_id"]) == set(frame["transaction_id"]) - set(scored)
    assert got["transaction_timestamp"].is_sorted()


def test_late_arriving_older_transaction_is_still_found(engine: Engine) -> None:
    """A transaction inserted after newer ones were scored, with an older timestamp, is found."""
    newer = make_transactions(10, seed=11, start=DEFAULT_START + timedelta(days=1))
    insert_transactions(engine, newer)
    insert_scores(engine, make_scores(newer["transaction_id"].to_list()))
    assert unscored_transactions(engine, 100).is_empty()

    # Lower id and older timestamp than everything already scored: a watermark would skip it.
    late = make_transactions(1, seed=12, id_prefix="a-late-")
    insert_transactions(engine, late)
    assert_frame_equal(unscored_transactions(engine, 100), late)


def test_unscored_on_empty_warehouse_is_an_empty_frame(engine: Engine) -> None:
    """With no transactions the anti-join returns an empty frame with the transaction schema."""
    got = unscored_transactions(engine, 10)
    assert got.is_empty()
    assert got.schema == TRANSACTION_SCHEMA
