"""The merchant's fraud record as known at t: frauds labelled before t, in windows before t.

A label counts for a transaction at t only when its own transaction is before t (in the window)
and its labeled_at is before t. Rows without a merchant get the fill values.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from fraudwatch.features.label_events import FraudEvents, known_in_window, latest_known
from fraudwatch.features.rows import Columns, Rows
from fraudwatch.features.spec import DAY, FEATURES, FEATURES_BY_NAME, MONTH, WEEK, micros
from fraudwatch.features.windows import Timeline

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

_US_PER_DAY: Final = micros(DAY)
_NAMES: Final = tuple(f.name for f in FEATURES if f.source == "merchant")


def _fraud_days(merchants: Timeline, merchant: I64, tx_time: I64, known_at: I64) -> F64:
    """Distinct calendar dates (UTC) in the 30 dates ending on t's date with a known fraud."""
    day = tx_time - tx_time % _US_PER_DAY
    # One event per (merchant, date): the date counts from when its first fraud became known.
    order = np.lexsort((known_at, day, merchant))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (merchant[order][1:] != merchant[order][:-1]) | (day[order][1:] != day[order][:-1])
    kept = order[first]
    # A date d counts for t on dates d..d+29, from when its first fraud there became known.
    return known_in_window(
        merchants,
        merchant[kept],
        day[kept],
        known_at[kept],
        micros(MONTH) - 1,
        [np.ones(len(kept))],
    )[0]


def merchant_features(rows: Rows, events: FraudEvents) -> Columns:
    """Return known-fraud counts and rates (7d, 30d), days since the last known fraud (capped at
    30, the fill) and distinct fraud dates in 30 days, per row, from labels known before t.

    rate = known frauds / the merchant's transactions in the same window (0 when none).
    """
    with_merchant = rows.has_merchant[events.rows]
    if not with_merchant.any():
        # No known fraud at any merchant: every row takes every fill, no timeline needed.
        return {name: np.full(rows.targets, FEATURES_BY_NAME[name].fill) for name in _NAMES}
    merchants = rows.timeline(rows.merchant)
    event_keys = rows.merchant[events.rows][with_merchant]
    tx_time = events.tx_time[with_merchant]
    known_at = events.known_at[with_merchant]
    ones = np.ones(len(event_keys))
    out: Columns = {}
    for label, width in (("7d", WEEK), ("30d", MONTH)):
        count = merchants.before - merchants.since(micros(width))
        (frauds,) = known_in_window(merchants, event_keys, tx_time, known_at, micros(width), [ones])
        out[f"merchant_known_frauds_{label}"] = np.rint(frauds).astype(np.int32)
        with np.errstate(divide="ignore", invalid="ignore"):
            frauds /= count
        frauds[count == 0] = 0.0
        out[f"merchant_fraud_rate_{label}"] = frauds
    out["merchant_days_since_fraud"] = _days_since_fraud(merchants, event_keys, tx_time, known_at)
    fraud_days = _fraud_days(merchants, event_keys, tx_time, known_at)
    out["merchant_fraud_days_30d"] = np.rint(fraud_days).astype(np.int32)
    has_merchant = merchants.sort(rows.has_merchant)
    if has_merchant.all():
        return {name: merchants.unsort(values) for name, values in out.items()}
    return {
        name: merchants.unsort(_where(has_merchant, name, values)) for name, values in out.items()
    }


def _days_since_fraud(merchants: Timeline, event_keys: I64, tx_time: I64, known_at: I64) -> F64:
    """Per sorted row: days from the merchant's latest fraud known before t, if within 30 days,
    to t; else the cap (30)."""
    times = merchants.times
    latest = latest_known(merchants, event_keys, tx_time, known_at)
    older = latest < times - micros(MONTH)
    # Rows without a recent fraud measure from themselves (never from the "none" sentinel).
    np.copyto(latest, times, where=older)
    days = (times - latest) / _US_PER_DAY
    days[older] = FEATURES_BY_NAME["merchant_days_since_fraud"].fill
    return days


def _where(has_merchant: NDArray[np.bool_], name: str, values: NDArray[Any]) -> NDArray[Any]:
    """Return `values` where the row has a merchant, the feature's fill elsewhere."""
    filled = np.where(has_merchant, values, FEATURES_BY_NAME[name].fill)
    return filled.astype(values.dtype)
