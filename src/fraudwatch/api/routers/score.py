"""`POST /v1/score`: score one transaction or a batch, synchronously, without storing anything."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response

from fraudwatch.api.deps import ApiKeyDep, ScoringDep
from fraudwatch.api.schemas import ErrorOut, ScoreBatchOut, ScoreIn, ScoreOut, TransactionBatchIn
from fraudwatch.api.scoring_jobs import ReasonsMode, ScoreJob
from fraudwatch.api.verdicts import response_body

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
async def score(
    body: Annotated[ScoreIn, Body()],
    scoring: ScoringDep,
    reasons: Annotated[ReasonsMode, Query(description=REASONS_HELP)] = "flagged",
) -> Response:
    """Score with the champion, computing features from the stored history of the account,
    its customer's other accounts and the merchant, exactly as the scoring job does.

    A single transaction object gets one verdict back; `{"transactions": [...]}` (at most 1,000,
    unique ids) gets `{"model_version", "scores": [...]}` in the order sent. Nothing is stored:
    the bank's system writes transaction_staging, and the scoring job stores scores.
    """
    batch = isinstance(body, TransactionBatchIn)
    transactions = body.transactions if isinstance(body, TransactionBatchIn) else [body]
    model = scoring.model
    job = ScoreJob([t.row() for t in transactions], model, reasons)
    verdicts = await scoring.batcher.score(job)
    scoring.metrics.record_scores(
        model.version, len(verdicts), sum(1 for v in verdicts if v["fraud_prediction"])
    )
    # The verdicts already have ScoreOut's shape: a Response skips FastAPI's re-validation.
    body_bytes = response_body(verdicts, model.version, batch)
    return Response(body_bytes, media_type="application/json")
