"""Generated transactions as plain columns (a `Draft`), and their conversion to stored frames.

Generators fill numpy columns of small integer codes (account position, channel, type,
merchant); only the final step turns codes into the strings of `schemas.TRANSACTION_SCHEMA`,
gives each transaction its id and splits off the ground truth, which is never stored with the
transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from fraudwatch.schemas import CHANNELS, TRANSACTION_SCHEMA, TRANSACTION_TYPES
from fraudwatch.simulate import merchants
from fraudwatch.simulate.population import Population

DEBIT, CREDIT, TRANSFER, WITHDRAWAL, DEPOSIT, PAYMENT = range(6)
ONLINE_BANKING, MOBILE_APP, ATM, BRANCH, POINT_OF_SALE = range(5)
NO_MERCHANT: Final = -1
LEGITIMATE: Final = 0
# Fraud scenario names; a draft's `scenario` column holds 1 + the position in this tuple.
SCENARIOS: Final = ("velocity_burst", "account_takeover", "compromised_merchant", "amount_anomaly")

# One description per type; a merchant, where there is one, is appended ("… - Starbucks").
DESCRIPTIONS: Final = (
    "Card purchase",
    "Merchant refund",
    "Funds transfer",
    "Cash withdrawal",
    "Deposit",
    "Bill payment",
)
TRUTH_SCHEMA: Final = pl.Schema(
    [
        ("transaction_id", pl.String()),
        ("transaction_timestamp", pl.Datetime("us")),
        ("scenario", pl.String()),
        ("incident", pl.Int64()),
    ]
)


@dataclass
class Draft:
    """Transactions as aligned numpy columns; `scenario` 0 is legitimate, else a fraud code."""

    account: npt.NDArray[np.int64]
    timestamp_us: npt.NDArray[np.int64]
    channel: npt.NDArray[np.int8]
    tx_type: npt.NDArray[np.int8]
    amount: npt.NDArray[np.float64]
    merchant: npt.NDArray[np.int16]
    international: npt.NDArray[np.bool_]
    reversal: npt.NDArray[np.bool_]
    scenario: npt.NDArray[np.int8]
    incident: npt.NDArray[np.int64]

    def __len__(self) -> int:
        """Return the number of transactions."""
        return int(self.account.size)

    def take(self, order: npt.NDArray[np.int64]) -> Draft:
        """Return the rows at positions `order` (a permutation, a sort or a subset)."""
        return Draft(*(getattr(self, f.name)[order] for f in fields(self)))


def concat(drafts: list[Draft]) -> Draft:
    """Return the drafts' rows one after another."""
    return Draft(*(np.concatenate([getattr(d, f.name) for d in drafts]) for f in fields(Draft)))


def by_time(draft: Draft) -> Draft:
    """Return the draft sorted by timestamp (stable, so equal times keep their order)."""
    return draft.take(np.argsort(draft.timestamp_us, kind="stable"))


def empty_draft() -> Draft:
    """Return a draft with no rows."""
    i64, i8 = np.empty(0, np.int64), np.empty(0, np.int8)
    return Draft(
        i64,
        i64,
        i8,
        i8,
        np.empty(0),
        np.empty(0, np.int16),
        np.empty(0, bool),
        np.empty(0, bool),
        i8,
        i64,
    )


def run_prefix(kind: str, seed: int, start: datetime, customers: int) -> str:
    """Return a short id prefix unique to one run (its kind, seed, start time and population).

    A backfill and a stream, or two streams, started at different times never share a prefix,
    so their ids never collide; the same run repeated gives the same prefix.
    """
    key = f"{kind}|{seed}|{customers}|{start.isoformat()}".encode()
    return f"{kind[0].upper()}{hashlib.blake2b(key, digest_size=4).hexdigest()}-"


def to_frames(
    draft: Draft, population: Population, prefix: str, first_number: int, digits: int = 11
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (transactions, truth) for `draft`, numbering ids from `first_number` in row order.

    `transactions` has exactly `schemas.TRANSACTION_SCHEMA` and no fraud indicator; `truth`
    maps each fraudulent transaction id to its time, scenario name and incident number.
    """
    n = len(draft)
    numbers = pl.Series("n", np.arange(first_number, first_number + n, dtype=np.int64))
    ids = (prefix + numbers.cast(pl.String).str.zfill(digits)).alias("transaction_id")
    merchant = pl.Series(draft.merchant.astype(np.int32))
    has_merchant = merchant >= 0
    merchant_index = merchant.clip(0, None)
    names = pl.Series(merchants.NAMES).gather(merchant_index)
    names = pl.select(pl.when(has_merchant).then(names)).to_series()
    mccs = pl.select(pl.when(has_merchant).then(pl.Series(merchants.MCCS).gather(merchant_index)))
    base = pl.Series(DESCRIPTIONS).gather(draft.tx_type.astype(np.int32))
    timestamps = pl.Series(draft.timestamp_us).cast(pl.Datetime("us"))
    frame = pl.DataFrame(
        {
            "transaction_id": ids,
            "account_number": population.account_number.gather(draft.account),
            "transaction_post_date": timestamps.dt.date(),
            "transaction_timestamp": timestamps,
            "transaction_type": pl.Series(TRANSACTION_TYPES).gather(draft.tx_type.astype(np.int32)),
            "transaction_description": pl.select(
                pl.when(has_merchant).then(base + " - " + names).otherwise(base)
            ).to_series(),
            "transaction_amount": draft.amount,
            "channel_name": pl.Series(CHANNELS).gather(draft.channel.astype(np.int32)),
            "merchant_name": names,
            "merchant_category_code": mccs.to_series(),
            "is_international": draft.international,
            "reversal_flag": draft.reversal,
        },
        schema=TRANSACTION_SCHEMA,
    )
    return frame, _truth(draft, ids, timestamps)


def _truth(draft: Draft, ids: pl.Series, timestamps: pl.Series) -> pl.DataFrame:
    fraud = np.flatnonzero(draft.scenario != LEGITIMATE)
    codes = draft.scenario[fraud].astype(np.int32) - 1
    return pl.DataFrame(
        {
            "transaction_id": ids.gather(fraud),
            "transaction_timestamp": timestamps.gather(fraud),
            "scenario": pl.Series(SCENARIOS, dtype=pl.String).gather(codes),
            "incident": draft.incident[fraud],
        },
        schema=TRUTH_SCHEMA,
    )
