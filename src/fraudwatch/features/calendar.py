"""Features of the transaction alone: time of day and week (UTC), amount, flags.

They see nothing but the row itself, so they are the same in any batch.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from fraudwatch.features.rows import Columns, Rows
from fraudwatch.features.spec import HIGH_VALUE_AMOUNT

_US_PER_HOUR: Final = 3_600 * 1_000_000
_US_PER_DAY: Final = 24 * _US_PER_HOUR
_EPOCH_WEEKDAY: Final = 3  # 1970-01-01 was a Thursday (Monday = 0)


def transaction_features(rows: Rows) -> Columns:
    """Return hour, late_night, weekend, high_value, the two flags and log_amount per wanted row.

    Timestamps are naive UTC: hour 0-23 UTC; late night is 00:00-05:59; weekend is Saturday or
    Sunday; high value is amount > 5,000; log_amount = ln(1 + |amount|).
    """
    wanted = rows.targets
    times, amounts = rows.times[:wanted], rows.amounts[:wanted]
    hour = (times // _US_PER_HOUR) % 24
    days = times // _US_PER_DAY
    days += _EPOCH_WEEKDAY
    days %= 7
    return {
        "hour": hour,
        "late_night": hour < 6,
        "weekend": days >= 5,
        "high_value": amounts > HIGH_VALUE_AMOUNT,
        "is_international": rows.international[:wanted],
        "reversal_flag": rows.flag("reversal_flag")[:wanted],
        "log_amount": np.log1p(np.abs(amounts)),
    }
