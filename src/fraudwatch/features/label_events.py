"""Fraud labels as events on two time axes: when the transaction happened and when it became known.

A fraud label on a transaction at time s, labelled at L, may be used by a transaction at t when
s < t and L < t, that is when t > known_at = max(s, L). A feature counting known frauds with s in
[t - w, t) therefore counts each label for every t in the interval (known_at, s + w]: two sorted
searches (labels known before t, minus labels whose interval closed before t) answer it per key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from fraudwatch.features.rows import Rows, first_positions
from fraudwatch.features.windows import Timeline

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(frozen=True)
class FraudEvents:
    """Fraud labels whose transaction is among the rows: its row position, time, and known_at."""

    rows: I64
    tx_time: I64
    known_at: I64

    @property
    def size(self) -> int:
        """Return the number of events."""
        return len(self.rows)


def fraud_events(rows: Rows, labels: pl.DataFrame) -> FraudEvents:
    """Return the fraud labels (is_fraud true, labeled_at set) of transactions among `rows`.

    Labels of transactions outside the rows are older than any window can reach, so dropped.
    """
    needed = ("transaction_id", "is_fraud", "labeled_at")
    if labels.height == 0 or any(c not in labels.columns for c in needed):
        empty = np.zeros(0, dtype=np.int64)
        return FraudEvents(empty, empty, empty)
    known = labels.get_column("labeled_at").cast(pl.Datetime("us"))
    fraud = labels.get_column("is_fraud").cast(pl.Boolean)
    usable = (fraud.fill_null(False) if fraud.has_nulls() else fraud).to_numpy()
    usable &= ~np.isnat(known.to_numpy())
    ids = labels.get_column("transaction_id").cast(pl.String).filter(pl.Series(usable))
    # Each row's first usable label (ids are unique among rows, not among labels).
    label = first_positions(rows.data.get_column("transaction_id"), ids)
    row = np.flatnonzero(label >= 0)
    labeled_at = known.to_numpy()[usable].view(np.int64)[label[row]]
    tx_time = rows.times[row]
    return FraudEvents(row, tx_time, np.maximum(tx_time, labeled_at))


def known_in_window(
    timeline: Timeline,
    event_keys: I64,
    tx_time: I64,
    known_at: I64,
    width: int,
    weights: Sequence[F64],
) -> list[F64]:
    """Per sorted row (key, t) of `timeline` and per weight: the sum over events of that key with
    tx_time in [t - width, t) and known_at < t (width in microseconds).

    Each event counts for t in (known_at, tx_time + width]; events whose interval is empty drop.
    """
    keep = known_at < tx_time + width
    return timeline.interval_sums(
        event_keys[keep], known_at[keep], tx_time[keep] + width, [w[keep] for w in weights]
    )


def latest_known(timeline: Timeline, event_keys: I64, tx_time: I64, known_at: I64) -> I64:
    """Per sorted row (key, t) of `timeline`: the latest tx_time among the key's events known
    before t, or the smallest int64 when there is none.

    An event is known from the first row of its key after known_at on, so it is placed there and
    a running max per key carries it to every later row of the key.
    """
    none = np.full(timeline.size, np.iinfo(np.int64).min, dtype=np.int64)
    if len(event_keys) == 0 or timeline.size == 0:
        return none
    known_from = timeline.positions(event_keys, known_at + 1)
    # An event known after its key's last row would land on the next key's first row: drop it.
    inside = known_from < timeline.size
    inside[inside] = timeline.keys[known_from[inside]] == event_keys[inside]
    # Times relative to the earliest event, -1 for none, keep the running max's offsets small.
    base = int(tx_time.min())
    placed = np.full(timeline.size, -1, dtype=np.int64)
    np.maximum.at(placed, known_from[inside], tx_time[inside] - base)
    latest = timeline.running_max(placed)
    return np.where(latest >= 0, latest + base, none)
