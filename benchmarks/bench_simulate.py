"""The simulator: a 30-day backfill into SQLite, and a live stream while readers poll the file.

- Backfill: 30 days × 20,000 customers (about a million transactions; `scale` multiplies the
  customers) into a fresh SQLite file, end to end: population, generation, insert, index
  rebuilds and arrived chargebacks. Target ≥ 100,000 transactions/s.
- Stream: `run_stream` at a target of 1,000 transactions/s for 20 s (× scale, at least 5 s)
  on a file that already holds two days of history, while two other processes use the same
  file: a scorer (the unscored anti-join for 1,000 rows, then writes their scores) and a
  dashboard (counts and sums by channel over the last hour). Reported: the sustained rate
  achieved, and the same stream asked for 20,000/s to show the ceiling.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from datetime import timedelta
from multiprocessing.synchronize import Event

import polars as pl
import sqlalchemy as sa
from common import Result, scratch_sqlite_url

from fraudwatch.simulate import SimulationOptions, backfill
from fraudwatch.simulate.stream import StreamPlan, run_stream
from fraudwatch.warehouse import (
    create_warehouse_engine,
    insert_scores,
    tables,
    unscored_transactions,
    utc_now,
)

FULL_CUSTOMERS = 20_000
DAYS = 30
STREAM_SECONDS = 20.0


def run(scale: float) -> list[Result]:
    """Run both benchmarks at `scale` and return their figures."""
    return [_backfill(scale), *_stream(scale)]


def _backfill(scale: float) -> Result:
    customers = max(int(FULL_CUSTOMERS * scale), 100)
    with scratch_sqlite_url() as url:
        engine = create_warehouse_engine(url)
        report = backfill(engine, SimulationOptions(customers=customers), DAYS, utc_now())
    return Result(
        f"simulate backfill {DAYS} d × {customers:,} cust ({report.transactions:,} tx)",
        report.rate,
        "tx/s",
        "≥ 100,000/s",
    )


def _stream(scale: float) -> list[Result]:
    seconds = max(STREAM_SECONDS * scale, 5.0)
    results = []
    with scratch_sqlite_url() as url:
        options = SimulationOptions(customers=5_000)
        backfill(create_warehouse_engine(url), options, 2, utc_now())
        for target in (1_000.0, 20_000.0):
            rate, reads = _stream_with_readers(url, options, target, seconds)
            results.append(
                Result(
                    f"simulate stream at {target:,.0f}/s, scorer + dashboard ({reads})",
                    rate,
                    "tx/s",
                    "≥ 1,000/s" if target == 1_000 else "ceiling",
                )
            )
    return results


def _stream_with_readers(
    url: str, options: SimulationOptions, target: float, seconds: float
) -> tuple[float, str]:
    context = mp.get_context("spawn")
    stop = context.Event()
    counts = context.Array("i", 2)
    readers = [
        context.Process(target=_scorer, args=(url, stop, counts)),
        context.Process(target=_dashboard, args=(url, stop, counts)),
    ]
    for reader in readers:
        reader.start()
    time.sleep(2.0)  # let the readers import and start polling
    try:
        report = run_stream(
            create_warehouse_engine(url),
            options,
            StreamPlan(rate=target, duration=seconds),
            lambda frame: None,
        )
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=30)
    return report.rate, f"{counts[0]} scorer / {counts[1]} dashboard polls"


def _scorer(url: str, stop: Event, counts: object) -> None:
    """Poll the unscored anti-join and write a score for every row it returns."""
    engine = create_warehouse_engine(url)
    while not stop.is_set():
        batch = unscored_transactions(engine, 1_000)
        if batch.height:
            insert_scores(engine, _scores(batch))
        counts[0] += 1  # type: ignore[index]
        time.sleep(0.05)


def _scores(batch: pl.DataFrame) -> pl.DataFrame:
    return batch.select(
        pl.col("transaction_id").alias("transaction_key"),
        pl.lit(0.01).alias("fraud_probability"),
        pl.lit(False).alias("fraud_prediction"),
        pl.lit("bench").alias("model_version"),
        pl.lit(utc_now()).alias("scored_at"),
        pl.lit("[]").alias("reasons"),
        pl.lit(1.0).alias("latency_ms"),
    )


def _dashboard(url: str, stop: Event, counts: object) -> None:
    """Poll counts and sums by channel over the last hour, as the monitoring tab does."""
    engine = create_warehouse_engine(url)
    staging = tables.transaction_staging
    while not stop.is_set():
        since = utc_now() - timedelta(hours=1)
        query = (
            sa.select(
                staging.c.channel_name, sa.func.count(), sa.func.sum(staging.c.transaction_amount)
            )
            .where(staging.c.transaction_timestamp >= since)
            .group_by(staging.c.channel_name)
        )
        with engine.connect() as conn:
            conn.execute(query).all()
        counts[1] += 1  # type: ignore[index]
        time.sleep(0.2)
