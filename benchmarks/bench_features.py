"""Feature pipeline on 1,000,000 synthetic transactions (40,000 accounts, 30 days).

Figures: the full feature set and the seed's feature set, both with Polars (target ≥ 2,000,000
rows/s), and, as the baseline measured in the same run, a pandas groupby-rolling implementation of
the seed's windows (account 1 h / 24 h count and sum, customer 30 d mean / std / z-score); the
Polars seed set must be ≥ 10× that baseline.

Then the API's calls: one transaction with 200 history rows (its account's own and others, with
their profiles and a few known frauds), in ms per call (target < 1 ms); its baseline is a trivial
Polars select on the same history frame, the floor of any call that touches Polars at all. And
the usual API call: the same transaction at a merchant with ~8,000 earlier transactions, which
arrive as merchant marks (id, merchant and time only); and that transaction on the path the API
uses, `features.online` over the same history (checked equal), beside `compute_features`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from time import perf_counter

import numpy as np
import pandas as pd
import polars as pl
from common import Result, timed

from fraudwatch.features import Encoders, FeatureInputs, compute_features, fit_encoders
from fraudwatch.features.inputs import FEATURE_LABEL_SCHEMA, MERCHANT_MARK_ACCOUNT
from fraudwatch.features.online import OnlineHistory
from fraudwatch.features.pipeline import seed_features
from fraudwatch.features.spec import FEATURE_COLUMNS
from fraudwatch.schemas import CHANNELS, TRANSACTION_SCHEMA, TRANSACTION_TYPES

ROWS = 1_000_000
DAYS = 30
START = datetime(2026, 1, 1)
REPEATS = 3


def synthetic_inputs(rows: int, seed: int = 0) -> FeatureInputs:
    """Return `rows` transactions over 30 days (25 per account), profiles and 0.5 % fraud labels."""
    rng = np.random.default_rng(seed)
    accounts = max(rows // 25, 10)
    span = DAYS * 86_400 * 1_000_000
    micros = np.sort(rng.integers(0, span, rows))
    # Whole seconds: realistic feeds tie on timestamps now and then.
    micros -= micros % 1_000_000
    account = rng.integers(0, accounts, rows)
    merchant = rng.zipf(1.3, rows) % 5_000
    ids = pl.format("b{}", pl.int_range(rows, dtype=pl.Int64))
    frame = pl.DataFrame(
        {
            "account_number": pl.Series(account).cast(pl.String),
            "transaction_timestamp": pl.Series(micros + int(START.timestamp() * 1e6)).cast(
                pl.Datetime("us")
            ),
            "transaction_type": np.array(TRANSACTION_TYPES)[rng.integers(0, 6, rows)],
            "transaction_amount": np.round(rng.lognormal(4.0, 1.3, rows), 2),
            "channel_name": np.array(CHANNELS)[rng.integers(0, 5, rows)],
            "merchant_name": pl.Series(merchant).cast(pl.String),
            "is_international": rng.random(rows) < 0.05,
            "reversal_flag": rng.random(rows) < 0.01,
        }
    ).with_columns(
        ids.alias("transaction_id"),
        pl.col("transaction_timestamp").dt.date().alias("transaction_post_date"),
        pl.lit(None, dtype=pl.String).alias("transaction_description"),
        pl.lit(None, dtype=pl.String).alias("merchant_category_code"),
    )
    frame = frame.select(TRANSACTION_SCHEMA.names()).cast(dict(TRANSACTION_SCHEMA))
    profiles = pl.DataFrame(
        {
            "account_number": pl.Series(np.arange(accounts)).cast(pl.String),
            "customer_key": pl.Series(np.arange(accounts) * 3 // 4).cast(pl.String),
            "credit_score": rng.integers(300, 850, accounts),
            "customer_since": pl.Series(
                np.datetime64("2026-01-01") - rng.integers(0, 7_000, accounts)
            ),
            "risk_rating": np.array(["LOW", "MEDIUM", "HIGH"])[rng.integers(0, 3, accounts)],
            "home_country": ["US"] * accounts,
        }
    )
    fraud = frame.sample(fraction=0.005, seed=seed).select(
        "transaction_id",
        pl.lit(True).alias("is_fraud"),
        (pl.col("transaction_timestamp") + pl.duration(hours=rng.integers(1, 24 * 14))).alias(
            "labeled_at"
        ),
    )
    return FeatureInputs(frame, frame.clear(), profiles, fraud)


def pandas_seed_windows(inputs: FeatureInputs) -> pd.DataFrame:
    """The seed's windows in idiomatic pandas: groupby-rolling, left-closed time windows."""
    frame = inputs.transactions.select(
        "transaction_id", "account_number", "transaction_timestamp", "transaction_amount"
    ).to_pandas()
    customers = inputs.profiles.select("account_number", "customer_key").to_pandas()
    frame = frame.merge(customers, on="account_number", how="left")
    frame["customer_key"] = frame["customer_key"].fillna("A" + frame["account_number"])
    out = frame[["transaction_id"]].copy()
    by_account = frame.sort_values(["account_number", "transaction_timestamp"])
    for label, window in (("1h", "1h"), ("24h", "24h")):
        rolled = by_account.groupby("account_number").rolling(
            window, on="transaction_timestamp", closed="left"
        )["transaction_amount"]
        out.loc[by_account.index, f"count_{label}"] = rolled.count().fillna(0).to_numpy()
        out.loc[by_account.index, f"sum_{label}"] = rolled.sum().fillna(0).to_numpy()
    by_customer = frame.sort_values(["customer_key", "transaction_timestamp"])
    rolled = by_customer.groupby("customer_key").rolling(
        "30D", on="transaction_timestamp", closed="left"
    )["transaction_amount"]
    mean = rolled.mean().fillna(0).to_numpy()
    std = rolled.std().fillna(0).to_numpy()
    amount = by_customer["transaction_amount"].to_numpy()
    out.loc[by_customer.index, "mean_30d"] = mean
    out.loc[by_customer.index, "std_30d"] = std
    out.loc[by_customer.index, "z_30d"] = (amount - mean) / np.maximum(std, 1.0)
    return out


