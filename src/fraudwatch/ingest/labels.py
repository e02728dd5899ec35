"""Validation of a label file: transaction_id, is_fraud and, optionally, labeled_at and source.

A label without labeled_at is taken to be known from the moment it is imported; features may
use a label only after labeled_at, so an import never leaks into earlier transactions' features.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import polars as pl

from fraudwatch.ingest.parse import TIMESTAMP_HINT, as_text, parse_bool, parse_timestamp
from fraudwatch.ingest.validate import (
    REASON,
    REJECTED_SCHEMA,
    ROW,
    IngestError,
    Validation,
    rejection_ids,
)
from fraudwatch.schemas import LABEL_SCHEMA, LABEL_SOURCES


def _source_column(columns: list[str], mapping: Mapping[str, str], target: str) -> str | None:
    source = mapping.get(target, target)
    return source if source in columns else None


def validate_labels(
    raw: pl.DataFrame, mapping: Mapping[str, str], source_name: str, imported_at: datetime
) -> Validation:
    """Validate a raw label frame into LABEL_SCHEMA rows and rejected rows with reasons."""
    columns = raw.columns
    tid = _source_column(columns, mapping, "transaction_id")
    flag = _source_column(columns, mapping, "is_fraud")
    if tid is None or flag is None:
        raise IngestError(
            "a label file needs transaction_id and is_fraud columns "
            f"(map them with --map, e.g. is_fraud=Class; the file has: {', '.join(columns)})"
        )
    when = _source_column(columns, mapping, "labeled_at")
    origin = _source_column(columns, mapping, "source")
    is_fraud = parse_bool(flag, raw.schema[flag])
    labeled_at = (
        parse_timestamp(when, raw.schema[when]) if when else pl.lit(None, dtype=pl.Datetime("us"))
    )
    source = as_text(origin).str.to_lowercase() if origin else pl.lit(None, dtype=pl.String)
    problems = [
        pl.when(as_text(tid).is_null()).then(pl.lit("transaction_id is empty")),
        pl.when(is_fraud.is_null()).then(
            pl.format(
                "is_fraud '{}' is not true/false, yes/no or 1/0", pl.col(flag).cast(pl.String)
            )
        ),
        pl.when(as_text(when).is_not_null() & labeled_at.is_null()).then(
            pl.format(
                f"labeled_at '{{}}' is not a date-time; {TIMESTAMP_HINT}",
                pl.col(when).cast(pl.String),
            )
        )
        if when
        else None,
        pl.when(source.is_not_null() & ~source.is_in(LABEL_SOURCES)).then(
            pl.format(f"source '{{}}' is not one of {', '.join(LABEL_SOURCES)}", source)
        )
        if origin
        else None,
    ]
    numbered = raw.with_row_index(ROW, offset=1)
    checked = numbered.select(
        pl.col(ROW),
        as_text(tid).alias("transaction_id"),
        is_fraud.alias("is_fraud"),
        source.fill_null("import").alias("source"),
        labeled_at.fill_null(pl.lit(imported_at, dtype=pl.Datetime("us"))).alias("labeled_at"),
        pl.concat_str(
            [p for p in problems if p is not None], separator="; ", ignore_nulls=True
        ).alias(REASON),
    ).with_columns(pl.when(pl.col(REASON) == "").then(None).otherwise(pl.col(REASON)).alias(REASON))
    good = checked.filter(pl.col(REASON).is_null()).unique(
        "transaction_id", keep="first", maintain_order=True
    )
    bad = checked.filter(pl.col(REASON).is_not_null())
    raw_json = numbered.join(bad.select(ROW), on=ROW, how="semi").select(
        pl.struct([pl.col(c).cast(pl.String) for c in columns]).struct.json_encode().alias("raw")
    )["raw"]
    rejected = pl.DataFrame(
        {
            "rejection_id": rejection_ids(bad[ROW], raw_json),
            "source": [source_name] * bad.height,
            "source_row": bad[ROW].cast(pl.Int64),
            "transaction_id": bad["transaction_id"],
            "raw_record": raw_json,
            "reason": bad[REASON],
        },
        schema=REJECTED_SCHEMA,
    )
    return Validation(good=good.select(LABEL_SCHEMA.names()).cast(LABEL_SCHEMA), rejected=rejected)
