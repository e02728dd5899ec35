"""The scoring path (stored history, merchant marks, batches with gaps) gives exactly the
features of one big training pass, batch after batch, on every backend."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest
from sqlalchemy.engine import Engine

from fraudwatch.features import (
    ScoringHistory,
    compute_features,
    fit_encoders,
    load_scoring_inputs,
)
from fraudwatch.features import inputs as inputs_module
from fraudwatch.schemas import UNKNOWN
from fraudwatch.scoring.quarantine import rejected_frame
from fraudwatch.warehouse import (
    SCORE_SCHEMA,
    insert_rejected,
    insert_scores,
    insert_transactions,
    tables,
    unscored_transactions,
)
from tests.features.scenario import Scenario, assert_features_equal, make_scenario
from tests.features.test_inputs import one_pass, store


@pytest.fixture(scope="module")
def world() -> Scenario:
    """A world spanning more than LOOKBACK with the warehouse's required channel."""
    base = make_scenario(n=160, days=45, seed=21)
    channel = pl.col("channel_name").fill_null(UNKNOWN)
    return Scenario(base.transactions.with_columns(channel), base.profiles, base.labels)


@pytest.mark.parametrize("whole_window", [False, True], ids=["keyed", "whole-window"])
def test_scoring_batches_equal_one_training_pass(
    engine: Engine,
    world: Scenario,
    whole_window: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Consecutive batches of 20, each missing every 4th row (already scored, so history),
    score to the one-pass features, whether history is read by key or as the whole window."""
    if whole_window:
        monkeypatch.setattr(inputs_module, "WHOLE_WINDOW_FROM_ACCOUNTS", 0)
    store(engine, world)
    encoders = fit_encoders(world.inputs())
    rows = world.transactions.with_row_index("i")
    for start in range(0, rows.height, 20):
        batch = rows.slice(start, 20).filter(pl.col("i") % 4 != 3).drop("i")
        features = compute_features(load_scoring_inputs(engine, batch), encoders)
        assert_features_equal(features, one_pass(world, batch))


def test_merchant_marks_carry_no_account_features(engine: Engine, world: Scenario) -> None:
    """A merchant's other transactions reach the scoring history only as marks of a made-up
    account: the batch's own accounts see none of them."""
    store(engine, world)
    batch = world.transactions.tail(5)
    history = load_scoring_inputs(engine, batch).history
    marks = history.filter(pl.col("account_number") == inputs_module.MERCHANT_MARK_ACCOUNT)
    assert marks.height > 0
    assert marks["transaction_amount"].unique().to_list() == [0.0]
    assert marks["merchant_name"].is_in(batch["merchant_name"].drop_nulls().implode()).all()


def test_a_batch_without_merchants_scores(engine: Engine, world: Scenario) -> None:
    """A batch none of whose transactions names a merchant reads no marks and still computes."""
    store(engine, world)
    batch = world.transactions.tail(10).with_columns(pl.lit(None, pl.String).alias("merchant_name"))
    features = compute_features(load_scoring_inputs(engine, batch), fit_encoders(world.inputs()))
    assert features["transaction_id"].to_list() == batch["transaction_id"].to_list()
    assert (features["merchant_known_frauds_30d"] == 0).all()


@pytest.mark.parametrize("old_stamp", [False, True], ids=["stamped-now", "stamped-long-ago"])
@pytest.mark.parametrize("small_reads", [False, True], ids=["arrow-reads", "row-reads"])
def test_carried_history_equals_fresh_loads_and_sees_late_rows(
    engine: Engine,
    world: Scenario,
    small_reads: bool,
    old_stamp: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run's `ScoringHistory`, carried batch to batch, gives the features of a fresh
    `load_scoring_inputs` per batch; transactions committed late with old timestamps (inside
    the kept window) are noticed by the count check and found by their record_created_ts, or,
    stamped long before the last read, by reading the window again. A second run's history,
    asked for the same batches' features one transaction at a time (`features`), gives them
    too."""
    monkeypatch.setattr(inputs_module, "SMALL_READ_ROWS", 10**9 if small_reads else 0)
    rows = world.transactions.with_row_index("i")
    late = rows.filter((pl.col("i") % 4 == 3) & pl.col("i").is_between(60, 99)).drop("i")
    stored = world.transactions.join(late.select("transaction_id"), on="transaction_id", how="anti")
    store(engine, Scenario(stored, world.profiles, world.labels))
    encoders = fit_encoders(world.inputs())
    history, one_at_a_time = ScoringHistory(), ScoringHistory()
    for start in range(0, rows.height, 20):
        if start == 120:  # committed now, timestamped weeks ago: within the kept window
            insert_transactions(engine, late)
            if old_stamp:
                staging = tables.transaction_staging
                with engine.begin() as conn:
                    conn.execute(
                        staging.update()
                        .where(staging.c.transaction_id.in_(late["transaction_id"].to_list()))
                        .values(record_created_ts=datetime(2000, 1, 1))
                    )
        batch = rows.slice(start, 20).filter(pl.col("i") % 4 != 3).drop("i")
        carried = compute_features(history.load(engine, batch), encoders)
        assert_features_equal(
            carried, compute_features(load_scoring_inputs(engine, batch), encoders)
        )
        online = one_at_a_time.features(engine, batch, encoders)
        assert online is not None
        assert_features_equal(online, carried)
        if start >= 120:
            assert_features_equal(carried, one_pass(world, batch))
    assert history.partial_reads >= 4
    if old_stamp:  # the first batch, and again after the late commit
        assert history.full_reads == 2 and history.late_rows == 0
    else:
        assert history.full_reads == 1 and history.late_rows == late.height


@pytest.mark.parametrize("whole_window", [False, True], ids=["keyed", "whole-window"])
def test_oldest_unscored_batches_lend_their_rows_to_the_history(
    engine: Engine, world: Scenario, whole_window: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches read as a scoring run reads them (the oldest unscored rows), with scored and
    quarantined rows among them, give `load_scoring_inputs`'s features, while the carried
    window takes the batch's rows from the batch instead of reading them again; profiles
    read by IN lists or all at once. Features one transaction at a time (`features`) agree."""
    monkeypatch.setattr(inputs_module, "SMALL_READ_ROWS", 0)
    if whole_window:
        monkeypatch.setattr(inputs_module, "WHOLE_WINDOW_FROM_ACCOUNTS", 0)
    store(engine, world)
    encoders = fit_encoders(world.inputs())
    rows = world.transactions.with_row_index("i")
    insert_scores(engine, fake_scores(rows.filter(pl.col("i") % 5 == 2)))
    insert_rejected(engine, rejected_frame(rows.filter(pl.col("i") == 77).drop("i"), REASONS))
    history, one_at_a_time = ScoringHistory(), ScoringHistory()
    while (batch := unscored_transactions(engine, 25)).height:
        carried = compute_features(history.load(engine, batch), encoders)
        assert_features_equal(
            carried, compute_features(load_scoring_inputs(engine, batch), encoders)
        )
        online = one_at_a_time.features(engine, batch, encoders)
        assert online is not None
        assert_features_equal(online, carried)
        insert_scores(engine, fake_scores(batch))
    assert history.full_reads == 1
    assert history.batch_reuses == history.partial_reads + 1


def test_a_batch_that_is_not_the_oldest_unscored_rows_is_not_trusted(
    engine: Engine, world: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch with unscored staged rows missing inside its span cannot stand for the span:
    the count check notices and the span is read whole, so the features stay exact."""
    monkeypatch.setattr(inputs_module, "SMALL_READ_ROWS", 0)
    store(engine, world)
    encoders = fit_encoders(world.inputs())
    batch = world.transactions.slice(40, 30).with_row_index("i")
    batch = batch.filter(pl.col("i") % 3 != 1).drop("i")
    history = ScoringHistory()
    carried = compute_features(history.load(engine, batch), encoders)
    assert_features_equal(carried, one_pass(world, batch))
    assert history.batch_reuses == 0


REASONS = pl.Series(["a value could not be read"])


def fake_scores(rows: pl.DataFrame) -> pl.DataFrame:
    """Return a placeholder score per row, enough to take it out of the unscored set."""
    n = rows.height
    return pl.DataFrame(
        {
            "transaction_key": rows["transaction_id"],
            "fraud_probability": [0.0] * n,
            "fraud_prediction": [False] * n,
            "model_version": ["test"] * n,
            "scored_at": [datetime(2030, 1, 1)] * n,
            "reasons": [None] * n,
            "latency_ms": [0.0] * n,
        },
        schema=SCORE_SCHEMA,
    )
