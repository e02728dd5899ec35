"""Bulk load of transactions into a fresh SQLite file and a fresh PostgreSQL database.

For each backend three figures: the load with only the primary key in place (rows/s, against an
in-run baseline of the plain way: stdlib `sqlite3.executemany` / psycopg text `COPY` of the same
rows into the same PK-only table), the secondary-index build on the loaded rows (seconds), and
the whole `insert_transactions` call as users see it (rows/s, index rebuild included).

The PK-only load rate is the whole call's time minus a separately timed rebuild of the same
indexes on the same rows (large loads drop and rebuild them inside the call). Below
`bulk.DEFER_INDEXES_FROM_ROWS` (200,000 rows, i.e. `--scale` under 0.2) the call keeps the indexes
up to date row by row instead, so that figure then understates the PK-only rate.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

import numpy as np
import polars as pl
import psycopg
import sqlalchemy as sa
from common import Result, scratch_postgres_url, scratch_sqlite_url, synthetic_transactions, timed
from sqlalchemy.schema import CreateIndex

from fraudwatch.warehouse import create_schema, create_warehouse_engine, insert_transactions
from fraudwatch.warehouse.tables import transaction_staging

FULL_ROWS = 1_000_000
TARGET = "≥ 300,000/s"


def make_frame(rows: int, seed: int = 7) -> pl.DataFrame:
    """Return `rows` valid, seeded transactions (vectorized: a million rows in about a second)."""
    rng = np.random.default_rng(seed)
    start = np.datetime64(datetime(2026, 1, 1), "us")
    steps = rng.integers(1, 5_000_000, rows).cumsum()  # microseconds apart, increasing
    return synthetic_transactions(rng, start + steps.astype("timedelta64[us]"))


def _time_index_rebuild(engine: sa.Engine) -> float:
    """Drop the staging table's secondary indexes, then time building them again."""
    with engine.begin() as conn:
        for index in transaction_staging.indexes:
            conn.exec_driver_sql(f"DROP INDEX {index.name}")

    def build() -> None:
        with engine.begin() as conn:
            for index in transaction_staging.indexes:
                conn.execute(CreateIndex(index))

    return timed(build)[1]


def _fresh_pk_only(url: str) -> sa.Engine:
    engine = create_warehouse_engine(url)
    create_schema(engine)
    with engine.begin() as conn:
        for index in transaction_staging.indexes:
            conn.exec_driver_sql(f"DROP INDEX {index.name}")
    return engine


def _measure(
    backend: str, url_for: Callable[[str], str], frame: pl.DataFrame, baseline: float
) -> list[Result]:
    engine = create_warehouse_engine(url_for("load"))
    create_schema(engine)
    added, total = timed(lambda: insert_transactions(engine, frame))
    assert added == frame.height, f"{backend}: loaded {added} of {frame.height} rows"
    index_seconds = _time_index_rebuild(engine)
    engine.dispose()
    rows = frame.height
    pk_only = rows / max(total - index_seconds, 1e-9)
    return [
        Result(
            f"{backend}: load {rows:,} transactions, PK only",
            pk_only,
            "rows/s",
            TARGET,
            baseline,
            "plain " + ("executemany" if backend == "SQLite" else "text COPY"),
        ),
        Result(f"{backend}: build secondary indexes on {rows:,} rows", index_seconds, "s"),
        Result(f"{backend}: insert_transactions incl. index rebuild", rows / total, "rows/s"),
    ]


def _sqlite_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("transaction_timestamp").dt.strftime("%Y-%m-%d %H:%M:%S.%6f"),
        pl.col("transaction_post_date").dt.strftime("%Y-%m-%d"),
        pl.lit("2026-01-01 00:00:00.000000").alias("record_created_ts"),
    )


def _sqlite_baseline(url: str, frame: pl.DataFrame) -> float:
    engine = _fresh_pk_only(url)
    engine.dispose()
    prepared = _sqlite_rows(frame)
    columns = ", ".join(prepared.columns)
    sql = f"INSERT INTO transaction_staging ({columns}) VALUES ({', '.join('?' * prepared.width)})"  # noqa: S608

    def load() -> None:
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, prepared.rows())
        conn.execute("COMMIT")
        conn.close()

    return frame.height / timed(load)[1]


def _postgres_baseline(url: str, frame: pl.DataFrame) -> float:
    engine = _fresh_pk_only(url)
    engine.dispose()
    prepared = frame.with_columns(pl.lit(datetime(2026, 1, 1)).alias("record_created_ts"))
    columns = ", ".join(prepared.columns)

    def load() -> None:
        statement = f"COPY transaction_staging ({columns}) FROM STDIN"
        with (
            psycopg.connect(url) as conn,
            conn.cursor() as cursor,
            cursor.copy(statement) as copy,
        ):
            for row in prepared.iter_rows():
                copy.write_row(row)

    return frame.height / timed(load)[1]


def run(scale: float) -> list[Result]:
    """Load FULL_ROWS × scale transactions into fresh SQLite and PostgreSQL warehouses."""
    frame = make_frame(max(int(FULL_ROWS * scale), 1_000))
    results: list[Result] = []
    with scratch_sqlite_url() as base, scratch_sqlite_url() as plain:
        baseline = _sqlite_baseline(plain, frame)
        results += _measure("SQLite", lambda _name: base, frame, baseline)
    with scratch_postgres_url("fw_bench_plain") as plain_pg:
        if plain_pg is None:
            print("  PostgreSQL not reachable: skipped")
            return results
        baseline = _postgres_baseline(plain_pg, frame)
    with scratch_postgres_url("fw_bench_load") as load_pg:
        assert load_pg is not None
        results += _measure("PostgreSQL", lambda _name: load_pg, frame, baseline)
    return results
