"""The FastAPI application: `create_app(settings)` wires routers, errors, metrics and the lifespan.

The lifespan opens the warehouse engine, loads the champion model and the in-memory history
(`ServingState`), starts the thread that keeps that history current, the micro-batcher that
scores requests, and the task that re-checks the registry for a new champion; nothing heavy
happens at import or in `create_app`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from fraudwatch import __version__
from fraudwatch.api.batcher import ScoreBatcher
from fraudwatch.api.deps import parse_api_keys
from fraudwatch.api.errors import install_error_handlers
from fraudwatch.api.metrics import ApiMetrics, MetricsMiddleware
from fraudwatch.api.refresher import DEFAULT_REFRESH_SECONDS, Refresher
from fraudwatch.api.routers import health, models, runs, score, transactions
from fraudwatch.api.serving import ModelHolder
from fraudwatch.api.serving_state import ServingState
from fraudwatch.config import Settings
from fraudwatch.warehouse import create_warehouse_engine

log = logging.getLogger(__name__)

DEFAULT_RELOAD_SECONDS = 10.0

DESCRIPTION = """\
Real-time fraud scoring for bank transactions.

Every `/v1` endpoint needs the API key in the `X-API-Key` header (401 without it). `/healthz`,
`/healthz/live` and `/metrics` are open, for probes and Prometheus.

Scoring does **not** store the transaction or its score: the bank's own system writes
`transaction_staging`, and the scoring job (`fraudwatch score`) stores scores. The API and the
job compute the same features from the same stored history and give the same probability.
"""


class MissingApiKeyError(ValueError):
    """The service was asked to start without an API key."""


async def _watch_champion(holder: ModelHolder, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        await anyio.to_thread.run_sync(holder.refresh)


def _load_history(state: ServingState) -> None:
    try:
        state.load()
    except Exception as error:  # the warehouse is away: score on it (503) until a refresh loads
        log.warning("serving history not loaded: %s", type(error).__name__)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    engine = create_warehouse_engine(settings.database_url)
    holder = ModelHolder(engine, settings.model_dir)
    await anyio.to_thread.run_sync(holder.refresh)
    if holder.model is None:
        log.warning("starting without a model: %s", holder.problem)
    state = ServingState(engine)
    await anyio.to_thread.run_sync(_load_history, state)
    refresher = Refresher(state, app.state.refresh_seconds)
    refresher.start()
    batcher = ScoreBatcher(state, engine)
    batcher.start()
    app.state.engine, app.state.holder = engine, holder
    app.state.serving, app.state.batcher = state, batcher
    app.state.metrics.model_loaded.set_function(lambda: 1.0 if holder.model else 0.0)
    watcher = asyncio.create_task(_watch_champion(holder, app.state.reload_seconds))
    try:
        yield
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        await batcher.stop()
        await anyio.to_thread.run_sync(refresher.stop)
        engine.dispose()


def create_app(
    settings: Settings,
    *,
    reload_seconds: float = DEFAULT_RELOAD_SECONDS,
    refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
) -> FastAPI:
    """Return the API for `settings`; the model, engine and history load when it starts serving.

    Raises MissingApiKeyError when `settings.api_key` is not set: the service never runs open.
    `reload_seconds` is how often the registry is checked for a new champion; `refresh_seconds`
    how often the in-memory history reads what the warehouse has new.
    """
    configured = settings.api_key.get_secret_value() if settings.api_key else ""
    keys = parse_api_keys(configured)
    if not keys:
        raise MissingApiKeyError(
            "FRAUDWATCH_API_KEY is not set; set it to a long random secret "
            "(python -c 'import secrets; print(secrets.token_urlsafe(32))') and start again"
        )
    app = FastAPI(
        title="fraudwatch",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan,
    )
    metrics = ApiMetrics()
    app.state.settings, app.state.api_keys, app.state.metrics = settings, keys, metrics
    app.state.reload_seconds = reload_seconds
    app.state.refresh_seconds = refresh_seconds
    for module in (score, transactions, runs, models, health):
        app.include_router(module.router)
    install_error_handlers(app)
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    @app.get("/metrics", tags=["health"], response_class=PlainTextResponse, summary="Metrics")
    def prometheus_metrics(request: Request) -> Response:
        """Return the Prometheus text exposition (no API key needed)."""
        registry: Any = request.app.state.metrics.registry
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app
