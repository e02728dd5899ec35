"""A slow, obvious brute-force oracle: every feature by plain Python loops over rows.

Written straight from docs/features.md, sharing no code with the pipeline but the spec's
constants, so the two can only agree by both being right.
"""

from __future__ import annotations

import math
import statistics
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from fraudwatch.features import FEATURE_COLUMNS, Encoders

HOUR, DAY, MONTH, WEEK = (
    timedelta(hours=1),
    timedelta(days=1),
    timedelta(days=30),
    timedelta(days=7),
)
Row = dict[str, Any]


def _stats(amounts: list[float], amount: float) -> tuple[float, float, float]:
    n = len(amounts)
    mean = statistics.fmean(amounts) if n else 0.0
    std = statistics.stdev(amounts) if n >= 2 else 0.0
    z = (amount - mean) / max(std, 1.0) if n >= 2 else 0.0
    return mean, std, z


class Oracle:
    """Brute-force features for `targets` given all `rows`, `profiles` and `labels`."""

    def __init__(
        self, rows: pl.DataFrame, profiles: pl.DataFrame, labels: pl.DataFrame, encoders: Encoders
    ) -> None:
        self.rows = rows.unique("transaction_id", keep="first").to_dicts()
        self.profiles = {p["account_number"]: p for p in profiles.to_dicts()}
        self.labels = {
            x["transaction_id"]: x["labeled_at"]
            for x in labels.to_dicts()
            if x["is_fraud"] and x["labeled_at"] is not None
        }
        self.encoders = encoders
        self._z: dict[str, float] = {}

    def customer(self, row: Row) -> tuple[str, str]:
        profile = self.profiles.get(row["account_number"])
        if profile and profile["customer_key"] is not None:
            return ("C", profile["customer_key"])
        return ("A", row["account_number"])

    def before(self, row: Row, width: timedelta, same: Any) -> list[Row]:
        t = row["transaction_timestamp"]
        return [r for r in self.rows if same(r) and t - width <= r["transaction_timestamp"] < t]

    def known_fraud(self, r: Row, t: datetime) -> bool:
        labeled = self.labels.get(r["transaction_id"])
        return labeled is not None and labeled < t and r["transaction_timestamp"] < t

    def customer_z(self, row: Row) -> float:
        if row["transaction_id"] not in self._z:
            key = self.customer(row)
            past = self.before(row, MONTH, lambda r: self.customer(r) == key)
            amounts = [r["transaction_amount"] for r in past]
            self._z[row["transaction_id"]] = _stats(amounts, row["transaction_amount"])[2]
        return self._z[row["transaction_id"]]

    def features(self, row: Row) -> dict[str, float]:
        t, amount, account = (
            row["transaction_timestamp"],
            row["transaction_amount"],
            row["account_number"],
        )
        out: dict[str, float] = {
            "hour": t.hour,
            "late_night": int(t.hour < 6),
            "weekend": int(t.weekday() >= 5),
            "high_value": int(amount > 5000),
            "is_international": int(bool(row["is_international"])),
            "reversal_flag": int(bool(row["reversal_flag"])),
            "log_amount": math.log1p(abs(amount)),
        }
        same_account = lambda r: r["account_number"] == account  # noqa: E731
        for label, width in (("1h", HOUR), ("24h", DAY)):
            past = self.before(row, width, same_account)
            out[f"account_tx_count_{label}"] = len(past)
            out[f"account_amount_{label}"] = sum(r["transaction_amount"] for r in past)
        key = self.customer(row)
        past = self.before(row, MONTH, lambda r: self.customer(r) == key)
        mean, std, z = _stats([r["transaction_amount"] for r in past], amount)
        out |= {
            "customer_tx_count_30d": len(past),
            "customer_amount_mean_30d": mean,
            "customer_amount_std_30d": std,
            "customer_amount_zscore_30d": z,
        }
        out["channel_code"] = self._code(self.encoders.channels, row["channel_name"])
        out["transaction_type_code"] = self._code(
            self.encoders.transaction_types, row["transaction_type"]
        )
        out |= self._profile(row)
        out |= self._merchant(row)
        out |= self._account(row)
        out |= self._novelty(row)
        assert set(out) == set(FEATURE_COLUMNS)
        return out

    @staticmethod
    def _code(vocabulary: tuple[str, ...], value: str | None) -> int:
        return vocabulary.index(value) + 1 if value in vocabulary else 0

    def _profile(self, row: Row) -> dict[str, float]:
        p = self.profiles.get(row["account_number"]) or {}
        credit, since, risk = p.get("credit_score"), p.get("customer_since"), p.get("risk_rating")
        t = row["transaction_timestamp"]
        tenure = -1.0
        if since is not None:
            since_dt = datetime(since.year, since.month, since.day)
            tenure = max(0.0, (t - since_dt) / DAY)
        ratings = {"LOW": 0, "MEDIUM": 1, "HIGH": 2}
        return {
            "credit_score": -1.0 if credit is None else float(credit),
            "tenure_days": tenure,
            "risk_rating_code": ratings.get((risk or "").strip().upper(), -1),
            "profile_missing": int(credit is None and since is None and risk is None),
        }

    def _merchant(self, row: Row) -> dict[str, float]:
        merchant, t = row["merchant_name"], row["transaction_timestamp"]
        out: dict[str, float] = {}
        if merchant is None:
            return {
                "merchant_known_frauds_7d": 0,
                "merchant_known_frauds_30d": 0,
                "merchant_fraud_rate_7d": 0.0,
                "merchant_fraud_rate_30d": 0.0,
                "merchant_days_since_fraud": 30.0,
                "merchant_fraud_days_30d": 0,
            }
        same = lambda r: r["merchant_name"] == merchant  # noqa: E731
        for label, width in (("7d", WEEK), ("30d", MONTH)):
            past = self.before(row, width, same)
            frauds = [r for r in past if self.known_fraud(r, t)]
            out[f"merchant_known_frauds_{label}"] = len(frauds)
            out[f"merchant_fraud_rate_{label}"] = len(frauds) / len(past) if past else 0.0
        recent = [r for r in self.before(row, MONTH, same) if self.known_fraud(r, t)]
        latest = max((r["transaction_timestamp"] for r in recent), default=None)
        out["merchant_days_since_fraud"] = 30.0 if latest is None else (t - latest) / DAY
        first_day: date = t.date() - timedelta(days=29)
        days = {
            r["transaction_timestamp"].date()
            for r in self.rows
            if same(r) and self.known_fraud(r, t) and r["transaction_timestamp"].date() >= first_day
        }
        out["merchant_fraud_days_30d"] = len(days)
        return out

    def _account(self, row: Row) -> dict[str, float]:
        account, t = row["account_number"], row["transaction_timestamp"]
        same = lambda r: r["account_number"] == account  # noqa: E731
        month = self.before(row, MONTH, same)
        honest = [r["transaction_amount"] for r in month if not self.known_fraud(r, t)]
        day = self.before(row, DAY, same)
        anomalous = [r for r in day if abs(self.customer_z(r)) > 3]
        previous = [
            r["transaction_timestamp"]
            for r in self.rows
            if same(r) and r["transaction_timestamp"] < t
        ]
        gap = (t - max(previous)).total_seconds() if previous else 2_592_000.0
        return {
            "account_known_frauds_30d": sum(self.known_fraud(r, t) for r in month),
            "account_zscore_excl_fraud_30d": _stats(honest, row["transaction_amount"])[2],
            "account_anomalous_share_24h": len(anomalous) / len(day) if day else 0.0,
            "seconds_since_prev_tx": min(gap, 2_592_000.0),
        }

    def _novelty(self, row: Row) -> dict[str, float]:
        account = row["account_number"]
        out = {}
        for name, column in (
            ("new_merchant_30d", "merchant_name"),
            ("new_channel_30d", "channel_name"),
        ):
            value = row[column]
            seen = self.before(
                row,
                MONTH,
                lambda r, c=column, v=value: r["account_number"] == account and r[c] == v,
            )
            out[name] = int(value is not None and not seen)
        abroad = self.before(
            row, MONTH, lambda r: r["account_number"] == account and bool(r["is_international"])
        )
        out["new_international_30d"] = int(bool(row["is_international"]) and not abroad)
        return out


def oracle_features(
    targets: pl.DataFrame,
    rows: pl.DataFrame,
    profiles: pl.DataFrame,
    labels: pl.DataFrame,
    encoders: Encoders,
) -> pl.DataFrame:
    """Return the oracle's features of `targets` (in order) given all `rows`."""
    oracle = Oracle(rows, profiles, labels, encoders)
    by_id = {r["transaction_id"]: r for r in oracle.rows}
    records = []
    for target in targets.to_dicts():
        row = by_id[target["transaction_id"]]
        records.append({"transaction_id": row["transaction_id"], **oracle.features(row)})
    return pl.DataFrame(records).select("transaction_id", *FEATURE_COLUMNS)
