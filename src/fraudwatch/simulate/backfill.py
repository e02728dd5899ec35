"""History: days of transactions, fraud and the chargebacks that have arrived, written fast.

The window is the `days` whole days before `end`'s midnight plus `end`'s own day up to `end`
(UTC). Each day is generated from its own seeded random stream, so a day's data does not depend
on how the window is cut into chunks, and rerunning the same backfill writes nothing new.
Chargebacks that arrived by `end` go to fraud_labels; a warehouse knows no label from the
future, so those due later wait in pending_chargebacks until a stream releases them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl
from sqlalchemy.engine import Engine

from fraudwatch.simulate import behaviour, scenarios
from fraudwatch.simulate.labels import chargebacks, split_arrived
from fraudwatch.simulate.options import SimulationOptions
from fraudwatch.simulate.population import Population, build_population, write_population
from fraudwatch.simulate.records import by_time, concat, run_prefix, to_frames
from fraudwatch.warehouse import (
    create_schema,
    indexes_deferred,
    insert_labels,
    insert_transactions,
    queue_chargebacks,
    tables,
)

EPOCH = datetime(1970, 1, 1)
US_PER_DAY = behaviour.US_PER_DAY
ROWS_PER_DAY_ID = 10_000_000  # id number = day in window * this + row of the day
DEFAULT_CHUNK_ROWS = 250_000
Progress = Callable[[int, int, int], None]


@dataclass(frozen=True)
class Day:
    """One generated day: stored transactions, the ground truth, and every label it will get."""

    index: int
    transactions: pl.DataFrame
    truth: pl.DataFrame
    labels: pl.DataFrame


@dataclass(frozen=True)
class BackfillReport:
    """What a backfill wrote."""

    start: datetime
    end: datetime
    customers: int
    accounts: int
    transactions: int
    fraud: int
    labels_written: int
    labels_pending: int
    seconds: float

    @property
    def rate(self) -> float:
        """Return transactions written per second of wall-clock time."""
        return self.transactions / self.seconds if self.seconds > 0 else 0.0


def window_start(days: int, end: datetime) -> datetime:
    """Return the first instant of the window: `days` days before `end`'s midnight."""
    midnight = datetime(end.year, end.month, end.day)
    return midnight - timedelta(days=days)


def generate_history(
    options: SimulationOptions, days: int, end: datetime
) -> tuple[Population, Iterator[Day]]:
    """Return the population and a lazy iterator over the window's days, oldest first."""
    start = window_start(days, end)
    population = build_population(options, start.date())
    prefix = run_prefix("backfill", options.seed, start, options.customers)
    end_us = _micros(end)
    total = days + (1 if end > start + timedelta(days=days) else 0)
    days_iter = (generate_day(population, options, start, d, prefix, end_us) for d in range(total))
    return population, days_iter


def generate_day(
    population: Population,
    options: SimulationOptions,
    start: datetime,
    index: int,
    prefix: str,
    end_us: int | None = None,
) -> Day:
    """Return day `index` of the window beginning at `start` (a midnight), cut at `end_us`."""
    day_start = start + timedelta(days=index)
    day_number = (day_start - EPOCH).days
    day_us = _micros(day_start)
    rng = np.random.default_rng(np.random.SeedSequence([options.seed, 1, day_number]))
    accounts, times = behaviour.day_schedule(population, rng, day_us, day_start.weekday())
    legit = behaviour.legitimate(population, rng, accounts, times, options)

    def starts(n: int) -> np.ndarray:  # type: ignore[type-arg]
        return day_us + (scenarios.fraud_hours(rng, n) * behaviour.US_PER_HOUR).astype(np.int64)

    counts = scenarios.incident_counts(options, rng, len(legit))
    breached = scenarios.compromised_merchant_on(options.seed, day_number)
    fraud = scenarios.inject(population, rng, counts, starts, breached, day_number * 1_000_000)
    draft = by_time(concat([legit, fraud]))
    if end_us is not None:
        draft = draft.take(np.flatnonzero(draft.timestamp_us < end_us))
    transactions, truth = to_frames(draft, population, prefix, index * ROWS_PER_DAY_ID)
    label_rng = np.random.default_rng(np.random.SeedSequence([options.seed, 2, day_number]))
    return Day(index, transactions, truth, chargebacks(truth, label_rng, options))


def backfill(
    engine: Engine,
    options: SimulationOptions,
    days: int,
    end: datetime,
    progress: Progress | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> BackfillReport:
    """Write the population, `days` days of history up to `end`, the labels arrived by `end`,
    and the chargebacks still to come (queued in pending_chargebacks).

    Days are inserted in chunks of at least `chunk_rows` rows with the staging table's secondary
    indexes dropped, and the indexes are rebuilt once at the end; the next chunk is generated
    while the previous one is written.
    `progress(days_done, days_total, rows_written)` is called after each chunk commits.
    """
    began = time.perf_counter()
    create_schema(engine)
    population, day_iter = generate_history(options, days, end)
    write_population(engine, population)
    total_days = days + (1 if end > window_start(days, end) + timedelta(days=days) else 0)
    written = fraud = labels_written = labels_pending = done = 0
    staging = tables.transaction_staging
    with indexes_deferred(engine, staging), ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[int] | None = None
        for chunk in _chunks(day_iter, chunk_rows):
            arrived, later = split_arrived(pl.concat([d.labels for d in chunk]), end)
            frame = pl.concat([d.transactions for d in chunk])
            if pending is not None:
                written += pending.result()
                _report(progress, done, total_days, written)
            pending = writer.submit(_write, engine, frame, arrived, later)
            done += len(chunk)
            fraud += sum(d.truth.height for d in chunk)
            labels_written += arrived.height
            labels_pending += later.height
        if pending is not None:
            written += pending.result()
            _report(progress, done, total_days, written)
    return BackfillReport(
        start=window_start(days, end),
        end=end,
        customers=population.customers.height,
        accounts=population.size,
        transactions=written,
        fraud=fraud,
        labels_written=labels_written,
        labels_pending=labels_pending,
        seconds=time.perf_counter() - began,
    )


def _write(
    engine: Engine, transactions: pl.DataFrame, arrived: pl.DataFrame, later: pl.DataFrame
) -> int:
    added = insert_transactions(engine, transactions, rebuild_indexes=False)
    insert_labels(engine, arrived)
    queue_chargebacks(engine, later)
    return added


def _chunks(days: Iterator[Day], rows: int) -> Iterator[list[Day]]:
    """Group days into chunks of at least `rows` rows (the indexes are rebuilt once, at the end)."""
    chunk: list[Day] = []
    size = 0
    for day in days:
        chunk.append(day)
        size += day.transactions.height
        if size >= rows:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _report(progress: Progress | None, done: int, total: int, written: int) -> None:
    if progress is not None:
        progress(done, total, written)


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)
