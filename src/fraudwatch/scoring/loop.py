"""Running the scorer again and again: continuously (a poll about every 0.5 s) or every period.

- `--every 5m`: one `run_scoring` per period (trigger 'scheduled'), each a row in scoring_runs;
  a failed run alerts and the schedule goes on.
- `--continuous`: one long-lived run (trigger 'continuous') that polls about every 0.5 s and
  keeps its counts up to date in scoring_runs; a poll that finds nothing writes nothing; polls
  read only recent unscored rows, with a full sweep every `SWEEP_SECONDS`. A
  failure ends that run as 'failed' (alert), and a new run starts after a pause. A new champion
  ends the run too (it records its model version), and the next run uses the new model.

SIGINT and SIGTERM stop either loop cleanly after the current batch.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Final

from sqlalchemy.engine import Engine

from fraudwatch.model import ModelArtifactError, load_champion
from fraudwatch.scoring.run import (
    DEFAULT_BATCH_SIZE,
    FAILED,
    SUCCEEDED,
    RunResult,
    ScoringRun,
    describe,
    failed_to_start,
    run_scoring,
)
from fraudwatch.warehouse import champion_model

log = logging.getLogger(__name__)

POLL_SECONDS: Final = 0.5
RETRY_SECONDS: Final = 5.0
# A continuous run's polls read only recent unscored rows; every this often, all of them.
SWEEP_SECONDS: Final = 30.0
_UNITS: Final = {"s": 1, "m": 60, "h": 3_600, "d": 86_400}

OnResult = Callable[[RunResult], None]


def parse_duration(text: str) -> timedelta:
    """Return the duration of '30s', '5m', '1h', '1d' (or '1.5h'); ValueError otherwise."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", text.lower())
    if not match or float(match[1]) <= 0:
        raise ValueError(f"cannot read the duration {text!r}; write it like 30s, 5m or 1h")
    return timedelta(seconds=float(match[1]) * _UNITS[match[2]])


class Stopper:
    """A stop flag set by SIGINT / SIGTERM (or `set`), and a sleep that wakes when it is set."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def __call__(self) -> bool:
        return self._event.is_set()

    def set(self, *_: object) -> None:
        """Ask the loop to stop after the current batch."""
        self._event.set()

    def sleep(self, seconds: float) -> None:
        """Sleep `seconds`, or less if asked to stop meanwhile."""
        self._event.wait(max(seconds, 0.0))

    @contextmanager
    def on_signals(self) -> Iterator[None]:
        """Set the flag on SIGINT and SIGTERM inside the block (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

        def handler(signum: int, _frame: FrameType | None) -> None:
            log.warning("signal %d: stopping after the current batch", signum)
            self.set()

        for sig in previous:
            signal.signal(sig, handler)
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)


def run_every(
    engine: Engine,
    model_dir: Path,
    period: timedelta,
    stop: Stopper,
    on_result: OnResult,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> RunResult | None:
    """Start a scheduled run every `period` until stopped; return the last run's result."""
    last: RunResult | None = None
    while not stop():
        began = time.monotonic()
        last = run_scoring(engine, model_dir, batch_size=batch_size, trigger="scheduled", stop=stop)
        on_result(last)
        stop.sleep(period.total_seconds() - (time.monotonic() - began))
    return last


def _champion_version(engine: Engine) -> str | None:
    entry = champion_model(engine)
    return None if entry is None else str(entry["model_version"])


def run_continuous(
    engine: Engine,
    model_dir: Path,
    stop: Stopper,
    on_result: OnResult,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    poll_seconds: float = POLL_SECONDS,
) -> RunResult | None:
    """Poll for unscored transactions about every `poll_seconds` until stopped.

    Returns the last run's result. Runs end on failure, on a new champion, and on stop.
    """
    last: RunResult | None = None
    while not stop():
        try:
            model = load_champion(engine, Path(model_dir))
        except ModelArtifactError as error:
            last = failed_to_start(engine, "continuous", error)
            on_result(last)
            stop.sleep(RETRY_SECONDS)
            continue
        run = ScoringRun(engine, model, "continuous", batch_size, sweep_seconds=SWEEP_SECONDS)
        last = _poll(run, stop, poll_seconds)
        on_result(last)
        if last.failed:
            stop.sleep(RETRY_SECONDS)
    return last


def _poll(run: ScoringRun, stop: Stopper, poll_seconds: float) -> RunResult:
    """Drain and sleep in a loop until stopped, failed, or the champion changes."""
    try:
        while not stop():
            began = time.monotonic()
            run.drain(stop=stop)
            run.history.warm(run.engine)  # idle: read the history window before rows arrive
            if _champion_version(run.engine) != run.model.version:
                log.warning("the champion changed: ending run %s", run.run_id)
                break
            stop.sleep(poll_seconds - (time.monotonic() - began))
    except Exception as error:
        log.exception("continuous scoring run %s failed", run.run_id)
        return run.finish(FAILED, describe(error))
    except BaseException:
        run.finish(FAILED, "interrupted")
        raise
    return run.finish(SUCCEEDED)
