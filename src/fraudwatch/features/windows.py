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

from fraudwatch.features.sorting import order_by_key, time_order

G = TypeVar("G", bound=np.generic)
I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

_COMPOSITE_LIMIT = 2**62


class Timeline:
    """Rows sorted by (key, time) that answer window sums for any (key, time) queries.

    `keys` are non-negative integer codes, `times` integer microseconds; both are aligned with the
    caller's rows. Sorted-space arrays (`keys`, `times`, `starts`, `before`) are in sorted order;
    `sort` and `unsort` move row-aligned values into and out of it. `order`, when given, must
    already sort the rows by (key, time) (see `sorting.order_by_key`); rows of equal (key, time)
    keep its order. `unsort` returns
    the first `outputs` rows only (all by default): the rows whose features are wanted.
    """

    def __init__(
        self,
        keys: I64,
        times: I64,
        order: I64 | None = None,
        outputs: int | None = None,
    ) -> None:
        if order is None:
            order = order_by_key(keys, time_order(times))
        self.size = size = len(keys)
        self.order: I64 = order
        self.outputs = size if outputs is None else outputs
        self.keys: I64 = keys[order]
        self.times: I64 = times[order]
        new_group = np.ones(size, dtype=bool)
        np.not_equal(self.keys[1:], self.keys[:-1], out=new_group[1:])
        self.group_first: I64 = np.flatnonzero(new_group)
        new_time = np.not_equal(self.times[1:], self.times[:-1])
        new_time |= new_group[1:]
        # For each sorted row, where the rows of its key with the same timestamp begin: the
        # rows of its key before that are exactly those strictly before it.
        before = np.arange(size)
        before[1:][~new_time] = 0
        self.before: I64 = np.maximum.accumulate(before, out=before)
        self._new_group = new_group
        self._since: dict[int, I64] = {}
        self._empty: dict[int, NDArray[np.bool_]] = {}
        self._t0 = int(self.times.min()) - 1 if size else 0
        self._span = int(self.times.max()) - self._t0 + 2 if size else 2
        n_keys = int(self.keys[-1]) + 1 if size else 0
        self._fits = n_keys * self._span < _COMPOSITE_LIMIT

    @cached_property
    def _composite(self) -> I64:
        """Return key * span + (time - t0) per sorted row: one int64 ordered like (key, time)."""
        composite = self.keys * self._span
        composite += self.times
        composite -= self._t0
        return composite

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

    @cached_property
    def last_before(self) -> I64:
        """Return, per sorted row, before - 1 (0 where before is 0): the latest row strictly
        before it when it has one (`before > starts`), the last row its windows can hold."""
        last = self.before - 1
        np.maximum(last, 0, out=last)
        return last

    def first_of_key(self, keys: I64) -> I64:
        """Return, per query key (each one of the timeline's keys), the sorted index of its
        first row."""
        result: I64 = self.group_first[np.searchsorted(self.keys[self.group_first], keys)]
        return result

    def since(self, width: int) -> I64:
        """Return, per sorted row, where its key's rows at or after (its time - width) begin.

        Sorted rows [since(width)[i], before[i]) are i's key's rows in [t - width, t).
        """
        if width not in self._since:
            self._since[width] = self._window_starts(width)
        return self._since[width]

    @cached_property
    def age(self) -> I64:
        """Return, per sorted row, its time minus its key's first time."""
        result: I64 = self.times - self.times[self.starts]
        return result

    @cached_property
    def gap(self) -> I64:
        """Return, per sorted row, its time minus the time of `last_before` (the latest row
        strictly before it, where `before > starts`)."""
        result: I64 = self.times - self.times[self.last_before]
        return result

    def _window_starts(self, width: int) -> I64:
        # Most windows hold all of their key's earlier rows or none of them: two comparisons
        # of per-row ages shared by every width answer those, and only the rest take a search.
        whole = self.age <= width
        starts = np.where(whole, self.starts, self.before)
        partial = self.gap <= width
        partial &= ~whole
        searched = np.flatnonzero(partial)
        if len(searched) == 0:
            return starts
        if self._fits:
            # These rows' window starts inside their own key, so the query needs no clipping.
            query = self._composite[searched] - width
            starts[searched] = np.searchsorted(self._composite, query, side="left")
        else:
            earliest = self.times[searched] - width
            starts[searched] = self.positions(self.keys[searched], earliest)
        return starts

    def empty_window(self, width: int) -> NDArray[np.bool_]:
        """Return, per sorted row, whether its key has no row in [t - width, t)."""
        if width not in self._empty:
            self._empty[width] = self.since(width) == self.before
        return self._empty[width]

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
            out.append(np.cumsum(steps[:-1], out=steps[:-1]))
        return out

    def sort(self, values: NDArray[G]) -> NDArray[G]:
        """Return row-aligned `values` in sorted order."""
        return values[self.order]

    def unsort(self, values: NDArray[G], *, all_rows: bool = False) -> NDArray[G]:
        """Return sorted-order `values` back in the caller's row order: its first `outputs`
        rows, or every row with `all_rows`."""
        if all_rows or self.outputs == self.size:
            out = np.empty_like(values)
            out[self.order] = values
            return out
        rows, positions = self._output_positions
        head = np.empty(self.outputs, dtype=values.dtype)
        head[rows] = values[positions]
        return head

    @cached_property
    def _output_positions(self) -> tuple[I64, I64]:
        """Return the output rows and their sorted positions (when fewer than all are wanted)."""
        positions = np.flatnonzero(self.order < self.outputs)
        return self.order[positions], positions

    def positions(self, keys: I64, times: I64) -> I64:
        """Return, per query, the sorted index of the first row with (key, time) >= (key, t).

        Rows of the same key before that index are exactly the rows strictly before t.
        """
        if self.size == 0:
            return np.zeros(len(keys), dtype=np.int64)
        if self._fits:
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

    def prefix(self, sorted_values: F64) -> F64:
        """Return the per-key running sums of sorted-order `sorted_values`, size + 1 entries.

        Entry i is the sum of the values of i's key before i (0 on a key's first row); entry
        i + 1, when i is not its key's last row, is that sum plus i's own value.
        """
        running = np.empty(self.size + 1)
        running[0] = 0.0
        if self.size == 0:
            return running
        totals = np.add.reduceat(sorted_values, self.group_first)
        shifted = running[1:]
        shifted[:] = sorted_values
        # Cancelling each key's total on its own last row restarts the running sum at the next
        # key; what is left over is rounding of one key's total, not of the whole frame.
        shifted[self.group_first[1:] - 1] -= totals[:-1]
        np.cumsum(shifted, out=shifted)
        return running

    def window_sum(self, prefix: F64, width: int) -> F64:
        """Return, per sorted row, the sum of the values over its key's rows in [t - width, t)
        (`prefix` from `prefix`)."""
        lo = self.since(width)
        # A non-empty window's last row is never its key's last row (the row itself comes
        # later), so entry last_before + 1 holds the running sum through it.
        sums = prefix[1:][self.last_before]
        sums -= prefix[lo]
        sums[self.empty_window(width)] = 0.0
        return sums

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
