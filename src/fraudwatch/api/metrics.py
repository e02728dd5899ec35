"""Prometheus metrics: requests, latency, scores and flags, exposed at `/metrics`.

Each app has its own `CollectorRegistry` (two apps in one process, as in tests, never collide).
The middleware is plain ASGI, not `BaseHTTPMiddleware`, so it adds microseconds, not a task per
request. Routes are labelled by their template (`/v1/transactions/{transaction_id}`), never by the
raw path, so the number of series stays bounded.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class ApiMetrics:
    """The API's counters and histograms, registered in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "fraudwatch_api_requests",
            "HTTP requests handled, by route template, method and status code.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "fraudwatch_api_request_duration_seconds",
            "Time from request to the end of the response, by route template.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.scores = Counter(
            "fraudwatch_api_scores",
            "Transactions scored, by model version.",
            ["model_version"],
            registry=self.registry,
        )
        self.flagged = Counter(
            "fraudwatch_api_flagged",
            "Transactions flagged (probability >= threshold), by model version.",
            ["model_version"],
            registry=self.registry,
        )
        self.model_loaded = Gauge(
            "fraudwatch_api_model_loaded",
            "1 while a champion model is loaded and scoring, else 0.",
            registry=self.registry,
        )

    def record_scores(self, model_version: str, scored: int, flagged: int) -> None:
        """Count scored and flagged transactions for a model version."""
        self.scores.labels(model_version).inc(scored)
        if flagged:
            self.flagged.labels(model_version).inc(flagged)


def _route_of(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"


class MetricsMiddleware:
    """Count every HTTP request and time it, labelled by route template and status."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; record its status and duration when the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_recording)
        finally:
            route = _route_of(scope)
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - start)
