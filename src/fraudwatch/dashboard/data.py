"""The dashboard's SQL: SQLAlchemy Core statements with bound parameters, the same on every backend.

Two kinds of read. The live window (`window_rows`, `new_transactions`, `new_scores`) feeds the
process's in-memory copy of the recent transactions (see `dashboard.window`), read once and
then only by what changed. Everything else is small and keyed: one transaction's details, an
account's recent history, the reviews, the scoring runs, the champion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import champion_model, read_arrow_frame, read_frame, tables

# One row per transaction in the live window: the columns every chart and KPI is computed from.
WINDOW_SCHEMA: Final = pl.Schema(
    {
        "transaction_id": pl.String(),
        "transaction_timestamp": pl.Datetime("us"),
        "record_created_ts": pl.Datetime("us"),
        "transaction_amount": pl.Float64(),
        # Categorical: filters and group-bys over a million rows run 3-5x faster than on text.
        "channel_name": pl.Categorical(),
        "transaction_type": pl.Categorical(),
        "fraud_probability": pl.Float64(),
        "fraud_prediction": pl.Boolean(),
        "scored_at": pl.Datetime("us"),
    }
)
SCORE_DELTA_SCHEMA: Final = pl.Schema(
    {
        "transaction_id": pl.String(),
        "fraud_probability": pl.Float64(),
        "fraud_prediction": pl.Boolean(),
        "scored_at": pl.Datetime("us"),
    }
)
DETAIL_SCHEMA: Final = pl.Schema(
    {
        "transaction_id": pl.String(),
        "account_number": pl.String(),
        "merchant_name": pl.String(),
        "merchant_category_code": pl.String(),
        "is_international": pl.Boolean(),
        "transaction_description": pl.String(),
        "reasons": pl.String(),
        "model_version": pl.String(),
    }
)
REVIEW_SCHEMA: Final = pl.Schema(
    {
        "review_id": pl.String(),
        "transaction_id": pl.String(),
        "decision": pl.String(),
        "analyst": pl.String(),
        "note": pl.String(),
        "decided_at": pl.Datetime("us"),
    }
)
HISTORY_SCHEMA: Final = pl.Schema(
    {
        "transaction_id": pl.String(),
        "transaction_timestamp": pl.Datetime("us"),
        "transaction_type": pl.String(),
        "transaction_amount": pl.Float64(),
        "channel_name": pl.String(),
        "merchant_name": pl.String(),
        "is_international": pl.Boolean(),
        "fraud_probability": pl.Float64(),
        "is_fraud": pl.Boolean(),
    }
)
RUN_SCHEMA: Final = pl.Schema(
    {
        "run_id": pl.String(),
        "trigger": pl.String(),
        "started_at": pl.Datetime("us"),
        "finished_at": pl.Datetime("us"),
        "status": pl.String(),
        "n_scored": pl.Int64(),
        "n_rejected": pl.Int64(),
        "model_version": pl.String(),
        "error": pl.String(),
    }
)

_staging = tables.transaction_staging
_scores = tables.ml_fraud_scores


@dataclass(frozen=True)
class Probe:
    """The cheap fingerprint of the warehouse: when it changes, something worth showing did."""

    last_ingest: datetime | None
    last_score: datetime | None
    last_label: datetime | None
    reviews: int
    last_run: datetime | None
    running_runs: int
    champion: str | None


def probe(engine: Engine) -> Probe:
    """Return the warehouse's fingerprint in one round trip of indexed max/count lookups."""
    runs = tables.scoring_runs
    registry = tables.model_registry
    statement = sa.select(
        sa.select(sa.func.max(_staging.c.record_created_ts)).scalar_subquery(),
        sa.select(sa.func.max(_scores.c.scored_at)).scalar_subquery(),
        sa.select(sa.func.max(tables.fraud_labels.c.labeled_at)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(tables.analyst_reviews).scalar_subquery(),
        sa.select(sa.func.max(runs.c.started_at)).scalar_subquery(),
        sa.select(sa.func.count())
        .select_from(runs)
        .where(runs.c.status == "running")
        .scalar_subquery(),
        sa.select(sa.func.max(registry.c.model_version))
        .where(registry.c.status == "champion")
        .scalar_subquery(),
    )
    with engine.connect() as conn:
        row = conn.execute(statement).one()
    return Probe(row[0], row[1], row[2], int(row[3] or 0), row[4], int(row[5] or 0), row[6])


def _window_select() -> sa.Select[Any]:
    return sa.select(
        _staging.c.transaction_id,
        _staging.c.transaction_timestamp,
        _staging.c.record_created_ts,
        _staging.c.transaction_amount,
        _staging.c.channel_name,
        _staging.c.transaction_type,
        _scores.c.fraud_probability,
        _scores.c.fraud_prediction,
        _scores.c.scored_at,
    ).select_from(
        _staging.outerjoin(_scores, _scores.c.transaction_key == _staging.c.transaction_id)
    )


def window_rows(engine: Engine, since: datetime) -> pl.DataFrame:
    """Return every transaction with transaction_timestamp >= `since`, with its score if any.

    Read as Arrow (`read_arrow_frame`): about four times faster than row by row for a million
    rows on SQLite and PostgreSQL.
    """
    statement = _window_select().where(_staging.c.transaction_timestamp >= since)
    return read_arrow_frame(engine, statement, WINDOW_SCHEMA).rechunk()


def new_transactions(
    engine: Engine, created_since: datetime, since: datetime, *, strictly_after: bool = False
) -> pl.DataFrame:
    """Return transactions stored at or after `created_since` (record_created_ts; strictly
    after with `strictly_after`) whose transaction_timestamp is >= `since`, with their scores.

    Only record_created_ts is in the SQL: given a range on transaction_timestamp too, SQLite
    walks that index over the whole window (~0.4 s at a million rows) instead of reading the
    few rows stored since the mark. The time condition is applied to those rows here.
    """
    created = _staging.c.record_created_ts
    statement = _window_select().where(
        created > created_since if strictly_after else created >= created_since
    )
    rows = read_frame(engine, statement, WINDOW_SCHEMA)
    return rows.filter(pl.col("transaction_timestamp") >= since)


def count_stored_between(engine: Engine, low: datetime, high: datetime) -> int:
    """Return how many transactions have low <= record_created_ts <= high.

    An index-only count: with a condition on transaction_timestamp too, each row in the range
    is looked up (~0.25 s for a million rows stored together). Rows stored in the range for a
    time outside the window are counted but never held, so they only cost a re-read.
    """
    statement = (
        sa.select(sa.func.count())
        .select_from(_staging)
        .where(_staging.c.record_created_ts >= low, _staging.c.record_created_ts <= high)
    )
    with engine.connect() as conn:
        return int(conn.execute(statement).scalar_one())


def new_scores(
    engine: Engine, scored_since: datetime, *, strictly_after: bool = False
) -> pl.DataFrame:
    """Return the scores written at or after `scored_since` (strictly after with
    `strictly_after`; by scored_at, which is indexed)."""
    scored_at = _scores.c.scored_at
    statement = sa.select(
        _scores.c.transaction_key,
        _scores.c.fraud_probability,
        _scores.c.fraud_prediction,
        scored_at,
    ).where(scored_at > scored_since if strictly_after else scored_at >= scored_since)
    return read_frame(engine, statement, SCORE_DELTA_SCHEMA)


def count_scored_between(engine: Engine, low: datetime, high: datetime) -> int:
    """Return how many scores have low <= scored_at <= high (an index-only count)."""
    statement = (
        sa.select(sa.func.count())
        .select_from(_scores)
        .where(_scores.c.scored_at >= low, _scores.c.scored_at <= high)
    )
    with engine.connect() as conn:
        return int(conn.execute(statement).scalar_one())


def count_transactions_since(engine: Engine, since: datetime) -> int:
    """Return how many transactions have transaction_timestamp >= `since`."""
    statement = (
        sa.select(sa.func.count())
        .select_from(_staging)
        .where(_staging.c.transaction_timestamp >= since)
    )
    with engine.connect() as conn:
        return int(conn.execute(statement).scalar_one())


def transaction_details(engine: Engine, ids: list[str]) -> pl.DataFrame:
    """Return merchant, international flag, description and reason codes of `ids`."""
    if not ids:
        return pl.DataFrame(schema=DETAIL_SCHEMA)
    statement = (
        sa.select(
            _staging.c.transaction_id,
            _staging.c.account_number,
            _staging.c.merchant_name,
            _staging.c.merchant_category_code,
            _staging.c.is_international,
            _staging.c.transaction_description,
            _scores.c.reasons,
            _scores.c.model_version,
        )
        .select_from(
            _staging.outerjoin(_scores, _scores.c.transaction_key == _staging.c.transaction_id)
        )
        .where(_staging.c.transaction_id.in_(ids))
    )
    return read_frame(engine, statement, DETAIL_SCHEMA)


def reason_text(reasons: str | None, top: int = 3) -> str:
    """Return stored reason codes as 'feature (+0.42), …'; plain names are kept as they are.

    >>> reason_text('[["amount_zscore", 1.234], ["hour", -0.5]]')
    'amount_zscore (+1.23), hour (-0.50)'
    """
    if not reasons:
        return ""
    try:
        decoded = json.loads(reasons)
    except ValueError:
        return reasons
    parts = []
    for item in decoded[:top] if isinstance(decoded, list) else []:
        if isinstance(item, list | tuple) and len(item) == 2:
            parts.append(f"{item[0]} ({float(item[1]):+.2f})")
        elif isinstance(item, dict) and "feature" in item:
            parts.append(f"{item['feature']} ({float(item.get('contribution', 0.0)):+.2f})")
        else:
            parts.append(str(item))
    return ", ".join(parts)


def reviews(engine: Engine) -> pl.DataFrame:
    """Return every analyst review (the audit trail), newest first."""
    table = tables.analyst_reviews
    statement = sa.select(*(table.c[n] for n in REVIEW_SCHEMA.names())).order_by(
        table.c.decided_at.desc()
    )
    return read_frame(engine, statement, REVIEW_SCHEMA)


def transaction_record(engine: Engine, transaction_id: str) -> dict[str, Any] | None:
    """Return one transaction's stored row with its score and label, or None if unknown."""
    labels = tables.fraud_labels
    statement = (
        sa.select(
            _staging,
            _scores.c.fraud_probability,
            _scores.c.fraud_prediction,
            _scores.c.model_version,
            _scores.c.scored_at,
            _scores.c.reasons,
            labels.c.is_fraud,
            labels.c.source.label("label_source"),
        )
        .select_from(
            _staging.outerjoin(
                _scores, _scores.c.transaction_key == _staging.c.transaction_id
            ).outerjoin(labels, labels.c.transaction_id == _staging.c.transaction_id)
        )
        .where(_staging.c.transaction_id == transaction_id)
    )
    with engine.connect() as conn:
        row = conn.execute(statement).mappings().first()
    return dict(row) if row is not None else None


def customer_profile(engine: Engine, account_number: str) -> dict[str, Any] | None:
    """Return the account's row joined with its customer's, or None if there is no profile."""
    account, customer = tables.dim_account, tables.dim_customer
    statement = (
        sa.select(
            account.c.account_number,
            account.c.account_type,
            account.c.opened_date,
            customer.c.customer_key,
            customer.c.customer_segment,
            customer.c.credit_score,
            customer.c.customer_since,
            customer.c.risk_rating,
            customer.c.home_country,
        )
        .select_from(account.outerjoin(customer, customer.c.customer_key == account.c.customer_key))
        .where(account.c.account_number == account_number)
    )
    with engine.connect() as conn:
        row = conn.execute(statement).mappings().first()
    return dict(row) if row is not None else None


def account_history(
    engine: Engine, account_number: str, until: datetime, limit: int = 20
) -> pl.DataFrame:
    """Return the account's `limit` latest transactions at or before `until`, newest first."""
    labels = tables.fraud_labels
    statement = (
        sa.select(
            _staging.c.transaction_id,
            _staging.c.transaction_timestamp,
            _staging.c.transaction_type,
            _staging.c.transaction_amount,
            _staging.c.channel_name,
            _staging.c.merchant_name,
            _staging.c.is_international,
            _scores.c.fraud_probability,
            labels.c.is_fraud,
        )
        .select_from(
            _staging.outerjoin(
                _scores, _scores.c.transaction_key == _staging.c.transaction_id
            ).outerjoin(labels, labels.c.transaction_id == _staging.c.transaction_id)
        )
        .where(
            _staging.c.account_number == account_number,
            _staging.c.transaction_timestamp <= until,
        )
        .order_by(_staging.c.transaction_timestamp.desc())
        .limit(limit)
    )
    return read_frame(engine, statement, HISTORY_SCHEMA)


def scoring_runs(engine: Engine, limit: int = 50) -> pl.DataFrame:
    """Return the `limit` most recent scoring runs, newest first."""
    runs = tables.scoring_runs
    statement = (
        sa.select(*(runs.c[n] for n in RUN_SCHEMA.names()))
        .order_by(runs.c.started_at.desc())
        .limit(limit)
    )
    return read_frame(engine, statement, RUN_SCHEMA)


def champion(engine: Engine) -> dict[str, Any] | None:
    """Return the champion's registry row (metrics decoded), or None before the first model."""
    return champion_model(engine)
