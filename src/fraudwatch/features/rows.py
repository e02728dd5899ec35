"""The rows the pipeline works on: transactions plus history, normalised, as NumPy arrays.

Missing optional columns (channel, merchant, flags, ...) are added as nulls so every feature still
computes with its documented fill; timestamps become naive UTC microseconds; the union of
`transactions` and `history` keeps one row per transaction_id (the `transactions` row wins).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Final

import numpy as np
import polars as pl
from numpy.typing import NDArray

from fraudwatch.schemas import REQUIRED_TRANSACTION_COLUMNS, TRANSACTION_SCHEMA

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
Bools = NDArray[np.bool_]

_FALSE_IF_NULL: Final = ("is_international", "reversal_flag")


def normalise_transactions(frame: pl.DataFrame, role: str) -> pl.DataFrame:
    """Return `frame` in `TRANSACTION_SCHEMA`: missing optional columns null, flags null -> False.

    Raises ValueError naming `role` when a required column is missing or has nulls.
    """
    missing = [c for c in REQUIRED_TRANSACTION_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{role} lacks required column(s) {', '.join(missing)}; add them")
    timestamp = frame.schema["transaction_timestamp"]
    if isinstance(timestamp, pl.Datetime) and timestamp.time_zone is not None:
        frame = frame.with_columns(
            pl.col("transaction_timestamp").dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        )
    frame = frame.with_columns(
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in TRANSACTION_SCHEMA.items()
        if name not in frame.columns
    )
    frame = frame.select(TRANSACTION_SCHEMA.names()).cast(TRANSACTION_SCHEMA)  # type: ignore[arg-type]
    nulls = [
        c
        for c in ("transaction_id", "account_number", "transaction_timestamp")
        if frame.get_column(c).has_nulls()
    ]
    if nulls:
        raise ValueError(f"{role} has nulls in {', '.join(nulls)}; drop or repair those rows")
    return frame.with_columns(
        pl.col("transaction_amount").fill_null(0.0).fill_nan(0.0),
        *(pl.col(c).fill_null(False) for c in _FALSE_IF_NULL),
    )


def dense_codes(values: pl.Series) -> tuple[I64, pl.Series]:
    """Return integer codes 0..k-1 for the distinct non-null values, k for null, and the values.

    >>> codes, categories = dense_codes(pl.Series(["b", None, "a", "b"]))
    >>> [categories[int(c)] if c < len(categories) else None for c in codes]
    ['b', None, 'a', 'b']
    """
    categories = values.drop_nulls().unique(maintain_order=True)
    codes = values.cast(pl.Enum(categories)).to_physical().cast(pl.Int64)
    return codes.fill_null(len(categories)).to_numpy(), categories


@dataclass(frozen=True)
class Rows:
    """Transactions plus history, one row per id, with the arrays every builder uses.

    `targets` holds, for each row of the input `transactions`, its position in `data`; `accounts`
    the account number of each account code.
    """

    data: pl.DataFrame
    size: int
    targets: I64
    times: I64
    amounts: F64
    account: I64
    accounts: pl.Series

    @cached_property
    def merchant(self) -> I64:
        """Return a merchant code per row (rows without a merchant share one extra code)."""
        return dense_codes(self.data.get_column("merchant_name"))[0]

    @cached_property
    def has_merchant(self) -> Bools:
        """Return whether each row has a merchant."""
        result: Bools = self.data.get_column("merchant_name").is_not_null().to_numpy()
        return result


def _union(transactions: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    """Return `transactions` then the rows of `history` with ids not among them, once each.

    Ids within `transactions` are taken as unique (the warehouse key guarantees it); checking
    would cost a hash of every id on every call.
    """
    if history.height == 0:
        return transactions
    ids = transactions.select("transaction_id")
    extra = history.join(ids, on="transaction_id", how="anti", maintain_order="left")
    extra = extra.unique("transaction_id", keep="first", maintain_order=True)
    return pl.concat([transactions, extra])


def build_rows(transactions: pl.DataFrame, history: pl.DataFrame) -> Rows:
    """Normalise and unite `transactions` and `history` into `Rows`."""
    transactions = normalise_transactions(transactions, "transactions")
    data = _union(transactions, normalise_transactions(history, "history"))
    account, accounts = dense_codes(data.get_column("account_number"))
    return Rows(
        data=data,
        size=data.height,
        targets=np.arange(transactions.height, dtype=np.int64),
        times=data.get_column("transaction_timestamp").to_physical().to_numpy().astype(np.int64),
        amounts=data.get_column("transaction_amount").to_numpy().astype(np.float64),
        account=account,
        accounts=accounts,
    )
