"""Fixtures for ingest tests: a bank-style export with known malformed rows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from tests.factories import make_transactions

# The bank's own column names for the warehouse columns that differ.
BANK_MAPPING = {
    "transaction_id": "TXN_ID",
    "account_number": "ACCT",
    "transaction_timestamp": "TS",
    "transaction_amount": "AMT",
    "channel_name": "CHANNEL",
}
MALFORMATIONS = (
    "empty id",
    "text amount",
    "NaN",
    "bad timestamp",
    "duplicate id",
    "unknown channel",
)


@dataclass(frozen=True)
class BankExport:
    """A written export and what it contains."""

    path: Path
    rows: int
    bad_rows: dict[int, str]  # 1-based data row -> which malformation


def write_bank_export(path: Path, rows: int = 1_000, bad: int = 50, seed: int = 3) -> BankExport:
    """Write a CSV of `rows` transactions in a bank's own column names, `bad` of them malformed
    in the six ways of MALFORMATIONS, spread through the file."""
    frame = make_transactions(rows, seed=seed).select(
        pl.col("transaction_id").alias("TXN_ID"),
        pl.col("account_number").alias("ACCT"),
        pl.col("transaction_timestamp").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").alias("TS"),
        pl.col("transaction_amount").cast(pl.String).alias("AMT"),
        pl.col("channel_name").alias("CHANNEL"),
        pl.col("transaction_type"),
        pl.col("merchant_name"),
        pl.col("is_international").cast(pl.String),
    )
    data = {name: frame[name].to_list() for name in frame.columns}
    bad_rows: dict[int, str] = {}
    step = rows // bad
    for k in range(bad):
        i = 5 + k * step  # 0-based; never 0, so a duplicate always has an earlier original
        kind = MALFORMATIONS[k % len(MALFORMATIONS)]
        if kind == "empty id":
            data["TXN_ID"][i] = ""
        elif kind == "text amount":
            data["AMT"][i] = "twelve dollars"
        elif kind == "NaN":
            data["AMT"][i] = "NaN"
        elif kind == "bad timestamp":
            data["TS"][i] = "31/02/2026 25:61"
        elif kind == "duplicate id":
            data["TXN_ID"][i] = data["TXN_ID"][i - 1]
        else:
            data["CHANNEL"][i] = "Carrier Pigeon"
        bad_rows[i + 1] = kind
    pl.DataFrame(data).write_csv(path)
    return BankExport(path=path, rows=rows, bad_rows=bad_rows)


@pytest.fixture
def bank_export(tmp_path: Path) -> BankExport:
    """Return a 1,000-row export with 50 malformed rows."""
    return write_bank_export(tmp_path / "bank_export.csv")
