"""The summary and data-quality sections: what the data is, and what is wrong with it.

Every check states its rule, counts the rows that break it, and shows a few examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

import polars as pl

from fraudwatch.schemas import CHANNELS, TRANSACTION_TYPES

EXAMPLES: Final = 5
# Before this a timestamp is impossible for a card or account transaction in this system.
EARLIEST_POSSIBLE: Final = datetime(1970, 1, 1)


@dataclass(frozen=True)
class ColumnInfo:
    """One column: name, type, and how many values are missing (null or unparseable)."""

    name: str
    dtype: str
    missing: int | None


@dataclass(frozen=True)
class NumericStats:
    """Descriptive statistics of one numeric column over its non-missing values.

    `std` is the sample standard deviation (n − 1); quartiles use linear interpolation.
    """

    column: str
    count: int
    mean: float | None
    std: float | None
    minimum: float | None
    q1: float | None
    median: float | None
    q3: float | None
    maximum: float | None


@dataclass(frozen=True)
class Summary:
    """Rows, columns and types, time span, numeric statistics, and labels known."""

    rows: int
    columns: tuple[ColumnInfo, ...]
    first: datetime | None
    last: datetime | None
    numeric: tuple[NumericStats, ...]
    labelled: int
    fraud: int


@dataclass(frozen=True)
class QualityCheck:
    """One rule, how many rows break it, and up to EXAMPLES of them in words."""

    name: str
    rule: str
    count: int
    examples: tuple[str, ...]


def summarize(frame: pl.DataFrame, raw_columns: tuple[tuple[str, str], ...] = ()) -> Summary:
    """Return the summary section.

    Columns are the frame's own (labels aside), or a file's `raw_columns` (name, type as read)
    when given; `missing` is then None for a file column the report does not parse.
    """
    if raw_columns:
        columns = tuple(
            ColumnInfo(name, dtype, frame[name].null_count() if name in frame.columns else None)
            for name, dtype in raw_columns
        )
    else:
        columns = tuple(
            ColumnInfo(name, str(dtype), frame[name].null_count())
            for name, dtype in frame.schema.items()
            if name != "is_fraud"
        )
    stamps = frame["transaction_timestamp"].drop_nulls()
    numeric = tuple(
        _numeric_stats(frame[name]) for name, dtype in frame.schema.items() if dtype.is_numeric()
    )
    labels = frame["is_fraud"]
    return Summary(
        rows=frame.height,
        columns=columns,
        first=stamps.min() if stamps.len() else None,  # type: ignore[arg-type]
        last=stamps.max() if stamps.len() else None,  # type: ignore[arg-type]
        numeric=numeric,
        labelled=labels.len() - labels.null_count(),
        fraud=int(labels.fill_null(False).sum()),
    )


def _numeric_stats(series: pl.Series) -> NumericStats:
    values = series.drop_nulls().cast(pl.Float64)
    if values.is_empty():
        return NumericStats(series.name, 0, None, None, None, None, None, None, None)

    def quantile(q: float) -> float:
        return float(values.quantile(q, interpolation="linear"))  # type: ignore[arg-type]

    std = values.std(ddof=1)
    return NumericStats(
        column=series.name,
        count=values.len(),
        mean=float(values.mean()),  # type: ignore[arg-type]
        std=None if std is None else float(std),  # type: ignore[arg-type]
        minimum=float(values.min()),  # type: ignore[arg-type]
        q1=quantile(0.25),
        median=quantile(0.5),
        q3=quantile(0.75),
        maximum=float(values.max()),  # type: ignore[arg-type]
    )


def quality_checks(frame: pl.DataFrame, as_of: datetime) -> tuple[QualityCheck, ...]:
    """Return every data-quality check over `frame`; `as_of` (naive UTC) defines "future"."""
    amount, stamp = pl.col("transaction_amount"), pl.col("transaction_timestamp")
    checks = [
        *_missing_checks(frame),
        _rows(
            frame, "negative amounts", "transaction_amount < 0", amount < 0, "transaction_amount"
        ),
        _rows(frame, "zero amounts", "transaction_amount = 0", amount == 0, "transaction_amount"),
        _rows(
            frame,
            "future timestamps",
            f"transaction_timestamp after the report time {as_of:%Y-%m-%d %H:%M} UTC",
            stamp > as_of,
            "transaction_timestamp",
        ),
        _rows(
            frame,
            "impossible timestamps",
            f"transaction_timestamp before {EARLIEST_POSSIBLE:%Y-%m-%d}",
            stamp < EARLIEST_POSSIBLE,
            "transaction_timestamp",
        ),
        _rows(
            frame,
            "posted before it happened",
            "transaction_post_date earlier than the date of transaction_timestamp",
            pl.col("transaction_post_date") < stamp.dt.date(),
            "transaction_post_date",
        ),
        _duplicates(frame),
        _unknown(frame, "channel_name", CHANNELS),
        _unknown(frame, "transaction_type", TRANSACTION_TYPES),
    ]
    return tuple(checks)


def _describe(row: dict[str, object], column: str) -> str:
    return f"{row['transaction_id']}: {column} = {row[column]}"


def _rows(
    frame: pl.DataFrame, name: str, rule: str, condition: pl.Expr, column: str
) -> QualityCheck:
    broken = frame.filter(condition.fill_null(False))
    examples = tuple(_describe(row, column) for row in broken.head(EXAMPLES).iter_rows(named=True))
    return QualityCheck(name, rule, broken.height, examples)


def _missing_checks(frame: pl.DataFrame) -> list[QualityCheck]:
    """One check per column with missing values (is_fraud excluded: unlabelled is normal)."""
    checks = []
    for name in frame.columns:
        if name == "is_fraud" or name == "transaction_id":
            continue
        missing = frame.filter(pl.col(name).is_null())
        if missing.height:
            examples = tuple(str(t) for t in missing["transaction_id"].head(EXAMPLES))
            checks.append(
                QualityCheck(
                    f"missing {name}", f"{name} is empty or unparseable", missing.height, examples
                )
            )
    missing_ids = frame["transaction_id"].null_count()
    if missing_ids:
        checks.append(
            QualityCheck("missing transaction_id", "transaction_id is empty", missing_ids, ())
        )
    return checks


def _duplicates(frame: pl.DataFrame) -> QualityCheck:
    """Extra rows sharing an id with an earlier row: rows − distinct non-null ids."""
    ids = frame["transaction_id"].drop_nulls()
    extra = ids.len() - ids.n_unique()
    repeated = (
        frame.group_by("transaction_id")
        .len()
        .filter((pl.col("len") > 1) & pl.col("transaction_id").is_not_null())
        .sort(["len", "transaction_id"], descending=[True, False])
        .head(EXAMPLES)
    )
    examples = tuple(f"{tid}: {n} rows" for tid, n in repeated.iter_rows())
    return QualityCheck(
        "duplicate ids", "rows whose transaction_id appeared on an earlier row", extra, examples
    )


def _unknown(frame: pl.DataFrame, column: str, known: tuple[str, ...]) -> QualityCheck:
    """Rows whose category is present but not one of `known` (the literal 'unknown' included)."""
    unknown = frame.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(known))
    values = (
        unknown.group_by(column)
        .len()
        .sort(["len", column], descending=[True, False])
        .head(EXAMPLES)
    )
    examples = tuple(f"{value!r}: {n} rows" for value, n in values.iter_rows())
    rule = f"{column} not one of {', '.join(known)}"
    return QualityCheck(f"unknown {column}", rule, unknown.height, examples)
