"""No leakage: nothing at or after t, and no label known at or after t, changes t's features."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from fraudwatch.features import FeatureInputs, compute_features, fit_encoders
from tests.features.scenario import assert_features_equal, make_scenario


def test_later_transactions_and_labels_never_change_earlier_features() -> None:
    """Adding every later transaction and every later-known label leaves earlier rows' features
    exactly as they were."""
    world = make_scenario(days=12, seed=5)
    times = world.transactions["transaction_timestamp"]
    cut = times[times.len() * 2 // 3]
    early = world.transactions.filter(pl.col("transaction_timestamp") < cut)
    known = world.labels.filter(pl.col("labeled_at") < cut)
    before = FeatureInputs(early, early, world.profiles, known)
    encoders = fit_encoders(before)
    alone = compute_features(before, encoders)
    later_label = world.transactions.filter(pl.col("transaction_timestamp") < cut).select(
        "transaction_id", pl.lit(True).alias("is_fraud"), pl.lit(cut).alias("labeled_at")
    )
    everything = FeatureInputs(
        early, world.transactions, world.profiles, pl.concat([world.labels, later_label])
    )
    with_future = compute_features(everything, encoders)
    assert later_label.height > 0 and world.labels.height > known.height
    assert_features_equal(with_future, alone)


def test_same_timestamp_transactions_do_not_see_each_other() -> None:
    """Two transactions of one account at the same instant count neither each other nor
    themselves; a third a microsecond later counts both."""
    t = datetime(2026, 2, 2, 12, 0, 0)
    frame = make_scenario(n=3, days=1).transactions.with_columns(
        pl.lit("AC1").alias("account_number"),
        pl.Series("transaction_timestamp", [t, t, t + timedelta(microseconds=1)]),
        pl.lit(100.0).alias("transaction_amount"),
    )
    inputs = FeatureInputs(frame, frame.clear(), frame.clear(), frame.clear())
    features = compute_features(inputs, fit_encoders(inputs))
    assert features["account_tx_count_1h"].to_list() == [0, 0, 2]
    assert features["account_amount_24h"].to_list() == [0.0, 0.0, 200.0]


def test_a_label_counts_only_once_known_and_only_after_its_transaction() -> None:
    """A fraud label known at L counts for the merchant's later transactions strictly after L."""
    base = datetime(2026, 3, 1, 9, 0, 0)
    frame = make_scenario(n=4, days=1).transactions.with_columns(
        pl.Series("transaction_timestamp", [base + timedelta(hours=h) for h in (0, 1, 2, 3)]),
        pl.lit("M1").alias("merchant_name"),
    )
    labels = pl.DataFrame(
        {
            "transaction_id": [frame["transaction_id"][0]],
            "is_fraud": [True],
            "labeled_at": [base + timedelta(hours=2)],
        }
    )
    inputs = FeatureInputs(frame, frame.clear(), frame.clear(), labels)
    features = compute_features(inputs, fit_encoders(inputs))
    assert features["merchant_known_frauds_7d"].to_list() == [0, 0, 0, 1]
    assert features["merchant_days_since_fraud"][3] == 3 / 24
