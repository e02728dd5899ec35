"""The review queue's data: which flagged transactions are open, and what a reviewer sees.

A transaction is flagged when the model predicted fraud or its score is >= the threshold; it
is open until a review decides it (confirm_fraud or legitimate). An escalation keeps it open.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.engine import Engine

from fraudwatch.dashboard import data
from fraudwatch.features import Encoders, compute_features, load_scoring_inputs
from fraudwatch.model import LoadedModel, ModelArtifactError, load_champion
from fraudwatch.schemas import TRANSACTION_SCHEMA

log = logging.getLogger(__name__)

DECISIVE = ("confirm_fraud", "legitimate")
QUEUE_ROWS = 500


def latest_reviews(reviews: pl.DataFrame) -> pl.DataFrame:
    """Return each transaction's latest review (transaction_id, decision, analyst, decided_at)."""
    return (
        reviews.sort("decided_at", descending=True)
        .unique("transaction_id", keep="first", maintain_order=True)
        .select("transaction_id", "decision", "analyst", "decided_at")
    )


def open_queue(rows: pl.DataFrame, reviews: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Return the flagged rows of `rows` with no decisive review, highest score first.

    Adds `status`: 'open', or 'escalated by NAME' when the latest review is an escalation.
    """
    flagged = rows.filter(
        pl.col("fraud_prediction").fill_null(False)
        | (pl.col("fraud_probability") >= threshold).fill_null(False)
    )
    decided = reviews.filter(pl.col("decision").is_in(DECISIVE))["transaction_id"].unique()
    latest = latest_reviews(reviews)
    return (
        flagged.filter(~pl.col("transaction_id").is_in(decided.implode()))
        .join(latest, on="transaction_id", how="left")
        .with_columns(
            pl.when(pl.col("decision") == "escalate")
            .then(pl.lit("escalated by ") + pl.col("analyst"))
            .otherwise(pl.lit("open"))
            .alias("status")
        )
        .sort(
            ["fraud_probability", "transaction_timestamp", "transaction_id"],
            descending=[True, True, False],
        )
    )


def queue_table(queue: pl.DataFrame, limit: int = QUEUE_ROWS) -> pl.DataFrame:
    """Return the queue's first `limit` rows in display columns."""
    return queue.head(limit).select(
        pl.col("transaction_id").alias("transaction"),
        pl.col("transaction_timestamp").dt.strftime("%Y-%m-%d %H:%M:%S").alias("time (UTC)"),
        pl.col("fraud_probability").round(3).alias("probability"),
        pl.col("transaction_amount").round(2).alias("amount"),
        pl.col("channel_name").cast(pl.String).alias("channel"),
        pl.col("transaction_type").cast(pl.String).alias("type"),
        pl.col("status"),
    )


def decisions_table(reviews: pl.DataFrame, limit: int = 50) -> pl.DataFrame:
    """Return the latest `limit` reviews: who decided what, when."""
    return reviews.head(limit).select(
        pl.col("decided_at").dt.strftime("%Y-%m-%d %H:%M:%S").alias("decided (UTC)"),
        pl.col("transaction_id").alias("transaction"),
        pl.col("decision"),
        pl.col("analyst"),
        pl.col("note").fill_null(""),
    )


@dataclass(frozen=True)
class Detail:
    """Everything shown about one flagged transaction."""

    record: dict[str, Any]
    reasons: str
    features: pl.DataFrame | None
    features_note: str
    profile: dict[str, Any] | None
    history: pl.DataFrame


class ChampionCache:
    """The champion model, loaded once per version (for recomputing features)."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        self._loaded: LoadedModel | None = None

    def get(self, engine: Engine) -> LoadedModel:
        """Return the current champion, reloading only when the champion changed."""
        entry = data.champion(engine)
        if entry is None:
            raise ModelArtifactError("there is no champion model yet; run `fraudwatch train`")
        if self._loaded is None or self._loaded.version != entry["model_version"]:
            self._loaded = load_champion(engine, self.model_dir)
        return self._loaded


def features_of(
    engine: Engine, record: dict[str, Any], champion: ChampionCache
) -> tuple[pl.DataFrame | None, str]:
    """Return (feature, value) rows recomputed with the champion's encoders, or None and why not."""
    try:
        model = champion.get(engine)
    except ModelArtifactError as error:
        return None, f"Features unavailable: {error}"
    batch = pl.DataFrame(
        [{n: record[n] for n in TRANSACTION_SCHEMA.names()}], schema=TRANSACTION_SCHEMA
    )
    try:
        features = compute_features(
            load_scoring_inputs(engine, batch), Encoders.from_dict(model.encoders)
        )
    except Exception as error:  # shown to the analyst; the rest of the detail still helps
        log.warning("features for %s failed: %s", record["transaction_id"], error)
        return None, f"Features unavailable: {error}"
    names = [n for n in model.feature_list if n in features.columns]
    values = [float(features[n][0]) for n in names]
    frame = pl.DataFrame({"feature": names, "value": values}).with_columns(pl.col("value").round(4))
    return (
        frame,
        f"Recomputed with champion {model.version}'s encoders, as of the transaction time.",
    )


def detail(engine: Engine, transaction_id: str, champion: ChampionCache) -> Detail | None:
    """Return what a reviewer sees about `transaction_id`, or None if it is not stored."""
    record = data.transaction_record(engine, transaction_id)
    if record is None:
        return None
    features, note = features_of(engine, record, champion)
    moment: datetime = record["transaction_timestamp"]
    return Detail(
        record=record,
        reasons=data.reason_text(record.get("reasons"), top=10),
        features=features,
        features_note=note,
        profile=data.customer_profile(engine, record["account_number"]),
        history=data.account_history(engine, record["account_number"], moment),
    )
