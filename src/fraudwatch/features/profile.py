"""Customer profile features, and which customer each account belongs to.

The profile is the dim_customer snapshot joined through dim_account; it has no history, so
"as of t" means the snapshot evaluated at t (tenure counts from customer_since to t). Without a
profile, an account is its own customer and the profile features take their fill values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl
from numpy.typing import NDArray

from fraudwatch.features.inputs import PROFILE_SCHEMA
from fraudwatch.features.rows import SMALL_ROWS, Columns, Rows, dense_codes, first_positions
from fraudwatch.features.spec import FEATURES_BY_NAME, RISK_RATINGS

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

_US_PER_DAY: Final = 86_400 * 1_000_000
_ASCII_SPACE: Final = " \t\n\x0b\x0c\r"


@dataclass(frozen=True)
class AccountProfiles:
    """The profile of each account code: its customer code (0..k-1; an account without a
    customer_key is a customer of its own) and its dim_customer fields, NaN where missing."""

    customer: I64
    credit_score: F64
    customer_since_us: F64
    risk_rating: F64


def _profile_column(profiles: pl.DataFrame, name: str) -> pl.Series:
    """Return `profiles[name]` in `PROFILE_SCHEMA`'s type, all null when the column is absent."""
    dtype = PROFILE_SCHEMA[name]
    if name not in profiles.columns:
        return pl.Series(name, [None] * profiles.height, dtype=dtype)
    return profiles.get_column(name).cast(dtype)


def _as_floats(values: pl.Series) -> F64:
    """Return `values` (numbers or datetimes) as float64, NaN for null."""
    array = values.to_numpy()
    if array.dtype.kind == "M":
        missing = np.isnat(array)
        floats = array.view(np.int64).astype(np.float64)
        floats[missing] = np.nan
        return floats
    return np.asarray(array, dtype=np.float64)


def account_profiles(rows: Rows, profiles: pl.DataFrame) -> AccountProfiles:
    """Return the profile of each account code of `rows` (the first profile row of its account
    number), its fields NaN where it has none."""
    n_accounts = len(rows.accounts)
    if "account_number" not in profiles.columns or profiles.height == 0:
        nothing = np.full(n_accounts, np.nan)
        return AccountProfiles(np.arange(n_accounts), nothing, nothing, nothing)
    at = first_positions(rows.accounts, _profile_column(profiles, "account_number"))
    found = at >= 0
    at = np.where(found, at, 0)
    keys, categories = dense_codes(_profile_column(profiles, "customer_key"))
    key_per_account = np.where(found & (keys[at] < len(categories)), keys[at], -1)
    fields = [
        _as_floats(_profile_column(profiles, "credit_score")),
        _as_floats(_profile_column(profiles, "customer_since").cast(pl.Datetime("us"))),
        _risk_codes(_profile_column(profiles, "risk_rating")),
    ]
    per_account = [np.where(found, field[at], np.nan) for field in fields]
    return AccountProfiles(_customer_codes(key_per_account), *per_account)


def _customer_codes(key_per_account: I64) -> I64:
    """Return customer codes for accounts with a customer key code each (-1 for none).

    Customers are numbered by their first account, after them each keyless account by itself,
    all densely, so customer order (and every sum over it) does not depend on the key codes.
    """
    n_accounts = len(key_per_account)
    has_key = key_per_account >= 0
    keys, first, inverse = np.unique(
        key_per_account[has_key], return_index=True, return_inverse=True
    )
    rank = np.empty(len(keys), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(keys))
    lookup = np.arange(n_accounts)
    lookup[has_key] = n_accounts + rank[inverse]
    _, dense_lookup = np.unique(lookup, return_inverse=True)
    result: I64 = dense_lookup.astype(np.int64, copy=False)
    return result


def _risk_codes(ratings: pl.Series) -> F64:
    """Return LOW / MEDIUM / HIGH (trimmed, any case) as 0 / 1 / 2, NaN for anything else."""
    codes = {rating: float(code) for code, rating in enumerate(RISK_RATINGS)}
    if len(ratings) <= SMALL_ROWS:
        listed = ratings.to_list()
        distinct = set(listed)
        distinct.discard(None)
        if all(r.isascii() for r in distinct):
            # Polars trims Unicode White_Space; within ASCII that is exactly these characters.
            code = {r: codes.get(r.strip(_ASCII_SPACE).upper(), np.nan) for r in distinct}
            code[None] = np.nan
            return np.fromiter(map(code.__getitem__, listed), dtype=np.float64, count=len(listed))
    mapped = (
        ratings.str.strip_chars()
        .str.to_uppercase()
        .replace_strict(codes, default=None, return_dtype=pl.Float64)
    )
    return _as_floats(mapped)


def customer_codes(rows: Rows, per_account: AccountProfiles) -> I64:
    """Return a customer code per row, 0..k-1: its account's customer_key, else the account
    itself (an account without a customer is a customer of its own)."""
    result: I64 = per_account.customer[rows.account]
    return result


def _fill(name: str, values: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.where(np.isnan(values), FEATURES_BY_NAME[name].fill, values)


def profile_features(rows: Rows, per_account: AccountProfiles) -> Columns:
    """Return credit_score, tenure_days, risk_rating_code and profile_missing per wanted row.

    tenure_days = (t - customer_since) in days, clipped at 0 (a profile dated after the
    transaction is treated as new); risk rating LOW/MEDIUM/HIGH -> 0/1/2, anything else -> fill.
    """
    account = rows.account[: rows.targets]
    credit = per_account.credit_score[account]
    since = per_account.customer_since_us[account]
    risk = per_account.risk_rating[account]
    tenure = np.maximum((rows.times[: rows.targets] - since) / _US_PER_DAY, 0.0)
    missing = np.isnan(credit) & np.isnan(since) & np.isnan(risk)
    return {
        "credit_score": _fill("credit_score", credit),
        "tenure_days": _fill("tenure_days", tenure),
        "risk_rating_code": _fill("risk_rating_code", risk).astype(np.int32),
        "profile_missing": missing,
    }
