"""The API's in-memory serving state gives, through the one-transaction path (`online`), the
scoring path's features on every backend, and stays current as transactions, late commits and
labels arrive."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import polars as pl
import pytest
from sqlalchemy.engine import Engine

from fraudwatch.api import history_reads, serving_state
from fraudwatch.api.serving_state import ServingState
from fraudwatch.features import Encoders, compute_features, fit_encoders, load_scoring_inputs
from fraudwatch.features.spec import FEATURE_COLUMNS
from fraudwatch.schemas import UNKNOWN
from fraudwatch.warehouse import insert_labels, insert_transactions, tables, utc_now
from tests.features.scenario import START, Scenario, assert_features_equal, make_scenario
from tests.features.test_inputs import store

# The state's clock: its window starts at START + 1 day, so the last 13 days are served.
CLOCK = START + timedelta(days=33)


@pytest.fixture(scope="module")
def world() -> Scenario:
    """45 days of a small bank (the warehouse requires a channel: 'unknown' when missing)."""
    world = make_scenario(n=160, days=45, seed=21)
    channel = pl.col("channel_name").fill_null(UNKNOWN)
    return replace(world, transactions=world.transactions.with_columns(channel))


def _served(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.filter(pl.col("transaction_timestamp") >= CLOCK - timedelta(days=1))


def _assert_memory_matches_warehouse(
    engine: Engine, state: ServingState, batch: pl.DataFrame, encoders: Encoders
) -> None:
    first = batch["transaction_timestamp"].min()
    assert isinstance(first, datetime) and state.serves(first)
    from_warehouse = compute_features(load_scoring_inputs(engine, batch), encoders)
    assert_features_equal(_online(state, batch, encoders), from_warehouse)


def _online(state: ServingState, batch: pl.DataFrame, encoders: Encoders) -> pl.DataFrame:
    """Return the one-transaction path's features of `batch` (one call) as a features frame."""
    values = state.online.features(batch.to_dicts(), encoders)
    frame = pl.DataFrame(values, schema=list(FEATURE_COLUMNS), orient="row")
    return frame.insert_column(0, batch["transaction_id"])


def _batches(rows: pl.DataFrame, size: int) -> list[pl.DataFrame]:
    return [rows.slice(start, size) for start in range(0, rows.height, size)]


def test_memory_features_equal_the_warehouse_reads(engine: Engine, world: Scenario) -> None:
    """Stored transactions scored again, and new ones never stored, get from memory the
    features `load_scoring_inputs` reads; history older than the window is not served."""
    stored = world.transactions.head(130)
    store(engine, replace(world, transactions=stored))
    state = ServingState(engine, clock=lambda: CLOCK)
    state.load()
    encoders = fit_encoders(world.inputs())
    for batch in _batches(_served(world.transactions), 7):
        _assert_memory_matches_warehouse(engine, state, batch, encoders)
    for row in _batches(_served(world.transactions).head(6), 1):  # as the API scores them
        expected = compute_features(load_scoring_inputs(engine, row), encoders)
        assert_features_equal(_online(state, row, encoders), expected)
    assert not state.serves(START + timedelta(days=20))


def test_refresh_takes_new_rows_late_commits_and_labels(
    engine: Engine, world: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After new transactions (one committed late, stamped before the last read), new labels
    (known now) and back-dated labels (found by the count check) arrive, one refresh brings
    memory level with the warehouse."""
    monkeypatch.setattr(serving_state, "RECONCILE_EVERY_SECONDS", 0.0)
    rows = world.transactions
    labels = world.labels.with_columns(pl.lit("analyst").alias("source"))
    store(engine, Scenario(rows.head(110), world.profiles, labels.head(40)))
    state = ServingState(engine, clock=lambda: CLOCK)
    state.load()
    late = rows.slice(110, 5)
    insert_transactions(engine, rows.slice(115, 45))
    insert_transactions(engine, late)
    staging = tables.transaction_staging
    stamped = utc_now() - timedelta(seconds=60)  # before the rows just stored: committed late
    with engine.begin() as conn:
        conn.execute(
            staging.update()
            .where(staging.c.transaction_id.in_(late["transaction_id"].to_list()))
            .values(record_created_ts=stamped)
        )
    fresh = labels.slice(40, 20).with_columns(pl.lit(utc_now()).alias("labeled_at"))
    insert_labels(engine, pl.concat([fresh, labels.slice(60, None)]))
    state.refresh()
    assert (
        state.window.height
        == rows.filter(pl.col("transaction_timestamp") >= state.window.start).height
        == len(state.online)
    )
    assert len(state.labels) == history_reads.count_labels(engine)
    assert state.profile_count == history_reads.count_accounts(engine)
    encoders = fit_encoders(world.inputs())
    for batch in _batches(_served(rows), 5):
        _assert_memory_matches_warehouse(engine, state, batch, encoders)


def test_a_late_commit_within_the_margin_is_found_without_a_reload(
    engine: Engine, world: Scenario
) -> None:
    """A row stamped a few seconds before the latest held stamp, committed after the last
    read, is read by the next refresh from the margin alone."""
    rows = world.transactions
    store(engine, replace(world, transactions=rows.head(150)))
    state = ServingState(engine, clock=lambda: CLOCK)
    state.load()
    mark = state.window.latest_created()
    assert mark is not None
    online = state.online
    insert_transactions(engine, rows.tail(10))
    staging = tables.transaction_staging
    with engine.begin() as conn:
        conn.execute(
            staging.update()
            .where(staging.c.transaction_id.in_(rows.tail(10)["transaction_id"].to_list()))
            .values(record_created_ts=mark - timedelta(seconds=2))
        )
    state.refresh()
    assert state.online is online, "the refresh should not read everything again"
    assert (
        state.window.height
        == rows.filter(pl.col("transaction_timestamp") >= state.window.start).height
        == len(state.online)
    )
