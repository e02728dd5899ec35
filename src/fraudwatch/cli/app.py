"""The Typer application: global options and the registration of every command group."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from fraudwatch.cli import (
    api,
    dashboard,
    deploy,
    model,
    reports,
    score,
    simulate,
    up,
    warehouse,
)
from fraudwatch.cli.context import UserError, state

app = typer.Typer(
    name="fraudwatch",
    help="Real-time fraud detection for bank transactions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _global_options(
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="Warehouse URL (default: FRAUDWATCH_DATABASE_URL, else ./fraudwatch.db).",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    state.database_url = database_url


warehouse.register(app)
simulate.register(app)
model.register(app)
reports.register(app)
score.register(app)

# `serve api`, `serve dashboard`: each service module adds its command to this shared group.
serve_app = typer.Typer(help="Run a service.", no_args_is_help=True)
app.add_typer(serve_app, name="serve")
dashboard.register(serve_app)
api.register(serve_app)
up.register(app)
deploy.register(app)


def main() -> None:
    """Run the CLI; a `UserError` prints one line to stderr and exits 1, with no traceback."""
    try:
        app()
    except UserError as error:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        sys.exit(1)
