"""Writing a batch's scores on a thread of its own while the run reads and scores the next one.

Reading, computing and writing a large batch take similar time, and the write is mostly
SQLite or PostgreSQL work that releases the GIL; overlapping it with the next batch's read and
features keeps both cores busy. At most one write is in flight. Its rows stay unscored until it
commits, so the run reads its next batch strictly after the rows being written (`last_time`)
and waits for the write before any read that could return them (a sweep). A crash loses at most
the write in flight: those rows are still unscored, so the next run scores them.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

import polars as pl
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import insert_scores


class ScoreWriter:
    """One background writer of score batches; `settle` returns what each write added."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fraudwatch-writer")
        self._pending: Future[int] | None = None
        self.last_time: datetime | None = None  # latest transaction time of the write in flight

    def submit(self, scores: pl.DataFrame, last_time: datetime) -> int:
        """Wait for the write in flight, start writing `scores` (of transactions up to
        `last_time`) and return how many rows the previous write added."""
        added = self.settle()
        self._pending = self._pool.submit(insert_scores, self._engine, scores)
        self.last_time = last_time
        return added

    def settle(self) -> int:
        """Wait for the write in flight, if any; return the rows it added, or raise its error."""
        pending, self._pending, self.last_time = self._pending, None, None
        return 0 if pending is None else pending.result()

    def close(self) -> None:
        """Wait for the write in flight and stop the thread (errors are `settle`'s to report)."""
        self._pool.shutdown(wait=True)
