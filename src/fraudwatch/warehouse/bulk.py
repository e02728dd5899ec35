"""Fast, idempotent bulk writes of a Polars frame into a keyed table, one path per backend.

"Idempotent" means a row whose primary key is already in the table is skipped, never written
twice and never an error, on every backend and under concurrent writers:

- SQLite: ADBC's Arrow ingest into a private scratch file, which the engine's own connection
  attaches and copies with `INSERT … ON CONFLICT DO NOTHING` inside `BEGIN IMMEDIATE`.
- PostgreSQL: binary `COPY` (ADBC) straight into the table; if a key already exists the copy is
  rolled back and redone through a temporary table with `INSERT … ON CONFLICT DO NOTHING`.
- Snowflake: `MERGE … WHEN NOT MATCHED THEN INSERT` (Snowflake does not enforce primary keys).

Large loads drop the table's secondary indexes and rebuild them afterwards: keeping an index up
to date row by row costs several times more than building it once.
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import adbc_driver_manager.dbapi as adbc_errors
import adbc_driver_postgresql.dbapi as adbc_postgres
import adbc_driver_sqlite.dbapi as adbc_sqlite
import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateIndex

from fraudwatch.warehouse.engines import (
    Backend,
    backend_of_engine,
    with_retry,
    write_transaction,
)

# Rows in one load from which rebuilding the secondary indexes beats maintaining them.
DEFER_INDEXES_FROM_ROWS = 200_000
# From this many rows, a PostgreSQL load ends with ANALYZE of its table (0.1-0.2 s at 1M rows):
# until autovacuum's next analyze, up to a minute away, the planner's statistics describe the
# table before the load, and it picked a hash anti-join over every score for a continuous
# scorer's bounded read (0.22 s a poll instead of 3 ms after 255,000 scores were written).
ANALYZE_FROM_ROWS = 10_000
SNOWFLAKE_CHUNK_ROWS = 1_000


def utc_now() -> datetime:
    """Return the current time as naive UTC, the warehouse's storage convention."""
    return datetime.now(UTC).replace(tzinfo=None)


def insert_ignoring_duplicates(
    engine: Engine, table: sa.Table, frame: pl.DataFrame, *, rebuild_indexes: bool = True
) -> int:
    """Insert `frame` into `table`, skipping rows whose primary key is already stored.

    Columns are matched by name and must all exist in the table. Returns the number of rows
    actually added. Safe to call concurrently from several processes and to retry.
    `rebuild_indexes=False` leaves the indexes alone even for a large load: for a series of
    loads inside `indexes_deferred`, which rebuilds them once at the end.
    """
    if frame.is_empty():
        return 0
    frame = _conform(table, frame)
    backend = backend_of_engine(engine)
    if backend is Backend.SQLITE:
        return with_retry(lambda: _sqlite_insert(engine, table, frame, rebuild_indexes))
    if backend is Backend.POSTGRESQL:
        added = with_retry(lambda: _postgres_insert(engine, table, frame, rebuild_indexes))
        if rebuild_indexes and added >= ANALYZE_FROM_ROWS:  # deferred: analyzed at the end
            analyze(engine, table)
        return added
    return with_retry(lambda: _snowflake_merge(engine, table, frame))


def _conform(table: sa.Table, frame: pl.DataFrame) -> pl.DataFrame:
    """Check the columns and cast each to the Arrow type its table column stores.

    Binary COPY is strict: an Int64 column copied into an INTEGER (int4) column is rejected
    ("incorrect binary data format"), so integers are narrowed to the column's width here, and
    time-zone-aware timestamps are converted to the warehouse's naive UTC.
    """
    unknown = [c for c in frame.columns if c not in table.c]
    if unknown:
        raise ValueError(f"columns not in {table.name}: {', '.join(unknown)}")
    casts = []
    for name, dtype in frame.schema.items():
        target = _polars_type(table.c[name].type)
        column = pl.col(name)
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        casts.append(column if target is None else column.cast(target).alias(name))
    return frame.select(casts)


