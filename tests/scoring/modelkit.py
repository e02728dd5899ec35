"""A small world in the warehouse and a champion model trained on its features, for tests.

The model is a real XGBoost booster over `FEATURE_COLUMNS`, fitted on the world's one-pass
features with labels from a simple rule (large amounts at night, and the scenario's fraud labels),
and registered through the model registry like a trained one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
import xgboost as xgb
from sqlalchemy.engine import Engine

from fraudwatch.features import FEATURE_COLUMNS, compute_features, fit_encoders
from fraudwatch.model.registry import register_version, save_artifacts
from fraudwatch.schemas import UNKNOWN
from fraudwatch.warehouse import insert_ignoring_duplicates, insert_labels, tables
from tests.features.scenario import Scenario, make_scenario


def world(n: int = 400, days: int = 45, seed: int = 11) -> Scenario:
    """Return a seeded scenario whose rows the warehouse accepts (missing channels 'unknown')."""
    base = make_scenario(n=n, days=days, seed=seed, accounts=12)
    channel = pl.col("channel_name").fill_null(UNKNOWN)
    return replace(base, transactions=base.transactions.with_columns(channel))


def store_world(engine: Engine, scenario: Scenario, *, transactions: bool = True) -> None:
    """Write the scenario's profiles, labels and (unless told not to) transactions."""
    from fraudwatch.warehouse import insert_transactions

    if transactions:
        insert_transactions(engine, scenario.transactions)
    customers = (
        scenario.profiles.filter(
            pl.col("credit_score").is_not_null()
            | pl.col("risk_rating").is_not_null()
            | pl.col("customer_since").is_not_null()
        )
        .unique("customer_key", keep="first", maintain_order=True)
        .select("customer_key", "credit_score", "customer_since", "risk_rating", "home_country")
    )
    insert_ignoring_duplicates(engine, tables.dim_customer, customers)
    insert_ignoring_duplicates(
        engine, tables.dim_account, scenario.profiles.select("account_number", "customer_key")
    )
    labels = scenario.labels.with_columns(pl.lit("analyst").alias("source"))
    insert_labels(engine, labels)


def fit_model(scenario: Scenario, seed: int = 0) -> tuple[xgb.Booster, dict[str, object]]:
    """Return a booster fitted on the scenario's one-pass features, and its encoders."""
    encoders = fit_encoders(scenario.inputs())
    features = compute_features(scenario.inputs(), encoders)
    matrix = features.select(FEATURE_COLUMNS).cast(pl.Float32).to_numpy()
    fraud_ids = set(scenario.labels.filter(pl.col("is_fraud"))["transaction_id"].to_list())
    y = np.array([tid in fraud_ids for tid in features["transaction_id"].to_list()], dtype=float)
    y = np.maximum(y, (features["log_amount"].to_numpy() > 8.0).astype(float))
    data = xgb.DMatrix(matrix, label=y, feature_names=list(FEATURE_COLUMNS))
    params = {"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "seed": seed}
    booster = xgb.train(params, data, num_boost_round=20)
    return booster, encoders.to_dict()


def publish_model(
    engine: Engine, model_dir: Path, scenario: Scenario, threshold: float = 0.5
) -> str:
    """Fit, save and register a model on the scenario (the first becomes champion)."""
    booster, encoders = fit_model(scenario)
    raw = bytes(booster.save_raw(raw_format="ubj"))
    created = datetime(2026, 3, 1, 12, 0, 0)
    version = f"vtest-{abs(hash(raw)) % 10**8:08d}"
    window = created.isoformat()
    metadata = {
        "created_at": window,
        "feature_list": list(FEATURE_COLUMNS),
        "encoders": encoders,
        "threshold": {"value": threshold, "method": "test"},
        "metrics": {},
        "windows": {
            "train_start": window,
            "train_end": window,
            "test_start": window,
            "test_end": window,
        },
    }
    save_artifacts(model_dir, version, raw, metadata, "<html></html>")
    register_version(engine, model_dir, version, metadata)
    return version
