"""create_schema on every backend: every table created once, nothing touched the second time."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from fraudwatch.warehouse import count_rows, create_schema, insert_transactions, tables
from tests.factories import make_transactions


def test_create_schema_second_run_creates_nothing(engine: Engine) -> None:
    """On a complete warehouse create_schema creates nothing and reports every table existing."""
    report = create_schema(engine)
    assert report.created == ()
    assert not report.changed
    assert set(report.existing) == {t.name for t in tables.ALL_TABLES}


def test_create_schema_keeps_existing_rows(engine: Engine) -> None:
    """Re-running create_schema leaves rows already stored in place."""
    insert_transactions(engine, make_transactions(5, seed=3))
    create_schema(engine)
    assert count_rows(engine, tables.transaction_staging) == 5


def test_create_schema_on_empty_warehouse_creates_every_table(warehouse_url: str) -> None:
    """On an empty warehouse create_schema creates every table and reports them as created."""
    from fraudwatch.warehouse import create_warehouse_engine

    engine = create_warehouse_engine(warehouse_url)
    try:
        report = create_schema(engine)
        assert set(report.created) == {t.name for t in tables.ALL_TABLES}
        assert report.changed
        for table in tables.ALL_TABLES:
            assert count_rows(engine, table) == 0
    finally:
        engine.dispose()
