"""Loading what a report looks at: a time window of the warehouse, or a file, as one frame.

Both sources end in the same shape, `EXPLORE_SCHEMA`: the transaction columns plus `is_fraud`
(True where a fraud label is known, False where a label says legitimate, null where no label
exists). Every row in the window is read: there is no row cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.ingest import IngestError
from fraudwatch.ingest.files import read_table
from fraudwatch.ingest.parse import as_text, parse_bool, parse_float, parse_timestamp
from fraudwatch.schemas import TRANSACTION_SCHEMA
from fraudwatch.warehouse import read_frame, tables

EXPLORE_SCHEMA: Final = pl.Schema([*TRANSACTION_SCHEMA.items(), ("is_fraud", pl.Boolean())])
# Columns a file must have to be explored at all.
FILE_REQUIRED: Final = ("transaction_id", "transaction_timestamp", "transaction_amount")


class ExploreInputError(Exception):
    """The input cannot be explored (unreadable file, missing columns); one line, for the user."""


@dataclass(frozen=True)
class Source:
    """What a report covers: a warehouse window [start, end) or a file, in words and bounds."""

    description: str
    start: datetime | None = None
    end: datetime | None = None
    # The file's own columns and types as read, before any parsing (empty for the warehouse).
    raw_columns: tuple[tuple[str, str], ...] = ()
    has_labels: bool = True


@dataclass(frozen=True)
class Dataset:
    """The rows a report is computed from, and where they came from."""

    frame: pl.DataFrame
    source: Source


def load_window(engine: Engine, start: datetime, end: datetime) -> Dataset:
    """Return the transactions with `start <= transaction_timestamp < end` (naive UTC).

    Each row carries its label's `is_fraud` (null where none is stored), via a LEFT JOIN.
    """
    staging, labels = tables.transaction_staging, tables.fraud_labels
    statement = (
        sa.select(
            *(staging.c[name] for name in TRANSACTION_SCHEMA.names()),
            labels.c.is_fraud,
        )
        .select_from(staging.outerjoin(labels, labels.c.transaction_id == staging.c.transaction_id))
        .where(staging.c.transaction_timestamp >= start, staging.c.transaction_timestamp < end)
        .order_by(staging.c.transaction_timestamp, staging.c.transaction_id)
    )
    frame = read_frame(engine, statement, EXPLORE_SCHEMA)
    has_labels = frame.height > 0 and frame["is_fraud"].null_count() < frame.height
    description = (
        f"warehouse transactions from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC "
        "(start included, end excluded)"
    )
    return Dataset(frame, Source(description, start, end, has_labels=has_labels))


def load_file(path: Path) -> Dataset:
    """Return a CSV/Parquet file's rows parsed leniently into `EXPLORE_SCHEMA`.

    Values that cannot be parsed become null (and so show up as missing in the quality
    section); text columns keep their raw spelling, so unknown categories stay visible. An
    `is_fraud` column, when present, provides the labels. Raises ExploreInputError when the
    file cannot be read or lacks a required column.
    """
    try:
        raw = read_table(path)
    except IngestError as error:
        raise ExploreInputError(str(error)) from None
    missing = [name for name in FILE_REQUIRED if name not in raw.columns]
    if missing:
        raise ExploreInputError(
            f"{path} has no column {', '.join(missing)}; it has {', '.join(raw.columns) or 'none'}"
            " (rename the columns, or ingest it with --map and explore the warehouse)"
        )
    frame = raw.select(_parsed(name, dtype, raw.schema) for name, dtype in EXPLORE_SCHEMA.items())
    columns = tuple((name, str(dtype)) for name, dtype in raw.schema.items())
    has_labels = "is_fraud" in raw.columns and frame["is_fraud"].null_count() < frame.height
    return Dataset(frame, Source(f"file {path}", raw_columns=columns, has_labels=has_labels))


def _parsed(name: str, dtype: pl.DataType, raw: pl.Schema) -> pl.Expr:
    """Return the expression that reads column `name` of the raw file as `dtype`."""
    if name not in raw:
        return pl.lit(None, dtype=dtype).alias(name)
    source = raw[name]
    expr: pl.Expr
    if dtype == pl.Float64:
        number = parse_float(name, source)
        expr = pl.when(number.is_finite()).then(number)  # NaN and inf count as missing
    elif dtype == pl.Boolean:
        expr = parse_bool(name, source)
    elif dtype == pl.Datetime("us"):
        expr = parse_timestamp(name, source)
    elif dtype == pl.Date:
        expr = parse_timestamp(name, source).dt.date()
    else:
        expr = as_text(name)
    return expr.cast(dtype).alias(name)
