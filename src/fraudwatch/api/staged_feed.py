"""The staged transactions of the recent window, read once and then by deltas.

New rows are found by `record_created_ts` (indexed) after the latest one held. A writer stamps
its rows before it commits, so a commit can land behind that mark: each refresh first counts
the rows stamped within `LATE_COMMIT_MARGIN` before the mark and, only when the warehouse holds
more than we know of, reads that margin again (held ids are skipped). Rows read whose timestamp
is before the window are not held but remembered by id, so they do not look missing.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy.engine import Engine

from fraudwatch.api import history_reads as reads
from fraudwatch.api.window import TransactionWindow
from fraudwatch.features.inputs import LATE_COMMIT_MARGIN
from fraudwatch.features.online import OnlineHistory


class StagedFeed:
    """A `TransactionWindow` from `start` on, kept current from the warehouse (one writer), and
    the same rows in `online`, the one-transaction feature path's history."""

    def __init__(self, engine: Engine, start: datetime) -> None:
        self.engine = engine
        rows = reads.read_staged_since(engine, start)
        self.window = TransactionWindow(rows, start)
        self.online = OnlineHistory()
        self.online.add_frame(rows)
        self._outside: dict[str, datetime] = {}  # id -> record_created_ts, stamped near the mark
        mark = self.window.latest_created()
        if mark is not None:
            # Rows stored with the window's but older than it: known now, so the first refresh
            # does not find the margin's count short and read it all again (after a backfill,
            # the margin can hold every row).
            low = mark - LATE_COMMIT_MARGIN
            self._outside.update(reads.read_stamps_before(engine, low, mark, start))

    def add_new(self) -> int:
        """Read the rows stored since the last read into the window; return how many it took."""
        mark = self._mark()
        if mark is None:
            return self._take(reads.read_staged_since(self.engine, self.window.start))
        low = mark - LATE_COMMIT_MARGIN
        if self._outside and min(self._outside.values()) < low:
            self._outside = {i: c for i, c in self._outside.items() if c >= low}
        known = self.window.count_created_between(low, mark) + len(self._outside)
        complete = reads.count_stored_between(self.engine, low, mark) <= known
        since = mark if complete else low
        return self._take(reads.read_stored_after(self.engine, since, inclusive=not complete))

    def drop_before(self, start: datetime) -> None:
        """Forget the rows older than `start` (a new, smaller window)."""
        self.window = self.window.since(start)
        self.online.drop_before(start)

    def complete(self) -> bool:
        """Return True if the window holds as many rows as the warehouse has since its start."""
        window = self.window
        return reads.count_staged_since(self.engine, window.start) == window.height

    def _mark(self) -> datetime | None:
        held = self.window.latest_created()
        outside = max(self._outside.values(), default=None)
        if held is None or outside is None:
            return held or outside
        return max(held, outside)

    def _take(self, rows: pl.DataFrame) -> int:
        before = rows["transaction_timestamp"] < self.window.start
        for transaction_id, created in (
            rows.filter(before).select("transaction_id", "record_created_ts").iter_rows()
        ):
            self._outside[transaction_id] = created
        self.online.add_frame(rows.filter(~before))
        return self.window.add(rows)
