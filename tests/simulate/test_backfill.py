"""Backfill into a SQLite warehouse: population first, history, arrived labels only, idempotent."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import sqlalchemy as sa

from fraudwatch.simulate import SimulationOptions, backfill, window_start
from fraudwatch.warehouse import (
    count_rows,
    create_warehouse_engine,
    release_due_chargebacks,
    tables,
)
from tests.simulate.histories import generate

OPTIONS = SimulationOptions(seed=7, customers=300)
END = datetime(2026, 3, 2, 15, 30)  # mid-afternoon: the last day is cut at 15:30


def _read(url: str, table: sa.Table) -> pl.DataFrame:
    return pl.read_database(sa.select(table), create_warehouse_engine(url))


def test_backfill_writes_population_history_and_arrived_labels(db_url: str) -> None:
    """The warehouse holds the customers, accounts, every transaction and only arrived labels."""
    engine = create_warehouse_engine(db_url)
    report = backfill(engine, OPTIONS, 7, END, chunk_rows=1_000)
    expected = generate(OPTIONS, 7, END)
    assert count_rows(engine, tables.dim_customer) == 300
    assert count_rows(engine, tables.dim_account) == expected.population.size
    assert report.transactions == expected.transactions.height
    assert count_rows(engine, tables.transaction_staging) == report.transactions
    labels = _read(db_url, tables.fraud_labels)
    assert labels.height == report.labels_written > 0
    assert report.labels_written + report.labels_pending == expected.labels.height
    assert (labels["labeled_at"] <= END).all()
    assert report.fraud == expected.truth.height


def test_backfill_window_ends_at_end(db_url: str) -> None:
    """Transactions run from `days` midnights before `end` up to, not past, `end`."""
    engine = create_warehouse_engine(db_url)
    backfill(engine, OPTIONS, 3, END)
    times = _read(db_url, tables.transaction_staging)["transaction_timestamp"]
    assert times.min() >= window_start(3, END) == datetime(2026, 2, 27)  # type: ignore[operator]
    assert times.max() < END  # type: ignore[operator]
    assert times.max() > datetime(2026, 3, 2, 12)  # type: ignore[operator]


def test_rerunning_a_backfill_adds_nothing(db_url: str) -> None:
    """The same backfill twice stores each transaction once: ids are deterministic."""
    engine = create_warehouse_engine(db_url)
    first = backfill(engine, OPTIONS, 2, END)
    second = backfill(engine, OPTIONS, 2, END)
    assert first.transactions > 0 and second.transactions == 0
    assert count_rows(engine, tables.transaction_staging) == first.transactions


def test_chunking_does_not_change_the_data(tmp_path: object) -> None:
    """Writing in small chunks or one big one stores identical transactions."""
    frames = []
    for name, rows in (("small", 500), ("big", 10_000_000)):
        url = f"sqlite:///{tmp_path}/{name}.db"
        backfill(create_warehouse_engine(url), OPTIONS, 3, END, chunk_rows=rows)
        frames.append(
            _read(url, tables.transaction_staging).drop("record_created_ts").sort("transaction_id")
        )
    assert frames[0].equals(frames[1])


def test_stored_transactions_equal_generated_ones(db_url: str) -> None:
    """What the warehouse returns is exactly what was generated, type for type."""
    engine = create_warehouse_engine(db_url)
    backfill(engine, OPTIONS, 1, END)
    generated = generate(OPTIONS, 1, END).transactions.sort("transaction_id")
    stored = _read(db_url, tables.transaction_staging).drop("record_created_ts")
    stored = stored.cast(dict(generated.schema)).sort("transaction_id")  # type: ignore[arg-type]
    assert stored.equals(generated)


def test_backfill_queues_the_chargebacks_still_to_come(db_url: str) -> None:
    """Chargebacks due after the backfill's end wait in the queue and are released when due."""
    engine = create_warehouse_engine(db_url)
    report = backfill(engine, OPTIONS, 7, END, chunk_rows=1_000)
    assert count_rows(engine, tables.pending_chargebacks) == report.labels_pending > 0
    assert release_due_chargebacks(engine, END) == 0
    assert release_due_chargebacks(engine, datetime(2027, 1, 1)) == report.labels_pending
    assert count_rows(engine, tables.fraud_labels) == report.labels_written + report.labels_pending
