"""Every way the pipeline can run gives the same features: plain-Python coding of small inputs,
Polars coding of large ones, builders inline or on threads, and the radix sorts."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from fraudwatch.features import (
    FeatureInputs,
    compute_features,
    fit_encoders,
    output,
    parallel,
    profile,
    rows,
)
from fraudwatch.features.inputs import empty_profiles
from fraudwatch.features.sorting import order_by_key, stable_argsort, time_order
from fraudwatch.features.windows import Timeline
from tests.features.oracle import oracle_features
from tests.features.scenario import Scenario, assert_features_equal, make_scenario


@pytest.fixture(scope="module")
def world() -> Scenario:
    """A dense world: ties on one account, null merchants and channels, missing profiles."""
    return make_scenario(n=300, days=3, seed=5)


def _one_transaction_inputs(world: Scenario, index: int) -> FeatureInputs:
    """One transaction with the 200 rows before it as history, as the scoring API sends them."""
    one = world.transactions.slice(index, 1)
    history = world.transactions.slice(max(0, index - 200), min(index, 200))
    return FeatureInputs(one, history, world.profiles, world.labels)


@pytest.mark.parametrize("index", [5, 42, 153, 227, 299])
def test_small_inputs_coded_in_python_equal_the_polars_path(
    world: Scenario, index: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction and 200 history rows give exactly (bit for bit) the same features with
    the plain-Python coding of small inputs as with the Polars coding of large ones."""
    inputs = _one_transaction_inputs(world, index)
    encoders = fit_encoders(world.inputs())
    small = compute_features(inputs, encoders)
    monkeypatch.setattr(rows, "SMALL_ROWS", 0)
    large = compute_features(inputs, encoders)
    assert small.equals(large)


def test_small_inputs_equal_the_oracle(world: Scenario) -> None:
    """A handful of transactions (a tie among them) with their history equal the oracle."""
    encoders = fit_encoders(world.inputs())
    repeated = np.flatnonzero(~world.transactions["transaction_timestamp"].is_first_distinct())
    tied = int(repeated[repeated >= 210][0])
    batch = world.transactions.slice(tied - 3, 6)
    history = world.transactions.slice(tied - 203, 200)
    inputs = FeatureInputs(batch, history, world.profiles, world.labels)
    everything = pl.concat([history, batch])
    expected = oracle_features(batch, everything, world.profiles, world.labels, encoders)
    assert_features_equal(compute_features(inputs, encoders), expected)


