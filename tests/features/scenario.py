"""Small seeded data with every awkward case: ties, boundaries, shared customers, missing
profiles, null merchants and channels, labels known before, at and after later transactions."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from fraudwatch.features import FEATURE_COLUMNS, FeatureInputs
from fraudwatch.features.inputs import FEATURE_LABEL_SCHEMA, PROFILE_SCHEMA
from fraudwatch.schemas import CHANNELS, TRANSACTION_SCHEMA, TRANSACTION_TYPES

START = datetime(2026, 1, 5, 0, 0, 0)
SLOT = timedelta(minutes=15)  # a coarse grid: ties and exact window boundaries happen often


@dataclass(frozen=True)
class Scenario:
    """Transactions (time order), profiles and labels of one seeded world."""

    transactions: pl.DataFrame
    profiles: pl.DataFrame
    labels: pl.DataFrame

    def inputs(self, transactions: pl.DataFrame | None = None) -> FeatureInputs:
        """Return inputs for `transactions` (default all) with everything else as history."""
        rows = self.transactions if transactions is None else transactions
        return FeatureInputs(rows, self.transactions, self.profiles, self.labels)


def make_scenario(n: int = 300, seed: int = 7, days: int = 40, accounts: int = 8) -> Scenario:
    """Return a seeded scenario of `n` transactions over `days` days."""
    rng = random.Random(seed)
    slots = sorted(rng.randrange(days * 96) for _ in range(n))
    times = [START + s * SLOT for s in slots]
    for i in range(5, n, 37):  # some exact ties on the same account
        times[i] = times[i - 1]
    names = [f"AC{i:03d}" for i in range(accounts)]
    account = [rng.choice(names) for _ in range(n)]
    for i in range(5, n, 37):
        account[i] = account[i - 1]
    amounts = [
        round(rng.uniform(5, 500), 2) if rng.random() > 0.05 else round(rng.uniform(6e3, 9e3), 2)
        for _ in range(n)
    ]
    frame = pl.DataFrame(
        {
            "transaction_id": [f"t{i:04d}" for i in range(n)],
            "account_number": account,
            "transaction_post_date": [t.date() for t in times],
            "transaction_timestamp": times,
            "transaction_type": [rng.choice(TRANSACTION_TYPES[:4]) for _ in range(n)],
            "transaction_description": [None] * n,
            "transaction_amount": amounts,
            "channel_name": [
                None
                if rng.random() < 0.05
                else rng.choice(CHANNELS[:3] if rng.random() < 0.9 else CHANNELS)
                for _ in range(n)
            ],
            "merchant_name": [
                None if rng.random() < 0.1 else f"M{rng.randrange(8)}" for _ in range(n)
            ],
            "merchant_category_code": [None] * n,
            "is_international": [rng.random() < 0.15 for _ in range(n)],
            "reversal_flag": [rng.random() < 0.05 for _ in range(n)],
        },
        schema=TRANSACTION_SCHEMA,
    )
    return Scenario(frame, _profiles(names), _labels(frame, rng))


def _profiles(names: list[str]) -> pl.DataFrame:
    # AC000/AC001 share customer C0, AC002/AC003 share C1; AC006 has a customer without a
    # dim_customer row; AC007 has no profile at all.
    rows = [
        (names[0], "C0", 700, date(2015, 3, 1), "LOW", "US"),
        (names[1], "C0", 700, date(2015, 3, 1), "LOW", "US"),
        (names[2], "C1", 580, date(2025, 12, 20), " medium", "GB"),
        (names[3], "C1", 580, date(2025, 12, 20), " medium", "GB"),
        (names[4], "C2", None, date(2026, 1, 20), "HIGH", None),
        (names[5], "C3", 810, None, "weird", "US"),
        (names[6], "C4", None, None, None, None),
    ]
    return pl.DataFrame(rows, schema=PROFILE_SCHEMA, orient="row")


def _labels(frame: pl.DataFrame, rng: random.Random) -> pl.DataFrame:
    times = frame["transaction_timestamp"].to_list()
    ids = frame["transaction_id"].to_list()
    rows = []
    for i in sorted(rng.sample(range(len(ids)), min(60, len(ids) // 5))):
        choice = rng.random()
        if choice < 0.25:  # labelled exactly at some other transaction's time (boundary)
            labeled = times[min(len(times) - 1, i + rng.randrange(1, 30))]
        elif choice < 0.35:  # labelled before its own transaction (bad data, still handled)
            labeled = times[i] - timedelta(hours=rng.randrange(1, 5))
        else:
            labeled = times[i] + timedelta(hours=rng.uniform(0.1, 24 * 12))
        rows.append((ids[i], rng.random() < 0.85, labeled))
    return pl.DataFrame(rows, schema=FEATURE_LABEL_SCHEMA, orient="row")


def assert_features_equal(actual: pl.DataFrame, expected: pl.DataFrame) -> None:
    """Assert the same ids in the same order and every feature equal (floats to 1e-9)."""
    assert actual["transaction_id"].to_list() == expected["transaction_id"].to_list()
    for name in FEATURE_COLUMNS:
        a = actual[name].cast(pl.Float64).to_numpy()
        e = expected[name].cast(pl.Float64).to_numpy()
        bad = ~np.isclose(a, e, rtol=1e-9, atol=1e-6)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise AssertionError(
                f"{name}: {int(bad.sum())} rows differ; first {actual['transaction_id'][i]}: "
                f"{a[i]!r} != {e[i]!r}"
            )
