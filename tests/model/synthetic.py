"""A seeded synthetic features frame with a learnable fraud signal, for model tests."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl

from fraudwatch.model.dataset import Dataset, labelled_dataset
from fraudwatch.model.split import TimeSplit, plan_split

START = datetime(2026, 1, 1)
FEATURES = [
    "hour",
    "transaction_amount",
    "txn_count_1h",
    "amount_sum_24h",
    "amount_zscore",
    "channel_code",
    "is_international",
    "credit_score",
]


def synthetic_frames(
    rows: int = 20_000, days: int = 40, seed: int = 0, fraud_rate: float = 0.02
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (features, labels): fraud mostly shows in the 1 h count and the amount z-score.

    Each fraud is labelled `labeled_at` = its timestamp + 1–5 days.
    """
    rng = np.random.default_rng(seed)
    offsets = np.sort(rng.uniform(0, days * 86_400, rows))
    timestamps = [START + timedelta(seconds=float(s)) for s in offsets]
    fraud = rng.random(rows) < fraud_rate
    count_1h = rng.poisson(1.0, rows) + fraud * rng.poisson(4.0, rows)
    zscore = rng.normal(0, 1, rows) + fraud * rng.normal(2.5, 1, rows)
    amount = np.exp(rng.normal(4, 1, rows)) * (1 + fraud * rng.random(rows))
    features = pl.DataFrame(
        {
            "transaction_id": [f"t{i:07d}" for i in range(rows)],
            "transaction_timestamp": timestamps,
            "hour": [t.hour for t in timestamps],
            "transaction_amount": amount,
            "txn_count_1h": count_1h.astype(float),
            "amount_sum_24h": amount * (1 + count_1h),
            "amount_zscore": zscore,
            "channel_code": rng.integers(0, 5, rows).astype(float),
            "is_international": (rng.random(rows) < 0.05 + 0.2 * fraud).astype(float),
            "credit_score": rng.normal(700, 50, rows),
        }
    ).with_columns(pl.col("transaction_timestamp").cast(pl.Datetime("us")))
    delays = rng.uniform(1, 5, rows)
    labels = pl.DataFrame(
        {
            "transaction_id": features["transaction_id"].filter(pl.Series(fraud)),
            "is_fraud": [True] * int(fraud.sum()),
            "source": ["chargeback"] * int(fraud.sum()),
            "labeled_at": [
                t + timedelta(days=float(d))
                for t, d, f in zip(timestamps, delays, fraud, strict=True)
                if f
            ],
        }
    ).with_columns(pl.col("labeled_at").cast(pl.Datetime("us")))
    return features, labels


def synthetic_dataset(
    rows: int = 20_000, seed: int = 0, split: TimeSplit | None = None, gap_days: int = 3
) -> Dataset:
    """Return a labelled Dataset over the synthetic frames with windows planned from the data."""
    features, labels = synthetic_frames(rows=rows, seed=seed)
    ts = features["transaction_timestamp"]
    split = split or plan_split(ts.min(), ts.max(), gap=timedelta(days=gap_days))  # type: ignore[arg-type]
    return labelled_dataset(features, FEATURES, labels, split, {"kind": "synthetic"})
