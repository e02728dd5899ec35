"""Customer profile features, and which customer each account belongs to.

The profile is the dim_customer snapshot joined through dim_account; it has no history, so
"as of t" means the snapshot evaluated at t (tenure counts from customer_since to t). Without a
profile, an account is its own customer and the profile features take their fill values.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl
from numpy.typing import NDArray

from fraudwatch.features.inputs import PROFILE_SCHEMA
from fraudwatch.features.rows import Columns, Rows, dense_codes
from fraudwatch.features.spec import FEATURES_BY_NAME, RISK_RATINGS

I64 = NDArray[np.int64]

_US_PER_DAY: Final = 86_400 * 1_000_000


def account_profiles(rows: Rows, profiles: pl.DataFrame) -> pl.DataFrame:
    """Return one profile row per account code of `rows` (in code order), nulls where none."""
    if "account_number" not in profiles.columns:
        profiles = pl.DataFrame(schema=PROFILE_SCHEMA)
    profiles = profiles.with_columns(
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in PROFILE_SCHEMA.items()
        if name not in profiles.columns
    )
    profiles = profiles.select(PROFILE_SCHEMA.names()).cast(PROFILE_SCHEMA)  # type: ignore[arg-type]
    profiles = profiles.unique("account_number", keep="first", maintain_order=True)
    accounts = rows.accounts.alias("account_number").to_frame()
    return accounts.join(profiles, on="account_number", how="left", maintain_order="left")


def customer_codes(rows: Rows, per_account: pl.DataFrame) -> I64:
    """Return a customer code per row, 0..k-1: its account's customer_key, else the account
    itself (an account without a customer is a customer of its own)."""
    n_accounts = per_account.height
    codes, _ = dense_codes(per_account.get_column("customer_key"))
    has_customer = per_account.get_column("customer_key").is_not_null().to_numpy()
    lookup = np.where(has_customer, n_accounts + codes, np.arange(n_accounts))
    # Renumbered densely over the accounts (few) so the sort by customer takes one radix pass.
    _, dense_lookup = np.unique(lookup, return_inverse=True)
    result: I64 = dense_lookup[rows.account].astype(np.int64, copy=False)
    return result


def _fill(name: str, values: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.where(np.isnan(values), FEATURES_BY_NAME[name].fill, values)


def profile_features(rows: Rows, per_account: pl.DataFrame) -> Columns:
    """Return credit_score, tenure_days, risk_rating_code and profile_missing per wanted row.

    tenure_days = (t - customer_since) in days, clipped at 0 (a profile dated after the
    transaction is treated as new); risk rating LOW/MEDIUM/HIGH -> 0/1/2, anything else -> fill.
    """
    ratings = {rating: code for code, rating in enumerate(RISK_RATINGS)}
    table = per_account.select(
        pl.col("credit_score").cast(pl.Float64).fill_null(np.nan),
        (pl.col("customer_since").cast(pl.Datetime("us")).to_physical())
        .cast(pl.Float64)
        .fill_null(np.nan)
        .alias("since_us"),
        pl.col("risk_rating")
        .str.strip_chars()
        .str.to_uppercase()
        .replace_strict(ratings, default=None, return_dtype=pl.Float64)
        .fill_null(np.nan)
        .alias("risk"),
    )
    account = rows.account[: rows.targets]
    credit = table.get_column("credit_score").to_numpy()[account]
    since = table.get_column("since_us").to_numpy()[account]
    risk = table.get_column("risk").to_numpy()[account]
    tenure = np.maximum((rows.times[: rows.targets] - since) / _US_PER_DAY, 0.0)
    missing = np.isnan(credit) & np.isnan(since) & np.isnan(risk)
    return {
        "credit_score": _fill("credit_score", credit),
        "tenure_days": _fill("tenure_days", tenure),
        "risk_rating_code": _fill("risk_rating_code", risk).astype(np.int64),
        "profile_missing": missing.astype(np.int64),
    }
