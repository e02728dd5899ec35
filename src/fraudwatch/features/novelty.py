"""Novelty for the account: a merchant, channel or international use it has not shown lately.

"New" means: no transaction of the same account with the same value in [t - 30d, t). Rows where
the value is missing get 0 (nothing is known to be new).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from fraudwatch.features.amounts import micros
from fraudwatch.features.rows import Rows, dense_codes
from fraudwatch.features.spec import MONTH
from fraudwatch.features.windows import Timeline, dense, fits_composite

I64 = NDArray[np.int64]
Bools = NDArray[np.bool_]


def pair_codes(first: I64, second: I64, times: I64) -> I64:
    """Return one key per (first, second) pair, renumbered densely when the raw product of the
    two code ranges would not fit a `Timeline`'s fast sort."""
    width = int(second.max(initial=0)) + 1
    combined = first * width + second
    if fits_composite((int(first.max(initial=0)) + 1) * width, times):
        return combined
    return dense(combined)


def _unseen(rows: Rows, pair: I64) -> Bools:
    """Return, per row, whether no earlier row of the same pair lies in [t - 30d, t)."""
    timeline = Timeline(pair, rows.times)
    result: Bools = timeline.unsort(~timeline.has_previous_within(micros(MONTH)))
    return result


def novelty_features(rows: Rows) -> dict[str, I64]:
    """Return new_merchant_30d, new_channel_30d and new_international_30d per row.

    new_international_30d is 1 for an international transaction when the account made no
    international transaction in [t - 30d, t) (the international flag stands in for a country).
    """
    channel, _ = dense_codes(rows.data.get_column("channel_name"))
    has_channel = rows.data.get_column("channel_name").is_not_null().to_numpy()
    international = rows.data.get_column("is_international").to_numpy().astype(np.int64)
    new_merchant = (
        _unseen(rows, pair_codes(rows.account, rows.merchant, rows.times)) & rows.has_merchant
    )
    new_channel = _unseen(rows, pair_codes(rows.account, channel, rows.times)) & has_channel
    new_abroad = _unseen(rows, pair_codes(rows.account, international, rows.times)) & (
        international == 1
    )
    return {
        "new_merchant_30d": new_merchant.astype(np.int64),
        "new_channel_30d": new_channel.astype(np.int64),
        "new_international_30d": new_abroad.astype(np.int64),
    }
