"""The warehouse loaders, on every backend, feed the pipeline the same features as memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import polars as pl
import pytest
from sqlalchemy.engine import Engine

from fraudwatch.features import (
    LOOKBACK,
    FeatureInputs,
    compute_features,
    fit_encoders,
    load_scoring_inputs,
    load_training_inputs,
)
from fraudwatch.schemas import UNKNOWN
from fraudwatch.warehouse import (
    insert_ignoring_duplicates,
    insert_labels,
    insert_transactions,
    tables,
)
from tests.features.scenario import Scenario, assert_features_equal, make_scenario


@pytest.fixture(scope="module")
def world() -> Scenario:
    """A small world spanning more than LOOKBACK, so the loaders' cut-offs matter (the warehouse
    requires a channel: missing ones are stored as "unknown")."""
    world = make_scenario(n=160, days=45, seed=21)
    channel = pl.col("channel_name").fill_null(UNKNOWN)
    return replace(world, transactions=world.transactions.with_columns(channel))


def store(engine: Engine, world: Scenario) -> None:
    """Write the world's transactions, accounts, customers and labels to the warehouse."""
    insert_transactions(engine, world.transactions)
    profiles = world.profiles
    customers = (
        profiles.filter(
            pl.col("credit_score").is_not_null()
            | pl.col("risk_rating").is_not_null()
            | pl.col("customer_since").is_not_null()
        )
        .unique("customer_key", keep="first", maintain_order=True)
        .select("customer_key", "credit_score", "customer_since", "risk_rating", "home_country")
    )
    insert_ignoring_duplicates(engine, tables.dim_customer, customers)
    insert_ignoring_duplicates(
        engine, tables.dim_account, profiles.select("account_number", "customer_key")
    )
    insert_labels(engine, world.labels.with_columns(pl.lit("analyst").alias("source")))


def one_pass(world: Scenario, rows: pl.DataFrame) -> pl.DataFrame:
    """Features of `rows` computed in memory with the whole world as history."""
    encoders = fit_encoders(world.inputs())
    return compute_features(world.inputs(rows), encoders)


def test_training_inputs_give_the_in_memory_features(engine: Engine, world: Scenario) -> None:
    """Training inputs for a middle range hold that range, its LOOKBACK history, every profile
    and label, and yield the same features as the whole world in memory."""
    store(engine, world)
    times = world.transactions["transaction_timestamp"]
    start, end = times[100], times[140]
    inputs = load_training_inputs(engine, start, end)
    rows = world.transactions.filter(
        pl.col("transaction_timestamp").is_between(start, end, closed="left")
    )
    assert inputs.transactions["transaction_id"].to_list() == rows["transaction_id"].to_list()
    assert inputs.history["transaction_timestamp"].min() >= start - LOOKBACK
    assert inputs.history["transaction_timestamp"].max() < start
    assert inputs.labels.height == world.labels.height
    features = compute_features(inputs, fit_encoders(world.inputs()))
    assert_features_equal(features, one_pass(world, rows))


def test_scoring_inputs_give_the_in_memory_features(engine: Engine, world: Scenario) -> None:
    """Scoring inputs for the last 25 transactions yield the same features as one big pass."""
    store(engine, world)
    batch = world.transactions.tail(25)
    inputs = load_scoring_inputs(engine, batch)
    first = batch["transaction_timestamp"].min()
    assert inputs.history["transaction_timestamp"].min() >= first - LOOKBACK
    assert inputs.labels["labeled_at"].max() < batch["transaction_timestamp"].max()
    features = compute_features(inputs, fit_encoders(world.inputs()))
    assert_features_equal(features, one_pass(world, batch))


def test_scoring_inputs_of_an_empty_batch_are_empty(engine: Engine) -> None:
    """An empty batch reads nothing and computes an empty frame."""
    batch = make_scenario(n=5).transactions.clear()
    inputs = load_scoring_inputs(engine, batch)
    assert isinstance(inputs, FeatureInputs)
    assert compute_features(inputs, fit_encoders(inputs)).height == 0


def test_training_inputs_without_bounds_read_everything(engine: Engine, world: Scenario) -> None:
    """No start and no end: every transaction, no separate history."""
    store(engine, world)
    inputs = load_training_inputs(engine, None, None)
    assert inputs.transactions.height == world.transactions.height
    assert inputs.history.height == 0
    assert inputs.transactions["transaction_timestamp"].max() - inputs.transactions[
        "transaction_timestamp"
    ].min() > LOOKBACK + timedelta(days=1)