def _polars_type(column_type: sa.types.TypeEngine[Any]) -> pl.DataType | None:
    """Return the Polars type that binds to `column_type` exactly, or None to keep the frame's."""
    kinds: list[tuple[type[sa.types.TypeEngine[Any]], pl.DataType]] = [
        (sa.BigInteger, pl.Int64()),
        (sa.SmallInteger, pl.Int16()),
        (sa.Integer, pl.Int32()),
        (sa.Float, pl.Float64()),
        (sa.Boolean, pl.Boolean()),
        (sa.DateTime, pl.Datetime("us")),
        (sa.Date, pl.Date()),
        (sa.String, pl.String()),
    ]
    return next((target for kind, target in kinds if isinstance(column_type, kind)), None)


def _deferring_indexes(table: sa.Table, rows: int, rebuild: bool) -> list[sa.Index]:
    return list(table.indexes) if rebuild and rows >= DEFER_INDEXES_FROM_ROWS else []


@contextmanager
def indexes_deferred(engine: Engine, table: sa.Table) -> Iterator[None]:
    """Drop `table`'s secondary indexes for the block and rebuild them once when it ends.

    For a series of large loads (a backfill): each load inside passes `rebuild_indexes=False`.
    The indexes are rebuilt even when the block fails; should the process die inside it,
    `create_schema` (`fraudwatch init`) rebuilds whatever index is missing.
    """
    if backend_of_engine(engine) is Backend.SNOWFLAKE or not table.indexes:
        yield
        return
    with write_transaction(engine) as conn:
        for index in table.indexes:
            index.drop(conn, checkfirst=True)
    try:
        yield
    finally:
        with write_transaction(engine) as conn:
            if backend_of_engine(engine) is Backend.POSTGRESQL:
                conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
            for index in table.indexes:
                index.create(conn, checkfirst=True)
    if backend_of_engine(engine) is Backend.POSTGRESQL:
        analyze(engine, table)


def analyze(engine: Engine, table: sa.Table) -> None:
    """Refresh PostgreSQL's planner statistics of `table` (see `ANALYZE_FROM_ROWS`)."""
    name = engine.dialect.identifier_preparer.quote(table.name)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"ANALYZE {name}")


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


def _sqlite_insert(engine: Engine, table: sa.Table, frame: pl.DataFrame, rebuild: bool) -> int:
    """Stage the batch in a scratch file with ADBC, then copy it on the warehouse's own connection.

    ADBC bundles its own copy of the SQLite library. Two copies of SQLite must never open the
    same file in one process: their POSIX locks do not see each other, and one copy's close can
    discard the WAL index the other is using (readers then see "database disk image is
    malformed"). So ADBC only ever writes a private scratch file; the warehouse file is touched
    by the engine's connection alone, which ATTACHes the scratch file and copies it with
    `INSERT … ON CONFLICT DO NOTHING` (not `OR IGNORE`, which would also drop NOT NULL
    violations silently). Arrow ingest plus one `INSERT … SELECT` is about twice `executemany`.
    """
    with tempfile.TemporaryDirectory(prefix="fraudwatch-load-") as directory:
        scratch = str(Path(directory) / "load.db")
        with adbc_sqlite.connect(scratch, autocommit=True) as conn, conn.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode = OFF")
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.adbc_ingest("batch", _sqlite_values(frame).to_arrow(), mode="create")
        return _sqlite_copy_from(engine, table, frame, scratch, rebuild)