def test_threads_give_the_inline_features(world: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """Builders run on a thread pool give exactly the features they give one after another."""
    inputs = world.inputs()
    encoders = fit_encoders(inputs)
    inline = compute_features(inputs, encoders)
    monkeypatch.setattr(parallel, "PARALLEL_FROM_ROWS", 0)
    assert compute_features(inputs, encoders).equals(inline)


def test_rows_without_merchant_channel_or_profile_take_their_fills(world: Scenario) -> None:
    """A small call whose rows lack merchant, channel and profile still equals the oracle."""
    bare = world.transactions.with_columns(
        pl.lit(None, dtype=pl.String).alias("merchant_name"),
        pl.lit(None, dtype=pl.String).alias("channel_name"),
    )
    inputs = FeatureInputs(bare.slice(250, 3), bare.slice(50, 200), empty_profiles(), world.labels)
    encoders = fit_encoders(world.inputs())
    expected = oracle_features(
        bare.slice(250, 3), bare.slice(50, 203), empty_profiles(), world.labels, encoders
    )
    assert_features_equal(compute_features(inputs, encoders), expected)


def test_stable_argsort_matches_numpy_on_every_key_width() -> None:
    """The radix sorts (8, 16 and two 16-bit passes) order like NumPy's stable sort."""
    rng = np.random.default_rng(3)
    for top in (200, 60_000, 3_000_000, 2**40):
        keys = rng.integers(0, top, 5_000)
        assert np.array_equal(stable_argsort(keys), np.argsort(keys, kind="stable"))


def test_order_by_key_sorts_by_key_then_time_with_ties_in_row_order() -> None:
    """Grouping a time order by key gives (key, time) order; equal pairs keep row order."""
    rng = np.random.default_rng(4)
    keys, times = rng.integers(0, 7, 500), rng.integers(0, 40, 500)
    expected = np.lexsort((np.arange(500), times, keys))
    assert np.array_equal(order_by_key(keys, time_order(times)), expected)


def test_unsort_of_the_first_rows_equals_the_full_unsort() -> None:
    """A timeline asked for its first rows only returns exactly those of the full unsort."""
    rng = np.random.default_rng(6)
    keys, times = rng.integers(0, 9, 300), rng.integers(0, 50, 300)
    values = rng.normal(size=300)
    full = Timeline(keys, times)
    head = Timeline(keys, times, outputs=40)
    assert np.array_equal(head.unsort(full.sort(values)), values[:40])
    assert np.array_equal(head.unsort(full.sort(values), all_rows=True), values)


@pytest.mark.parametrize("size", [50, 5_000])
def test_dense_codes_number_values_by_first_appearance_on_both_paths(
    size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Polars coding of large columns gives the dictionary's codes: first appearance
    order, nulls last, the categories in code order."""
    rng = np.random.default_rng(size)
    values = pl.Series("v", [None if r < 0.1 else f"k{r * 40:.0f}" for r in rng.random(size)])
    small_codes, small_categories = rows.dense_codes(values)
    monkeypatch.setattr(rows, "SMALL_ROWS", 0)
    large_codes, large_categories = rows.dense_codes(values)
    assert small_codes.tolist() == large_codes.tolist()
    assert small_categories.equals(large_categories, check_names=True)
    assert large_categories.dtype == pl.String


@pytest.mark.parametrize("small_rows", [0, rows.SMALL_ROWS])
def test_first_positions_of_many_keys_in_a_small_table(
    small_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many keys looked up in a small table (membership test first, then a join or, for few
    matches, a dictionary) give the first position of each key, -1 for unknown and null keys."""
    monkeypatch.setattr(rows, "SMALL_ROWS", small_rows)
    keys = pl.Series([f"id{i % 97}" if i % 11 else None for i in range(3_000)])
    table = pl.Series(["id5", "id7", None, "id5", "x", "id96"])
    expected = [
        -1 if k is None else ([*table.to_list()].index(k) if k in table.to_list() else -1)
        for k in keys.to_list()
    ]
    assert rows.first_positions(keys, table).tolist() == expected


@pytest.mark.parametrize("index", [0, 42, 227])
def test_few_rows_assembled_row_wise_equal_the_column_wise_frame(
    world: Scenario, index: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-transaction frame built row-wise from Python values equals (values, fills and
    types) the frame built one column at a time."""
    inputs = _one_transaction_inputs(world, index)
    encoders = fit_encoders(world.inputs())
    row_wise = compute_features(inputs, encoders)
    monkeypatch.setattr(output, "ROW_WISE_UP_TO", 0)
    column_wise = compute_features(inputs, encoders)
    assert row_wise.schema == column_wise.schema
    assert row_wise.equals(column_wise)


def test_risk_ratings_coded_in_python_equal_the_polars_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Risk ratings are trimmed and upper-cased alike on both paths; others are missing."""
    ratings = pl.Series([" low", "MEDIUM ", None, "High", "unknown", "\tmedium\n", "", "low"])
    small = profile._risk_codes(ratings)
    monkeypatch.setattr(profile, "SMALL_ROWS", 0)
    np.testing.assert_array_equal(small, profile._risk_codes(ratings))


@pytest.mark.parametrize("repeats", [False, True])
def test_history_repeating_ids_is_united_alike_on_both_paths(
    world: Scenario, repeats: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """History repeating the transactions' ids and its own keeps one row per id (the
    transactions' row, else the first), on the dictionary and the Polars paths alike."""
    transactions = world.transactions.slice(100, 50)
    history = world.transactions.head(150)
    if repeats:
        history = pl.concat([history, history.slice(20, 30)])
    small = rows._union(transactions, history)
    monkeypatch.setattr(rows, "SMALL_ROWS", 0)
    large = rows._union(transactions, history)
    assert small.equals(large)
    assert large.height == 150
    assert large.get_column("transaction_id").n_unique() == 150
