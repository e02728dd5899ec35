"""Novelty for the account: a merchant, channel or international use it has not shown lately.

"New" means: no transaction of the same account with the same value in [t - 30d, t). Rows where
the value is missing get 0 (nothing is known to be new).

Each check needs the rows grouped by (account, value) in time order. The account timeline's order
already sorts by (account, time); a stable sort of it by the value gives (value, account, time),
so each (account, value) pair is one contiguous run and no second full sort is needed. Rows
without the value are left out first: they are never new, and never make another row not new.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from fraudwatch.features.rows import Columns, Rows
from fraudwatch.features.sorting import order_by_key
from fraudwatch.features.spec import MONTH, micros
from fraudwatch.features.windows import Timeline

I64 = NDArray[np.int64]
Bools = NDArray[np.bool_]


def unseen_pairs(rows: Rows, accounts: Timeline, value: I64 | None, present: Bools) -> Bools:
    """Return, per row, whether the row has the value (`present`) and no earlier row of the same
    account with the same `value` lies in [t - 30d, t). `value` None means one value for all."""
    by_account = accounts.order if present.all() else accounts.order[present[accounts.order]]
    order = by_account if value is None else order_by_key(value, by_account)
    account = rows.account[order]
    new_pair = np.ones(len(order), dtype=bool)
    np.not_equal(account[1:], account[:-1], out=new_pair[1:])
    if value is not None:
        sorted_value = value[order]
        new_pair[1:] |= sorted_value[1:] != sorted_value[:-1]
    unseen = np.zeros(rows.size, dtype=bool)
    unseen[order] = ~seen_within(new_pair, rows.times[order], micros(MONTH))
    return unseen


def seen_within(new_run: Bools, times: I64, width: int) -> Bools:
    """Return, per row of runs in time order (`new_run` marks each run's first row), whether an
    earlier row of its run has a time in [t - width, t)."""
    size = len(times)
    new_time = np.not_equal(times[1:], times[:-1])
    new_time |= new_run[1:]
    # Where each row's block of equal (run, time) begins; the row just before it, if it is of
    # the same run, is the latest strictly earlier row of the run.
    block = np.arange(size)
    block[1:][~new_time] = 0
    np.maximum.accumulate(block, out=block)
    seen = ~new_run[block]
    seen &= times[block - 1] >= times - width
    return seen


def novelty_features(rows: Rows, accounts: Timeline) -> Columns:
    """Return new_merchant_30d, new_channel_30d and new_international_30d per row.

    new_international_30d is 1 for an international transaction when the account made no
    international transaction in [t - 30d, t) (the international flag stands in for a country).
    """
    return {
        "new_merchant_30d": unseen_pairs(rows, accounts, rows.merchant, rows.has_merchant),
        "new_channel_30d": unseen_pairs(rows, accounts, rows.channel, rows.has_channel),
        "new_international_30d": unseen_pairs(rows, accounts, None, rows.international),
    }
