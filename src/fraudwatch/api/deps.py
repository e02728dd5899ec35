"""Typed dependencies: the warehouse engine, the model in service, the metrics, the API key check.

Everything lives on `app.state`, set up by the app's lifespan; nothing is read at import. The
dependencies are `async def`: none blocks, and FastAPI would run a plain `def` on a worker
thread, a thread hop per dependency per request.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader
from sqlalchemy.engine import Engine

from fraudwatch.api.batcher import ScoreBatcher
from fraudwatch.api.metrics import ApiMetrics
from fraudwatch.api.serving import ModelHolder
from fraudwatch.model import LoadedModel

API_KEY_HEADER = "X-API-Key"

_api_key_header = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="The service's API key (FRAUDWATCH_API_KEY on the server).",
)


def parse_api_keys(configured: str) -> tuple[bytes, ...]:
    """Return the accepted keys: FRAUDWATCH_API_KEY, split on commas (two keys while rotating)."""
    return tuple(key.strip().encode() for key in configured.split(",") if key.strip())


def key_matches(given: str, accepted: tuple[bytes, ...]) -> bool:
    """Return True if `given` equals one of `accepted`, comparing every key in constant time."""
    candidate = given.encode()
    matched = False
    for key in accepted:
        matched |= hmac.compare_digest(candidate, key)
    return matched


async def require_api_key(
    request: Request, given: Annotated[str | None, Security(_api_key_header)]
) -> None:
    """Reject the request with 401 unless its X-API-Key header holds an accepted key."""
    if given is None or not key_matches(given, request.app.state.api_keys):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=f"missing or wrong API key: send it in the {API_KEY_HEADER} header",
            headers={"WWW-Authenticate": "APIKey"},
        )


async def get_engine(request: Request) -> Engine:
    """Return the warehouse engine opened by the lifespan."""
    engine: Engine = request.app.state.engine
    return engine


async def get_holder(request: Request) -> ModelHolder:
    """Return the holder of the model in service."""
    holder: ModelHolder = request.app.state.holder
    return holder


def _model_in_service(holder: ModelHolder) -> LoadedModel:
    """Return the holder's model, or raise 503 saying why there is none."""
    model = holder.model
    if model is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"no model to score with: {holder.problem}"
        )
    return model


async def get_model(holder: Annotated[ModelHolder, Depends(get_holder)]) -> LoadedModel:
    """Return the model in service, or answer 503 saying why there is none."""
    return _model_in_service(holder)


async def get_metrics(request: Request) -> ApiMetrics:
    """Return the app's metrics."""
    metrics: ApiMetrics = request.app.state.metrics
    return metrics


@dataclass(frozen=True)
class Scoring:
    """What `POST /v1/score` works with: the micro-batcher, the model in service, the metrics."""

    batcher: ScoreBatcher
    model: LoadedModel
    metrics: ApiMetrics


async def get_scoring(request: Request) -> Scoring:
    """Return the scoring endpoint's `Scoring`, or answer 503 when there is no model.

    One dependency rather than three: FastAPI resolves each dependency of each request anew,
    and on the hot path that cost more than a transaction's features.
    """
    state = request.app.state
    return Scoring(state.batcher, _model_in_service(state.holder), state.metrics)


EngineDep = Annotated[Engine, Depends(get_engine)]
ScoringDep = Annotated[Scoring, Depends(get_scoring)]
HolderDep = Annotated[ModelHolder, Depends(get_holder)]
ModelDep = Annotated[LoadedModel, Depends(get_model)]
MetricsDep = Annotated[ApiMetrics, Depends(get_metrics)]
ApiKeyDep = Depends(require_api_key)
