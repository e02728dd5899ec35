"""Awkward data: equal amounts, unseen categories, missing profiles, columns and labels."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from fraudwatch.features import (
    FEATURE_COLUMNS,
    Encoders,
    FeatureInputs,
    compute_features,
    fit_encoders,
)
from fraudwatch.features.inputs import empty_labels, empty_profiles
from fraudwatch.features.spec import FEATURES
from tests.factories import make_transactions
from tests.features.scenario import assert_features_equal


def alone(frame: pl.DataFrame, encoders: Encoders | None = None) -> pl.DataFrame:
    """Features of `frame` with no history, profiles or labels."""
    inputs = FeatureInputs(frame, frame.clear(), empty_profiles(), empty_labels())
    return compute_features(inputs, encoders or fit_encoders(inputs))


def test_equal_amounts_give_zero_std_and_a_finite_z() -> None:
    """After 50 identical amounts the std is exactly 0 and the z-scores are finite."""
    start = datetime(2026, 1, 1)
    frame = make_transactions(52, seed=1, accounts=1).with_columns(
        pl.Series("transaction_timestamp", [start + timedelta(minutes=i) for i in range(52)]),
        pl.Series("transaction_amount", [1234.56] * 51 + [1300.56]),
    )
    features = alone(frame)
    assert features["customer_amount_std_30d"][50] == 0.0
    assert features["customer_amount_zscore_30d"][50] == 0.0
    assert features["customer_amount_mean_30d"][51] == 1234.56
    assert features["customer_amount_std_30d"][51] == 0.0
    assert math.isclose(features["customer_amount_zscore_30d"][51], 66.0)  # std floor of 1.0
    assert math.isclose(features["account_zscore_excl_fraud_30d"][51], 66.0)


def test_large_equal_amounts_after_other_history_keep_zero_variance() -> None:
    """Equal amounts far from the account's first (now out-of-window) amount give a std within
    rounding of 0, never a garbage value from cancelling sums of squares."""
    start = datetime(2026, 1, 1)
    times = [start] + [start + timedelta(days=31, hours=i) for i in range(60)]
    frame = make_transactions(61, seed=2, accounts=1).with_columns(
        pl.Series("transaction_timestamp", times),
        pl.Series("transaction_amount", [1.0] + [987654.32] * 60),
    )
    features = alone(frame)
    std = features["customer_amount_std_30d"].to_numpy()
    assert np.all(np.isfinite(std))
    assert np.all(std[2:] < 1e-6 * 987654.32)
    assert np.all(np.abs(features["customer_amount_zscore_30d"].to_numpy()) < 1e-3)


def test_unseen_and_missing_categories_take_the_unseen_code() -> None:
    """Categories absent from training and nulls map to code 0; known ones to 1..k."""
    train = make_transactions(50, seed=3)
    encoders = fit_encoders(FeatureInputs(train, train.clear(), empty_profiles(), empty_labels()))
    score = make_transactions(3, seed=4).with_columns(
        pl.Series("channel_name", ["Carrier Pigeon", None, encoders.channels[1]]),
        pl.Series("transaction_type", ["BARTER", encoders.transaction_types[0], None]),
    )
    features = alone(score, encoders)
    assert features["channel_code"].to_list() == [0, 0, 2]
    assert features["transaction_type_code"].to_list() == [0, 1, 0]


def test_encoders_round_trip_through_json() -> None:
    """Encoders survive to_dict -> JSON -> from_dict unchanged."""
    encoders = Encoders(channels=("ATM", "Branch"), transaction_types=("DEBIT",))
    assert Encoders.from_dict(json.loads(json.dumps(encoders.to_dict()))) == encoders


def test_without_profiles_labels_or_optional_columns_every_feature_is_filled() -> None:
    """Only the four required columns: every feature computes, none is null, fills as declared."""
    frame = make_transactions(40, seed=5, accounts=3).select(
        "transaction_id", "account_number", "transaction_timestamp", "transaction_amount"
    )
    features = alone(frame)
    assert features.columns == ["transaction_id", "transaction_timestamp", *FEATURE_COLUMNS]
    assert features.null_count().sum_horizontal()[0] == 0
    fills = {f.name: f.fill for f in FEATURES if f.source in ("profile", "merchant", "encoding")}
    for name, fill in fills.items():
        assert features[name].unique().to_list() == [fill], name
    assert features["new_merchant_30d"].sum() == 0


def test_missing_profile_for_some_accounts_falls_back_to_the_account() -> None:
    """An account without a profile is flagged and is its own customer."""
    frame = make_transactions(30, seed=6, accounts=2)
    accounts = sorted(frame["account_number"].unique().to_list())
    profiles = pl.DataFrame(
        {"account_number": [accounts[0]], "customer_key": ["C9"], "credit_score": [640]}
    )
    inputs = FeatureInputs(frame, frame.clear(), profiles, empty_labels())
    features = compute_features(inputs, fit_encoders(inputs)).with_columns(frame["account_number"])
    flagged = features.group_by("account_number").agg(pl.col("profile_missing").max())
    assert dict(flagged.iter_rows()) == {accounts[0]: 0, accounts[1]: 1}
    counts = features.filter(pl.col("account_number") == accounts[1])["customer_tx_count_30d"]
    assert counts.to_list() == list(range(counts.len()))


def test_empty_input_returns_an_empty_frame_with_every_column() -> None:
    """No transactions: an empty frame with the full schema."""
    features = alone(make_transactions(0))
    assert features.height == 0
    assert features.columns == ["transaction_id", "transaction_timestamp", *FEATURE_COLUMNS]


def test_duplicate_history_rows_are_dropped() -> None:
    """History repeating the transactions (twice) changes nothing."""
    frame = make_transactions(60, seed=8, accounts=3)
    twice = pl.concat([frame, frame])
    inputs = FeatureInputs(frame, twice, empty_profiles(), empty_labels())
    assert_features_equal(compute_features(inputs, fit_encoders(inputs)), alone(frame))
