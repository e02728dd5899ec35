"""Deferred indexes: loads without index upkeep, one rebuild, and recovery after a crash."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import (
    Backend,
    backend_of_engine,
    count_rows,
    create_schema,
    indexes_deferred,
    insert_transactions,
    tables,
)
from tests.factories import make_transactions

STAGING = tables.transaction_staging


def index_names(engine: Engine) -> set[str]:
    """The names of transaction_staging's secondary indexes as the database reports them."""
    with engine.connect() as conn:
        return {ix["name"] for ix in sa.inspect(conn).get_indexes(STAGING.name) if ix["name"]}


@pytest.fixture
def indexed_engine(engine: Engine) -> Engine:
    """The warehouse engine, on backends that have secondary indexes (not Snowflake)."""
    if backend_of_engine(engine) is Backend.SNOWFLAKE:
        pytest.skip("Snowflake tables have no secondary indexes")
    return engine


def test_loads_inside_the_block_land_and_indexes_come_back(indexed_engine: Engine) -> None:
    """Inside the block the indexes are gone; after it every row is stored and every index back."""
    expected = {ix.name for ix in STAGING.indexes}
    with indexes_deferred(indexed_engine, STAGING):
        assert index_names(indexed_engine).isdisjoint(expected)
        for part in range(3):
            frame = make_transactions(50, seed=part, id_prefix=f"p{part}-")
            insert_transactions(indexed_engine, frame, rebuild_indexes=False)
    assert count_rows(indexed_engine, STAGING) == 150
    assert expected <= index_names(indexed_engine)


def test_indexes_come_back_when_the_block_fails(indexed_engine: Engine) -> None:
    """An error inside the block still rebuilds the indexes."""
    with pytest.raises(RuntimeError), indexes_deferred(indexed_engine, STAGING):
        raise RuntimeError("load failed")
    assert {ix.name for ix in STAGING.indexes} <= index_names(indexed_engine)


def test_init_rebuilds_indexes_lost_in_a_crash(indexed_engine: Engine) -> None:
    """Indexes dropped by a load that never finished are recreated by create_schema."""
    with indexed_engine.begin() as conn:
        for index in STAGING.indexes:
            index.drop(conn)
    create_schema(indexed_engine)
    assert {ix.name for ix in STAGING.indexes} <= index_names(indexed_engine)
