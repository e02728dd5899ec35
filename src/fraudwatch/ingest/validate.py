"""Row-by-row validation of a transaction file, vectorized: good rows typed, bad rows with reasons.

Rules (each failing rule adds one readable reason; a row with any reason is rejected, and kept):
- transaction_id and account_number: present and not empty;
- transaction_amount: a number, and finite (not NaN or infinite);
- transaction_timestamp: an ISO 8601 date-time (an offset is converted to UTC; none means UTC);
- transaction_type and channel_name: a known value or explicitly 'unknown' (case and spacing are
  forgiven: 'MOBILE_APP' is 'Mobile App');
- is_international and reversal_flag: true/false, yes/no, 1/0;
- transaction_post_date, when given: a date;
- transaction_id: unique in the file (the first occurrence wins, later ones are rejected).

Optional columns missing from the file take the defaults in `OPTIONAL_DEFAULTS`; an empty value in
an optional column takes the same default.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import polars as pl

from fraudwatch.ingest.parse import (
    CHANNEL_ALIASES,
    TIMESTAMP_HINT,
    TYPE_ALIASES,
    as_text,
    is_blank,
    parse_bool,
    parse_category,
    parse_float,
    parse_merchant_code,
    parse_timestamp,
)
from fraudwatch.schemas import (
    CHANNELS,
    REQUIRED_TRANSACTION_COLUMNS,
    TRANSACTION_SCHEMA,
    TRANSACTION_TYPES,
    UNKNOWN,
)

ROW: Final = "__row"
REASON: Final = "__reason"

# What an optional column is when the file does not have it (or the value is empty).
OPTIONAL_DEFAULTS: Final[Mapping[str, object]] = {
    "transaction_post_date": "the date of transaction_timestamp",
    "transaction_type": UNKNOWN,
    "transaction_description": None,
    "channel_name": UNKNOWN,
    "merchant_name": None,
    "merchant_category_code": None,
    "is_international": False,
    "reversal_flag": False,
}

REJECTED_SCHEMA: Final = pl.Schema(
    {
        "rejection_id": pl.String,
        "source": pl.String,
        "source_row": pl.Int64,
        "transaction_id": pl.String,
        "raw_record": pl.String,
        "reason": pl.String,
    }
)


class IngestError(ValueError):
    """The file as a whole cannot be ingested (missing column, unreadable, bad mapping)."""


@dataclass(frozen=True)
class Validation:
    """The outcome of validating a file: typed good rows and the rejected ones with reasons."""

    good: pl.DataFrame
    rejected: pl.DataFrame


@dataclass(frozen=True)
class Problem:
    """A rule a row can break: a cheap boolean test, and the message built only where it fails."""

    condition: pl.Expr
    message: pl.Expr

    def reason(self) -> pl.Expr:
        """Return the message where the condition holds, null elsewhere."""
        return pl.when(self.condition).then(self.message).otherwise(pl.lit(None, dtype=pl.String))


def _problem(condition: pl.Expr, message: pl.Expr | str) -> Problem:
    return Problem(condition, pl.lit(message) if isinstance(message, str) else message)


def _raw(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String)


def _required_checks(
    source: Mapping[str, str], schema: pl.Schema
) -> tuple[list[pl.Expr], list[Problem]]:
    tid, acct = source["transaction_id"], source["account_number"]
    amount_col, ts_col = source["transaction_amount"], source["transaction_timestamp"]
    amount = parse_float(amount_col, schema[amount_col])
    timestamp = parse_timestamp(ts_col, schema[ts_col])
    values = [
        as_text(tid).alias("transaction_id"),
        as_text(acct).alias("account_number"),
        amount.alias("transaction_amount"),
        timestamp.alias("transaction_timestamp"),
    ]
    problems = [
        _problem(is_blank(tid, schema[tid]), "transaction_id is empty"),
        _problem(is_blank(acct, schema[acct]), "account_number is empty"),
        _problem(is_blank(amount_col, schema[amount_col]), "transaction_amount is empty"),
        _problem(
            ~is_blank(amount_col, schema[amount_col]) & amount.is_null(),
            pl.format("transaction_amount '{}' is not a number", _raw(amount_col)),
        ),
        _problem(
            amount.is_not_null() & ~amount.is_finite(),
            pl.format("transaction_amount {} is not a finite number", _raw(amount_col)),
        ),
        _problem(is_blank(ts_col, schema[ts_col]), "transaction_timestamp is empty"),
        _problem(
            ~is_blank(ts_col, schema[ts_col]) & timestamp.is_null(),
            pl.format(
                f"transaction_timestamp '{{}}' is not a date-time; {TIMESTAMP_HINT}", _raw(ts_col)
            ),
        ),
    ]
    return values, problems


def _category(
    target: str,
    source: str | None,
    schema: pl.Schema,
    aliases: Mapping[str, str],
    allowed: tuple[str, ...],
) -> tuple[pl.Expr, Problem | None]:
    if source is None:
        return pl.lit(UNKNOWN).alias(target), None
    parsed = parse_category(source, dict(aliases))
    value = pl.when(is_blank(source, schema[source])).then(pl.lit(UNKNOWN)).otherwise(parsed)
    options = ", ".join(allowed)
    problem = _problem(
        ~is_blank(source, schema[source]) & parsed.is_null(),
        pl.format(f"{target} '{{}}' is not one of {options}, or '{UNKNOWN}'", _raw(source)),
    )
    return value.alias(target), problem


def _flag(target: str, source: str | None, schema: pl.Schema) -> tuple[pl.Expr, Problem | None]:
    if source is None:
        return pl.lit(False).alias(target), None
    parsed = parse_bool(source, schema[source])
    problem = _problem(
        ~is_blank(source, schema[source]) & parsed.is_null(),
        pl.format(f"{target} '{{}}' is not true/false, yes/no or 1/0", _raw(source)),
    )
    return parsed.fill_null(False).alias(target), problem


def _optional_checks(
    source: Mapping[str, str | None], schema: pl.Schema
) -> tuple[list[pl.Expr], list[Problem]]:
    values: list[pl.Expr] = []
    problems: list[Problem | None] = []
    for target, aliases, allowed in (
        ("transaction_type", TYPE_ALIASES, TRANSACTION_TYPES),
        ("channel_name", CHANNEL_ALIASES, CHANNELS),
    ):
        value, problem = _category(target, source[target], schema, aliases, allowed)
        values.append(value)
        problems.append(problem)
    for target in ("is_international", "reversal_flag"):
        value, problem = _flag(target, source[target], schema)
        values.append(value)
        problems.append(problem)
    for target in ("transaction_description", "merchant_name"):
        col = source[target]
        values.append((as_text(col) if col else pl.lit(None, dtype=pl.String)).alias(target))
    mcc = source["merchant_category_code"]
    values.append(
        (parse_merchant_code(mcc, schema[mcc]) if mcc else pl.lit(None, dtype=pl.String)).alias(
            "merchant_category_code"
        )
    )
    post = source["transaction_post_date"]
    if post is None:
        values.append(pl.lit(None, dtype=pl.Date).alias("transaction_post_date"))
    else:
        parsed = parse_timestamp(post, schema[post]).dt.date()
        values.append(parsed.alias("transaction_post_date"))
        problems.append(
            _problem(
                ~is_blank(post, schema[post]) & parsed.is_null(),
                pl.format("transaction_post_date '{}' is not a date (use YYYY-MM-DD)", _raw(post)),
            )
        )
    return values, [p for p in problems if p is not None]


def resolve_columns(columns: list[str], mapping: Mapping[str, str]) -> dict[str, str | None]:
    """Return, for every warehouse column, the file column it comes from (None: use the default).

    Raises IngestError when a required column is missing or a mapping names a column the file
    does not have.
    """
    unknown_targets = sorted(set(mapping) - set(TRANSACTION_SCHEMA.names()))
    if unknown_targets:
        raise IngestError(
            f"--map names unknown target column(s) {', '.join(unknown_targets)}; "
            f"targets are: {', '.join(TRANSACTION_SCHEMA.names())}"
        )
    resolved: dict[str, str | None] = {}
    for target in TRANSACTION_SCHEMA.names():
        source: str | None = mapping.get(target, target)
        if source not in columns:
            if target in mapping:
                raise IngestError(
                    f"--map {target}={source}: the file has no column {source!r} "
                    f"(it has: {', '.join(columns)})"
                )
            if target in REQUIRED_TRANSACTION_COLUMNS:
                raise IngestError(
                    f"the file has no {target} column; name its source with "
                    f"--map {target}=COLUMN (the file has: {', '.join(columns)})"
                )
            source = None
        resolved[target] = source
    return resolved


def rejection_ids(rows: pl.Series, records: pl.Series) -> pl.Series:
    """Return a stable id per rejected record: a digest of its row number and raw content."""
    return pl.Series(
        [
            hashlib.sha256(f"{row}|{record}".encode()).hexdigest()[:40]
            for row, record in zip(rows.to_list(), records.to_list(), strict=True)
        ],
        dtype=pl.String,
    )


def validate_transactions(
    raw: pl.DataFrame, mapping: Mapping[str, str], source_name: str
) -> Validation:
    """Validate a raw file frame (its own column names) into typed good rows and rejected rows.

    `mapping` maps warehouse column → file column for columns whose names differ. Rows are
    numbered from 1 in file order; rejected rows keep their raw values as JSON.
    """
    source = resolve_columns(raw.columns, mapping)
    required = {k: v for k, v in source.items() if v is not None}
    values, problems = _required_checks(required, raw.schema)
    more_values, more_problems = _optional_checks(source, raw.schema)
    problems += more_problems
    numbered = raw.with_row_index(ROW, offset=1)
    # Test every rule on every row (cheap booleans); build reason texts for failing rows only.
    failing = pl.any_horizontal([p.condition for p in problems]) if problems else pl.lit(False)
    reasons = numbered.filter(failing).select(
        pl.col(ROW),
        pl.concat_str([p.reason() for p in problems], separator="; ", ignore_nulls=True).alias(
            REASON
        ),
    )
    checked = (
        numbered.select(pl.col(ROW), *values, *more_values)
        .with_columns(
            pl.col("transaction_post_date").fill_null(pl.col("transaction_timestamp").dt.date())
        )
        .join(reasons, on=ROW, how="left", maintain_order="left")
    )
    checked = _reject_duplicate_ids(checked)
    good = checked.filter(pl.col(REASON).is_null()).select(
        [pl.col(name).cast(dtype) for name, dtype in TRANSACTION_SCHEMA.items()]
    )
    return Validation(good=good, rejected=_rejected_frame(numbered, checked, source_name))


def _reject_duplicate_ids(checked: pl.DataFrame) -> pl.DataFrame:
    valid = pl.col(REASON).is_null()
    first_row = pl.col(ROW).filter(valid).min().over("transaction_id")
    duplicate = valid & (pl.col(ROW) != first_row)
    return checked.with_columns(
        pl.when(duplicate)
        .then(
            pl.format(
                "duplicate transaction_id '{}' (first at row {})", "transaction_id", first_row
            )
        )
        .otherwise(pl.col(REASON))
        .alias(REASON)
    )


def _rejected_frame(
    numbered: pl.DataFrame, checked: pl.DataFrame, source_name: str
) -> pl.DataFrame:
    bad = checked.filter(pl.col(REASON).is_not_null()).select(ROW, REASON)
    if bad.is_empty():
        return pl.DataFrame(schema=REJECTED_SCHEMA)
    original = [c for c in numbered.columns if c != ROW]
    raw = numbered.join(bad, on=ROW, how="semi").select(
        pl.col(ROW),
        pl.struct([pl.col(c).cast(pl.String) for c in original]).struct.json_encode().alias("raw"),
    )
    joined = bad.join(raw, on=ROW, how="left").join(
        checked.select(ROW, "transaction_id"), on=ROW, how="left"
    )
    return pl.DataFrame(
        {
            "rejection_id": rejection_ids(joined[ROW], joined["raw"]),
            "source": [source_name] * joined.height,
            "source_row": joined[ROW].cast(pl.Int64),
            "transaction_id": joined["transaction_id"],
            "raw_record": joined["raw"],
            "reason": joined[REASON],
        },
        schema=REJECTED_SCHEMA,
    )
