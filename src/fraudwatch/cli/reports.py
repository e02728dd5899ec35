"""`fraudwatch explore` and `fraudwatch report weekly`: the HTML reports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer

from fraudwatch.cli.context import UserError, engine
from fraudwatch.explore import (
    ExploreInputError,
    analyse,
    load_file,
    load_window,
    render_explore,
    render_weekly,
    weekly_report,
)
from fraudwatch.warehouse import utc_now

DEFAULT_DAYS = 30


def register(app: typer.Typer) -> None:
    """Add `explore` and the `report` command group (`weekly`) to `app`."""
    app.command("explore")(explore)
    group = typer.Typer(help="Reports for management.", no_args_is_help=True)
    group.command("weekly")(weekly)
    app.add_typer(group, name="report")


def parse_moment(text: str, option: str) -> datetime:
    """Return a naive UTC datetime from 'YYYY-MM-DD' (its 00:00) or an ISO date-time.

    An offset is converted to UTC; raises UserError on anything else.
    """
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UserError(
            f"{option} {text!r} is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)"
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _write(output: Path, document: str) -> None:
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(document, encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot write {output}: {error.strerror or error}") from None


def _warehouse_error(error: sa.exc.DBAPIError) -> UserError:
    first = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else "error"
    return UserError(f"cannot read the warehouse ({first}); run `fraudwatch init` first?")


def explore(
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            help="Window start, UTC, included (default: 30 days before --end).",
            show_default=False,
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--end", help="Window end, UTC, excluded (default: now).", show_default=False),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="Explore a CSV/Parquet file instead of the warehouse.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = Path(
        "reports/explore.html"
    ),
) -> None:
    """Write the data exploration report (self-contained HTML) over a warehouse window or a file.

    Dates are YYYY-MM-DD (midnight UTC) or ISO date-times; the window is [start, end).
    """
    as_of = utc_now()
    try:
        if file is not None:
            if start is not None or end is not None:
                raise UserError(
                    "--start/--end select a warehouse window; a --file is explored whole"
                )
            dataset = load_file(file)
        else:
            window_end = parse_moment(end, "--end") if end else as_of
            window_start = (
                parse_moment(start, "--start")
                if start
                else window_end - timedelta(days=DEFAULT_DAYS)
            )
            if window_start >= window_end:
                raise UserError(f"--start {window_start} is not before --end {window_end}")
            dataset = load_window(engine(), window_start, window_end)
    except ExploreInputError as error:
        raise UserError(str(error)) from None
    except sa.exc.DBAPIError as error:
        raise _warehouse_error(error) from None
    report = analyse(dataset, as_of)
    _write(output, render_explore(report))
    typer.echo(
        f"wrote {output}: {report.summary.rows:,} transactions, {dataset.source.description}"
    )


def weekly(
    week_ending: Annotated[
        str | None,
        typer.Option(
            "--week-ending",
            help="Last day of the week, UTC, included (default: yesterday).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = Path(
        "reports/weekly.html"
    ),
) -> None:
    """Write the one-page weekly management report for the seven days ending --week-ending."""
    now = utc_now()
    last_day = parse_moment(week_ending, "--week-ending").date() if week_ending else _yesterday(now)
    try:
        report = weekly_report(engine(), last_day, now)
    except sa.exc.DBAPIError as error:
        raise _warehouse_error(error) from None
    _write(output, render_weekly(report))
    typer.echo(
        f"wrote {output}: week {report.start:%Y-%m-%d} to {last_day:%Y-%m-%d}, "
        f"{report.transactions:,} transactions"
    )


def _yesterday(now: datetime) -> date:
    return (now - timedelta(days=1)).date()
