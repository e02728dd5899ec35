"""`fraudwatch serve api`: the real-time scoring API as a web service (uvicorn, one process)."""

from __future__ import annotations

from typing import Annotated

import typer

from fraudwatch.cli.context import UserError, engine, settings

DEFAULT_PORT = 8000


def register(serve: typer.Typer) -> None:
    """Add `api` to the `serve` command group."""
    serve.command("api")(api)


def api(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
    reload_seconds: Annotated[
        float, typer.Option(help="Seconds between checks of the registry for a new champion.")
    ] = 10.0,
    access_log: Annotated[
        bool, typer.Option(help="Log every request (Prometheus /metrics counts them anyway).")
    ] = False,
) -> None:
    """Serve the scoring API: POST /v1/score and friends; needs FRAUDWATCH_API_KEY.

    Clients send the key in the X-API-Key header. See docs/api.md.
    """
    import uvicorn

    from fraudwatch.api import MissingApiKeyError, create_app

    if reload_seconds <= 0:
        raise UserError("--reload-seconds must be a positive number of seconds")
    config = settings()
    engine().dispose()  # a malformed database URL is a one-line error here, not a traceback
    try:
        application = create_app(config, reload_seconds=reload_seconds)
    except MissingApiKeyError as error:
        raise UserError(str(error)) from None
    typer.echo(f"fraudwatch API on http://{host}:{port} (OpenAPI at /docs and /openapi.json)")
    uvicorn.run(
        application,
        host=host,
        port=port,
        workers=1,
        access_log=access_log,
        log_level="info",
        timeout_graceful_shutdown=5,
    )