def _sqlite_copy_from(
    engine: Engine, table: sa.Table, frame: pl.DataFrame, scratch: str, rebuild: bool
) -> int:
    columns = ", ".join(frame.columns)
    key = ", ".join(c.name for c in table.primary_key.columns)
    indexes = _deferring_indexes(table, frame.height, rebuild)
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        statement = "ATTACH DATABASE"
        try:
            cursor.execute("ATTACH DATABASE ? AS fraudwatch_load", (scratch,))
            statement = "BEGIN IMMEDIATE"
            cursor.execute("BEGIN IMMEDIATE")
            try:
                for index in indexes:
                    cursor.execute(f"DROP INDEX IF EXISTS {index.name}")
                # `WHERE true` lets SQLite parse the upsert clause after a SELECT.
                statement = f"INSERT INTO {table.name} … ON CONFLICT DO NOTHING"
                cursor.execute(
                    f"INSERT INTO {table.name} ({columns}) "  # noqa: S608 (identifiers from our metadata)
                    f"SELECT {columns} FROM fraudwatch_load.batch WHERE true "
                    f"ON CONFLICT ({key}) DO NOTHING"
                )
                added = int(cursor.rowcount)
                for index in indexes:
                    cursor.execute(str(CreateIndex(index).compile(dialect=engine.dialect)))
                cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            finally:
                cursor.execute("DETACH DATABASE fraudwatch_load")
        except sqlite3.Error as error:
            # Wrapped like SQLAlchemy's own errors, so `with_retry` sees "database is locked".
            raise sa.exc.OperationalError(statement, None, error) from error
    finally:
        raw.close()
    return added


# --- PostgreSQL -------------------------------------------------------------------------------


def _postgres_insert(engine: Engine, table: sa.Table, frame: pl.DataFrame, rebuild: bool) -> int:
    """Load through ADBC's binary COPY from Arrow.

    A large load into a table drops its indexes and primary key, copies, and rebuilds them: if
    the rebuilt key finds a duplicate, the whole attempt rolls back and the batch goes the safe
    way (a temporary table, then `INSERT … ON CONFLICT DO NOTHING`). A small load copies straight
    into the table under a savepoint, with the same fallback.
    """
    arrow = frame.to_arrow()
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with adbc_postgres.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        if rebuild and frame.height >= DEFER_INDEXES_FROM_ROWS:
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


def _postgres_rebuilding_load(engine: Engine, cursor: Any, table: sa.Table, arrow: Any) -> int:
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


# One MERGE per table at a time from this process. Snowflake itself runs MERGEs on one table one
# after another (they take the table's lock), so queueing here costs nothing, and it keeps
# fakesnow (DuckDB, optimistic) from failing one of two overlapping MERGEs at COMMIT.
_SNOWFLAKE_TABLE_LOCKS: dict[str, threading.Lock] = {}
_SNOWFLAKE_LOCKS_GUARD = threading.Lock()


def _snowflake_table_lock(engine: Engine, table: sa.Table) -> threading.Lock:
    key = f"{engine.url.render_as_string(hide_password=True)}#{table.name}"
    with _SNOWFLAKE_LOCKS_GUARD:
        return _SNOWFLAKE_TABLE_LOCKS.setdefault(key, threading.Lock())


def _snowflake_merge(engine: Engine, table: sa.Table, frame: pl.DataFrame) -> int:
    """MERGE the frame in chunks of VALUES rows, inserting only keys the table lacks.

    Values travel as pyformat parameters (the connector binds them); only identifiers from our
    own metadata are formatted into the statement. MERGE … WHEN NOT MATCHED is itself
    idempotent, so a retry after a failure cannot write a key twice.
    """
    columns = frame.columns
    keys = [c.name for c in table.primary_key.columns]
    source_columns = ", ".join(f"column{j + 1} AS {c}" for j, c in enumerate(columns))
    on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
    added = 0
    unique = frame.unique(subset=keys, keep="first", maintain_order=True)
    with _snowflake_table_lock(engine, table), write_transaction(engine) as conn:
        for chunk in unique.iter_slices(SNOWFLAKE_CHUNK_ROWS):
            params: dict[str, Any] = {}
            tuples = []
            for i, row in enumerate(chunk.rows()):
                names = []
                for j, value in enumerate(row):
                    params[f"p{i}_{j}"] = value
                    names.append(f"%(p{i}_{j})s")
                tuples.append(f"({', '.join(names)})")
            sql = (
                f"MERGE INTO {table.name} t USING (SELECT {source_columns} "  # noqa: S608 (placeholders only)
                f"FROM VALUES {', '.join(tuples)}) s ON {on} "
                f"WHEN NOT MATCHED THEN INSERT ({', '.join(columns)}) "
                f"VALUES ({', '.join('s.' + c for c in columns)})"
            )
            result = conn.exec_driver_sql(sql, params)
            added += max(int(result.rowcount), 0)
    return added
