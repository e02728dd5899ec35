"""Micro-batching: concurrent `POST /v1/score` requests share scoring calls.

Requests wait in an asyncio queue; one worker takes every request waiting (up to `MAX_ROWS`
transactions), scores them on its own thread with `score_jobs`, and answers each. A request
that finds the worker idle is scored at once: nothing waits for a timer. While the worker
scores, new requests queue up and go together in the next call, so the per-call cost of the
feature pipeline and the booster is shared as load grows.

Requests the in-memory history cannot serve (older than its window, or history not loaded)
are scored on the warehouse on a thread of their own, so they never hold up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from typing import Final

import anyio
from sqlalchemy.engine import Engine

from fraudwatch.api.scoring_jobs import Outcome, ScoreJob, score_jobs
from fraudwatch.api.serving_state import ServingState
from fraudwatch.api.verdicts import Verdict

MAX_ROWS: Final = 1_000

_Waiting = tuple[ScoreJob, "asyncio.Future[list[Verdict]]"]


class ScoreBatcher:
    """The queue of waiting requests and the worker that scores them together."""

    def __init__(self, state: ServingState, engine: Engine) -> None:
        self.state = state
        self.engine = engine
        self.calls = 0  # scoring calls made from memory (tests read it)
        self._queue: asyncio.Queue[_Waiting] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="fraudwatch-score")
        self._worker: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the worker (in the running event loop)."""
        self._worker = asyncio.create_task(self._work())

    async def stop(self) -> None:
        """Stop the worker; requests still waiting are cancelled."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        self._executor.shutdown(wait=True, cancel_futures=True)

    async def score(self, job: ScoreJob) -> list[Verdict]:
        """Return the job's verdicts in its rows' order; raise what scoring raised."""
        if not self.state.serves(job.first_time):
            outcome = await anyio.to_thread.run_sync(score_jobs, self.state, self.engine, [job])
            return _result(outcome[0])
        future: asyncio.Future[list[Verdict]] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((job, future))
        return await future

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            waiting = [await self._queue.get()]
            rows = len(waiting[0][0].rows)
            while rows < MAX_ROWS and not self._queue.empty():
                waiting.append(self._queue.get_nowait())
                rows += len(waiting[-1][0].rows)
            jobs = [job for job, _ in waiting]
            try:
                outcomes = await loop.run_in_executor(
                    self._executor, score_jobs, self.state, self.engine, jobs
                )
            except Exception as error:
                outcomes = [error] * len(jobs)
            self.calls += 1
            for (_, future), outcome in zip(waiting, outcomes, strict=True):
                if future.done():  # the client went away
                    continue
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)


def _result(outcome: Outcome) -> list[Verdict]:
    if isinstance(outcome, Exception):
        raise outcome
    return outcome
