"""`fraudwatch init` and `fraudwatch ingest`: creating the warehouse and loading files into it."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import typer

from fraudwatch.cli.context import UserError, engine
from fraudwatch.warehouse import backend_of_engine, create_schema


def register(app: typer.Typer) -> None:
    """Add `init` and `ingest` to `app`."""
    app.command("init")(init)
    app.command("ingest")(ingest)


def init() -> None:
    """Create the warehouse tables (idempotent: a second run changes nothing and says so)."""
    eng = engine()
    try:
        report = create_schema(eng)
    except sa.exc.OperationalError as error:
        raise UserError(f"cannot reach the warehouse at {eng.url!r}: {error.orig}") from None
    where = f"{backend_of_engine(eng).value} warehouse at {eng.url.render_as_string()}"
    if report.changed:
        typer.echo(f"created {len(report.created)} tables in the {where}: {', '.join(report.created)}")
    else:
        typer.echo(f"nothing to do: all {len(report.existing)} tables already exist in the {where}")


def ingest(
    file: Path | None = typer.Argument(None, help="CSV or Parquet file of transactions."),
    mapping: list[str] = typer.Option(
        [], "--map", help="TARGET=SOURCE: read column SOURCE of the file as TARGET (repeatable)."
    ),
    mapping_file: Path | None = typer.Option(
        None, "--mapping-file", help="TOML or JSON file of target = source column names."
    ),
    labels: Path | None = typer.Option(
        None, "--labels", help="CSV or Parquet file of labels: transaction_id, is_fraud, labeled_at."
    ),
) -> None:
    """Load transactions (and/or labels) from a file: good rows to staging, bad rows kept aside."""
    raise UserError("ingest is not wired yet")
