"""`POST /v1/score`: score one transaction or a batch, synchronously, without storing anything."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from fraudwatch.api.deps import ApiKeyDep, EngineDep, MetricsDep, ModelDep
from fraudwatch.api.schemas import (
    ErrorOut,
    ScoreBatchOut,
    ScoreIn,
    ScoreOut,
    TransactionBatchIn,
    TransactionIn,
)
from fraudwatch.api.serving import ReasonsMode, score_transactions

router = APIRouter(prefix="/v1", tags=["score"], dependencies=[ApiKeyDep])

REASONS_HELP = (
    "Which verdicts carry reason codes: 'flagged' (the default, as the scoring job stores them), "
    "'all', or 'none'."
)


@router.post(
    "/score",
    response_model=ScoreOut | ScoreBatchOut,
    responses={401: {"model": ErrorOut}, 503: {"model": ErrorOut}},
    summary="Score one transaction, or a batch",
)
def score(
    body: Annotated[ScoreIn, Body()],
    engine: EngineDep,
    model: ModelDep,
    metrics: MetricsDep,
    reasons: Annotated[ReasonsMode, Query(description=REASONS_HELP)] = "flagged",
) -> ScoreOut | ScoreBatchOut:
    """Score with the champion, computing features from the stored history of the account,
    its customer's other accounts and the merchant, exactly as the scoring job does.

    A single transaction object gets one verdict back; `{"transactions": [...]}` (at most 1,000,
    unique ids) gets `{"model_version", "scores": [...]}` in the order sent. Nothing is stored:
    the bank's system writes transaction_staging, and the scoring job stores scores.
    """
    batch = isinstance(body, TransactionBatchIn)
    transactions: list[TransactionIn] = (
        body.transactions if isinstance(body, TransactionBatchIn) else [body]
    )
    verdicts = score_transactions(engine, model, transactions, reasons)
    metrics.record_scores(
        model.version, len(verdicts), sum(1 for v in verdicts if v.fraud_prediction)
    )
    if batch:
        return ScoreBatchOut(model_version=model.version, scores=verdicts)
    return verdicts[0]
