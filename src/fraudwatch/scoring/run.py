"""One scoring run: unscored transactions, oldest first, in bounded batches, until none are left.

Exactly once comes from two warehouse guarantees, not from coordination between scorers: the
anti-join returns only transactions without a score, and `insert_scores` keeps the first score
of a key and skips the rest. Two scorers may compute the same batch; only the first write lands,
and each run counts only the rows it actually added. A scorer killed mid-run loses at most the
batch in hand and the one being written (uncommitted, so still unscored) and leaves its run
'running'; the next scorer marks that run 'abandoned' (liveness.py).

A large batch is written in the background while the next one is read and scored (writer.py);
a full batch ends on a whole timestamp, so every row being written lies at or before a time the
next read starts after (rows a batch of one timestamp could not hold are left to the sweep).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

import polars as pl
from sqlalchemy.engine import Engine

from fraudwatch.features import ScoringHistory
from fraudwatch.model import LoadedModel, ModelArtifactError, load_champion
from fraudwatch.scoring.batch import score_batch
from fraudwatch.scoring.liveness import abandon_dead_runs, process_identity
from fraudwatch.scoring.quarantine import quarantine
from fraudwatch.scoring.writer import ScoreWriter
from fraudwatch.warehouse import (
    finish_run,
    insert_rejected,
    insert_scores,
    record_heartbeat,
    start_run,
    unscored_transactions,
)

log = logging.getLogger(__name__)

SUCCEEDED: Final = "succeeded"
FAILED: Final = "failed"
DEFAULT_BATCH_SIZE: Final = 500_000
# Batches are read from the last batch's first time minus this (ids and times commit out of
# order); older late rows are found by the full sweep.
SAFETY_MARGIN: Final = timedelta(minutes=2)
# Fewer rows than this in the last batch: read the next one with `read_frame`. A batch of at
# least this many good rows is written in the background (smaller ones at once, for freshness).
SMALL_READ_ROWS: Final = 5_000
_TICK: Final = timedelta(microseconds=1)


@dataclass(frozen=True)
class RunResult:
    """How a scoring run ended: its id, status, counts and error (None when it succeeded)."""

    run_id: str
    trigger: str
    status: str
    model_version: str | None
    n_scored: int
    n_rejected: int
    n_batches: int
    seconds: float
    error: str | None = None

    @property
    def failed(self) -> bool:
        """Return whether the run failed."""
        return self.status != SUCCEEDED


def describe(error: BaseException) -> str:
    """Return a one-line description of an error for the run log and alerts."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class ScoringRun:
    """A run in progress: its row in scoring_runs, its counts, and the batches it scores."""

    def __init__(
        self,
        engine: Engine,
        model: LoadedModel,
        trigger: str,
        batch_size: int = DEFAULT_BATCH_SIZE,
        sweep_seconds: float = 0.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.engine, self.model, self.trigger, self.batch_size = engine, model, trigger, batch_size
        self.host, self.pid = process_identity()
        self.n_scored = self.n_rejected = self.n_batches = 0
        self.started = time.perf_counter()
        self.history = ScoringHistory()
        self.writer = ScoreWriter(engine)
        self.sweep_seconds = sweep_seconds
        self._since: datetime | None = None
        self._swept = time.monotonic()
        self.last_batch_rows = 0
        self.run_id = start_run(engine, trigger, model.version)
        self._heartbeat()

    def _heartbeat(self) -> None:
        record_heartbeat(
            self.engine,
            self.run_id,
            self.host,
            self.pid,
            n_scored=self.n_scored,
            n_rejected=self.n_rejected,
        )

    def _unscored(self) -> pl.DataFrame:
        """Return the next batch: the anti-join bounded below by the last batch's time (minus
        `SAFETY_MARGIN`), and, when that finds nothing and a sweep is due, the whole anti-join.

        The bound keeps a poll with nothing to do from scanning every scored row; the sweep
        (at the end of every run, and every `sweep_seconds` of a continuous one) finds a row
        committed late with a time before the bound, so nothing is ever missed.
        """
        small = self.n_batches > 0 and self.last_batch_rows < SMALL_READ_ROWS
        # A run that sweeps whenever the bounded read is empty goes straight to the sweep
        # after a short batch (the bounded read would almost surely be empty).
        sweep_next = self.sweep_seconds <= 0 and self.last_batch_rows < self.batch_size
        if self._since is not None and not sweep_next:
            since = self._since
            if self.writer.last_time is not None:  # past the rows being written
                since = max(since, self.writer.last_time + _TICK)
            batch = unscored_transactions(
                self.engine, self.batch_size + 1, since=since, small=small
            )
            if batch.height or time.monotonic() - self._swept < self.sweep_seconds:
                return self._advance(batch)
        self.n_scored += self.writer.settle()  # a sweep would return the rows being written
        self._swept = time.monotonic()
        return self._advance(unscored_transactions(self.engine, self.batch_size + 1, small=small))

    def _advance(self, batch: pl.DataFrame) -> pl.DataFrame:
        """Take the batch from a read of one row more than `batch_size` (see `_whole_times`)."""
        self.last_batch_rows = min(batch.height, self.batch_size)
        if batch.height > self.batch_size:
            batch = _whole_times(batch, self.batch_size)
        first = batch["transaction_timestamp"].min() if batch.height else None
        if isinstance(first, datetime):
            self._since = first - SAFETY_MARGIN
        return batch

    def score_next(self) -> bool:
        """Score the oldest unscored batch; return False when there was nothing to score."""
        batch = self._unscored()
        if batch.height == 0:
            self.n_scored += self.writer.settle()
            return False
        good, rejected = quarantine(batch)
        if rejected.height:
            self.n_rejected += insert_rejected(self.engine, rejected)
            log.warning("quarantined %d staged transactions", rejected.height)
        if good.height:
            scores = score_batch(self.engine, self.model, good, history=self.history)
            last = good["transaction_timestamp"].max()
            if good.height >= SMALL_READ_ROWS and isinstance(last, datetime):
                self.n_scored += self.writer.submit(scores, last)
            else:
                self.n_scored += self.writer.settle()
                self.n_scored += insert_scores(self.engine, scores)
        self.n_batches += 1
        self._heartbeat()
        return True

    def drain(self, max_batches: int | None = None, stop: Callable[[], bool] | None = None) -> None:
        """Score batches until none is left, `max_batches` were scored or `stop()` says so."""
        done = 0
        while (max_batches is None or done < max_batches) and not (stop and stop()):
            if not self.score_next():
                return
            done += 1

    def finish(self, status: str, error: str | None = None) -> RunResult:
        """Wait for the write in flight, record the run's end in scoring_runs and return its
        result (a failed write fails the run)."""
        try:
            self.n_scored += self.writer.settle()
        except Exception as failure:
            log.exception("scoring run %s: writing scores failed", self.run_id)
            if status == SUCCEEDED:
                status, error = FAILED, describe(failure)
        finally:
            self.writer.close()
        finish_run(self.engine, self.run_id, status, self.n_scored, self.n_rejected, error)
        return RunResult(
            run_id=self.run_id,
            trigger=self.trigger,
            status=status,
            model_version=self.model.version,
            n_scored=self.n_scored,
            n_rejected=self.n_rejected,
            n_batches=self.n_batches,
            seconds=time.perf_counter() - self.started,
            error=error,
        )


def _whole_times(rows: pl.DataFrame, n: int) -> pl.DataFrame:
    """Return the first `n` of `rows` (sorted by time), less those sharing a time with row n
    (the first row left out), unless that is all of them: a batch then ends on a whole
    timestamp, and the next read can start after it."""
    times = rows.get_column("transaction_timestamp")
    split = times[n]
    if split is None or times[n - 1] != split:
        return rows.head(n)
    ts = pl.col("transaction_timestamp")
    earlier = rows.head(n).filter((ts < split) | ts.is_null())
    return earlier if earlier.height else rows.head(n)


def failed_to_start(engine: Engine, trigger: str, error: BaseException) -> RunResult:
    """Record a run that could not start (no champion, unreadable model) as failed."""
    message = describe(error)
    run_id = start_run(engine, trigger, None)
    finish_run(engine, run_id, FAILED, 0, 0, message)
    return RunResult(run_id, trigger, FAILED, None, 0, 0, 0, 0.0, message)


def run_scoring(
    engine: Engine,
    model_dir: Path,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    trigger: str = "manual",
    max_batches: int | None = None,
    stop: Callable[[], bool] | None = None,
) -> RunResult:
    """Run one scoring run with the champion model and return how it ended.

    Loops over unscored transactions, oldest first, `batch_size` at a time, until none is
    left (or `max_batches` were scored, or `stop()` returns True between batches); writes
    scores idempotently, quarantines bad rows, and logs the run in scoring_runs. An error
    ends the run as 'failed' with the error recorded; it is returned, not raised.
    """
    abandon_dead_runs(engine)
    try:
        model = load_champion(engine, Path(model_dir))
    except ModelArtifactError as error:
        return failed_to_start(engine, trigger, error)
    run = ScoringRun(engine, model, trigger, batch_size)
    try:
        run.drain(max_batches, stop)
    except Exception as error:
        log.exception("scoring run %s failed", run.run_id)
        return run.finish(FAILED, describe(error))
    except BaseException:
        run.finish(FAILED, "interrupted")
        raise
    return run.finish(SUCCEEDED)
