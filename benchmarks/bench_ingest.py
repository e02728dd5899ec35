"""Ingest of a 1,000,000-row Parquet file, validation included, into SQLite (target ≥ 100,000/s).

Baseline in the same run: reading the same file and validating it without writing, so the ratio
shows what the load itself costs.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import polars as pl
from common import Result, scratch_sqlite_url, timed

from fraudwatch.ingest import ingest_transactions, validate_transactions
from fraudwatch.warehouse import create_schema, create_warehouse_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.factories import make_transactions

ROWS = 1_000_000


def _write_export(path: Path, rows: int) -> None:
    # Built from a small seeded frame, repeated with fresh ids: realistic values, quick to make.
    block = make_transactions(10_000, seed=11)
    repeats = -(-rows // block.height)
    frame = pl.concat([block] * repeats).head(rows)
    frame = frame.with_columns(
        pl.format("bench{}", pl.int_range(pl.len())).alias("transaction_id"),
        pl.col("transaction_timestamp").dt.replace_time_zone("UTC"),
    )
    frame.write_parquet(path)


def run(scale: float) -> list[Result]:
    """Measure validated Parquet ingest into SQLite, with validation alone as the baseline."""
    rows = max(int(ROWS * scale), 10_000)
    with tempfile.TemporaryDirectory(prefix="fwbench-ingest-") as directory:
        path = Path(directory) / "export.parquet"
        _write_export(path, rows)
        _, validate_seconds = timed(
            lambda: validate_transactions(pl.read_parquet(path), {}, "bench")
        )
        with scratch_sqlite_url() as url:
            engine = create_warehouse_engine(url)
            create_schema(engine)
            summary, seconds = timed(lambda: ingest_transactions(engine, path, {}))
            engine.dispose()
    assert summary.loaded == rows, summary.describe()
    return [
        Result(
            name=f"ingest {rows:,}-row Parquet into SQLite (validated)",
            value=rows / seconds,
            unit="rows/s",
            target="≥ 100,000/s",
            baseline=rows / validate_seconds,
            baseline_name="read+validate only",
        )
    ]
