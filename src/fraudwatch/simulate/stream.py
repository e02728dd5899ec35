"""The live stream: insert a batch every interval, survive database outages, lose nothing.

Each batch is committed before anything about it is reported: the `sink` (the CLI's printer)
sees a transaction only after the insert that stored it has committed. When the database is
locked or unreachable, the same batch is retried with backoff until it commits; the insert is
idempotent on transaction_id, so a retry after an ambiguous failure never stores a row twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Final

import polars as pl
from sqlalchemy.engine import Engine

from fraudwatch.simulate.live import LiveBank, LiveBatch
from fraudwatch.simulate.options import SimulationOptions
from fraudwatch.simulate.population import write_population
from fraudwatch.warehouse import (
    create_schema,
    insert_transactions,
    queue_chargebacks,
    release_due_chargebacks,
    utc_now,
)

log = logging.getLogger(__name__)

RATE_TICK_SECONDS: Final = 0.2  # with --rate, a batch every 0.2 s
MAX_BACKOFF_SECONDS: Final = 5.0
# Errors that mean "the database is not available right now", whatever the driver.
UNAVAILABLE_ERRORS: Final = frozenset(
    {"OperationalError", "InterfaceError", "DisconnectionError", "TimeoutError"}
)
Sink = Callable[[pl.DataFrame], None]
OutageHook = Callable[[BaseException, float], None]


@dataclass(frozen=True)
class StreamPlan:
    """How much to send and when: `batch_size` every `interval` seconds, or `rate` per second."""

    batch_size: int = 3
    interval: float = 5.0
    rate: float | None = None
    duration: float | None = None

    def __post_init__(self) -> None:
        """Reject sizes and times that cannot make a stream."""
        if self.batch_size < 1 or self.interval <= 0:
            raise ValueError("batch size must be at least 1 and the interval positive")
        if self.rate is not None and self.rate <= 0:
            raise ValueError("rate must be positive")
        if self.duration is not None and self.duration <= 0:
            raise ValueError("duration must be positive")

    @property
    def tick_seconds(self) -> float:
        """Return the time between batches."""
        return self.interval if self.rate is None else max(RATE_TICK_SECONDS, 1.0 / self.rate)


@dataclass
class StreamReport:
    """What a stream did: committed transactions, chargebacks released, retries, running time."""

    transactions: int = 0
    labels: int = 0
    batches: int = 0
    retries: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Return committed transactions per second."""
        return self.transactions / self.seconds if self.seconds > 0 else 0.0


def is_unavailable(error: BaseException) -> bool:
    """Return True if `error` says the database is locked, down or unreachable (worth waiting)."""
    if isinstance(error, OSError):
        return True
    names = {cls.__name__ for cls in type(error).__mro__}
    return bool(names & UNAVAILABLE_ERRORS) or "database is locked" in str(error).lower()


def commit_until_done(
    operation: Callable[[], object],
    on_outage: OutageHook | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Run `operation` until it succeeds, backing off while the database is unavailable.

    Returns how many retries it took. Errors that are not outages are raised at once.
    """
    delay, retries = 0.1, 0
    while True:
        try:
            operation()
            return retries
        except Exception as error:
            if not is_unavailable(error):
                raise
            retries += 1
            if on_outage is not None:
                on_outage(error, delay)
            log.warning("database unavailable, retrying the same batch in %.1fs: %s", delay, error)
            sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_SECONDS)


def run_stream(
    engine: Engine,
    options: SimulationOptions,
    plan: StreamPlan,
    sink: Sink,
    on_outage: OutageHook | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> StreamReport:
    """Stream batches into the warehouse until `plan.duration` passes or `should_stop()`.

    Each batch's transactions are committed first, then passed to `sink`; its future
    chargebacks are queued in the warehouse, and every tick releases those now due (including
    a backfill's), so stopping or crashing loses none.
    """
    bank = LiveBank(options, utc_now())
    report = StreamReport()
    report.retries += commit_until_done(lambda: create_schema(engine), on_outage)
    population = bank.population
    report.retries += commit_until_done(lambda: write_population(engine, population), on_outage)
    began = time.monotonic()
    next_tick = began
    while not should_stop():
        elapsed = time.monotonic() - began
        size = _batch_size(plan, elapsed, report.transactions)
        batch = bank.tick(utc_now(), size, plan.tick_seconds)
        released = [0]
        report.retries += commit_until_done(partial(_store, engine, batch, released), on_outage)
        report.batches += 1
        report.transactions += batch.transactions.height
        report.labels += released[0]
        sink(batch.transactions)
        next_tick = max(next_tick + plan.tick_seconds, time.monotonic() - plan.tick_seconds)
        # The time covered so far: until now, or until the next batch is due if that is later.
        report.seconds = max(time.monotonic(), next_tick) - began
        if plan.duration is not None and next_tick - began >= plan.duration:
            break
        time.sleep(max(0.0, next_tick - time.monotonic()))
    return report


def _batch_size(plan: StreamPlan, elapsed: float, sent: int) -> int:
    """With a rate, send what keeps the total on target (at most a second's worth at once)."""
    if plan.rate is None:
        return plan.batch_size
    owed = plan.rate * (elapsed + plan.tick_seconds) - sent
    return max(1, min(int(owed), int(plan.rate) + 1))


def _store(engine: Engine, batch: LiveBatch, released: list[int]) -> None:
    """Store the batch, queue its future chargebacks, release those now due (all idempotent)."""
    insert_transactions(engine, batch.transactions)
    if not batch.labels.is_empty():
        queue_chargebacks(engine, batch.labels)
    released[0] = release_due_chargebacks(engine, utc_now())
