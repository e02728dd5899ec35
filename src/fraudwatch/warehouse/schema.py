"""Creating the warehouse: every table and index, idempotently."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateTable

from fraudwatch.warehouse.engines import Backend, backend_of_engine
from fraudwatch.warehouse.tables import metadata


@dataclass(frozen=True)
class SchemaReport:
    """What `create_schema` did: the tables it created and those that were already there."""

    created: tuple[str, ...]
    existing: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """Return True when at least one table was created."""
        return bool(self.created)


def create_schema(engine: Engine) -> SchemaReport:
    """Create every missing table and index; leave existing ones untouched.

    On Snowflake the database and schema named in the URL are created first if missing.
    """
    if backend_of_engine(engine) is Backend.SNOWFLAKE:
        _ensure_snowflake_namespace(engine)
    with engine.connect() as conn:
        present = set(sa.inspect(conn).get_table_names())
    wanted = [table.name for table in metadata.sorted_tables]
    if backend_of_engine(engine) is Backend.SNOWFLAKE:
        _create_snowflake_tables(engine, present)
    else:
        metadata.create_all(engine, checkfirst=True)
        _ensure_indexes(engine)
    created = tuple(name for name in wanted if name not in present)
    existing = tuple(name for name in wanted if name in present)
    return SchemaReport(created=created, existing=existing)


def _ensure_indexes(engine: Engine) -> None:
    """Create any index missing from an existing table (say, after a crash inside a bulk load)."""
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)


def _create_snowflake_tables(engine: Engine, present: set[str]) -> None:
    """Create the missing tables without their indexes.

    Snowflake's standard tables have no secondary indexes (snowflake-sqlalchemy refuses them in
    `create_all`); it prunes micro-partitions instead, so the tables alone are the schema there.
    """
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name not in present:
                conn.execute(CreateTable(table))


def _ensure_snowflake_namespace(engine: Engine) -> None:
    database = engine.url.database or ""
    if "/" not in database:
        return
    db_name, schema_name = database.split("/", 1)
    preparer = engine.dialect.identifier_preparer
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS {preparer.quote(db_name)}")
        conn.exec_driver_sql(
            f"CREATE SCHEMA IF NOT EXISTS {preparer.quote(db_name)}.{preparer.quote(schema_name)}"
        )
