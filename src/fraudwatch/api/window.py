"""The staged transactions since a start time, held in memory and indexed for scoring.

A row's history form is fixed when it arrives: whole (an account's own row) and, when it names
a merchant, its merchant mark (the form `features.inputs.history_from_window` gives the rows of
other accounts). Both forms are appended to one frame and never change, so a scoring batch's
history is one gather of the rows its accounts and merchants point to, ordered by a rank kept
for the (timestamp, id) order: no filter over the window, no concat, no sort per request.
Rows that fell out of the window stay until `since` builds a smaller copy.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl
from numpy.typing import NDArray

from fraudwatch.api.history_reads import STAGED_SCHEMA
from fraudwatch.features.inputs import history_from_window
from fraudwatch.schemas import TRANSACTION_SCHEMA

Positions = dict[str, list[int]]
Ints = NDArray[np.int64]
_TIMESTAMP = "transaction_timestamp"
_CREATED = "record_created_ts"
_ROW_COLUMNS = TRANSACTION_SCHEMA.names()
_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
_NO_MARK = -1


def _micros(moment: datetime) -> int:
    """Return a naive UTC time as microseconds since the epoch (Polars' Datetime("us"))."""
    return (moment - _EPOCH) // _MICROSECOND


def _micros_of(column: pl.Series) -> Ints:
    return column.to_physical().to_numpy().astype(np.int64, copy=False)


@dataclass(frozen=True)
class WindowRows:
    """The rows a scoring batch needs: `history` in (timestamp, id) order and the ids in it."""

    history: pl.DataFrame
    ids: list[str]


class TransactionWindow:
    """Every staged transaction with transaction_timestamp >= `start` (`STAGED_SCHEMA`).

    Thread-safe: one writer (`add`) and any number of readers.
    """

    def __init__(self, rows: pl.DataFrame, start: datetime) -> None:
        self.start = start
        self._lock = threading.Lock()
        self._staged = pl.DataFrame(schema=STAGED_SCHEMA)  # position p is row p
        self._forms = pl.DataFrame(schema=TRANSACTION_SCHEMA)  # whole rows and marks
        self._whole: Ints = np.zeros(0, dtype=np.int64)  # position -> its whole row in _forms
        self._mark: Ints = np.zeros(0, dtype=np.int64)  # position -> its mark, or _NO_MARK
        self._times: Ints = np.zeros(0, dtype=np.int64)
        self._created: Ints = np.zeros(0, dtype=np.int64)
        self._rank: Ints = np.zeros(0, dtype=np.int64)  # position -> rank by (timestamp, id)
        self._ids: NDArray[np.object_] = np.zeros(0, dtype=object)
        self._held: set[str] = set()
        self._by_account: Positions = defaultdict(list)
        self._by_merchant: Positions = defaultdict(list)
        self.add(rows)

    @property
    def height(self) -> int:
        """Return how many rows are held."""
        return len(self._ids)

    def add(self, rows: pl.DataFrame) -> int:
        """Append the rows not held yet whose timestamp is in the window; return how many."""
        if rows.is_empty():
            return 0
        held = self._held
        unseen = pl.Series([key not in held for key in rows["transaction_id"]], dtype=pl.Boolean)
        fresh = rows.filter(unseen & (rows[_TIMESTAMP] >= self.start))
        fresh = fresh.unique("transaction_id", keep="first", maintain_order=True)
        if fresh.is_empty():
            return 0
        staged = pl.concat([self._staged, fresh.select(STAGED_SCHEMA.names())]).rechunk()
        rank = _rank(staged)
        forms, whole, mark = self._forms_of(fresh)
        # One chunk: a gather from a frame of several chunks is about five times slower.
        forms = pl.concat([self._forms, forms]).rechunk()
        ids = fresh["transaction_id"].to_list()
        with self._lock:
            offset = self.height
            self._staged, self._rank = staged, rank
            self._forms = forms
            self._whole = np.concatenate([self._whole, whole])
            self._mark = np.concatenate([self._mark, mark])
            self._times = np.concatenate([self._times, _micros_of(fresh[_TIMESTAMP])])
            self._created = np.concatenate([self._created, _micros_of(fresh[_CREATED])])
            self._ids = np.concatenate([self._ids, np.array(ids, dtype=object)])
            held.update(ids)
            _index(fresh["account_number"], offset, self._by_account)
            _index(fresh["merchant_name"], offset, self._by_merchant)
        return fresh.height

    def history(
        self, accounts: Iterable[str], merchants: Iterable[str], start: datetime, end: datetime
    ) -> WindowRows:
        """Return `history_from_window(rows, accounts, merchants)` for the held rows with
        start <= timestamp < end: whole rows of `accounts`, marks of the other rows of
        `merchants`, in (timestamp, id) order."""
        whole: set[int] = set()
        marked: set[int] = set()
        with self._lock:
            for account in accounts:
                whole.update(self._by_account.get(account, ()))
            for merchant in merchants:
                marked.update(self._by_merchant.get(merchant, ()))
            forms, times, rank = self._forms, self._times, self._rank
            whole_row, mark_row, ids = self._whole, self._mark, self._ids
        marked -= whole
        own = np.fromiter(whole, dtype=np.int64, count=len(whole))
        others = np.fromiter(marked, dtype=np.int64, count=len(marked))
        positions = np.concatenate([own, others])
        rows = np.concatenate([whole_row[own], mark_row[others]])
        inside = (times[positions] >= _micros(start)) & (times[positions] < _micros(end))
        positions, rows = positions[inside], rows[inside]
        order = np.argsort(rank[positions])
        chosen = rows[order]
        return WindowRows(forms[pl.Series(chosen)], ids[positions[order]].tolist())

    def count_created_between(self, low: datetime, high: datetime) -> int:
        """Return how many held rows have low <= record_created_ts <= high."""
        created = self._created
        return int(np.count_nonzero((created >= _micros(low)) & (created <= _micros(high))))

    def latest_created(self) -> datetime | None:
        """Return the latest record_created_ts held, or None when nothing is held."""
        value = self._staged[_CREATED].max()
        return value if isinstance(value, datetime) else None

    def expired(self, start: datetime) -> int:
        """Return how many held rows are older than `start`."""
        return int(np.count_nonzero(self._times < _micros(start)))

    def since(self, start: datetime) -> TransactionWindow:
        """Return a new window of the held rows with timestamp >= `start` (indexes rebuilt)."""
        with self._lock:
            staged = self._staged
        return TransactionWindow(staged, start)

    def _forms_of(self, fresh: pl.DataFrame) -> tuple[pl.DataFrame, Ints, Ints]:
        """Return the history forms of new rows (whole rows, then the marks of those with a
        merchant) and, per row, where its whole row and its mark are in the forms frame."""
        base = self._forms.height
        whole = fresh.select(_ROW_COLUMNS)
        merchants = fresh["merchant_name"].drop_nulls().unique().to_list()
        # With no account of its own, every row naming a merchant comes back as its mark.
        marks = history_from_window(whole, [], merchants)
        where = {key: i for i, key in enumerate(fresh["transaction_id"].to_list())}
        mark = np.full(fresh.height, _NO_MARK, dtype=np.int64)
        mark_of = [where[key] for key in marks["transaction_id"].to_list()]
        mark[mark_of] = base + fresh.height + np.arange(marks.height, dtype=np.int64)
        whole_rows = base + np.arange(fresh.height, dtype=np.int64)
        return pl.concat([whole, marks]), whole_rows, mark


def _index(keys: pl.Series, offset: int, into: Positions) -> None:
    """Add each non-null key's row position (counted from `offset`) to `into`."""
    for position, key in enumerate(keys.to_list(), offset):
        if key is not None:
            into[key].append(position)


def _rank(staged: pl.DataFrame) -> Ints:
    """Return each row's rank in (timestamp, id) order, the order of a scoring history."""
    order = staged.select(pl.arg_sort_by(_TIMESTAMP, "transaction_id")).to_series().to_numpy()
    rank = np.empty(staged.height, dtype=np.int64)
    rank[order] = np.arange(staged.height, dtype=np.int64)
    return rank


def empty_window(start: datetime) -> TransactionWindow:
    """Return a window holding nothing."""
    return TransactionWindow(pl.DataFrame(schema=STAGED_SCHEMA), start)
