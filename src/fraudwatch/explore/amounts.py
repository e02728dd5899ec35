"""The amounts section: a log-scale histogram and the IQR outlier threshold.

Quartiles use linear interpolation between the closest ranks (NumPy's default `linear`,
Hyndman & Fan type 7, the same as PostgreSQL's `percentile_cont`): for sorted values
x[0..n-1], Q(p) = x[floor(h)] + (h − floor(h)) · (x[floor(h)+1] − x[floor(h)]), h = (n − 1) · p.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl

QUANTILE_METHOD: Final = (
    "linear interpolation between closest ranks (type 7, as numpy/percentile_cont)"
)
HISTOGRAM_BINS: Final = 40


@dataclass(frozen=True)
class AmountOutliers:
    """The IQR rule on transaction_amount: above Q3 + 1.5 · IQR is an outlier."""

    count: int
    q1: float
    q3: float
    iqr: float
    threshold: float
    above: int

    @property
    def share_above(self) -> float:
        """Return the share of amounts strictly above the threshold."""
        return self.above / self.count if self.count else 0.0


@dataclass(frozen=True)
class Histogram:
    """Counts of positive amounts in log-spaced bins [edges[i], edges[i+1]) (last bin closed)."""

    edges: tuple[float, ...]
    counts: tuple[int, ...]
    not_positive: int


def amount_outliers(frame: pl.DataFrame) -> AmountOutliers | None:
    """Return the IQR figures over non-missing amounts, or None when there are none."""
    amounts = frame["transaction_amount"].drop_nulls()
    if amounts.is_empty():
        return None
    q1 = float(amounts.quantile(0.25, interpolation="linear"))  # type: ignore[arg-type]
    q3 = float(amounts.quantile(0.75, interpolation="linear"))  # type: ignore[arg-type]
    iqr = q3 - q1
    threshold = q3 + 1.5 * iqr
    above = int((amounts > threshold).sum())
    return AmountOutliers(amounts.len(), q1, q3, iqr, threshold, above)


def amount_histogram(frame: pl.DataFrame, bins: int = HISTOGRAM_BINS) -> Histogram:
    """Return a histogram of the positive amounts on log-spaced bins.

    Amounts of zero or less cannot sit on a log scale; they are counted in `not_positive`.
    """
    amounts = frame["transaction_amount"].drop_nulls()
    positive = amounts.filter(amounts > 0).to_numpy()
    not_positive = amounts.len() - len(positive)
    if len(positive) == 0:
        return Histogram((), (), not_positive)
    low, high = np.log10(positive.min()), np.log10(positive.max())
    if low == high:
        low, high = low - 0.5, high + 0.5
    edges = np.logspace(low, high, bins + 1)
    counts, _ = np.histogram(positive, bins=edges)
    return Histogram(tuple(float(e) for e in edges), tuple(int(c) for c in counts), not_positive)


def outliers_sentence(outliers: AmountOutliers) -> str:
    """Return the IQR finding in plain words."""
    return (
        f"Half of the amounts lie between {outliers.q1:,.2f} and {outliers.q3:,.2f} "
        f"(IQR {outliers.iqr:,.2f}). By the IQR rule, amounts above Q3 + 1.5 × IQR = "
        f"{outliers.threshold:,.2f} are outliers: {outliers.above:,} of {outliers.count:,} "
        f"transactions ({outliers.share_above:.2%}) are above it."
    )
