"""Reading large selects as Arrow, without SQLAlchemy's per-row Python objects.

- PostgreSQL: ADBC runs the statement (compiled with `$n` placeholders, values bound, never
  formatted into the text) and returns Arrow batches.
- SQLite: the engine's own connection copies the result into a private scratch file (one
  `INSERT … SELECT` inside SQLite, no Python objects), then ADBC reads only that scratch file.
  ADBC bundles its own SQLite, and two SQLite libraries must never open the same file at once
  (see bulk.py); the scratch file is used by one library after the other, never by both.
  ADBC infers a column's type from its values, so nullable text columns are read with a NUL
  sentinel for NULL (a column starting with NULLs would otherwise be typed as integers).
- Snowflake: `read_frame` (SQLAlchemy).

Text timestamps and dates (SQLite stores them as text) are parsed by Polars, vectorized; a value
that does not parse becomes null (the scorer quarantines such rows instead of failing the batch).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Final

import adbc_driver_postgresql.dbapi as adbc_postgres
import adbc_driver_sqlite.dbapi as adbc_sqlite
import polars as pl
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine

from fraudwatch.warehouse.engines import Backend, backend_of_engine
from fraudwatch.warehouse.queries import read_frame

_NULL: Final = "\x00"
_TIMESTAMP_FORMAT: Final = "%Y-%m-%d %H:%M:%S%.f"
_PG_DIALECT: Final = postgresql.psycopg.dialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]


def read_arrow_frame(engine: Engine, statement: sa.Select[Any], schema: pl.Schema) -> pl.DataFrame:
    """Return the rows of `statement` as a frame with exactly `schema`'s columns and types.

    The select's columns must be named as `schema`'s, in the same order. Faster than
    `read_frame` for large results on SQLite and PostgreSQL; the same rows either way.
    """
    backend = backend_of_engine(engine)
    if backend is Backend.POSTGRESQL:
        frame = _postgres_read(engine, statement)
    elif backend is Backend.SQLITE:
        frame = _sqlite_read(engine, statement, schema)
    else:
        return read_frame(engine, statement, schema)
    return conform(frame, schema)


def conform(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    """Cast a frame read as Arrow to `schema`, parsing text timestamps and dates."""
    columns = []
    for name, dtype in schema.items():
        column = pl.col(name)
        have = frame.schema[name]
        if have == pl.String and dtype != pl.String:
            if isinstance(dtype, pl.Datetime):
                column = column.str.to_datetime(_TIMESTAMP_FORMAT, time_unit="us", strict=False)
            elif dtype == pl.Date:
                column = column.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
            else:
                column = column.cast(dtype, strict=False)
        elif have == pl.Null or have != dtype:
            column = column.cast(dtype, strict=False)
        columns.append(column.alias(name))
    return frame.select(columns)


def _postgres_read(engine: Engine, statement: sa.Select[Any]) -> pl.DataFrame:
    compiled = statement.compile(dialect=_PG_DIALECT, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    values = [params[name] for name in compiled.positiontup or ()]
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with adbc_postgres.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(str(compiled), values or None)
        table = cursor.fetch_arrow_table()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _sqlite_read(engine: Engine, statement: sa.Select[Any], schema: pl.Schema) -> pl.DataFrame:
    names = schema.names()
    with tempfile.TemporaryDirectory(prefix="fraudwatch-read-") as directory:
        scratch = str(Path(directory) / "read.db")
        scratch_table = sa.Table(
            "result", sa.MetaData(schema="fraudwatch_read"), *(sa.Column(n) for n in names)
        )
        with engine.connect() as conn:
            conn.exec_driver_sql("ATTACH DATABASE ? AS fraudwatch_read", (scratch,))
            try:
                conn.exec_driver_sql("PRAGMA fraudwatch_read.journal_mode = OFF")
                conn.exec_driver_sql(f"CREATE TABLE fraudwatch_read.result ({', '.join(names)})")
                conn.execute(sa.insert(scratch_table).from_select(names, statement))
                conn.commit()
            finally:
                conn.exec_driver_sql("DETACH DATABASE fraudwatch_read")
        selected = ", ".join(
            f"coalesce(CAST({n} AS TEXT), char(0)) AS {n}"
            if _read_as_text(schema[n])
            else f"CAST({n} AS REAL) AS {n}"
            if schema[n] == pl.Float64
            else n
            for n in names
        )
        with adbc_sqlite.connect(scratch) as reader, reader.cursor() as cursor:
            cursor.execute(f"SELECT {selected} FROM result ORDER BY rowid")  # noqa: S608 (our names)
            table = cursor.fetch_arrow_table()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    if frame.height == 0:  # no values to infer types from: ADBC says int64 for every column
        return pl.DataFrame(schema=schema)
    text = [n for n in names if _read_as_text(schema[n])]
    return frame.with_columns(
        pl.when(pl.col(n) == _NULL).then(None).otherwise(pl.col(n)).alias(n) for n in text
    )


def _read_as_text(dtype: pl.DataType) -> bool:
    return dtype in (pl.String, pl.Date) or isinstance(dtype, pl.Datetime)
