"""The warehouse operations every part of fraudwatch needs, the same on every backend.

All statements are SQLAlchemy Core with bound parameters. Reads return Polars frames; writes that
may be repeated (a retried batch, two scorers at once) are idempotent on the table's key.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.schemas import LABEL_SCHEMA, REVIEW_DECISIONS, TRANSACTION_SCHEMA
from fraudwatch.warehouse.bulk import insert_ignoring_duplicates, utc_now
from fraudwatch.warehouse.engines import with_retry, write_transaction
from fraudwatch.warehouse.tables import (
    analyst_reviews,
    fraud_labels,
    ml_fraud_scores,
    model_registry,
    pending_chargebacks,
    rejected_transactions,
    scoring_runs,
    transaction_staging,
)

# rejected_transactions.source of the rows the scorer quarantines (see unscored_transactions).
QUARANTINE_SOURCE = "scoring"

SCORE_SCHEMA = pl.Schema(
    {
        "transaction_key": pl.String(),
        "fraud_probability": pl.Float64(),
        "fraud_prediction": pl.Boolean(),
        "model_version": pl.String(),
        "scored_at": pl.Datetime("us"),
        "reasons": pl.String(),
        "latency_ms": pl.Float64(),
    }
)


def read_frame(engine: Engine, statement: sa.Select[Any], schema: pl.Schema) -> pl.DataFrame:
    """Run a select and return its rows as a frame with exactly `schema`'s columns and types."""
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    return pl.DataFrame(rows, schema=schema, orient="row")


def count_rows(engine: Engine, table: sa.Table) -> int:
    """Return the number of rows in `table`."""
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


# --- transactions ---------------------------------------------------------------------------


def insert_transactions(
    engine: Engine, transactions: pl.DataFrame, *, rebuild_indexes: bool = True
) -> int:
    """Bulk-insert transactions, skipping ids already stored; return how many were added.

    `transactions` has the columns of `schemas.TRANSACTION_SCHEMA` with timestamps in UTC;
    the store stamps `record_created_ts` with the load time. Pass `rebuild_indexes=False`
    inside `indexes_deferred(engine, tables.transaction_staging)` for a series of large loads.
    """
    frame = transactions.select(TRANSACTION_SCHEMA.names()).cast(TRANSACTION_SCHEMA)
    frame = frame.with_columns(
        pl.lit(utc_now(), dtype=pl.Datetime("us")).alias("record_created_ts")
    )
    return insert_ignoring_duplicates(
        engine, transaction_staging, frame, rebuild_indexes=rebuild_indexes
    )


def existing_transaction_ids(engine: Engine, ids: list[str]) -> set[str]:
    """Return which of `ids` are already in transaction_staging."""
    found: set[str] = set()
    column = transaction_staging.c.transaction_id
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        with engine.connect() as conn:
            found.update(conn.execute(sa.select(column).where(column.in_(chunk))).scalars())
    return found


def unscored_transactions(
    engine: Engine, limit: int, *, since: datetime | None = None, small: bool = False
) -> pl.DataFrame:
    """Return up to `limit` transactions that have no score yet, oldest first (ties by id;
    of the rows tied at the last time, the database picks which fit under `limit`).

    This is the anti-join (staging LEFT JOIN scores WHERE key IS NULL), not a watermark on
    ids: ids commit out of order, and a watermark would skip the late ones forever. Rows the
    scorer quarantined (in rejected_transactions with source `QUARANTINE_SOURCE`) are
    excluded too, by a second anti-join, so a bad row is handled once and never returned again.
    `since` bounds the anti-join to transactions at or after that time (the caller must still
    sweep without it now and then); `small` reads with `read_frame` (cheaper for few rows).
    """
    from fraudwatch.warehouse.fastread import read_arrow_frame  # fastread imports this module

    reader = read_frame if small else read_arrow_frame
    batch = reader(engine, unscored_select(limit, since=since), TRANSACTION_SCHEMA)
    return batch.sort("transaction_timestamp", "transaction_id")


def quarantined_exists() -> sa.Exists:
    """Return "this staged transaction was quarantined by the scorer", correlated to staging."""
    staging, rejected = transaction_staging, rejected_transactions
    return (
        sa.select(rejected.c.transaction_id)
        .where(
            rejected.c.transaction_id == staging.c.transaction_id,
            rejected.c.source == QUARANTINE_SOURCE,
        )
        .exists()
    )


