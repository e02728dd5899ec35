"""Novelty for the account: a merchant, channel or international use it has not shown lately.

"New" means: no transaction of the same account with the same value in [t - 30d, t). Rows where
the value is missing get 0 (nothing is known to be new).

Each check needs the rows grouped by (account, value) in time order. The account timeline's order
already sorts by (account, time); a stable sort of it by the value gives (value, account, time),
so each (account, value) pair is one contiguous run and no second full sort is needed. The work
happens in the timeline's sorted order, and only the answer is moved back to row order. Rows
without the value are left out first: they are never new, and never make another row not new.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from fraudwatch.features.rows import Columns, Rows
from fraudwatch.features.sorting import stable_argsort
from fraudwatch.features.spec import MONTH, micros
from fraudwatch.features.windows import Timeline

I64 = NDArray[np.int64]
Bools = NDArray[np.bool_]


def unseen_pairs(accounts: Timeline, value: I64 | None, present: Bools) -> Bools:
    """Return, per row of the account timeline's sorted order, whether the row has the value
    (`present`) and no earlier row of the same account with the same `value` lies in
    [t - 30d, t). `value` and `present` are in the sorted order; `value` None means one value
    for all."""
    # Work in the timeline's order, where keys and times are already laid out: grouping it by
    # value reads them in a few forward streams rather than at random.
    picked = None if present.all() else np.flatnonzero(present)
    keys, times = accounts.keys, accounts.times
    if picked is not None:
        keys, times = keys[picked], times[picked]
        value = None if value is None else value[picked]
    position = picked
    if value is not None:
        grouped = stable_argsort(value)
        keys, times, value = keys[grouped], times[grouped], value[grouped]
        position = grouped if picked is None else picked[grouped]
    new_pair = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=new_pair[1:])
    if value is not None:
        new_pair[1:] |= value[1:] != value[:-1]
    unseen = ~seen_within(new_pair, times, micros(MONTH))
    if position is None:
        return unseen
    out = np.zeros(accounts.size, dtype=bool)
    out[position] = unseen
    return out


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
    checks = {
        "new_merchant_30d": (rows.merchant, rows.has_merchant),
        "new_channel_30d": (rows.channel, rows.has_channel),
        "new_international_30d": (None, rows.international),
    }
    return {
        name: accounts.unsort(
            unseen_pairs(
                accounts, None if value is None else accounts.sort(value), accounts.sort(present)
            )
        )
        for name, (value, present) in checks.items()
    }
