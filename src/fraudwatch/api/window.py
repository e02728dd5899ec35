"""The staged transactions since a start time, held in memory and indexed by account and merchant.

Rows are appended, never changed: a row's position in `frame` is stable, so the two indexes are
plain lists of positions per account and per merchant, and the rows a scoring batch needs are
one gather rather than a filter over the whole window. Rows that fell out of the window stay
until `since` builds a smaller copy (the caller decides when that is worth it).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

import numpy as np
import polars as pl
from numpy.typing import NDArray

from fraudwatch.api.history_reads import STAGED_SCHEMA
from fraudwatch.schemas import TRANSACTION_SCHEMA

Positions = dict[str, list[int]]
_TIMESTAMP = "transaction_timestamp"
_CREATED = "record_created_ts"
_ROW_COLUMNS = TRANSACTION_SCHEMA.names()


_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime) -> int:
    """Return a naive UTC time as microseconds since the epoch (Polars' Datetime("us"))."""
    return (moment - _EPOCH) // _MICROSECOND


def _micros_of(column: pl.Series) -> NDArray[np.int64]:
    return column.to_physical().to_numpy().astype(np.int64, copy=False)


def _index(keys: pl.Series, offset: int, into: Positions) -> None:
    """Add each non-null key's row position (counted from `offset`) to `into`."""
    for position, key in enumerate(keys.to_list(), offset):
        if key is not None:
            into[key].append(position)


class TransactionWindow:
    """Every staged transaction with transaction_timestamp >= `start` (`STAGED_SCHEMA`).

    Thread-safe: one writer (`add`) and any number of readers (`rows_of`, counts).
    """

    def __init__(self, rows: pl.DataFrame, start: datetime) -> None:
        rows = rows.filter(pl.col(_TIMESTAMP) >= start).unique("transaction_id", keep="first")
        self.start = start
        self._frame = rows.rechunk()
        self._times = _micros_of(rows[_TIMESTAMP])
        self._created = _micros_of(rows[_CREATED])
        self._ids = set(rows["transaction_id"].to_list())
        self._by_account: Positions = defaultdict(list)
        self._by_merchant: Positions = defaultdict(list)
        _index(rows["account_number"], 0, self._by_account)
        _index(rows["merchant_name"], 0, self._by_merchant)
        self._lock = threading.Lock()

    @property
    def height(self) -> int:
        """Return how many rows are held."""
        return self._frame.height

    def add(self, rows: pl.DataFrame) -> int:
        """Append the rows not held yet whose timestamp is in the window; return how many."""
        if rows.is_empty():
            return 0
        held = self._ids
        unseen = pl.Series([key not in held for key in rows["transaction_id"]], dtype=pl.Boolean)
        fresh = rows.filter(unseen & (rows[_TIMESTAMP] >= self.start)).unique(
            "transaction_id", keep="first"
        )
        if fresh.is_empty():
            return 0
        with self._lock:
            offset = self._frame.height
            frame = pl.concat([self._frame, fresh], rechunk=False)
            # Many small appends make a gather walk many chunks: merge them now and then.
            self._frame = frame.rechunk() if frame.n_chunks() > 16 else frame
            self._times = np.concatenate([self._times, _micros_of(fresh[_TIMESTAMP])])
            self._created = np.concatenate([self._created, _micros_of(fresh[_CREATED])])
            self._ids.update(fresh["transaction_id"].to_list())
            _index(fresh["account_number"], offset, self._by_account)
            _index(fresh["merchant_name"], offset, self._by_merchant)
        return fresh.height

    def rows_of(
        self, accounts: Iterable[str], merchants: Iterable[str], start: datetime, end: datetime
    ) -> pl.DataFrame:
        """Return the held rows of `accounts` or `merchants` with start <= timestamp < end
        (`TRANSACTION_SCHEMA`, in no particular order, each row once)."""
        wanted: set[int] = set()
        with self._lock:
            for account in accounts:
                wanted.update(self._by_account.get(account, ()))
            for merchant in merchants:
                wanted.update(self._by_merchant.get(merchant, ()))
            frame, times = self._frame, self._times
        positions = np.fromiter(wanted, dtype=np.int64, count=len(wanted))
        inside = (times[positions] >= _micros(start)) & (times[positions] < _micros(end))
        return frame.select(_ROW_COLUMNS)[pl.Series(positions[inside])]

    def count_created_between(self, low: datetime, high: datetime) -> int:
        """Return how many held rows have low <= record_created_ts <= high."""
        created = self._created
        return int(np.count_nonzero((created >= _micros(low)) & (created <= _micros(high))))

    def latest_created(self) -> datetime | None:
        """Return the latest record_created_ts held, or None when nothing is held."""
        value = self._frame[_CREATED].max()
        return value if isinstance(value, datetime) else None

    def expired(self, start: datetime) -> int:
        """Return how many held rows are older than `start`."""
        return int(np.count_nonzero(self._times < _micros(start)))

    def since(self, start: datetime) -> TransactionWindow:
        """Return a new window of the held rows with timestamp >= `start` (indexes rebuilt)."""
        with self._lock:
            frame = self._frame
        return TransactionWindow(frame, start)


def empty_window(start: datetime) -> TransactionWindow:
    """Return a window holding nothing."""
    return TransactionWindow(pl.DataFrame(schema=STAGED_SCHEMA), start)
