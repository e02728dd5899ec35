"""The Arrow read path returns what SQLAlchemy reads; the anti-join skips quarantined rows."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.schemas import TRANSACTION_SCHEMA
from fraudwatch.warehouse import (
    QUARANTINE_SOURCE,
    insert_rejected,
    insert_transactions,
    read_arrow_frame,
    read_frame,
    tables,
    unscored_transactions,
)
from tests.factories import make_transactions


def test_arrow_read_equals_sqlalchemy_read(engine: Engine) -> None:
    """Same rows, order, types and nulls (a nullable column that starts with nulls included)."""
    frame = make_transactions(2_500, seed=4).with_columns(
        pl.when(pl.int_range(pl.len()) < 1_500)
        .then(None)
        .otherwise(pl.col("transaction_description"))
        .alias("transaction_description")
    )
    insert_transactions(engine, frame)
    staging = tables.transaction_staging
    statement = (
        sa.select(*(staging.c[n] for n in TRANSACTION_SCHEMA.names()))
        .where(staging.c.account_number.in_(["AC000001", "AC000002", "AC000003"]))
        .order_by(staging.c.transaction_timestamp)
    )
    fast = read_arrow_frame(engine, statement, TRANSACTION_SCHEMA)
    assert fast.height > 0
    assert fast.equals(read_frame(engine, statement, TRANSACTION_SCHEMA))
    empty = read_arrow_frame(engine, statement.where(sa.false()), TRANSACTION_SCHEMA)
    assert empty.height == 0 and empty.schema == TRANSACTION_SCHEMA


def test_unscored_skips_rows_the_scorer_quarantined_only(engine: Engine) -> None:
    """A row rejected by the scorer leaves the anti-join; one rejected by a file ingest does not."""
    insert_transactions(engine, make_transactions(5, seed=1))
    rejected = pl.DataFrame(
        {
            "rejection_id": ["r1", "r2"],
            "source": [QUARANTINE_SOURCE, "upload.csv"],
            "source_row": [None, 3],
            "transaction_id": ["tx000000001", "tx000000002"],
            "raw_record": ["{}", "{}"],
            "reason": ["bad", "duplicate"],
        },
        schema_overrides={"source_row": pl.Int64},
    )
    insert_rejected(engine, rejected)
    left = unscored_transactions(engine, 10)["transaction_id"].to_list()
    assert left == ["tx000000000", "tx000000002", "tx000000003", "tx000000004"]
