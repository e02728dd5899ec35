"""Features of the transaction alone: time of day and week (UTC), amount, flags.

They see nothing but the row itself, so they are the same in any batch.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from fraudwatch.features.rows import Rows
from fraudwatch.features.spec import HIGH_VALUE_AMOUNT

Array = NDArray[np.float64] | NDArray[np.int64]

_US_PER_HOUR: Final = 3_600 * 1_000_000
_US_PER_DAY: Final = 24 * _US_PER_HOUR
_EPOCH_WEEKDAY: Final = 3  # 1970-01-01 was a Thursday (Monday = 0)


def transaction_features(rows: Rows) -> dict[str, Array]:
    """Return hour, late_night, weekend, high_value, the two flags and log_amount per row.

    Timestamps are naive UTC: hour 0-23 UTC; late night is 00:00-05:59; weekend is Saturday or
    Sunday; high value is amount > 5,000; log_amount = ln(1 + |amount|).
    """
    hour = (rows.times // _US_PER_HOUR) % 24
    weekday = (rows.times // _US_PER_DAY + _EPOCH_WEEKDAY) % 7
    data = rows.data
    return {
        "hour": hour.astype(np.int64),
        "late_night": (hour < 6).astype(np.int64),
        "weekend": (weekday >= 5).astype(np.int64),
        "high_value": (rows.amounts > HIGH_VALUE_AMOUNT).astype(np.int64),
        "is_international": data.get_column("is_international").to_numpy().astype(np.int64),
        "reversal_flag": data.get_column("reversal_flag").to_numpy().astype(np.int64),
        "log_amount": np.log1p(np.abs(rows.amounts)),
    }
