"""`fraudwatch simulate backfill` and `fraudwatch simulate stream`: the simulated bank."""

from __future__ import annotations

import signal
from datetime import datetime
from types import FrameType

import polars as pl
import sqlalchemy as sa
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fraudwatch.cli.context import UserError, engine
from fraudwatch.simulate import OptionsError, SimulationOptions, backfill
from fraudwatch.simulate.options import DEFAULT_CUSTOMERS, DEFAULT_SEED
from fraudwatch.simulate.stream import StreamPlan, run_stream
from fraudwatch.warehouse import utc_now

END_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]

SEED = typer.Option(DEFAULT_SEED, "--seed", help="Random seed: the same seed gives the same data.")
CUSTOMERS = typer.Option(DEFAULT_CUSTOMERS, "--customers", help="Number of customers.")
FRAUD_RATE = typer.Option(0.015, "--fraud-rate", help="Share of transactions that are fraud.")
UNREPORTED = typer.Option(
    0.2, "--unreported-share", help="Share of fraud incidents never charged back (no label)."
)
END = typer.Option(
    None, "--end", formats=END_FORMATS, help="End of the history, UTC (default: now)."
)


def register(app: typer.Typer) -> None:
    """Add the `simulate` command group (`backfill`, `stream`) to `app`."""
    group = typer.Typer(
        help="Simulate a bank: history in bulk (backfill) or live transactions (stream).",
        no_args_is_help=True,
    )
    group.command("backfill")(backfill_command)
    group.command("stream")(stream_command)
    app.add_typer(group, name="simulate")


def _options(seed: int, customers: int, fraud_rate: float, unreported: float) -> SimulationOptions:
    try:
        return SimulationOptions(
            seed=seed, customers=customers, fraud_rate=fraud_rate, unreported_share=unreported
        )
    except OptionsError as error:
        raise UserError(f"{error}; check the simulate options") from None


def backfill_command(
    days: int = typer.Option(30, "--days", min=0, help="Whole days of history before today."),
    customers: int = CUSTOMERS,
    seed: int = SEED,
    fraud_rate: float = FRAUD_RATE,
    unreported_share: float = UNREPORTED,
    end: datetime | None = END,
) -> None:
    """Write customers, accounts, `--days` of transactions and the chargebacks arrived by now."""
    options = _options(seed, customers, fraud_rate, unreported_share)
    eng = engine()
    until = end or utc_now()
    columns = (
        TextColumn("backfill"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days"),
        TextColumn("{task.fields[rows]:>12,} transactions"),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task("backfill", total=None, rows=0)

            def progress(done: int, total: int, rows: int) -> None:
                bar.update(task, completed=done, total=total, rows=rows)

            report = backfill(eng, options, days, until, progress=progress)
    except sa.exc.OperationalError as error:
        raise UserError(f"cannot write to the warehouse at {eng.url!r}: {error.orig}") from None
    typer.echo(
        f"wrote {report.transactions:,} transactions ({report.fraud:,} fraud) for "
        f"{report.customers:,} customers / {report.accounts:,} accounts from {report.start} to "
        f"{report.end:%Y-%m-%d %H:%M:%S} in {report.seconds:.1f}s ({report.rate:,.0f}/s); "
        f"{report.labels_written:,} chargebacks arrived, {report.labels_pending:,} queued for "
        "later (a stream releases them when due)"
    )


def stream_command(
    batch_size: int = typer.Option(3, "--batch-size", min=1, help="Transactions per batch."),
    interval: float = typer.Option(5.0, "--interval", min=0.001, help="Seconds between batches."),
    rate: float | None = typer.Option(
        None, "--rate", min=0.001, help="Transactions per second (overrides batch size/interval)."
    ),
    duration: float | None = typer.Option(None, "--duration", help="Stop after this many seconds."),
    seed: int = SEED,
    customers: int = CUSTOMERS,
    fraud_rate: float = FRAUD_RATE,
    unreported_share: float = UNREPORTED,
    quiet: bool = typer.Option(False, "--quiet", help="Do not print one line per transaction."),
) -> None:
    """Insert live transactions batch by batch, printing each one after it is committed."""
    options = _options(seed, customers, fraud_rate, unreported_share)
    try:
        plan = StreamPlan(batch_size=batch_size, interval=interval, rate=rate, duration=duration)
    except ValueError as error:
        raise UserError(str(error)) from None
    eng = engine()
    stop = _StopFlag()
    sink = _no_lines if quiet else _print_lines
    report = run_stream(eng, options, plan, sink, on_outage=_warn_outage, should_stop=stop)
    typer.echo(
        f"streamed {report.transactions:,} transactions in {report.batches:,} batches over "
        f"{report.seconds:.1f}s ({report.rate:,.0f}/s), {report.labels:,} chargebacks arrived, "
        f"{report.retries} retries",
        err=True,
    )


def format_lines(transactions: pl.DataFrame) -> list[str]:
    """Return one line per transaction: time, id, amount, channel, type, and INTL if abroad."""
    return [
        f"{ts:%Y-%m-%d %H:%M:%S}  {tx_id}  ${amount:>11,.2f}  {channel:<14}  "
        + (f"{kind:<10}  INTL" if international else kind)
        for tx_id, ts, amount, channel, kind, international in transactions.select(
            "transaction_id",
            "transaction_timestamp",
            "transaction_amount",
            "channel_name",
            "transaction_type",
            "is_international",
        ).iter_rows()
    ]


def _print_lines(transactions: pl.DataFrame) -> None:
    lines = format_lines(transactions)
    if lines:
        typer.echo("\n".join(lines))


def _no_lines(transactions: pl.DataFrame) -> None:
    return None


def _warn_outage(error: BaseException, delay: float) -> None:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    typer.secho(
        f"database unavailable ({first_line}); retrying the same batch in {delay:.1f}s",
        fg=typer.colors.YELLOW,
        err=True,
    )


class _StopFlag:
    """Turns the first Ctrl-C / SIGTERM into a clean stop after the current batch."""

    def __init__(self) -> None:
        self.stopped = False
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stopped:
            raise KeyboardInterrupt
        self.stopped = True

    def __call__(self) -> bool:
        return self.stopped
