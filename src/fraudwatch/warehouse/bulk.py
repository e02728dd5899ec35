"""Fast, idempotent bulk writes of a Polars frame into a keyed table, one path per backend.

"Idempotent" means a row whose primary key is already in the table is skipped, never written
twice and never an error, on every backend and under concurrent writers:

- SQLite: ADBC's Arrow ingest straight into the table inside `BEGIN IMMEDIATE`; if a key
  already exists, the batch is staged in a temporary table and copied with `INSERT OR IGNORE`.
- PostgreSQL: binary `COPY` (ADBC) straight into the table; if a key already exists the copy is
  rolled back and redone through a temporary table with `INSERT … ON CONFLICT DO NOTHING`.
- Snowflake: `MERGE … WHEN NOT MATCHED THEN INSERT` (Snowflake does not enforce primary keys).

Large loads drop the table's secondary indexes and rebuild them afterwards: keeping an index up
to date row by row costs several times more than building it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import adbc_driver_manager.dbapi as adbc_errors
import adbc_driver_sqlite.dbapi as adbc_sqlite
import polars as pl
import adbc_driver_postgresql.dbapi as adbc_postgres
import sqlalchemy as sa
from sqlalchemy.schema import CreateIndex
from sqlalchemy.engine import Engine

from fraudwatch.warehouse.engines import (
    SQLITE_BUSY_TIMEOUT_MS,
    Backend,
    backend_of_engine,
    with_retry,
    write_transaction,
)

# Rows in one load from which rebuilding the secondary indexes beats maintaining them.
DEFER_INDEXES_FROM_ROWS = 200_000
SNOWFLAKE_CHUNK_ROWS = 1_000


def utc_now() -> datetime:
    """Return the current time as naive UTC, the warehouse's storage convention."""
    return datetime.now(UTC).replace(tzinfo=None)


def insert_ignoring_duplicates(engine: Engine, table: sa.Table, frame: pl.DataFrame) -> int:
    """Insert `frame` into `table`, skipping rows whose primary key is already stored.

    Columns are matched by name and must all exist in the table. Returns the number of rows
    actually added. Safe to call concurrently from several processes and to retry.
    """
    if frame.is_empty():
        return 0
    frame = _conform(table, frame)
    backend = backend_of_engine(engine)
    if backend is Backend.SQLITE:
        return with_retry(lambda: _sqlite_insert(engine, table, frame))
    if backend is Backend.POSTGRESQL:
        return with_retry(lambda: _postgres_insert(engine, table, frame))
    return with_retry(lambda: _snowflake_merge(engine, table, frame))


def _conform(table: sa.Table, frame: pl.DataFrame) -> pl.DataFrame:
    unknown = [c for c in frame.columns if c not in table.c]
    if unknown:
        raise ValueError(f"columns not in {table.name}: {', '.join(unknown)}")
    return frame


