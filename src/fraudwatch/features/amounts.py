"""Account velocity and the customer's amount profile: counts, sums, mean, std and z-score.

All windows are [t - w, t): transactions strictly before t. Amounts are centred on the first
amount of each key before sums of squares are taken, so a key whose past amounts are all equal
gets a variance of exactly 0 (and no catastrophic cancellation in general).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from numpy.typing import NDArray

from fraudwatch.features.rows import Columns, Rows
from fraudwatch.features.spec import DAY, HOUR, MONTH, STD_FLOOR, micros
from fraudwatch.features.windows import Timeline

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
I32 = NDArray[np.int32]


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
    ordered = timeline.sort(amounts)
    reference = ordered[timeline.starts]
    ordered -= reference
    return ordered, reference


def window_sums(timeline: Timeline, centred: F64, width: timedelta) -> CentredSums:
    """Return the `CentredSums` of every sorted row over its key's rows in [t - width, t)."""
    span = micros(width)
    count = timeline.before - timeline.since(span)
    squares = centred * centred
    return CentredSums(
        count=count.astype(np.float64),
        total=timeline.window_sum(timeline.prefix(centred), span),
        squares=timeline.window_sum(timeline.prefix(squares), span),
        own=centred,
    )


def mean_std_z(sums: CentredSums) -> tuple[F64, F64, F64]:
    """Return the centred mean, the sample std and the z-score of the row's own amount.

    Fewer than 2 earlier amounts: std 0 and z 0; none: mean 0 (the centred mean is then 0 too,
    so callers add the reference only where count > 0). z = (amount - mean) / max(std, 1.0).
    Consumes `sums`: its total, squares and own amounts are overwritten (count is kept).
    """
    count, total, squares, own = sums.count, sums.total, sums.squares, sums.own
    several = count > 1
    # In place where possible: on a million rows each fresh array costs as much as the math.
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / count
        mean[~(count > 0)] = 0.0
        deviation = np.multiply(total, mean, out=total)
        np.subtract(squares, deviation, out=deviation)
        np.maximum(deviation, 0.0, out=deviation)
        std = np.divide(deviation, np.subtract(count, 1, out=squares), out=deviation)
    std[~several] = 0.0
    np.sqrt(std, out=std)
    z = np.subtract(own, mean, out=own)
    z /= np.maximum(std, STD_FLOOR, out=squares)
    z[~several] = 0.0
    return mean, std, z


def velocity_features(rows: Rows, accounts: Timeline) -> Columns:
    """Return the account's transaction count and amount sum in [t-1h, t) and [t-24h, t)."""
    amounts = accounts.sort(rows.amounts)
    prefix = accounts.prefix(amounts)
    out: Columns = {}
    for label, width in (("1h", HOUR), ("24h", DAY)):
        count = accounts.before - accounts.since(micros(width))
        out[f"account_tx_count_{label}"] = accounts.unsort(count.astype(np.int32))
        sums = accounts.window_sum(prefix, micros(width))
        out[f"account_amount_{label}"] = accounts.unsort(sums)
    return out


def customer_features(rows: Rows, customers: Timeline) -> tuple[Columns, F64]:
    """Return count, mean, std and z-score of the customer's amounts in [t-30d, t), and the
    z-score of every row (not only the wanted ones: the account's anomalous share reads them).

    The customer is the account's dim_account.customer_key, or the account itself without one;
    the z-score uses the std floor and is 0 with fewer than 2 earlier transactions.
    """
    centred, reference = centred_amounts(customers, rows.amounts)
    sums = window_sums(customers, centred, MONTH)
    mean, std, z = mean_std_z(sums)
    mean += reference
    mean[~(sums.count > 0)] = 0.0
    every_z = customers.unsort(z, all_rows=True)
    columns: Columns = {
        "customer_tx_count_30d": customers.unsort(sums.count.astype(np.int32)),
        "customer_amount_mean_30d": customers.unsort(mean),
        "customer_amount_std_30d": customers.unsort(std),
        "customer_amount_zscore_30d": every_z[: customers.outputs],
    }
    return columns, every_z
