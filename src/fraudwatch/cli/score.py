"""`fraudwatch score`: one scoring run, a continuous scorer, or a scheduled one."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from fraudwatch.cli.context import UserError, engine, settings
from fraudwatch.scoring import RunResult, run_scoring
from fraudwatch.scoring.alerts import send_alerts
from fraudwatch.scoring.loop import Stopper, parse_duration, run_continuous, run_every
from fraudwatch.scoring.run import DEFAULT_BATCH_SIZE, FAILED, describe

log = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    """Add `score` to `app`."""
    app.command("score")(score)


def _report(result: RunResult) -> None:
    """Print a run's outcome; alert on a failed run."""
    line = (
        f"run {result.run_id} ({result.trigger}, model {result.model_version}): {result.status}, "
        f"{result.n_scored} scored, {result.n_rejected} rejected, {result.n_batches} batches "
        f"in {result.seconds:.1f} s"
    )
    if not result.failed:
        typer.echo(line)
        return
    typer.secho(f"{line}: {result.error}", fg=typer.colors.RED, err=True)
    for channel, outcome in send_alerts(settings(), result).items():
        typer.echo(f"alert by {channel}: {outcome}", err=True)


def score(
    continuous: Annotated[
        bool, typer.Option("--continuous", help="Keep polling for new transactions (~1 s).")
    ] = False,
    every: Annotated[
        str | None,
        typer.Option("--every", help="Run on a schedule, e.g. 30s, 5m, 1h.", show_default=False),
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Transactions per batch.")
    ] = DEFAULT_BATCH_SIZE,
    model_dir: Annotated[
        Path | None,
        typer.Option("--model-dir", help="Model registry directory (default: settings model_dir)."),
    ] = None,
) -> None:
    """Score every unscored transaction with the champion model, oldest first, exactly once.

    Each run is logged in scoring_runs; bad staged rows go to rejected_transactions; a failed
    run alerts (email and/or webhook, if configured) and the command exits non-zero.
    --continuous and --every keep going after a failed run (alerting each time) until Ctrl-C or
    SIGTERM, which stop after the current batch.
    """
    if continuous and every:
        raise UserError("give --continuous or --every, not both")
    try:
        period = parse_duration(every) if every else None
    except ValueError as error:
        raise UserError(str(error)) from None
    eng = engine()
    directory = Path(model_dir or settings().model_dir)
    stop = Stopper()
    trigger = "continuous" if continuous else "scheduled" if period else "manual"
    try:
        with stop.on_signals():
            if continuous:
                last = run_continuous(eng, directory, stop, _report, batch_size=batch_size)
            elif period is not None:
                last = run_every(eng, directory, period, stop, _report, batch_size=batch_size)
            else:
                last = run_scoring(eng, directory, batch_size=batch_size, stop=stop)
                _report(last)
    except Exception as error:  # the warehouse itself is unreachable: no run row can be written
        log.debug("scoring could not run", exc_info=True)
        last = RunResult("(not recorded)", trigger, FAILED, None, 0, 0, 0, 0.0, describe(error))
        _report(last)
    if last is not None and last.failed:
        raise typer.Exit(1)
