"""The API's own reads: one row by key, the latest runs, the champion's name, a ping.

Each is one indexed statement with bound parameters, cheap enough to run per request.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import tables


def ping(engine: Engine) -> None:
    """Run `SELECT 1` on the warehouse; raise if it does not answer."""
    with engine.connect() as conn:
        conn.execute(sa.select(sa.literal(1))).scalar_one()


def champion_version(engine: Engine) -> str | None:
    """Return the champion's version name (one indexed row), or None when there is none."""
    registry = tables.model_registry
    statement = sa.select(registry.c.model_version).where(registry.c.status == "champion")
    with engine.connect() as conn:
        return conn.execute(statement.limit(1)).scalar_one_or_none()


def transaction_detail(engine: Engine, transaction_id: str) -> dict[str, Any] | None:
    """Return a stored transaction with its score and label columns (None where absent).

    Score columns are prefixed `score_`, label columns `label_`; None if the id is unknown.
    """
    staging, scores, labels = (
        tables.transaction_staging,
        tables.ml_fraud_scores,
        tables.fraud_labels,
    )
    statement = (
        sa.select(
            staging,
            *(column.label(f"score_{column.name}") for column in scores.c),
            *(column.label(f"label_{column.name}") for column in labels.c),
        )
        .select_from(
            staging.outerjoin(
                scores, scores.c.transaction_key == staging.c.transaction_id
            ).outerjoin(labels, labels.c.transaction_id == staging.c.transaction_id)
        )
        .where(staging.c.transaction_id == transaction_id)
    )
    with engine.connect() as conn:
        row = conn.execute(statement).mappings().first()
    return None if row is None else dict(row)


def recent_runs(engine: Engine, limit: int, status: str | None = None) -> list[dict[str, Any]]:
    """Return up to `limit` scoring runs, newest first, optionally only those with `status`."""
    runs = tables.scoring_runs
    statement = sa.select(runs).order_by(runs.c.started_at.desc(), runs.c.run_id).limit(limit)
    if status is not None:
        statement = statement.where(runs.c.status == status)
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(statement).mappings()]
