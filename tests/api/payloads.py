"""Request bodies for API tests, from stored transactions or made up."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
import sqlalchemy as sa

from fraudwatch.schemas import TRANSACTION_SCHEMA
from fraudwatch.warehouse import create_warehouse_engine, read_frame, tables


def as_json(row: dict[str, Any]) -> dict[str, Any]:
    """Return a TRANSACTION_SCHEMA row as a JSON body (dates and times in ISO 8601)."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        out[name] = value.isoformat() if isinstance(value, datetime | date) else value
    return out


def stored_transactions(url: str, limit: int, *, where: str = "") -> pl.DataFrame:
    """Return up to `limit` stored transactions, newest first (optionally filtered by SQL)."""
    staging = tables.transaction_staging
    statement = sa.select(*(staging.c[name] for name in TRANSACTION_SCHEMA.names()))
    if where:
        statement = statement.where(sa.text(where))
    statement = statement.order_by(staging.c.transaction_timestamp.desc()).limit(limit)
    engine = create_warehouse_engine(url)
    try:
        return read_frame(engine, statement, TRANSACTION_SCHEMA)
    finally:
        engine.dispose()


def new_transaction(**changes: Any) -> dict[str, Any]:
    """Return a valid body for a transaction not in the warehouse."""
    body: dict[str, Any] = {
        "transaction_id": "api-test-1",
        "account_number": "AC000001",
        "transaction_timestamp": "2026-01-31T14:05:00Z",
        "transaction_amount": 129.99,
        "transaction_type": "DEBIT",
        "channel_name": "Point of Sale",
        "merchant_name": "Corner Grocer",
        "merchant_category_code": "5411",
    }
    body.update(changes)
    return body
