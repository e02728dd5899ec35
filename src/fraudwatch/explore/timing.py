"""The time section: volume by hour and weekday, fraud share by hour, and the late-night test.

Late night is 00:00–05:59 UTC and daytime is the rest (06:00–23:59). Fraud share is the share
of transactions labelled fraud (unlabelled counts as not known to be fraud). The two shares are
compared with a two-sided, pooled two-proportion z-test, which is the same test as Pearson's
chi-square on the 2×2 table without continuity correction (z² = χ²).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import polars as pl
from scipy import stats

LATE_NIGHT_HOURS: Final = range(0, 6)
WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SIGNIFICANCE: Final = 0.05


@dataclass(frozen=True)
class HourRow:
    """One hour of the day (UTC): transactions and those labelled fraud."""

    hour: int
    transactions: int
    fraud: int

    @property
    def fraud_share(self) -> float | None:
        """Return fraud / transactions, or None for an hour without transactions."""
        return self.fraud / self.transactions if self.transactions else None


@dataclass(frozen=True)
class LateNightTest:
    """Late-night against daytime fraud share, with the z-test's statistic and p-value.

    `z` and `p_value` are None when the test cannot be computed (a group is empty, or no
    transaction or every transaction is fraud, so the shares have no variance).
    """

    night_transactions: int
    night_fraud: int
    day_transactions: int
    day_fraud: int
    z: float | None
    p_value: float | None

    @property
    def night_share(self) -> float | None:
        """Return the late-night fraud share (None without late-night transactions)."""
        return self.night_fraud / self.night_transactions if self.night_transactions else None

    @property
    def day_share(self) -> float | None:
        """Return the daytime fraud share (None without daytime transactions)."""
        return self.day_fraud / self.day_transactions if self.day_transactions else None

    @property
    def significant(self) -> bool:
        """Return True when the difference is significant at the 5% level."""
        return self.p_value is not None and self.p_value < SIGNIFICANCE


def by_hour(frame: pl.DataFrame) -> tuple[HourRow, ...]:
    """Return all 24 hours (UTC) in order, with zero rows where nothing happened."""
    counts = (
        frame.filter(pl.col("transaction_timestamp").is_not_null())
        .group_by(pl.col("transaction_timestamp").dt.hour().cast(pl.Int64).alias("hour"))
        .agg(pl.len().alias("n"), (pl.col("is_fraud") == True).sum().alias("fraud"))  # noqa: E712
    )
    found = {int(h): (int(n), int(f or 0)) for h, n, f in counts.iter_rows()}
    return tuple(HourRow(h, *found.get(h, (0, 0))) for h in range(24))


def by_weekday(frame: pl.DataFrame) -> tuple[tuple[str, int], ...]:
    """Return (weekday name, transactions) for Monday..Sunday (UTC), zero where none."""
    counts = (
        frame.filter(pl.col("transaction_timestamp").is_not_null())
        .group_by(pl.col("transaction_timestamp").dt.weekday().cast(pl.Int64).alias("day"))
        .len()
    )
    found = {int(d): int(n) for d, n in counts.iter_rows()}
    return tuple((name, found.get(i + 1, 0)) for i, name in enumerate(WEEKDAYS))


def late_night_test(hours: tuple[HourRow, ...]) -> LateNightTest:
    """Return the late-night (00:00–05:59) vs daytime fraud-share comparison."""
    night = [row for row in hours if row.hour in LATE_NIGHT_HOURS]
    day = [row for row in hours if row.hour not in LATE_NIGHT_HOURS]
    n1, x1 = sum(r.transactions for r in night), sum(r.fraud for r in night)
    n2, x2 = sum(r.transactions for r in day), sum(r.fraud for r in day)
    z, p_value = two_proportion_z_test(x1, n1, x2, n2)
    return LateNightTest(n1, x1, n2, x2, z, p_value)


def two_proportion_z_test(x1: int, n1: int, x2: int, n2: int) -> tuple[float | None, float | None]:
    """Return (z, two-sided p) of the pooled z-test of x1/n1 against x2/n2, or (None, None).

    >>> z, p = two_proportion_z_test(30, 100, 10, 100)
    >>> round(z, 3), round(p, 5)
    (3.536, 0.00041)
    """
    if n1 == 0 or n2 == 0:
        return None, None
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return None, None
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    return z, float(2 * stats.norm.sf(abs(z)))


def late_night_sentence(test: LateNightTest) -> str:
    """Return the late-night finding in plain words."""
    if test.night_share is None or test.day_share is None or test.p_value is None:
        return (
            "The late-night and daytime fraud shares cannot be compared: "
            "one of the groups has no transactions, or the shares have no variance."
        )
    verdict = (
        "This difference is statistically significant at the 5% level"
        if test.significant
        else "This difference is not statistically significant at the 5% level"
    )
    return (
        f"Late at night (00:00–05:59 UTC) {test.night_share:.2%} of {test.night_transactions:,} "
        f"transactions are labelled fraud, against {test.day_share:.2%} of "
        f"{test.day_transactions:,} during the day (06:00–23:59). {verdict} "
        f"(two-proportion z-test, z = {test.z:.2f}, p = {format_p(test.p_value)})."
    )


def format_p(p: float) -> str:
    """Return a p-value for reading: four decimals, or scientific notation below 0.0001."""
    return f"{p:.4f}" if p >= 1e-4 else f"{p:.2e}"
