"""The pipeline equals a brute-force oracle, in one pass and batch by batch."""

from __future__ import annotations

import polars as pl
import pytest

from fraudwatch.features import LOOKBACK, FeatureInputs, compute_features, fit_encoders
from tests.features.oracle import oracle_features
from tests.features.scenario import Scenario, assert_features_equal, make_scenario


@pytest.fixture(
    scope="module",
    params=[
        pytest.param({"days": 40, "accounts": 8}, id="sparse-40d"),
        pytest.param({"days": 3, "accounts": 8, "seed": 11}, id="dense-3d"),
    ],
)
def scenario(request: pytest.FixtureRequest) -> Scenario:
    """A 300-transaction world: sparse over 40 days, or dense over 3 (busy 1 h windows)."""
    return make_scenario(**request.param)


def test_one_pass_equals_oracle(scenario: Scenario) -> None:
    """Every feature of every transaction, computed in one pass, equals the brute-force oracle."""
    inputs = scenario.inputs()
    encoders = fit_encoders(inputs)
    expected = oracle_features(
        scenario.transactions, scenario.transactions, scenario.profiles, scenario.labels, encoders
    )
    assert_features_equal(compute_features(inputs, encoders), expected)


def batches(frame: pl.DataFrame, count: int) -> list[pl.DataFrame]:
    """Split a time-ordered frame into `count` consecutive batches of rows."""
    size = -(-frame.height // count)
    return [frame.slice(i * size, size) for i in range(count)]


def test_incremental_batches_equal_one_pass(scenario: Scenario) -> None:
    """Ten batches, each with only earlier batches within LOOKBACK as history and only labels
    known by the batch's last time, give the same features as one pass."""
    inputs = scenario.inputs()
    encoders = fit_encoders(inputs)
    one_pass = compute_features(inputs, encoders)
    parts = []
    seen = scenario.transactions.clear()
    for batch in batches(scenario.transactions, 10):
        first = batch["transaction_timestamp"].min()
        last = batch["transaction_timestamp"].max()
        history = seen.filter(pl.col("transaction_timestamp") >= first - LOOKBACK)
        labels = scenario.labels.filter(pl.col("labeled_at") < last)
        parts.append(
            compute_features(FeatureInputs(batch, history, scenario.profiles, labels), encoders)
        )
        seen = pl.concat([seen, batch])
    assert_features_equal(pl.concat(parts), one_pass)


def test_batch_order_and_subset_follow_the_transactions(scenario: Scenario) -> None:
    """Features come back one row per requested transaction, in the requested order."""
    inputs = scenario.inputs()
    encoders = fit_encoders(inputs)
    one_pass = compute_features(inputs, encoders)
    picked = scenario.transactions.sample(40, seed=3, shuffle=True)
    features = compute_features(scenario.inputs(picked), encoders)
    expected = picked.select("transaction_id").join(
        one_pass, on="transaction_id", how="left", maintain_order="left"
    )
    assert_features_equal(features, expected)