def scored_exists(transaction_id: sa.ColumnElement[Any]) -> sa.Exists:
    """Return "the transaction `transaction_id` has a score" as a correlated EXISTS."""
    scores = ml_fraud_scores
    return (
        sa.select(scores.c.transaction_key)
        .where(scores.c.transaction_key == transaction_id)
        .exists()
    )


def unscored_select(limit: int, *, since: datetime | None = None) -> sa.Select[Any]:
    """Return the select of `unscored_transactions` (both anti-joins, oldest first)."""
    staging, scores = transaction_staging, ml_fraud_scores
    return (
        sa.select(*(staging.c[name] for name in TRANSACTION_SCHEMA.names()))
        .select_from(
            staging.outerjoin(scores, scores.c.transaction_key == staging.c.transaction_id)
        )
        .where(scores.c.transaction_key.is_(None), ~quarantined_exists())
        .where(*([] if since is None else [staging.c.transaction_timestamp >= since]))
        # By time alone, which the timestamp index delivers; ties are put in id order after
        # reading (adding the id here makes SQLite sort the whole result in a temporary B-tree).
        .order_by(staging.c.transaction_timestamp)
        .limit(limit)
    )


# --- scores, labels, reviews ----------------------------------------------------------------


def insert_scores(engine: Engine, scores: pl.DataFrame) -> int:
    """Write scores; a transaction already scored keeps its first score. Return rows added."""
    frame = scores.select(SCORE_SCHEMA.names()).cast(SCORE_SCHEMA)
    return insert_ignoring_duplicates(engine, ml_fraud_scores, frame)


def insert_labels(engine: Engine, labels: pl.DataFrame) -> int:
    """Store labels (transaction_id, is_fraud, source, labeled_at), keeping existing ones.

    Returns how many were added. Chargebacks and imports never overwrite a label already known.
    """
    frame = labels.select("transaction_id", "is_fraud", "source", "labeled_at").cast(
        {"is_fraud": pl.Boolean, "labeled_at": pl.Datetime("us")}
    )
    return insert_ignoring_duplicates(engine, fraud_labels, frame)


def queue_chargebacks(engine: Engine, labels: pl.DataFrame) -> int:
    """Hold labels that arrive later (labeled_at in the future) until they are due.

    Returns how many were queued; a label queued before is not queued twice.
    """
    frame = labels.select("transaction_id", "is_fraud", "source", "labeled_at").cast(
        {"is_fraud": pl.Boolean(), "labeled_at": pl.Datetime("us")}
    )
    return insert_ignoring_duplicates(engine, pending_chargebacks, frame)


def release_due_chargebacks(engine: Engine, as_of: datetime) -> int:
    """Move queued chargebacks with labeled_at <= `as_of` into fraud_labels; return how many.

    Idempotent and safe to run from several processes: a label already in fraud_labels is kept.
    """
    queue, labels = pending_chargebacks, fraud_labels
    due = read_frame(
        engine,
        sa.select(queue.c.transaction_id, queue.c.is_fraud, queue.c.source, queue.c.labeled_at)
        .select_from(queue.outerjoin(labels, labels.c.transaction_id == queue.c.transaction_id))
        .where(labels.c.transaction_id.is_(None), queue.c.labeled_at <= as_of),
        LABEL_SCHEMA,
    )
    return insert_labels(engine, due) if due.height else 0


@dataclass(frozen=True)
class Review:
    """An analyst's decision on one transaction, as stored in analyst_reviews."""

    review_id: str
    transaction_id: str
    decision: str
    analyst: str
    note: str | None
    decided_at: datetime


