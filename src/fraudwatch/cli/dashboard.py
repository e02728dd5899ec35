"""`fraudwatch serve dashboard`: the analyst dashboard as a web service."""

from __future__ import annotations

from typing import Annotated

import typer

from fraudwatch.cli.context import UserError, settings
from fraudwatch.warehouse import WarehouseConfigError

DEFAULT_PORT = 8050


def register(serve: typer.Typer) -> None:
    """Add `dashboard` to the `serve` command group."""
    serve.command("dashboard")(dashboard)


def dashboard(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
    refresh: Annotated[
        float | None,
        typer.Option(
            help="Seconds between checks for new data "
            "(default: FRAUDWATCH_DASHBOARD_REFRESH_SECONDS).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the analyst dashboard: monitoring, detection, review queue, operations."""
    from shiny._main import run_app

    from fraudwatch.dashboard import create_app

    config = settings()
    seconds = refresh if refresh is not None else config.dashboard_refresh_seconds
    if seconds <= 0:
        raise UserError("--refresh must be a positive number of seconds")
    try:
        application = create_app(
            config.database_url,
            config.model_dir,
            seconds,
            high_risk_threshold=config.high_risk_threshold,
        )
    except WarehouseConfigError as error:
        raise UserError(str(error)) from None
    typer.echo(f"fraudwatch dashboard on http://{host}:{port} (refresh every {seconds:g} s)")
    run_app(application, host=host, port=port, launch_browser=False)
