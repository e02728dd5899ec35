"""Every feature, declared once: its name, type, window, what it must not see and its fill value.

The pipeline computes each feature in exactly one builder (`source`) and checks that the builders
return exactly the declared names; docs/features.md describes the same list in prose.

Point in time, for a transaction at time t: transactions strictly before t (a transaction at the
same timestamp is not "before"), the profile snapshot evaluated at t, and labels with
labeled_at < t. Every window is bounded, so history older than `LOOKBACK` is never needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final, Literal

HOUR: Final = timedelta(hours=1)
DAY: Final = timedelta(days=1)
WEEK: Final = timedelta(days=7)
MONTH: Final = timedelta(days=30)

# The 24 h anomalous-share window looks at earlier transactions whose own z-score looks back
# 30 days, so the longest chain of dependence is 31 days.
LOOKBACK: Final = MONTH + DAY

_US: Final = timedelta(microseconds=1)


def micros(width: timedelta) -> int:
    """Return `width` in whole microseconds (the unit of every time the pipeline computes with)."""
    return width // _US


HIGH_VALUE_AMOUNT: Final = 5_000.0
STD_FLOOR: Final = 1.0  # currency units: a z-score never divides by less than this
ANOMALY_Z: Final = 3.0
RISK_RATINGS: Final = ("LOW", "MEDIUM", "HIGH")

Source = Literal[
    "transaction", "velocity", "customer", "encoding", "profile", "merchant", "account", "novelty"
]

TX_ONLY: Final = "nothing but the transaction itself"
BEFORE_T: Final = "transactions at or after t"
LABELS_BEFORE_T: Final = "transactions at or after t; labels with labeled_at >= t"


@dataclass(frozen=True)
class Feature:
    """One model input: computed by builder `source`, missing values replaced by `fill`."""

    name: str
    dtype: Literal["int", "float"]
    source: Source
    window: timedelta | None
    must_not_see: str
    fill: float
    description: str


def _f(
    name: str,
    dtype: Literal["int", "float"],
    source: Source,
    window: timedelta | None,
    must_not_see: str,
    fill: float,
    description: str,
) -> Feature:
    return Feature(name, dtype, source, window, must_not_see, fill, description)


FEATURES: Final[tuple[Feature, ...]] = (
    # --- the transaction itself (timestamps are naive UTC) ----------------------------------
    _f("hour", "int", "transaction", None, TX_ONLY, 0, "hour of day, UTC, 0-23"),
    _f("late_night", "int", "transaction", None, TX_ONLY, 0, "1 if 00:00-05:59 UTC"),
    _f("weekend", "int", "transaction", None, TX_ONLY, 0, "1 on Saturday or Sunday (UTC)"),
    _f("high_value", "int", "transaction", None, TX_ONLY, 0, "1 if amount > 5,000"),
    _f("is_international", "int", "transaction", None, TX_ONLY, 0, "international flag; null 0"),
    _f("reversal_flag", "int", "transaction", None, TX_ONLY, 0, "reversal flag; null 0"),
    _f("log_amount", "float", "transaction", None, TX_ONLY, 0, "ln(1 + |amount|)"),
    # --- account velocity --------------------------------------------------------------------
    _f("account_tx_count_1h", "int", "velocity", HOUR, BEFORE_T, 0, "account tx in [t-1h, t)"),
    _f("account_amount_1h", "float", "velocity", HOUR, BEFORE_T, 0, "their amount sum"),
    _f("account_tx_count_24h", "int", "velocity", DAY, BEFORE_T, 0, "account tx in [t-24h, t)"),
    _f("account_amount_24h", "float", "velocity", DAY, BEFORE_T, 0, "their amount sum"),
    # --- customer amount profile (customer = dim_account.customer_key, else the account) -----
    _f("customer_tx_count_30d", "int", "customer", MONTH, BEFORE_T, 0, "customer tx in window"),
    _f("customer_amount_mean_30d", "float", "customer", MONTH, BEFORE_T, 0, "their mean amount"),
    _f("customer_amount_std_30d", "float", "customer", MONTH, BEFORE_T, 0, "sample std; <2 -> 0"),
    _f("customer_amount_zscore_30d", "float", "customer", MONTH, BEFORE_T, 0, "z; <2 -> 0"),
    # --- category encodings (vocabularies fitted on training data; 0 = unseen or missing) ----
    _f("channel_code", "int", "encoding", None, TX_ONLY, 0, "1..k in the fitted vocabulary"),
    _f("transaction_type_code", "int", "encoding", None, TX_ONLY, 0, "1..k, fitted vocabulary"),
    # --- profile (dim_customer snapshot, evaluated at t) -------------------------------------
    _f("credit_score", "float", "profile", None, "later profile changes (snapshot)", -1, "score"),
    _f("tenure_days", "float", "profile", None, "customer_since after t (clipped)", -1, "days"),
    _f("risk_rating_code", "int", "profile", None, "later profile changes (snapshot)", -1, "0-2"),
    _f("profile_missing", "int", "profile", None, TX_ONLY, 1, "1 if the account has no profile"),
    # --- merchant fraud record from labels known at t ----------------------------------------
    _f("merchant_known_frauds_7d", "int", "merchant", WEEK, LABELS_BEFORE_T, 0, "count"),
    _f("merchant_known_frauds_30d", "int", "merchant", MONTH, LABELS_BEFORE_T, 0, "count"),
    _f("merchant_fraud_rate_7d", "float", "merchant", WEEK, LABELS_BEFORE_T, 0, "frauds / tx"),
    _f("merchant_fraud_rate_30d", "float", "merchant", MONTH, LABELS_BEFORE_T, 0, "frauds / tx"),
    _f("merchant_days_since_fraud", "float", "merchant", MONTH, LABELS_BEFORE_T, 30, "days"),
    _f("merchant_fraud_days_30d", "int", "merchant", MONTH, LABELS_BEFORE_T, 0, "distinct dates"),
    # --- the account's own record ------------------------------------------------------------
    _f("account_known_frauds_30d", "int", "account", MONTH, LABELS_BEFORE_T, 0, "count"),
    _f("account_zscore_excl_fraud_30d", "float", "account", MONTH, LABELS_BEFORE_T, 0, "z"),
    _f("account_anomalous_share_24h", "float", "account", DAY + MONTH, BEFORE_T, 0, "|z|>3"),
    _f("seconds_since_prev_tx", "float", "account", MONTH, BEFORE_T, 2_592_000, "capped 30d"),
    # --- novelty for the account -------------------------------------------------------------
    _f("new_merchant_30d", "int", "novelty", MONTH, BEFORE_T, 0, "merchant unseen in 30d"),
    _f("new_channel_30d", "int", "novelty", MONTH, BEFORE_T, 0, "channel unseen in 30d"),
    _f("new_international_30d", "int", "novelty", MONTH, BEFORE_T, 0, "first intl in 30d"),
)

FEATURE_COLUMNS: Final[tuple[str, ...]] = tuple(f.name for f in FEATURES)

# The seed's own feature set (the benchmark's pandas baseline computes the same windows).
SEED_SOURCES: Final[tuple[Source, ...]] = (
    "transaction",
    "velocity",
    "customer",
    "encoding",
    "profile",
)
FEATURES_BY_NAME: Final = {f.name: f for f in FEATURES}