def record_review(
    engine: Engine, transaction_id: str, decision: str, analyst: str, note: str | None = None
) -> Review:
    """Append an analyst's decision and turn it into a label, in one transaction.

    `confirm_fraud` labels the transaction fraud and `legitimate` labels it not fraud (the
    analyst's word replaces an earlier label); `escalate` records the review only.
    """
    if decision not in REVIEW_DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(REVIEW_DECISIONS)}, not {decision!r}")
    if not analyst.strip():
        raise ValueError("an analyst name is required to record a review")
    review = Review(uuid.uuid4().hex, transaction_id, decision, analyst.strip(), note, utc_now())

    def write() -> None:
        with write_transaction(engine) as conn:
            conn.execute(analyst_reviews.insert().values(**review.__dict__))
            if decision == "escalate":
                return
            conn.execute(
                fraud_labels.delete().where(fraud_labels.c.transaction_id == transaction_id)
            )
            conn.execute(
                fraud_labels.insert().values(
                    transaction_id=transaction_id,
                    is_fraud=decision == "confirm_fraud",
                    source="analyst",
                    labeled_at=review.decided_at,
                )
            )

    with_retry(write)
    return review


# --- scoring runs -----------------------------------------------------------------------------


def start_run(engine: Engine, trigger: str, model_version: str | None) -> str:
    """Record the start of a scoring run and return its id."""
    run_id = uuid.uuid4().hex

    def write() -> None:
        with write_transaction(engine) as conn:
            conn.execute(
                scoring_runs.insert().values(
                    run_id=run_id,
                    trigger=trigger,
                    started_at=utc_now(),
                    status="running",
                    n_scored=0,
                    n_rejected=0,
                    model_version=model_version,
                )
            )

    with_retry(write)
    return run_id


def finish_run(
    engine: Engine,
    run_id: str,
    status: str,
    n_scored: int,
    n_rejected: int,
    error: str | None = None,
) -> None:
    """Record how a scoring run ended."""

    def write() -> None:
        with write_transaction(engine) as conn:
            conn.execute(
                scoring_runs.update()
                .where(scoring_runs.c.run_id == run_id)
                .values(
                    finished_at=utc_now(),
                    status=status,
                    n_scored=n_scored,
                    n_rejected=n_rejected,
                    error=error,
                )
            )

    with_retry(write)


# --- rejected records -------------------------------------------------------------------------


def insert_rejected(engine: Engine, rejected: pl.DataFrame) -> int:
    """Keep rejected records (rejection_id, source, source_row, transaction_id, raw_record,
    reason); a record rejected before under the same id is not stored again. Returns rows added.
    """
    frame = rejected.select(
        "rejection_id", "source", "source_row", "transaction_id", "raw_record", "reason"
    ).with_columns(pl.lit(utc_now(), dtype=pl.Datetime("us")).alias("rejected_at"))
    return insert_ignoring_duplicates(engine, rejected_transactions, frame)


# --- model registry ---------------------------------------------------------------------------


def register_model(engine: Engine, entry: Mapping[str, Any]) -> None:
    """Add a model_registry row; `feature_list` and `metrics` may be given as Python objects."""
    values = dict(entry)
    for key in ("feature_list", "metrics"):
        if not isinstance(values.get(key), str):
            values[key] = json.dumps(values.get(key))

    def write() -> None:
        with write_transaction(engine) as conn:
            conn.execute(model_registry.insert().values(**values))

    with_retry(write)


def list_models(engine: Engine) -> list[dict[str, Any]]:
    """Return every registered model, newest first, with metrics and features decoded."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(model_registry).order_by(model_registry.c.created_at.desc())
        ).mappings()
        models = [dict(row) for row in rows]
    for model in models:
        model["feature_list"] = json.loads(model["feature_list"])
        model["metrics"] = json.loads(model["metrics"])
    return models


def champion_model(engine: Engine) -> dict[str, Any] | None:
    """Return the champion's registry row, or None when no model has been promoted."""
    return next((m for m in list_models(engine) if m["status"] == "champion"), None)


def promote_model(engine: Engine, model_version: str) -> None:
    """Make `model_version` the champion and retire the previous one, atomically."""

    def write() -> None:
        with write_transaction(engine) as conn:
            exists = conn.execute(
                sa.select(model_registry.c.model_version).where(
                    model_registry.c.model_version == model_version
                )
            ).first()
            if exists is None:
                raise LookupError(f"no model version {model_version!r} in the registry")
            conn.execute(
                model_registry.update()
                .where(model_registry.c.status == "champion")
                .values(status="retired")
            )
            conn.execute(
                model_registry.update()
                .where(model_registry.c.model_version == model_version)
                .values(status="champion")
            )

    with_retry(write)
