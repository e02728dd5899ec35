"""`fraudwatch init` and `fraudwatch ingest`: creating the warehouse and loading files into it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer

from fraudwatch.cli.context import UserError, engine
from fraudwatch.ingest import IngestError, build_mapping, ingest_labels, ingest_transactions
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
        typer.echo(
            f"created {len(report.created)} tables in the {where}: {', '.join(report.created)}"
        )
    else:
        typer.echo(f"nothing to do: all {len(report.existing)} tables already exist in the {where}")


def ingest(
    file: Annotated[
        Path | None, typer.Argument(help="CSV or Parquet file of transactions.", show_default=False)
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map", help="TARGET=SOURCE: read the file's column SOURCE as TARGET (repeatable)."
        ),
    ] = None,
    mapping_file: Annotated[
        Path | None,
        typer.Option("--mapping-file", help='TOML or JSON file of target = "source" pairs.'),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels", help="CSV or Parquet file of labels: transaction_id, is_fraud, labeled_at."
        ),
    ] = None,
) -> None:
    """Load transactions (and/or labels) from a file: good rows to staging, bad rows kept aside.

    Optional columns missing from the file take defaults: transaction_type and channel_name
    'unknown', is_international and reversal_flag false, transaction_post_date the date of the
    timestamp, description and merchant empty. Timestamps without an offset are taken as UTC.
    """
    if file is None and labels is None:
        raise UserError("give a transaction FILE, a --labels FILE, or both")
    eng = engine()
    try:
        mapping_ = build_mapping(mapping or [], mapping_file)
        summaries = []
        if file is not None:
            summaries.append(ingest_transactions(eng, file, mapping_))
        if labels is not None:
            summaries.append(ingest_labels(eng, labels, mapping_))
    except IngestError as error:
        raise UserError(str(error)) from None
    except sa.exc.OperationalError as error:
        raise UserError(
            f"cannot write to the warehouse: {error.orig}; run `fraudwatch init`?"
        ) from None
    for summary in summaries:
        typer.echo(summary.describe())
        for row, reason in summary.rejected_examples.iter_rows():
            typer.echo(f"  row {row}: {reason}")
        if summary.rejected > summary.rejected_examples.height:
            typer.echo(f"  … and {summary.rejected - summary.rejected_examples.height:,} more")
