"""Per-group figures: count, average and total amount, and known fraud, for any grouping column.

Shared by the channel section and the fraud-rate tables. Fraud share is the share of a group's
transactions with a fraud label; a transaction without a label counts as not known to be fraud
(in this warehouse, "no label" means "not known to be fraud").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

MISSING: Final = "(missing)"

# Amount bands for fraud rates: [lower, upper) in the transaction currency; None is open.
AMOUNT_BANDS: Final = (
    ("0 or less", None, 0.0),
    ("0–100", 0.0, 100.0),
    ("100–500", 100.0, 500.0),
    ("500–1,000", 500.0, 1_000.0),
    ("1,000–5,000", 1_000.0, 5_000.0),
    ("5,000 and more", 5_000.0, None),
)


@dataclass(frozen=True)
class GroupRow:
    """One group's figures. `mean_amount` is None when no row of the group has an amount."""

    key: str
    transactions: int
    mean_amount: float | None
    total_amount: float
    fraud: int

    @property
    def fraud_share(self) -> float:
        """Return the share of the group's transactions labelled fraud (0 for an empty group)."""
        return self.fraud / self.transactions if self.transactions else 0.0


def key_text(column: str) -> pl.Expr:
    """Return a column as display keys: booleans as yes/no, null as '(missing)'."""
    col = pl.col(column)
    return (
        pl.when(col.is_null())
        .then(pl.lit(MISSING))
        .otherwise(col.cast(pl.String).replace({"true": "yes", "false": "no"}))
        .alias("key")
    )


def amount_band() -> pl.Expr:
    """Return each transaction's amount band label (see AMOUNT_BANDS); '(missing)' for null.

    The first band is `amount <= 0`; every other band is `lower <= amount < upper`.
    """
    amount = pl.col("transaction_amount")
    expr: pl.Expr = pl.lit(MISSING)
    for label, lower, upper in reversed(AMOUNT_BANDS):
        if lower is None:
            condition = amount <= 0
        elif upper is None:
            condition = amount >= lower
        else:
            condition = (amount >= lower) & (amount < upper)
        expr = pl.when(condition).then(pl.lit(label)).otherwise(expr)
    return expr.alias("key")


def group_rows(frame: pl.DataFrame, key: pl.Expr) -> tuple[GroupRow, ...]:
    """Return one GroupRow per value of `key` (an expression aliased 'key'), most rows first."""
    if frame.is_empty():
        return ()
    grouped = (
        frame.with_columns(key)
        .group_by("key")
        .agg(
            pl.len().alias("transactions"),
            pl.col("transaction_amount").mean().alias("mean_amount"),
            pl.col("transaction_amount").sum().alias("total_amount"),
            (pl.col("is_fraud") == True).sum().alias("fraud"),  # noqa: E712 (null is not fraud)
        )
        .sort(["transactions", "key"], descending=[True, False])
    )
    return tuple(
        GroupRow(
            key=str(row["key"]),
            transactions=int(row["transactions"]),
            mean_amount=None if row["mean_amount"] is None else float(row["mean_amount"]),
            total_amount=float(row["total_amount"] or 0.0),
            fraud=int(row["fraud"] or 0),
        )
        for row in grouped.iter_rows(named=True)
    )


def band_order(rows: tuple[GroupRow, ...]) -> tuple[GroupRow, ...]:
    """Return amount-band rows in band order (lowest first, '(missing)' last)."""
    order = {label: i for i, (label, _, _) in enumerate(AMOUNT_BANDS)}
    return tuple(sorted(rows, key=lambda row: order.get(row.key, len(order))))
