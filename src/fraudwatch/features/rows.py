"""The rows the pipeline works on: transactions plus history, normalised, as NumPy arrays.

Missing optional columns (channel, merchant, flags, ...) are added as nulls so every feature still
computes with its documented fill; timestamps become naive UTC microseconds; the union of
`transactions` and `history` keeps one row per transaction_id (the `transactions` row wins).

Frames already in `TRANSACTION_SCHEMA` without nulls to fill pass through untouched, and small
inputs (the API scores a few transactions against a few hundred history rows) are coded with
plain Python rather than Polars queries, whose fixed cost would dominate; both give the same codes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from itertools import repeat
from typing import Any, Final

import numpy as np
import polars as pl
from numpy.typing import NDArray

from fraudwatch.features.sorting import order_by_key, time_order
from fraudwatch.features.windows import Timeline
from fraudwatch.schemas import REQUIRED_TRANSACTION_COLUMNS, TRANSACTION_SCHEMA

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
Bools = NDArray[np.bool_]
# What a builder returns: one array per feature, aligned with the wanted rows (or all rows).
Columns = dict[str, NDArray[Any]]

_FALSE_IF_NULL: Final = ("is_international", "reversal_flag")
# Up to this many values, a Python dict codes strings faster than a Polars query runs at all.
SMALL_ROWS: Final = 2_000


def _conformed(frame: pl.DataFrame) -> pl.DataFrame:
    """Return `frame` with exactly `TRANSACTION_SCHEMA`'s columns and types (nulls where absent)."""
    if frame.schema == TRANSACTION_SCHEMA:
        return frame
    frame = frame.with_columns(
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in TRANSACTION_SCHEMA.items()
        if name not in frame.columns
    )
    return frame.select(TRANSACTION_SCHEMA.names()).cast(TRANSACTION_SCHEMA)  # type: ignore[arg-type]


