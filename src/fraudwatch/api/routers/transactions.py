"""`GET /v1/transactions/{transaction_id}`: a stored transaction with its score and label."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, status

from fraudwatch.api.deps import ApiKeyDep, EngineDep
from fraudwatch.api.queries import transaction_detail
from fraudwatch.api.schemas import (
    ErrorOut,
    LabelOut,
    ReasonOut,
    StoredScoreOut,
    TransactionOut,
    aware,
)

router = APIRouter(prefix="/v1", tags=["transactions"], dependencies=[ApiKeyDep])


def _reasons(text: str | None) -> list[ReasonOut] | None:
    if not text:
        return None
    return [ReasonOut(feature=str(name), contribution=float(v)) for name, v in json.loads(text)]


def _score(row: dict[str, Any]) -> StoredScoreOut | None:
    if row["score_transaction_key"] is None:
        return None
    return StoredScoreOut(
        fraud_probability=row["score_fraud_probability"],
        fraud_prediction=row["score_fraud_prediction"],
        model_version=row["score_model_version"],
        scored_at=aware(row["score_scored_at"]) or row["score_scored_at"],
        reasons=_reasons(row["score_reasons"]),
        latency_ms=row["score_latency_ms"],
    )


def _label(row: dict[str, Any]) -> LabelOut | None:
    if row["label_transaction_id"] is None:
        return None
    return LabelOut(
        is_fraud=row["label_is_fraud"],
        source=row["label_source"],
        labeled_at=aware(row["label_labeled_at"]) or row["label_labeled_at"],
    )


@router.get(
    "/transactions/{transaction_id}",
    response_model=TransactionOut,
    responses={401: {"model": ErrorOut}, 404: {"model": ErrorOut}},
    summary="A stored transaction, its score and its label",
)
def get_transaction(transaction_id: str, engine: EngineDep) -> TransactionOut:
    """Return the transaction as stored in transaction_staging, with its stored score (null until
    the scoring job has scored it) and its label (null until one is known); 404 if unknown."""
    row = transaction_detail(engine, transaction_id)
    if row is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"no transaction {transaction_id!r} is stored"
        )
    fields = {name: row[name] for name in TransactionOut.model_fields if name in row}
    for name in ("transaction_timestamp", "record_created_ts"):
        fields[name] = aware(fields[name])
    return TransactionOut(**fields, score=_score(row), label=_label(row))
