"""Small, seeded frames for tests: valid by construction, the same for the same seed."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import polars as pl

from fraudwatch.schemas import CHANNELS, TRANSACTION_SCHEMA, TRANSACTION_TYPES
from fraudwatch.warehouse import SCORE_SCHEMA

DEFAULT_START = datetime(2026, 1, 5, 8, 0, 0)


def make_transactions(
    n: int,
    seed: int = 0,
    start: datetime = DEFAULT_START,
    *,
    id_prefix: str = "tx",
    first_id: int = 0,
    accounts: int = 20,
) -> pl.DataFrame:
    """Return `n` valid transactions with `TRANSACTION_SCHEMA`, ids `{id_prefix}{first_id + i:09d}`.

    Timestamps increase from `start` by a seeded 1–120 s step and carry microseconds; optional
    text columns are sometimes null. Same arguments, same frame.
    """
    rng = random.Random(seed)
    timestamps = []
    moment = start
    for _ in range(n):
        moment += timedelta(seconds=rng.randint(1, 120), microseconds=rng.randint(0, 999_999))
        timestamps.append(moment)
    rows = {
        "transaction_id": [f"{id_prefix}{first_id + i:09d}" for i in range(n)],
        "account_number": [f"AC{rng.randrange(accounts):06d}" for _ in range(n)],
        "transaction_post_date": [t.date() for t in timestamps],
        "transaction_timestamp": timestamps,
        "transaction_type": [rng.choice(TRANSACTION_TYPES) for _ in range(n)],
        "transaction_description": [
            None if rng.random() < 0.2 else f"purchase {rng.randrange(1000)}" for _ in range(n)
        ],
        "transaction_amount": [round(rng.uniform(1, 8_000), 2) for _ in range(n)],
        "channel_name": [rng.choice(CHANNELS) for _ in range(n)],
        "merchant_name": [
            None if rng.random() < 0.1 else f"M{rng.randrange(50):03d}" for _ in range(n)
        ],
        "merchant_category_code": [f"{rng.randrange(1000, 9999)}" for _ in range(n)],
        "is_international": [rng.random() < 0.1 for _ in range(n)],
        "reversal_flag": [rng.random() < 0.02 for _ in range(n)],
    }
    return pl.DataFrame(rows, schema=TRANSACTION_SCHEMA)


def make_scores(
    transaction_ids: list[str],
    *,
    model_version: str = "m1",
    probability: float = 0.25,
    scored_at: datetime = DEFAULT_START,
) -> pl.DataFrame:
    """Return one score row per id with `SCORE_SCHEMA`, all with the same probability."""
    n = len(transaction_ids)
    return pl.DataFrame(
        {
            "transaction_key": transaction_ids,
            "fraud_probability": [probability] * n,
            "fraud_prediction": [probability >= 0.5] * n,
            "model_version": [model_version] * n,
            "scored_at": [scored_at] * n,
            "reasons": ['["amount_zscore"]'] * n,
            "latency_ms": [1.5] * n,
        },
        schema=SCORE_SCHEMA,
    )