def normalise_transactions(frame: pl.DataFrame, role: str) -> pl.DataFrame:
    """Return `frame` in `TRANSACTION_SCHEMA`: missing optional columns null, flags null -> False,
    amounts null or NaN -> 0.

    Raises ValueError naming `role` when a required column is missing or has nulls.
    """
    missing = [c for c in REQUIRED_TRANSACTION_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{role} lacks required column(s) {', '.join(missing)}; add them")
    timestamp = frame.schema["transaction_timestamp"]
    if isinstance(timestamp, pl.Datetime) and timestamp.time_zone is not None:
        frame = frame.with_columns(
            pl.col("transaction_timestamp").dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        )
    frame = _conformed(frame)
    nulls = [
        c
        for c in ("transaction_id", "account_number", "transaction_timestamp")
        if frame.get_column(c).has_nulls()
    ]
    if nulls:
        raise ValueError(f"{role} has nulls in {', '.join(nulls)}; drop or repair those rows")
    amount = frame.get_column("transaction_amount")
    flags = [c for c in _FALSE_IF_NULL if frame.get_column(c).has_nulls()]
    # Without nulls the amounts convert without a copy, so the NaN check costs one pass.
    if not (amount.has_nulls() or flags or np.isnan(amount.to_numpy()).any()):
        return frame
    return frame.with_columns(
        pl.col("transaction_amount").fill_null(0.0).fill_nan(0.0),
        *(pl.col(c).fill_null(False) for c in flags),
    )


def dense_codes(values: pl.Series) -> tuple[I64, pl.Series]:
    """Return integer codes 0..k-1 for the distinct non-null values in order of first appearance,
    k for null, and the values.

    >>> codes, categories = dense_codes(pl.Series(["b", None, "a", "b"]))
    >>> codes.tolist(), categories.to_list()
    ([0, 2, 1, 0], ['b', 'a'])
    """
    if len(values) <= SMALL_ROWS:
        return _small_dense_codes(values)
    # A Categorical with categories of its own numbers values in order of first appearance,
    # in one hashing pass (tests/features/test_paths.py holds it to the dictionary's codes).
    coded = values.cast(pl.String).cast(pl.Categorical(pl.Categories.random()))
    categories = coded.drop_nulls().unique(maintain_order=True).cast(values.dtype)
    physical = coded.to_physical()
    if physical.has_nulls():
        physical = physical.fill_null(len(categories))
    return physical.to_numpy().astype(np.int64), categories.alias(values.name)


def _small_dense_codes(values: pl.Series) -> tuple[I64, pl.Series]:
    listed = values.to_list()
    distinct = dict.fromkeys(listed)  # first appearance order, at C speed
    distinct.pop(None, None)
    code = dict(zip(distinct, range(len(distinct)), strict=True))
    code[None] = len(distinct)
    codes = np.fromiter(map(code.__getitem__, listed), dtype=np.int64, count=len(listed))
    return codes, pl.Series(values.name, list(distinct), dtype=values.dtype)


def first_positions(keys: pl.Series, table: pl.Series) -> I64:
    """Return, per value of `keys`, the position of its first occurrence in `table`, or -1.

    >>> first_positions(pl.Series(["b", "x", "a"]), pl.Series(["a", "b", "a"])).tolist()
    [1, -1, 0]
    """
    if len(keys) + len(table) <= SMALL_ROWS:
        return _looked_up_positions(keys, table)
    if len(keys) > 4 * len(table):
        # Few keys can match: a membership test (no join) finds them, and only they are looked
        # up (with a dictionary when they and the table are few: a join's fixed cost is ~0.7 ms).
        candidates = np.flatnonzero(keys.is_in(table.implode()).fill_null(False).to_numpy())
        matched = keys.gather(candidates)
        small = len(matched) + len(table) <= SMALL_ROWS
        found = np.full(len(keys), -1, dtype=np.int64)
        found[candidates] = (_looked_up_positions if small else _joined_positions)(matched, table)
        return found
    return _joined_positions(keys, table)


def _looked_up_positions(keys: pl.Series, table: pl.Series) -> I64:
    listed = table.to_list()
    # Filled from the end, so each value keeps its first position.
    first = dict(zip(reversed(listed), range(len(listed) - 1, -1, -1), strict=True))
    first.pop(None, None)  # as in a join: a null matches nothing
    matches = map(first.get, keys.to_list(), repeat(-1))
    return np.fromiter(matches, dtype=np.int64, count=len(keys))


def _joined_positions(keys: pl.Series, table: pl.Series) -> I64:
    positions = (
        table.alias("key")
        .to_frame()
        .with_row_index("position")
        .unique("key", keep="first", maintain_order=True)
    )
    found = (
        keys.alias("key").to_frame().join(positions, on="key", how="left", maintain_order="left")
    )
    return found.get_column("position").fill_null(-1).cast(pl.Int64).to_numpy()


@dataclass(frozen=True)
class Rows:
    """Transactions plus history, one row per id, with the arrays every builder uses.

    The first `targets` rows are the input `transactions`, in their order; `accounts` holds the
    account number of each account code.
    """

    data: pl.DataFrame
    size: int
    targets: int
    times: I64
    amounts: F64
    account: I64
    accounts: pl.Series
    _codes: dict[str, tuple[I64, pl.Series]] = field(default_factory=dict)
    _coding: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    @cached_property
    def by_time(self) -> I64:
        """Return the row order by time, ties in row order."""
        return time_order(self.times)

    def timeline(self, keys: I64) -> Timeline:
        """Return the timeline of these rows by integer `keys` (one per row) and time."""
        order = order_by_key(keys, self.by_time)
        return Timeline(keys, self.times, order, outputs=self.targets)

    def codes(self, column: str) -> tuple[I64, pl.Series]:
        """Return `dense_codes` of string `column` (computed once per column, even when
        builders on several threads ask at once)."""
        with self._guard:
            lock = self._coding.setdefault(column, threading.Lock())
        with lock:
            if column not in self._codes:
                self._codes[column] = dense_codes(self.data.get_column(column))
        return self._codes[column]

    @property
    def merchant(self) -> I64:
        """Return a merchant code per row (rows without a merchant share one extra code)."""
        return self.codes("merchant_name")[0]

    @cached_property
    def has_merchant(self) -> Bools:
        """Return whether each row has a merchant."""
        return self._present("merchant_name")

    @property
    def channel(self) -> I64:
        """Return a channel code per row (rows without a channel share one extra code)."""
        return self.codes("channel_name")[0]

    @cached_property
    def has_channel(self) -> Bools:
        """Return whether each row has a channel."""
        return self._present("channel_name")

    @cached_property
    def international(self) -> Bools:
        """Return the international flag of each row."""
        return self.flag("is_international")

    def flag(self, column: str) -> Bools:
        """Return boolean `column` (nulls were filled with False) as an array."""
        result: Bools = self.data.get_column(column).to_numpy()
        return result

    def _present(self, column: str) -> Bools:
        values = self.data.get_column(column)
        if not values.has_nulls():
            return np.ones(self.size, dtype=bool)
        if self.size <= SMALL_ROWS:
            return np.array([v is not None for v in values.to_list()], dtype=bool)
        result: Bools = values.is_not_null().to_numpy()
        return result


def _union(transactions: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    """Return `transactions` then the rows of `history` with ids not among them, once each.

    Ids within `transactions` are taken as unique (the warehouse key guarantees it); checking
    would cost a hash of every id on every call.
    """
    if history.height == 0:
        return transactions
    if transactions.height + history.height <= SMALL_ROWS:
        return transactions.vstack(_new_history(transactions, history))
    # A membership test and a distinct count are several times cheaper than an anti join and
    # an order-keeping unique, and history rarely repeats an id: pay for those only then.
    ids = transactions.get_column("transaction_id").implode()
    repeated = history.get_column("transaction_id").is_in(ids)
    extra = history.filter(~repeated) if repeated.any() else history
    if extra.get_column("transaction_id").n_unique() < extra.height:
        extra = extra.unique("transaction_id", keep="first", maintain_order=True)
    return transactions.vstack(extra)


def _new_history(transactions: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    """Return the rows of a small `history` whose id is new, the first of each id."""
    seen = set(transactions.get_column("transaction_id").to_list())
    keep = []
    for transaction_id in history.get_column("transaction_id").to_list():
        keep.append(transaction_id not in seen)
        seen.add(transaction_id)
    return history if all(keep) else history.filter(pl.Series(keep, dtype=pl.Boolean))


def build_rows(transactions: pl.DataFrame, history: pl.DataFrame) -> Rows:
    """Normalise and unite `transactions` and `history` into `Rows`."""
    transactions = normalise_transactions(transactions, "transactions")
    data = _union(transactions, normalise_transactions(history, "history"))
    account, accounts = dense_codes(data.get_column("account_number"))
    times = data.get_column("transaction_timestamp").to_numpy().view(np.int64)
    return Rows(
        data=data,
        size=data.height,
        targets=transactions.height,
        times=times,
        amounts=data.get_column("transaction_amount").to_numpy(),
        account=account,
        accounts=accounts,
    )
