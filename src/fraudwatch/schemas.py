"""Shared vocabulary: column names, categories and the Polars schema of a transaction frame.

Every layer (warehouse, simulator, ingest, features, scoring) speaks in these names, which
follow the seed's Snowflake tables, lower-case.
"""

from __future__ import annotations

from typing import Final

import polars as pl

UNKNOWN: Final = "unknown"

TRANSACTION_TYPES: Final = ("DEBIT", "CREDIT", "TRANSFER", "WITHDRAWAL", "DEPOSIT", "PAYMENT")
CHANNELS: Final = ("Online Banking", "Mobile App", "ATM", "Branch", "Point of Sale")

LABEL_SOURCES: Final = ("chargeback", "analyst", "import")
REVIEW_DECISIONS: Final = ("confirm_fraud", "legitimate", "escalate")
MODEL_STATUSES: Final = ("candidate", "champion", "retired")
RUN_STATUSES: Final = ("running", "succeeded", "failed", "abandoned")

# The transaction frame as it is stored in transaction_staging (record_created_ts is set by
# the store and is not part of what a producer hands in).
TRANSACTION_SCHEMA: Final = pl.Schema(
    {
        "transaction_id": pl.String(),
        "account_number": pl.String(),
        "transaction_post_date": pl.Date(),
        "transaction_timestamp": pl.Datetime("us"),
        "transaction_type": pl.String(),
        "transaction_description": pl.String(),
        "transaction_amount": pl.Float64(),
        "channel_name": pl.String(),
        "merchant_name": pl.String(),
        "merchant_category_code": pl.String(),
        "is_international": pl.Boolean(),
        "reversal_flag": pl.Boolean(),
    }
)
TRANSACTION_COLUMNS: Final = tuple(TRANSACTION_SCHEMA.names())

REQUIRED_TRANSACTION_COLUMNS: Final = (
    "transaction_id",
    "account_number",
    "transaction_timestamp",
    "transaction_amount",
)

LABEL_SCHEMA: Final = pl.Schema(
    {
        "transaction_id": pl.String(),
        "is_fraud": pl.Boolean(),
        "source": pl.String(),
        "labeled_at": pl.Datetime("us"),
    }
)


def empty_transactions() -> pl.DataFrame:
    """Return an empty frame with the transaction schema."""
    return pl.DataFrame(schema=TRANSACTION_SCHEMA)
