"""Large PostgreSQL loads leave the planner's statistics describing the table as loaded."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import indexes_deferred, insert_transactions, tables
from fraudwatch.warehouse.bulk import ANALYZE_FROM_ROWS
from tests.factories import make_transactions

STAGING = tables.transaction_staging


# The shared `engine` fixture, on PostgreSQL only: the other backends keep no such statistics.
pytestmark = pytest.mark.parametrize(
    "warehouse_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


def estimated_rows(engine: Engine) -> float:
    """PostgreSQL's planner estimate of transaction_staging's rows (-1 before any analyze)."""
    with engine.connect() as conn:
        statement = sa.text("SELECT reltuples FROM pg_class WHERE relname = :name")
        return float(conn.execute(statement, {"name": STAGING.name}).scalar_one())


def analyzed_columns(engine: Engine) -> int:
    """How many of transaction_staging's columns have planner statistics (only ANALYZE makes
    them; an index build updates the row estimate but not these)."""
    with engine.connect() as conn:
        statement = sa.text("SELECT count(*) FROM pg_stats WHERE tablename = :name")
        return int(conn.execute(statement, {"name": STAGING.name}).scalar_one())


def test_a_large_load_is_analyzed_at_once(engine: Engine) -> None:
    """A load of `ANALYZE_FROM_ROWS` rows or more ends with the table analyzed: the planner
    knows its size at once, not when autovacuum comes by (up to a minute later)."""
    insert_transactions(engine, make_transactions(ANALYZE_FROM_ROWS, seed=1))
    assert estimated_rows(engine) == ANALYZE_FROM_ROWS
    assert analyzed_columns(engine) == len(STAGING.columns)


def test_loads_with_deferred_indexes_are_analyzed_once_at_the_end(engine: Engine) -> None:
    """Loads inside `indexes_deferred` (a backfill) are analyzed once, when it ends."""
    with indexes_deferred(engine, STAGING):
        for part in range(2):
            frame = make_transactions(ANALYZE_FROM_ROWS, seed=part, id_prefix=f"p{part}-")
            insert_transactions(engine, frame, rebuild_indexes=False)
    assert estimated_rows(engine) == 2 * ANALYZE_FROM_ROWS
    assert analyzed_columns(engine) == len(STAGING.columns)
