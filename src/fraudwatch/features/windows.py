"""Sums over time windows per key: rows sorted once by (key, time), answered by prefix sums.

A `Timeline` holds rows (a key code and a time in microseconds each) sorted by (key, time). For
any query (key, t) it finds the first row of that key at or after t, so "rows of the key strictly
before t" and "rows in [t - w, t)" are ranges of the sorted order, and sums over them are two
reads of a per-key prefix sum. Rows at exactly t are never included: that is what makes one big
pass and many small batches give the same answer when timestamps tie.

Prefix sums restart at every key, so their rounding error scales with one key's amounts, never
with the whole frame's (a window's variance from sums of squares stays exact for equal amounts).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import cached_property
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

G = TypeVar("G", bound=np.generic)
I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

_COMPOSITE_LIMIT = 2**62


def fits_composite(n_keys: int, times: I64) -> bool:
    """Return whether `n_keys` keys over the span of `times` fit the fast one-int64 sort."""
    span = int(times.max()) - int(times.min()) + 3 if len(times) else 2
    return n_keys * span < _COMPOSITE_LIMIT


def dense(keys: I64) -> I64:
    """Return codes 0..k-1 numbering the distinct `keys` in increasing order."""
    order = np.argsort(keys)
    ordered = keys[order]
    new = np.ones(len(keys), dtype=np.int64)
    new[1:] = ordered[1:] != ordered[:-1]
    codes = np.empty(len(keys), dtype=np.int64)
    codes[order] = np.cumsum(new) - 1
    return codes


class Timeline:
    """Rows sorted by (key, time) that answer window sums for any (key, time) queries.

    `keys` are non-negative integer codes, `times` integer microseconds; both are aligned with the
    caller's rows. Sorted-space arrays (`keys`, `times`, `starts`) are in sorted order; `sort` and
    `unsort` move row-aligned values into and out of it.
    """

    def __init__(self, keys: I64, times: I64) -> None:
        self.size = len(keys)
        self._t0 = int(times.min()) - 1 if self.size else 0
        self._span = int(times.max()) - self._t0 + 2 if self.size else 2
        n_keys = int(keys.max()) + 1 if self.size else 0
        self._composite: I64 | None = None
        if n_keys * self._span < _COMPOSITE_LIMIT:
            composite = keys * self._span + (times - self._t0)
            # Rows with an equal (key, time) are interchangeable here, so no stable sort needed.
            self.order: I64 = np.argsort(composite)
            self._composite = composite[self.order]
            # Reading key and time back from the sorted composite beats two random gathers.
            self.keys: I64 = self._composite // self._span
            self.times: I64 = self._composite - self.keys * self._span + self._t0
        else:  # too many keys times too long a span for one int64: sort lexically instead
            self.order = np.lexsort((times, keys)).astype(np.int64)
            self.keys = keys[self.order]
            self.times = times[self.order]
        new_group = np.ones(self.size, dtype=bool)
        new_group[1:] = self.keys[1:] != self.keys[:-1]
        self.group_first: I64 = np.flatnonzero(new_group)
        new_time = new_group.copy()
        new_time[1:] |= self.times[1:] != self.times[:-1]
        # For each sorted row, where the rows of its key with the same timestamp begin: the
        # rows of its key before that are exactly those strictly before it.
        self.before: I64 = np.maximum.accumulate(np.where(new_time, np.arange(self.size), 0))
        self._new_group = new_group
        self._since: dict[int, I64] = {}

    @cached_property
    def group_of_row(self) -> I64:
        """Return, per sorted row, the index of its key's group (0, 1, ... in sorted order)."""
        result: I64 = np.cumsum(self._new_group) - 1
        return result

    @cached_property
    def starts(self) -> I64:
        """Return, per sorted row, the sorted index of its key's first row."""
        result: I64 = self.group_first[self.group_of_row]
        return result

    def since(self, width: int) -> I64:
        """Return, per sorted row, where its key's rows at or after (its time - width) begin.

        Sorted rows [since(width)[i], before[i]) are i's key's rows in [t - width, t).
        """
        if width not in self._since:
            self._since[width] = self.positions(self.keys, self.times - width)
        return self._since[width]

    def has_previous_within(self, width: int) -> NDArray[np.bool_]:
        """Return, per sorted row, whether its key has a row in [t - width, t)."""
        previous = np.maximum(self.before - 1, 0)
        same_key = (self.before > 0) & (self.keys[previous] == self.keys)
        result: NDArray[np.bool_] = same_key & (self.times[previous] >= self.times - width)
        return result

    def interval_sums(
        self, keys: I64, opened: I64, closed: I64, weights: Sequence[F64]
    ) -> list[F64]:
        """Per sorted row (key, t), the sum of each weight over the intervals of the same key
        with opened < t <= closed.

        Each interval covers a contiguous run of its key's sorted rows, so it is added once at
        the run's start and removed after its end: a running sum then answers every row.
        """
        first = self.positions(keys, opened + 1)
        after = self.positions(keys, closed + 1)
        out = []
        for weight in weights:
            steps = np.zeros(self.size + 1)
            np.add.at(steps, first, weight)
            np.subtract.at(steps, after, weight)
            out.append(np.cumsum(steps[:-1]))
        return out

    def sort(self, values: NDArray[G]) -> NDArray[G]:
        """Return row-aligned `values` in sorted order."""
        return values[self.order]

    def unsort(self, values: NDArray[G]) -> NDArray[G]:
        """Return sorted-order `values` back in the caller's row order."""
        out = np.empty_like(values)
        out[self.order] = values
        return out

    def positions(self, keys: I64, times: I64) -> I64:
        """Return, per query, the sorted index of the first row with (key, time) >= (key, t).

        Rows of the same key before that index are exactly the rows strictly before t.
        """
        if self.size == 0:
            return np.zeros(len(keys), dtype=np.int64)
        if self._composite is not None:
            relative = np.clip(times - self._t0, 0, self._span - 1)
            query = keys * self._span + relative
            return np.searchsorted(self._composite, query, side="left").astype(np.int64)
        return self._positions_by_merge(keys, times)

    def _positions_by_merge(self, keys: I64, times: I64) -> I64:
        # Queries sort before rows with an equal (key, time), so the rows ahead of a query in the
        # merged order are exactly the rows with a smaller (key, time).
        all_keys = np.concatenate([self.keys, keys])
        all_times = np.concatenate([self.times, times])
        is_row = np.concatenate([np.ones(self.size, np.int64), np.zeros(len(keys), np.int64)])
        merged = np.lexsort((is_row, all_times, all_keys))
        rows_before = np.cumsum(is_row[merged]) - is_row[merged]
        out = np.empty(len(keys), dtype=np.int64)
        query_slots = merged >= self.size
        out[merged[query_slots] - self.size] = rows_before[query_slots]
        return out

    def key_start(self, keys: I64) -> I64:
        """Return, per query key, the sorted index where that key's rows begin (or would)."""
        group = np.searchsorted(self.keys[self.group_first], keys, side="left")
        bounds = np.append(self.group_first, self.size)
        result: I64 = bounds[group]
        return result

    def prefix(self, sorted_values: F64) -> F64:
        """Return the per-key exclusive running sum of sorted-order `sorted_values`.

        Entry i is the sum of the values of i's key before i; it restarts at 0 on every key.
        """
        if self.size == 0:
            return np.zeros(0)
        totals = np.add.reduceat(sorted_values, self.group_first)
        shifted = sorted_values.astype(np.float64, copy=True)
        last_of_group = np.append(self.group_first[1:], self.size) - 1
        # Cancelling each key's total on its own last row restarts the running sum at the next
        # key; what is left over is rounding of one key's total, not of the whole frame.
        shifted[last_of_group] -= totals
        running = np.cumsum(shifted)
        return np.concatenate([[0.0], running[:-1]])

    def range_sum(self, sorted_values: F64, prefix: F64, lo: I64, hi: I64) -> F64:
        """Return the sum of `sorted_values` over sorted rows [lo, hi) (one key each, or empty)."""
        last = np.maximum(hi - 1, 0)
        if self.size == 0:
            return np.zeros(len(lo))
        sums = prefix[last] + sorted_values[last] - prefix[np.minimum(lo, self.size - 1)]
        return np.where(hi > lo, sums, 0.0)

    def running_max(self, sorted_values: I64) -> I64:
        """Return, per sorted row, the largest of the values of its key up to and including it."""
        if self.size == 0:
            return sorted_values.copy()
        low = int(sorted_values.min())
        width = int(sorted_values.max()) - low + 1
        if len(self.group_first) * width < _COMPOSITE_LIMIT:
            # Groups come in order, so an offset per group keeps each running max to its group.
            offset = self.group_of_row * width
            return np.maximum.accumulate(sorted_values - low + offset) - offset + low
        out = sorted_values.copy()
        bounds = np.append(self.group_first, self.size)
        for start, end in itertools.pairwise(bounds):
            out[start:end] = np.maximum.accumulate(sorted_values[start:end])
        return out
