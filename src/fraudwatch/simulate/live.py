"""The live bank: batch after batch of transactions happening now, fraud and chargebacks included.

`LiveBank.tick(now, size, span)` returns the transactions of the last `span` seconds. Fraud
incidents start among them; a burst's later transactions are scheduled and come out in later
ticks, when their time has come; whatever is still scheduled when the process stops never
happens. Each fraud incident's chargeback (if it is ever reported) is handed out with the tick
that produced the fraud, dated in the future: the stream queues it in the warehouse
(pending_chargebacks), which releases it into fraud_labels when its `labeled_at` passes, so a
restart loses no chargeback.

Fraud in a live stream follows the clock: a constant-rate stream cannot have fewer customers
awake at night, so the fraud rate itself is raised at night (`NIGHT_FACTOR`) and lowered by
day, keeping the daily average at `options.fraud_rate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from fraudwatch.simulate import behaviour, scenarios
from fraudwatch.simulate.labels import chargebacks
from fraudwatch.simulate.options import SimulationOptions
from fraudwatch.simulate.population import Population, build_population
from fraudwatch.simulate.records import (
    Draft,
    by_time,
    concat,
    empty_draft,
    run_prefix,
    to_frames,
)

EPOCH: Final = datetime(1970, 1, 1)
# Night is a quarter of the day: these keep the daily average at `options.fraud_rate`.
NIGHT_FACTOR: Final = 2.8
DAY_FACTOR: Final = (24 - 6 * NIGHT_FACTOR) / 18
ID_DIGITS: Final = 12
US_PER_SECOND: Final = 1_000_000


@dataclass(frozen=True)
class LiveBatch:
    """One tick's output: transactions to store, their ground truth, their future chargebacks."""

    transactions: pl.DataFrame
    truth: pl.DataFrame
    labels: pl.DataFrame


class LiveBank:
    """A seeded bank producing transactions at the wall-clock time it is asked about."""

    def __init__(self, options: SimulationOptions, started_at: datetime) -> None:
        """Build the population (the same as a backfill's with the same seed and customers)."""
        self.options = options
        self.population: Population = build_population(options, started_at.date())
        self.prefix = run_prefix("stream", options.seed, started_at, options.customers)
        start_us = _micros(started_at)
        self._rng = np.random.default_rng(np.random.SeedSequence([options.seed, 4, start_us]))
        self._account_cdf = np.cumsum(self.population.daily_rate)
        self._account_cdf /= self._account_cdf[-1]
        self._scheduled: Draft = empty_draft()
        self._next_number = 0
        self._next_incident = start_us  # unique per run, and never reused within it

    def tick(self, now: datetime, size: int, span_seconds: float) -> LiveBatch:
        """Return about `size` transactions timed within the `span_seconds` before `now`."""
        now_us = _micros(now)
        span_us = max(int(span_seconds * US_PER_SECOND), 1)
        due = self._schedule_fraud(now, now_us, span_us, size)
        legit_count = max(size - len(due), 0)
        accounts = np.searchsorted(self._account_cdf, self._rng.random(legit_count))
        accounts = np.minimum(accounts, self.population.size - 1).astype(np.int64)
        times = now_us - self._rng.integers(0, span_us, legit_count)
        legit = behaviour.legitimate(self.population, self._rng, accounts, times, self.options)
        draft = by_time(concat([legit, due]))
        transactions, truth = to_frames(
            draft, self.population, self.prefix, self._next_number, ID_DIGITS
        )
        self._next_number += len(draft)
        return LiveBatch(transactions, truth, chargebacks(truth, self._rng, self.options))

    def _schedule_fraud(self, now: datetime, now_us: int, span_us: int, size: int) -> Draft:
        """Start new incidents, then return every scheduled fraud transaction now due."""
        factor = NIGHT_FACTOR if now.hour < scenarios.NIGHT_END_HOUR else DAY_FACTOR
        counts = scenarios.incident_counts(self.options, self._rng, size, factor)
        if sum(counts.values()):

            def starts(n: int) -> npt.NDArray[np.int64]:
                return now_us - self._rng.integers(0, span_us, n)

            breached = scenarios.compromised_merchant_on(
                self.options.seed, (now - EPOCH) // timedelta(days=1)
            )
            fresh = scenarios.inject(
                self.population, self._rng, counts, starts, breached, self._next_incident
            )
            self._next_incident += sum(counts.values())
            self._scheduled = concat([self._scheduled, fresh])
        is_due = self._scheduled.timestamp_us <= now_us
        due = self._scheduled.take(np.flatnonzero(is_due))
        self._scheduled = self._scheduled.take(np.flatnonzero(~is_due))
        return due


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)
