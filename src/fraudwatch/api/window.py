"""Which staged transactions the API holds since a start time: the feed's bookkeeping.

The rows themselves live in `features.online`, which computes the features from them; this
window keeps only what refreshing needs: the ids held (so a row read twice is taken once), each
row's transaction time (to count and drop expired rows) and its `record_created_ts` (to find
late commits). Times are microseconds since the epoch in numpy arrays, appended as rows arrive,
never sorted. Rows that fell out of the window stay until `since` builds a smaller copy.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import numpy as np
import polars as pl
from numpy.typing import NDArray

Ints = NDArray[np.int64]
_TIMESTAMP = "transaction_timestamp"
_CREATED = "record_created_ts"
_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime) -> int:
    """Return a naive UTC time as microseconds since the epoch (Polars' Datetime("us"))."""
    return (moment - _EPOCH) // _MICROSECOND


def _micros_of(column: pl.Series) -> Ints:
    return column.to_physical().to_numpy().astype(np.int64, copy=False)


class TransactionWindow:
    """The staged transactions held with transaction_timestamp >= `start`: their ids, times and
    `record_created_ts`, from frames with at least those columns (`STAGED_SCHEMA` rows).

    Thread-safe: one writer (`add`) and any number of readers.
    """

    def __init__(self, rows: pl.DataFrame, start: datetime) -> None:
        self.start = start
        self._lock = threading.Lock()
        self._ids: list[str] = []  # position p is row p in the arrays below
        self._held: set[str] = set()
        self._times: Ints = np.zeros(0, dtype=np.int64)
        self._created: Ints = np.zeros(0, dtype=np.int64)
        self._latest: int | None = None  # the largest of _created
        self.add(rows)

    @property
    def height(self) -> int:
        """Return how many rows are held."""
        return len(self._ids)

    def add(self, rows: pl.DataFrame) -> int:
        """Take the rows not held yet whose timestamp is in the window (an id repeated in `rows`
        once); return how many were taken."""
        if rows.is_empty():
            return 0
        held = self._held
        unseen = pl.Series([key not in held for key in rows["transaction_id"]], dtype=pl.Boolean)
        fresh = rows.filter(unseen & (rows[_TIMESTAMP] >= self.start))
        fresh = fresh.unique("transaction_id", keep="first", maintain_order=True)
        if fresh.is_empty():
            return 0
        self._hold(fresh["transaction_id"].to_list(), *_stamps(fresh))
        return fresh.height

    def count_created_between(self, low: datetime, high: datetime) -> int:
        """Return how many held rows have low <= record_created_ts <= high."""
        created = self._created
        return int(np.count_nonzero((created >= _micros(low)) & (created <= _micros(high))))

    def latest_created(self) -> datetime | None:
        """Return the latest record_created_ts held, or None when nothing is held."""
        latest = self._latest
        return None if latest is None else _EPOCH + latest * _MICROSECOND

    def expired(self, start: datetime) -> int:
        """Return how many held rows are older than `start`."""
        return int(np.count_nonzero(self._times < _micros(start)))

    def since(self, start: datetime) -> TransactionWindow:
        """Return a new window of the held rows with timestamp >= `start`."""
        with self._lock:  # ids only grow: the first len(times) stay as they are
            ids, times, created = self._ids, self._times, self._created
        kept = np.flatnonzero(times >= _micros(start))
        window = empty_window(start)
        window._hold([ids[i] for i in kept.tolist()], times[kept], created[kept])
        return window

    def _hold(self, ids: list[str], times: Ints, created: Ints) -> None:
        """Append new rows: their ids, transaction times and record_created_ts (micros)."""
        if not ids:
            return
        latest = int(created.max())
        with self._lock:
            self._times = np.concatenate([self._times, times])
            self._created = np.concatenate([self._created, created])
            self._ids.extend(ids)
            self._held.update(ids)
            if self._latest is None or latest > self._latest:
                self._latest = latest


def _stamps(rows: pl.DataFrame) -> tuple[Ints, Ints]:
    """Return the rows' transaction times and record_created_ts, in microseconds."""
    return _micros_of(rows[_TIMESTAMP]), _micros_of(rows[_CREATED])


def empty_window(start: datetime) -> TransactionWindow:
    """Return a window holding nothing."""
    return TransactionWindow(pl.DataFrame(), start)
