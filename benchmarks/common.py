"""Shared pieces of the benchmarks: a result row, timing, a scratch warehouse per backend."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa

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
