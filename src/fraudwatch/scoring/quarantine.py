"""Quarantine: staged rows the scorer cannot score go to rejected_transactions, with a reason.

Bank systems may write transaction_staging directly, bypassing `fraudwatch ingest`'s validation,
so the scorer re-checks every batch with the same rules that apply to typed rows (required
values present, amount a finite number, known categories). A bad row is stored in
rejected_transactions with source `QUARANTINE_SOURCE`; the anti-join in
`unscored_transactions` then never returns it again, and the run goes on with the good rows.
A rejection id is a digest of the transaction id, so two scorers quarantining the same row
store it once.
"""

from __future__ import annotations

import hashlib
from typing import Final

import polars as pl

from fraudwatch.schemas import CHANNELS, TRANSACTION_TYPES, UNKNOWN
from fraudwatch.warehouse import QUARANTINE_SOURCE

REASON: Final = "__reason"
KNOWN_TYPES: Final = (*TRANSACTION_TYPES, UNKNOWN)
KNOWN_CHANNELS: Final = (*CHANNELS, UNKNOWN)


def _blank(column: str) -> pl.Expr:
    return pl.col(column).is_null() | (pl.col(column).str.strip_chars() == "")


def _unknown(column: str, known: tuple[str, ...]) -> pl.Expr:
    return pl.col(column).is_null() | ~pl.col(column).is_in(list(known))


def _problems() -> list[tuple[pl.Expr, pl.Expr]]:
    """Return (failing condition, reason) per rule, for typed transaction rows."""
    amount = pl.col("transaction_amount")
    return [
        (_blank("transaction_id"), pl.lit("transaction_id is empty")),
        (_blank("account_number"), pl.lit("account_number is empty")),
        (
            pl.col("transaction_timestamp").is_null(),
            pl.lit("transaction_timestamp is missing or not a date-time"),
        ),
        (amount.is_null(), pl.lit("transaction_amount is missing")),
        (
            amount.is_not_null() & ~amount.is_finite(),
            pl.format("transaction_amount {} is not a finite number", amount.cast(pl.String)),
        ),
        (
            _unknown("transaction_type", KNOWN_TYPES),
            pl.format(
                "transaction_type '{}' is not one of {}",
                pl.col("transaction_type").fill_null(""),
                pl.lit(", ".join(KNOWN_TYPES)),
            ),
        ),
        (
            _unknown("channel_name", KNOWN_CHANNELS),
            pl.format(
                "channel_name '{}' is not one of {}",
                pl.col("channel_name").fill_null(""),
                pl.lit(", ".join(KNOWN_CHANNELS)),
            ),
        ),
    ]


def quarantine(batch: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split a batch of staged transactions into (rows to score, rejected rows).

    The rejected frame has the columns `insert_rejected` takes: rejection_id, source
    ('scoring'), source_row (null), transaction_id, raw_record (the row as JSON) and reason
    (every broken rule, joined by '; ').
    """
    problems = _problems()
    failing = pl.any_horizontal([condition for condition, _ in problems])
    if not batch.select(failing.any()).item():
        return batch, rejected_frame(batch.clear(), pl.Series(REASON, [], dtype=pl.String))
    bad = batch.filter(failing)
    reasons = bad.select(
        pl.concat_str(
            [pl.when(c).then(m).otherwise(pl.lit(None, dtype=pl.String)) for c, m in problems],
            separator="; ",
            ignore_nulls=True,
        ).alias(REASON)
    ).get_column(REASON)
    return batch.filter(~failing), rejected_frame(bad, reasons)


def rejected_frame(rows: pl.DataFrame, reasons: pl.Series) -> pl.DataFrame:
    """Return `insert_rejected`'s frame for staged `rows`, one reason each."""
    raw = rows.select(
        pl.struct([pl.col(c).cast(pl.String) for c in rows.columns]).struct.json_encode()
    ).to_series()
    ids = rows.get_column("transaction_id").cast(pl.String)
    digests = [
        hashlib.sha256(f"{QUARANTINE_SOURCE}|{tid}".encode()).hexdigest()[:40]
        for tid in ids.to_list()
    ]
    return pl.DataFrame(
        {
            "rejection_id": pl.Series(digests, dtype=pl.String),
            "source": pl.repeat(QUARANTINE_SOURCE, rows.height, dtype=pl.String, eager=True),
            "source_row": pl.Series([None] * rows.height, dtype=pl.Int64),
            "transaction_id": ids,
            "raw_record": raw,
            "reason": reasons.cast(pl.String),
        }
    )
