"""The live bank: batches at the wall-clock time, scheduled bursts, chargebacks when due."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from fraudwatch.simulate import SimulationOptions, build_population
from fraudwatch.simulate.live import LiveBank
from fraudwatch.simulate.records import run_prefix

START = datetime(2026, 3, 2, 1, 0)
OPTIONS = SimulationOptions(seed=7, customers=500, fraud_rate=0.05)


def _run(bank: LiveBank, ticks: int, step: timedelta, size: int) -> list[pl.DataFrame]:
    frames: list[list[pl.DataFrame]] = [[], [], []]
    now = START
    for _ in range(ticks):
        now += step
        batch = bank.tick(now, size, step.total_seconds())
        for i, frame in enumerate((batch.transactions, batch.truth, batch.labels)):
            frames[i].append(frame)
    return [pl.concat(f) for f in frames]


def test_a_tick_returns_about_size_recent_transactions() -> None:
    """Each tick's transactions are timed within the span before `now` and number about `size`."""
    bank = LiveBank(OPTIONS, START)
    now = START + timedelta(seconds=5)
    batch = bank.tick(now, 50, 5.0)
    times = batch.transactions["transaction_timestamp"]
    assert 40 <= batch.transactions.height <= 60
    assert times.max() <= now and times.min() >= now - timedelta(seconds=5)  # type: ignore[operator]


def test_same_seed_and_start_give_the_same_stream() -> None:
    """Two live banks with one seed and start time produce identical batches."""
    a = _run(LiveBank(OPTIONS, START), 5, timedelta(seconds=5), 20)
    b = _run(LiveBank(OPTIONS, START), 5, timedelta(seconds=5), 20)
    assert all(x.equals(y) for x, y in zip(a, b, strict=True))


def test_stream_ids_never_collide_with_a_backfill_or_another_stream() -> None:
    """Ids are unique within a stream, and prefixes differ across runs and kinds of run."""
    transactions, _, _ = _run(LiveBank(OPTIONS, START), 20, timedelta(seconds=5), 30)
    assert transactions["transaction_id"].is_unique().all()
    later = LiveBank(OPTIONS, START + timedelta(microseconds=1))
    prefixes = {
        LiveBank(OPTIONS, START).prefix,
        later.prefix,
        run_prefix("backfill", OPTIONS.seed, START, OPTIONS.customers),
    }
    assert len(prefixes) == 3


def test_live_customers_are_the_backfill_customers() -> None:
    """A stream with the backfill's seed and customer count streams for the same accounts."""
    bank = LiveBank(OPTIONS, START)
    population = build_population(OPTIONS, START.date())
    assert bank.population.accounts.equals(population.accounts)


def test_bursts_continue_in_later_ticks_and_labels_arrive_later() -> None:
    """A burst's later transactions come out in later ticks; chargebacks come days later."""
    bank = LiveBank(OPTIONS, START)
    transactions, truth, labels = _run(bank, 24 * 20, timedelta(hours=1), 40)
    bursts = truth.filter(pl.col("scenario") == "velocity_burst").join(
        transactions.select("transaction_id"), on="transaction_id"
    )
    assert bursts.group_by("incident").len()["len"].max() >= 3  # type: ignore[operator]
    assert labels.height > 0
    delays = labels.join(truth, on="transaction_id").select(
        (pl.col("labeled_at") - pl.col("transaction_timestamp")).dt.total_hours()
    )
    assert delays.to_series().min() >= 24  # type: ignore[operator]


def test_live_fraud_favours_the_night() -> None:
    """Live fraud is several times more frequent in ticks between 00:00 and 06:00."""
    transactions, truth, _ = _run(LiveBank(OPTIONS, START), 24 * 10, timedelta(hours=1), 200)
    flagged = transactions.with_columns(
        pl.col("transaction_id").is_in(truth["transaction_id"].implode()).alias("fraud"),
        (pl.col("transaction_timestamp").dt.hour() < 6).alias("night"),
    )
    rates = dict(flagged.group_by("night").agg(pl.col("fraud").mean()).iter_rows())
    assert rates[True] > 3 * rates[False]
    assert 0.03 < flagged["fraud"].mean() < 0.08  # type: ignore[operator]
