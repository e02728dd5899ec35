"""Account velocity and the customer's amount profile: counts, sums, mean, std and z-score.

All windows are [t - w, t): transactions strictly before t. Amounts are centred on the first
amount of each key before sums of squares are taken, so a key whose past amounts are all equal
gets a variance of exactly 0 (and no catastrophic cancellation in general).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import numpy as np
from numpy.typing import NDArray

from fraudwatch.features.rows import Rows
from fraudwatch.features.spec import DAY, HOUR, MONTH, STD_FLOOR
from fraudwatch.features.windows import Timeline

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Array = F64 | I64

_US: Final = timedelta(microseconds=1)


def micros(width: timedelta) -> int:
    """Return `width` in whole microseconds."""
    return width // _US


@dataclass(frozen=True)
class CentredSums:
    """Per sorted row of a timeline: count, sum and sum of squares of centred amounts in a window,
    plus the row's own centred amount. Amounts are centred on their key's first amount."""

    count: F64
    total: F64
    squares: F64
    own: F64


def centred_amounts(timeline: Timeline, amounts: F64) -> tuple[F64, F64]:
    """Return (amount - key's first amount, key's first amount) in the timeline's sorted order."""
    ordered = np.asarray(timeline.sort(amounts), dtype=np.float64)
    reference = ordered[timeline.starts]
    return ordered - reference, reference


def window_sums(timeline: Timeline, centred: F64, width: timedelta) -> CentredSums:
    """Return the `CentredSums` of every sorted row over its key's rows in [t - width, t)."""
    lo, hi = timeline.since(micros(width)), timeline.before
    squares = centred * centred
    return CentredSums(
        count=(hi - lo).astype(np.float64),
        total=timeline.range_sum(centred, timeline.prefix(centred), lo, hi),
        squares=timeline.range_sum(squares, timeline.prefix(squares), lo, hi),
        own=centred,
    )


def mean_std_z(sums: CentredSums) -> tuple[F64, F64, F64]:
    """Return the centred mean, the sample std and the z-score of the row's own amount.

    Fewer than 2 earlier amounts: std 0 and z 0; none: mean 0 (the centred mean is then 0 too,
    so callers add the reference only where count > 0). z = (amount - mean) / max(std, 1.0).
    """
    count = sums.count
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(count > 0, sums.total / count, 0.0)
        deviation = np.maximum(sums.squares - sums.total * mean, 0.0)
        variance = np.where(count > 1, deviation / (count - 1), 0.0)
    std = np.sqrt(variance)
    z = np.where(count > 1, (sums.own - mean) / np.maximum(std, STD_FLOOR), 0.0)
    return mean, std, z


def velocity_features(rows: Rows, accounts: Timeline) -> dict[str, Array]:
    """Return the account's transaction count and amount sum in [t-1h, t) and [t-24h, t)."""
    amounts = np.asarray(accounts.sort(rows.amounts), dtype=np.float64)
    prefix = accounts.prefix(amounts)
    out: dict[str, Array] = {}
    for label, width in (("1h", HOUR), ("24h", DAY)):
        lo = accounts.since(micros(width))
        out[f"account_tx_count_{label}"] = accounts.unsort(accounts.before - lo)
        sums = accounts.range_sum(amounts, prefix, lo, accounts.before)
        out[f"account_amount_{label}"] = accounts.unsort(sums)
    return out


def customer_features(rows: Rows, customers: Timeline) -> dict[str, Array]:
    """Return count, mean, std and z-score of the customer's amounts in [t-30d, t).

    The customer is the account's dim_account.customer_key, or the account itself without one;
    the z-score uses the std floor and is 0 with fewer than 2 earlier transactions.
    """
    centred, reference = centred_amounts(customers, rows.amounts)
    sums = window_sums(customers, centred, MONTH)
    mean, std, z = mean_std_z(sums)
    return {
        "customer_tx_count_30d": customers.unsort(sums.count.astype(np.int64)),
        "customer_amount_mean_30d": customers.unsort(
            np.where(sums.count > 0, reference + mean, 0.0)
        ),
        "customer_amount_std_30d": customers.unsort(std),
        "customer_amount_zscore_30d": customers.unsort(z),
    }