def tiny_inputs(inputs: FeatureInputs) -> FeatureInputs:
    """Return one transaction with 200 history rows: its account's earlier rows, then others."""
    frame = inputs.transactions
    account = frame.filter(pl.col("account_number") == frame["account_number"][frame.height // 2])
    own = account.head(account.height - 1)
    history = pl.concat([own, frame.slice(frame.height // 3, 200 - own.height)])
    accounts = history["account_number"].unique().implode()
    labels = history.head(3).select(
        "transaction_id",
        pl.lit(True).alias("is_fraud"),
        (pl.col("transaction_timestamp") + pl.duration(hours=1)).alias("labeled_at"),
    )
    profiles = inputs.profiles.filter(pl.col("account_number").is_in(accounts))
    return FeatureInputs(account.tail(1), history, profiles, labels)


def api_inputs(inputs: FeatureInputs, marks: int = 8_000) -> FeatureInputs:
    """Return `tiny_inputs` with the transaction moved to a merchant with about `marks` earlier
    transactions, passed as merchant marks (id, merchant, time; as the scoring API reads them),
    with their known fraud labels."""
    tiny = tiny_inputs(inputs)
    frame = inputs.transactions
    moment = tiny.transactions.get_column("transaction_timestamp")[0]
    before = frame.filter(pl.col("transaction_timestamp") < moment)
    counts = before.group_by("merchant_name").len()
    merchant = counts.sort((pl.col("len") - marks).abs()).get_column("merchant_name")[0]
    shown = before.filter(pl.col("merchant_name") == merchant).join(
        tiny.history.select("transaction_id"), on="transaction_id", how="anti"
    )
    marked = shown.select(
        "transaction_id",
        "merchant_name",
        "transaction_timestamp",
        pl.lit(MERCHANT_MARK_ACCOUNT).alias("account_number"),
        pl.lit(0.0).alias("transaction_amount"),
    )
    history = pl.concat([tiny.history, marked], how="diagonal_relaxed")
    labels = pl.concat(
        [tiny.labels, inputs.labels.join(marked.select("transaction_id"), on="transaction_id")]
    )
    transaction = tiny.transactions.with_columns(pl.lit(merchant).alias("merchant_name"))
    return FeatureInputs(transaction, history.sort("transaction_timestamp"), tiny.profiles, labels)


def per_call_ms(operation: Callable[[], object], calls: int = 300, repeats: int = 5) -> float:
    """Return the best over `repeats` of the mean wall-clock ms of `calls` calls."""
    best = float("inf")
    for _ in range(repeats):
        start = perf_counter()
        for _ in range(calls):
            operation()
        best = min(best, (perf_counter() - start) / calls * 1000)
    return best


def run(scale: float) -> list[Result]:
    """Measure the Polars full and seed sets and the pandas seed baseline on the same data."""
    rows = max(int(ROWS * scale), 10_000)
    inputs = synthetic_inputs(rows)
    encoders = fit_encoders(inputs)
    compute_features(inputs, encoders)  # warm-up: thread pools, first allocations
    # Best of a few runs each, interleaved, so a busy moment on a shared machine hits both sides.
    full_seconds = seed_seconds = pandas_seconds = float("inf")
    for _ in range(REPEATS):
        full, seconds = timed(lambda: compute_features(inputs, encoders))
        full_seconds = min(full_seconds, seconds)
        seed, seconds = timed(lambda: seed_features(inputs, encoders))
        seed_seconds = min(seed_seconds, seconds)
        baseline, seconds = timed(lambda: pandas_seed_windows(inputs))
        pandas_seconds = min(pandas_seconds, seconds)
    assert full.height == seed.height == len(baseline) == rows
    pandas_rate = rows / pandas_seconds
    return [
        Result(
            name=f"features, full set ({full.width - 2}), {rows:,} tx",
            value=rows / full_seconds,
            unit="rows/s",
            target="≥ 2,000,000/s",
            baseline=pandas_rate,
            baseline_name="pandas seed windows",
        ),
        Result(
            name=f"features, seed set ({seed.width - 2}), {rows:,} tx",
            value=rows / seed_seconds,
            unit="rows/s",
            target="≥ 10× pandas",
            baseline=pandas_rate,
            baseline_name="pandas seed windows",
        ),
        Result(
            name=f"pandas groupby-rolling seed windows, {rows:,} tx",
            value=pandas_rate,
            unit="rows/s",
        ),
        *tiny_results(inputs, encoders),
    ]


def tiny_results(inputs: FeatureInputs, encoders: Encoders) -> list[Result]:
    """Measure one transaction with 200 history rows, a trivial select on the same rows, and
    one transaction whose merchant brings ~8,000 merchant marks (the API's usual call)."""
    tiny = tiny_inputs(inputs)
    compute_features(tiny, encoders)
    call = per_call_ms(lambda: compute_features(tiny, encoders))
    select = per_call_ms(lambda: tiny.history.select(pl.col("transaction_amount").sum()))
    api = api_inputs(inputs)
    expected = compute_features(api, encoders)
    api_call = per_call_ms(lambda: compute_features(api, encoders), calls=50)
    online, transaction = _online_history(api)
    got = online.features([transaction], encoders)[0]
    assert np.allclose(got, expected.select(FEATURE_COLUMNS).row(0), rtol=1e-9, atol=1e-9)
    online_call = per_call_ms(lambda: online.features([transaction], encoders), calls=1_000)
    return [
        Result(
            name="features, 1 tx + 200 history rows",
            value=call,
            unit="ms",
            target="< 1 ms",
            baseline=select,
            baseline_name="trivial Polars select",
        ),
        Result(name="trivial Polars select on the 200 rows", value=select * 1000, unit="µs"),
        Result(
            name=f"features, 1 tx + {api.history.height:,} history rows (marks)",
            value=api_call,
            unit="ms",
        ),
        Result(
            name="  the same tx on the one-transaction path (features.online)",
            value=online_call * 1000,
            unit="µs",
            baseline=api_call * 1000,
            baseline_name="compute_features, same inputs",
        ),
    ]


def _online_history(inputs: FeatureInputs) -> tuple[OnlineHistory, dict[str, object]]:
    """Return an `OnlineHistory` holding `inputs`' history, labels and profiles, and its one
    transaction as a row."""
    online = OnlineHistory()
    online.add_frame(inputs.history)
    online.add_labels(inputs.labels.select(FEATURE_LABEL_SCHEMA.names()).iter_rows())
    online.set_profiles(inputs.profiles)
    return online, inputs.transactions.row(0, named=True)