def _deferring_indexes(table: sa.Table, rows: int) -> list[sa.Index]:
    return list(table.indexes) if rows >= DEFER_INDEXES_FROM_ROWS else []


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Convert temporal and boolean columns to the text and integers SQLAlchemy stores."""
    converted = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
            converted.append(col.dt.strftime("%Y-%m-%d %H:%M:%S.%6f").alias(name))
        elif dtype == pl.Date:
            converted.append(col.dt.strftime("%Y-%m-%d").alias(name))
        elif dtype == pl.Boolean:
            converted.append(col.cast(pl.Int8).alias(name))
        else:
            converted.append(col)
    return frame.select(converted)


def _sqlite_insert(engine: Engine, table: sa.Table, frame: pl.DataFrame) -> int:
    """Load through ADBC, which binds Arrow columns in C (about twice Python's executemany)."""
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("bulk loads need a SQLite file, not an in-memory database")
    arrow = _sqlite_values(frame).to_arrow()
    indexes = _deferring_indexes(table, frame.height)
    columns = ", ".join(frame.columns)
    with adbc_sqlite.connect(database, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        # Index rebuilds sort: a large page cache keeps the sort in memory.
        cursor.execute("PRAGMA cache_size = -262144")
        cursor.execute("BEGIN IMMEDIATE")
        try:
            for index in indexes:
                cursor.execute(f"DROP INDEX IF EXISTS {index.name}")
            cursor.execute("SAVEPOINT fast_path")
            try:
                cursor.adbc_ingest(table.name, arrow, mode="append")
                cursor.execute("RELEASE fast_path")
                added = frame.height
            except adbc_errors.Error as error:
                if "UNIQUE constraint failed" not in str(error):
                    raise
                # Some keys are stored already: stage the batch, then keep only new keys.
                cursor.execute("ROLLBACK TO fast_path")
                cursor.execute("RELEASE fast_path")
                cursor.adbc_ingest("fraudwatch_load", arrow, mode="replace", temporary=True)
                cursor.execute(
                    f"INSERT OR IGNORE INTO {table.name} ({columns}) "  # noqa: S608 (identifiers from our own metadata)
                    f"SELECT {columns} FROM temp.fraudwatch_load"
                )
                cursor.execute("SELECT changes()")
                added = int(cursor.fetchone()[0])
                cursor.execute("DROP TABLE temp.fraudwatch_load")
            for index in indexes:
                cursor.execute(str(CreateIndex(index).compile(dialect=engine.dialect)))
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
    return added


# --- PostgreSQL -------------------------------------------------------------------------------


def _postgres_insert(engine: Engine, table: sa.Table, frame: pl.DataFrame) -> int:
    """Load through ADBC's binary COPY from Arrow.

    A large load into a table drops its indexes and primary key, copies, and rebuilds them: if
    the rebuilt key finds a duplicate, the whole attempt rolls back and the batch goes the safe
    way (a temporary table, then `INSERT … ON CONFLICT DO NOTHING`). A small load copies straight
    into the table under a savepoint, with the same fallback.
    """
    arrow = frame.to_arrow()
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with adbc_postgres.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        if frame.height >= DEFER_INDEXES_FROM_ROWS:
            cursor.execute("BEGIN")
            try:
                added = _postgres_rebuilding_load(engine, cursor, table, arrow)
                cursor.execute("COMMIT")
                return added
            except adbc_errors.IntegrityError:
                cursor.execute("ROLLBACK")
        cursor.execute("BEGIN")
        try:
            cursor.execute("SAVEPOINT fast_path")
            try:
                cursor.adbc_ingest(table.name, arrow, mode="append")
                cursor.execute("RELEASE SAVEPOINT fast_path")
                added = frame.height
            except adbc_errors.IntegrityError:
                cursor.execute("ROLLBACK TO SAVEPOINT fast_path")
                added = _postgres_insert_via_temp(cursor, table, frame.columns, arrow)
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
    return added


def _postgres_rebuilding_load(
    engine: Engine, cursor: Any, table: sa.Table, arrow: Any
) -> int:
    pk = table.primary_key
    key = ", ".join(c.name for c in pk.columns)
    cursor.execute(f"LOCK TABLE {table.name} IN SHARE ROW EXCLUSIVE MODE")
    for index in table.indexes:
        cursor.execute(f"DROP INDEX IF EXISTS {index.name}")
    cursor.execute(f"ALTER TABLE {table.name} DROP CONSTRAINT IF EXISTS {pk.name}")
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cursor.adbc_ingest(table.name, arrow, mode="append")
    cursor.execute(f"ALTER TABLE {table.name} ADD CONSTRAINT {pk.name} PRIMARY KEY ({key})")
    for index in table.indexes:
        cursor.execute(str(CreateIndex(index).compile(dialect=engine.dialect)))
    return int(arrow.num_rows)


def _postgres_insert_via_temp(
    cursor: Any, table: sa.Table, columns: Sequence[str], arrow: Any
) -> int:
    column_list = ", ".join(columns)
    key = ", ".join(c.name for c in table.primary_key.columns)
    cursor.adbc_ingest("fraudwatch_load", arrow, mode="replace", temporary=True)
    cursor.execute(
        f"INSERT INTO {table.name} ({column_list}) "  # noqa: S608 (identifiers from our own metadata)
        f"SELECT DISTINCT ON ({key}) {column_list} FROM fraudwatch_load "
        f"ON CONFLICT ({key}) DO NOTHING"
    )
    added = int(cursor.rowcount)
    cursor.execute("DROP TABLE fraudwatch_load")
    return added


# --- Snowflake --------------------------------------------------------------------------------


def _python_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def _snowflake_merge(engine: Engine, table: sa.Table, frame: pl.DataFrame) -> int:
    columns = frame.columns
    keys = [c.name for c in table.primary_key.columns]
    added = 0
    with write_transaction(engine) as conn:
        for chunk in frame.unique(subset=keys, keep="first", maintain_order=True).iter_slices(
            SNOWFLAKE_CHUNK_ROWS
        ):
            rows = _python_rows(chunk)
            params: dict[str, Any] = {}
            tuples = []
            for i, row in enumerate(rows):
                names = []
                for j, column in enumerate(columns):
                    params[f"p{i}_{j}"] = row[column]
                    names.append(f"%(p{i}_{j})s")
                tuples.append(f"({', '.join(names)})")
            source_columns = ", ".join(f"column{j + 1} AS {c}" for j, c in enumerate(columns))
            on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
            sql = (
                f"MERGE INTO {table.name} t USING (SELECT {source_columns} "  # noqa: S608 (placeholders only)
                f"FROM VALUES {', '.join(tuples)}) s ON {on} "
                f"WHEN NOT MATCHED THEN INSERT ({', '.join(columns)}) "
                f"VALUES ({', '.join('s.' + c for c in columns)})"
            )
            result = conn.exec_driver_sql(sql, params)
            added += max(int(result.rowcount), 0)
    return added
