"""Shared pieces of the benchmarks: a result row, timing, a scratch warehouse per backend."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import polars as pl
import sqlalchemy as sa

from fraudwatch.schemas import CHANNELS, TRANSACTION_SCHEMA, TRANSACTION_TYPES

T = TypeVar("T")

POSTGRES_ADMIN_URL = os.environ.get(
    "FRAUDWATCH_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass(frozen=True)
class Result:
    """One measured figure, with the target it must reach and, where there is one, a baseline
    measured in the same run (so the ratio survives a noisy, shared machine)."""

    name: str
    value: float
    unit: str
    target: str = ""
    baseline: float | None = None
    baseline_name: str = ""

    @property
    def ratio(self) -> float | None:
        """Return value / baseline, or None without a baseline."""
        return None if not self.baseline else self.value / self.baseline


def timed(operation: Callable[[], T]) -> tuple[T, float]:
    """Run `operation` once and return its result and the wall-clock seconds it took."""
    start = time.perf_counter()
    result = operation()
    return result, time.perf_counter() - start


@contextmanager
def scratch_sqlite_url() -> Iterator[str]:
    """Yield the URL of a SQLite file in a fresh temporary directory."""
    with tempfile.TemporaryDirectory(prefix="fwbench-") as directory:
        yield f"sqlite:///{directory}/bench.db"


@contextmanager
def scratch_postgres_url(name: str) -> Iterator[str | None]:
    """Yield the URL of a freshly created PostgreSQL database, or None if no server answers."""
    admin = sa.create_engine(
        POSTGRES_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError:
        yield None
        return
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def synthetic_transactions(
    rng: np.random.Generator, timestamps: np.ndarray, *, id_prefix: str = "", id_width: int = 12
) -> pl.DataFrame:  # type: ignore[type-arg]
    """Return one valid transaction per timestamp, vectorized (a million rows in about a second).

    50,000 accounts, 5,000 merchants, gamma amounts, 5% international, 1% reversals.
    """
    rows = len(timestamps)
    frame = pl.DataFrame(
        {
            "transaction_id": pl.int_range(rows, eager=True).cast(pl.String).str.zfill(id_width),
            "account_number": pl.Series(rng.integers(0, 50_000, rows)).cast(pl.String),
            "transaction_timestamp": timestamps,
            "transaction_type": np.array(TRANSACTION_TYPES)[rng.integers(0, 6, rows)],
            "transaction_amount": rng.gamma(2.0, 80.0, rows).round(2),
            "channel_name": np.array(CHANNELS)[rng.integers(0, len(CHANNELS), rows)],
            "merchant_name": pl.Series(rng.integers(0, 5_000, rows)).cast(pl.String),
            "merchant_category_code": pl.Series(rng.integers(1000, 9999, rows)).cast(pl.String),
            "is_international": rng.random(rows) < 0.05,
            "reversal_flag": rng.random(rows) < 0.01,
        }
    ).with_columns((pl.lit(id_prefix) + pl.col("transaction_id")).alias("transaction_id"))
    return (
        frame.with_columns(
            pl.col("transaction_timestamp").dt.date().alias("transaction_post_date"),
            pl.lit("card purchase").alias("transaction_description"),
        )
        .select(TRANSACTION_SCHEMA.names())
        .cast(TRANSACTION_SCHEMA)
    )
