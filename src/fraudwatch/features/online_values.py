"""One transaction's feature values from its keys' logs (`features.online`).

Each follows its builder in the pipeline: windows [t - w, t), the std floor, the fills. Window
moments are taken in two passes over the window, centred on its first amount (see
`moments`).
"""

from __future__ import annotations

import bisect
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from fraudwatch.features.encoders import UNSEEN_CODE, Encoders
from fraudwatch.features.online_logs import Log, Profile, Row
from fraudwatch.features.spec import (
    ANOMALY_Z,
    DAY,
    FEATURES_BY_NAME,
    HIGH_VALUE_AMOUNT,
    HOUR,
    MONTH,
    STD_FLOOR,
    micros,
)

_US_PER_HOUR: Final = micros(HOUR)
_US_PER_DAY: Final = micros(DAY)
_MONTH: Final = micros(MONTH)
_EPOCH_WEEKDAY: Final = 3  # 1970-01-01 was a Thursday (Monday = 0)
FILL: Final = {name: float(feature.fill) for name, feature in FEATURES_BY_NAME.items()}


@dataclass(frozen=True)
class Amounts:
    """A customer's rows in [t - LOOKBACK, t), in time order: their times and amounts."""

    times: list[int]
    amounts: list[float]


def moments(amounts: Sequence[float]) -> tuple[float, float, float]:
    """Return the count, mean and sample std of `amounts` (std 0 with fewer than 2, mean 0
    with none), as the pipeline defines them.

    The sums are centred on the first amount, so equal amounts have a std of exactly 0, and
    taken in two passes (mean, then squared deviations), so amounts far from the window's (the
    pipeline centres on the key's first amount, which can be anything) cost no digits.
    """
    count = len(amounts)
    if count == 0:
        return 0.0, 0.0, 0.0
    reference = amounts[0]
    centred = [a - reference for a in amounts]
    mean = sum(centred) / count
    if count == 1:
        return 1.0, reference + mean, 0.0
    deviations = [c - mean for c in centred]
    variance = sum(map(operator.mul, deviations, deviations)) / (count - 1)
    return float(count), reference + mean, math.sqrt(variance)


def z_score(amounts: Sequence[float], own: float) -> float:
    """Return the z-score of `own` against `amounts` (see `z_of`)."""
    return z_of(moments(amounts), own)


def z_of(moments: tuple[float, float, float], own: float) -> float:
    """Return (own - mean) / max(std, 1) for (count, mean, std), or 0 with fewer than 2."""
    count, mean, std = moments
    return (own - mean) / max(std, STD_FLOOR) if count > 1 else 0.0


def customer_features(row: Row, customer: Amounts) -> dict[str, float]:
    """Return count, mean, std and z-score of the customer's amounts in [t - 30 d, t)."""
    lo = bisect.bisect_left(customer.times, row.time - _MONTH)
    window = moments(customer.amounts[lo:])
    count, mean, std = window
    return {
        "customer_tx_count_30d": count,
        "customer_amount_mean_30d": mean,
        "customer_amount_std_30d": std,
        "customer_amount_zscore_30d": z_of(window, row.amount),
    }


def anomalous_share(t: int, account: Log, first: int, end: int, customer: Amounts) -> float:
    """Return the share of the account's rows in [t - 24 h, t) (positions `first`..`end` of
    its log hold its lookback) whose own customer z-score had |z| > 3 (none: 0)."""
    day_start = bisect.bisect_left(account.times, t - _US_PER_DAY, first, end)
    if day_start == end:
        return 0.0
    anomalous = 0
    for time, amount in zip(
        account.times[day_start:end], account.amounts[day_start:end], strict=True
    ):
        # The customer's rows in [time - 30 d, time), as that row's own z-score saw them.
        lo = bisect.bisect_left(customer.times, time - _MONTH)
        hi = bisect.bisect_left(customer.times, time, lo)
        anomalous += abs(z_score(customer.amounts[lo:hi], amount)) > ANOMALY_Z
    return anomalous / (end - day_start)


def velocity(row: Row, account: Log) -> dict[str, float]:
    """Return the account's count and amount sum in [t - 1 h, t) and [t - 24 h, t)."""
    times = account.times
    end = bisect.bisect_left(times, row.time)
    out: dict[str, float] = {}
    for label, width in (("1h", _US_PER_HOUR), ("24h", _US_PER_DAY)):
        lo = bisect.bisect_left(times, row.time - width, 0, end)
        out[f"account_tx_count_{label}"] = float(end - lo)
        out[f"account_amount_{label}"] = sum(account.amounts[lo:end])
    return out


def novelty(row: Row, account: Log) -> dict[str, float]:
    """Return whether the merchant, channel or international use is new to the account in
    [t - 30 d, t) (a missing value is never new)."""
    times = account.times
    end = bisect.bisect_left(times, row.time)
    lo = bisect.bisect_left(times, row.time - _MONTH, 0, end)
    merchants = set(account.merchants[lo:end])
    channels = set(account.channels[lo:end])
    international_before = any(account.international[lo:end])
    return {
        "new_merchant_30d": float(row.merchant is not None and row.merchant not in merchants),
        "new_channel_30d": float(row.channel is not None and row.channel not in channels),
        "new_international_30d": float(row.international and not international_before),
    }


def transaction_features(row: Row) -> dict[str, float]:
    """Return the features of the transaction alone (`calendar.transaction_features`)."""
    hour = (row.time // _US_PER_HOUR) % 24
    weekday = (row.time // _US_PER_DAY + _EPOCH_WEEKDAY) % 7
    return {
        "hour": float(hour),
        "late_night": float(hour < 6),
        "weekend": float(weekday >= 5),
        "high_value": float(row.amount > HIGH_VALUE_AMOUNT),
        "is_international": float(row.international),
        "reversal_flag": float(row.reversal),
        "log_amount": math.log1p(abs(row.amount)),
    }


def encodings(row: Row, encoders: Encoders) -> dict[str, float]:
    """Return the channel and transaction type codes (1..k in the vocabulary, else 0)."""

    def code(vocabulary: tuple[str, ...], value: str | None) -> float:
        if value is None or value not in vocabulary:
            return float(UNSEEN_CODE)
        return float(vocabulary.index(value) + 1)

    return {
        "channel_code": code(encoders.channels, row.channel),
        "transaction_type_code": code(encoders.transaction_types, row.transaction_type),
    }


def profile_features(row: Row, profile: Profile | None) -> dict[str, float]:
    """Return credit score, tenure in days (clipped at 0), risk code and profile_missing."""
    if profile is None:
        profile = Profile(None, math.nan, math.nan, math.nan)
    tenure = max((row.time - profile.customer_since) / _US_PER_DAY, 0.0)

    def filled(name: str, value: float) -> float:
        return FILL[name] if math.isnan(value) else value

    return {
        "credit_score": filled("credit_score", profile.credit_score),
        "tenure_days": filled("tenure_days", tenure),
        "risk_rating_code": filled("risk_rating_code", profile.risk_rating),
        "profile_missing": float(profile.missing),
    }
