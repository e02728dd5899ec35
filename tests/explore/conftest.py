"""Fixtures for report tests: a warehouse week with known oddities, and the browser setup.

`explore_data` holds transactions across day and night with labels skewed to late night, plus
deliberate problems (negative and zero amounts, unknown categories, very large amounts, a
transaction after the report time) and rows outside the window that the report must not see.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl
import pytest
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import insert_labels, insert_scores, insert_transactions, tables
from tests.factories import make_transactions

WINDOW_START = datetime(2026, 1, 5)
WINDOW_END = datetime(2026, 1, 12)
AS_OF = datetime(2026, 1, 10, 6, 0)
CHROMIUM = "/usr/bin/chromium"


@dataclass(frozen=True)
class ExploreData:
    """What was written: the transactions in the window (as inserted) and the labels."""

    transactions: pl.DataFrame
    labels: pl.DataFrame


def _window_transactions() -> pl.DataFrame:
    starts = [
        datetime(2026, 1, 5, 0, 0),
        datetime(2026, 1, 6, 12, 0),
        datetime(2026, 1, 8, 18, 0),
        datetime(2026, 1, 10, 3, 0),
    ]
    chunks = [
        make_transactions(400, seed=20 + i, start=start, id_prefix=f"w{i}-")
        for i, start in enumerate(starts)
    ]
    frame = pl.concat(chunks)
    n = frame.height
    amount = frame["transaction_amount"].to_list()
    channel = frame["channel_name"].to_list()
    kind = frame["transaction_type"].to_list()
    for i in (3, 70, 500):
        amount[i] = -abs(amount[i])
    for i in (9, 801):
        amount[i] = 0.0
    for i in range(5, n, 97):
        amount[i] = amount[i] * 30
    for i in (11, 12, 900):
        channel[i] = "unknown"
    channel[13] = "Fax & <Telex>"  # must be escaped in the HTML
    kind[14] = "REFUND"
    return frame.with_columns(
        pl.Series("transaction_amount", amount),
        pl.Series("channel_name", channel),
        pl.Series("transaction_type", kind),
    )


def _labels(transactions: pl.DataFrame) -> pl.DataFrame:
    rng = random.Random(5)
    rows = []
    for tid, ts in transactions.select("transaction_id", "transaction_timestamp").iter_rows():
        fraud_chance = 0.12 if ts.hour < 6 else 0.03
        draw = rng.random()
        if draw < fraud_chance:
            rows.append((tid, True, "chargeback", ts + timedelta(days=3)))
        elif draw > 0.95:
            rows.append((tid, False, "analyst", ts + timedelta(hours=5)))
    return pl.DataFrame(
        rows, schema=["transaction_id", "is_fraud", "source", "labeled_at"], orient="row"
    )


def write_explore_data(engine: Engine) -> ExploreData:
    """Write the explore fixture data (in and around the window) and return what is inside."""
    inside = _window_transactions()
    before = make_transactions(50, seed=1, start=WINDOW_START - timedelta(days=2), id_prefix="b-")
    after = make_transactions(50, seed=2, start=WINDOW_END, id_prefix="a-")
    insert_transactions(engine, pl.concat([inside, before, after]))
    labels = _labels(inside)
    outside = pl.DataFrame(
        {
            "transaction_id": before["transaction_id"].head(10),
            "is_fraud": [True] * 10,
            "source": ["chargeback"] * 10,
            "labeled_at": [WINDOW_END] * 10,
        }
    )
    insert_labels(engine, pl.concat([labels, outside]))
    return ExploreData(inside, labels)


@pytest.fixture
def explore_data(engine: Engine) -> ExploreData:
    """The explore fixture data written to a fresh warehouse of each backend."""
    return write_explore_data(engine)


# --- the weekly report -----------------------------------------------------------------------

WEEK_ENDING = datetime(2026, 1, 11).date()  # the week is 2026-01-05 .. 2026-01-11


def write_weekly_data(engine: Engine) -> None:
    """Write a week of transactions, scores (some flagged), labels arriving and reviews."""
    rng = random.Random(9)
    inside = make_transactions(900, seed=31, start=WINDOW_START, id_prefix="k-")
    inside = pl.concat(
        [inside, make_transactions(300, seed=32, start=datetime(2026, 1, 9), id_prefix="l-")]
    )
    earlier = make_transactions(200, seed=33, start=datetime(2025, 12, 28), id_prefix="e-")
    insert_transactions(engine, pl.concat([inside, earlier]))
    everything = pl.concat([inside, earlier])
    ids = everything["transaction_id"].to_list()
    stamps = everything["transaction_timestamp"].to_list()
    scored = [i for i in range(len(ids)) if rng.random() < 0.9]
    flagged = {i: rng.random() < 0.15 for i in scored}
    scores = pl.DataFrame(
        {
            "transaction_key": [ids[i] for i in scored],
            "fraud_probability": [0.9 if flagged[i] else 0.1 for i in scored],
            "fraud_prediction": [flagged[i] for i in scored],
            "model_version": ["m7"] * len(scored),
            "scored_at": [stamps[i] + timedelta(seconds=2) for i in scored],
            "reasons": ["[]"] * len(scored),
            "latency_ms": [3.0] * len(scored),
        }
    )
    insert_scores(engine, scores)
    labels, reviews = [], []
    for i, tid in enumerate(ids):
        draw = rng.random()
        # Some labels arrive before the scores exist (scored_at later than labeled_at).
        early = stamps[i] + timedelta(seconds=1)
        later = stamps[i] + timedelta(days=rng.choice([1, 2, 4, 9]))
        if draw < 0.10:
            labels.append((tid, True, "chargeback", early if draw < 0.01 else later))
        elif draw < 0.13:
            labels.append((tid, True, "analyst", later))
            reviews.append((f"r{i}", tid, "confirm_fraud", f"ana{i % 3}", later))
        elif draw < 0.18:
            labels.append((tid, False, "analyst", later))
            reviews.append((f"r{i}", tid, "legitimate", f"ana{i % 2}", later))
        elif draw < 0.20:
            labels.append((tid, True, "import", later))
        elif draw < 0.23:
            reviews.append((f"r{i}", tid, "escalate", "ana9 <lead>", later))
    insert_labels(
        engine,
        pl.DataFrame(
            labels, schema=["transaction_id", "is_fraud", "source", "labeled_at"], orient="row"
        ),
    )
    with engine.begin() as conn:
        conn.execute(
            tables.analyst_reviews.insert(),
            [
                {
                    "review_id": r,
                    "transaction_id": t,
                    "decision": d,
                    "analyst": a,
                    "note": None,
                    "decided_at": at,
                }
                for r, t, d, a, at in reviews
            ],
        )
