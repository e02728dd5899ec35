"""`fraudwatch up`: the whole system on one machine, from an empty directory to a live fraud desk.

Steps: create the warehouse tables; backfill a simulated history if staging is empty; train a
first model if there is no champion; then run the stream simulator, the continuous scorer, the
API and the dashboard as separate processes under one supervisor (fraudwatch.runtime) until
Ctrl-C. Every component's output is printed with its name and kept in `logs/<name>.log`.
"""

from __future__ import annotations

import os
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from sqlalchemy.engine import Engine

from fraudwatch.cli.context import UserError, engine, settings
from fraudwatch.runtime import Supervisor
from fraudwatch.runtime.local import (
    API_KEY_FILE,
    LOCAL_STATE_DIR,
    LocalPlan,
    components,
    fraudwatch_argv,
    local_api_key,
    port_in_use,
    shared_env,
    training_gap_days,
)
from fraudwatch.warehouse import champion_model, count_rows, create_schema, tables

RUN_DIR = LOCAL_STATE_DIR / "run"


def register(app: typer.Typer) -> None:
    """Add `up` to `app`."""
    app.command("up")(up)


def up(
    no_simulator: Annotated[
        bool,
        typer.Option(
            "--no-simulator", help="No simulated data: no backfill, no stream (a real warehouse)."
        ),
    ] = False,
    dashboard_port: Annotated[int, typer.Option(help="Dashboard port.")] = 8050,
    api_port: Annotated[int, typer.Option(help="API port.")] = 8000,
    host: Annotated[str, typer.Option(help="Interface the API and dashboard listen on.")] = (
        "127.0.0.1"
    ),
    backfill_days: Annotated[
        int, typer.Option(min=1, help="Days of simulated history for an empty warehouse.")
    ] = 35,
    customers: Annotated[int, typer.Option(min=1, help="Simulated customers.")] = 2000,
    seed: Annotated[int, typer.Option(help="Simulator seed.")] = 7,
    stream_interval: Annotated[
        float, typer.Option(min=0.01, help="Seconds between simulated batches.")
    ] = 5.0,
    stream_batch_size: Annotated[
        int, typer.Option(min=1, help="Simulated transactions per batch.")
    ] = 3,
    dashboard_refresh: Annotated[
        float | None,
        typer.Option(help="Dashboard refresh, seconds (default: settings).", show_default=False),
    ] = None,
    log_dir: Annotated[Path, typer.Option(help="Where each component's log file goes.")] = Path(
        "logs"
    ),
) -> None:
    """Run the whole system locally until Ctrl-C: simulator, scorer, API and dashboard.

    Creates the warehouse if needed, backfills a simulated history into an empty one and trains
    a first model if there is no champion. A component that crashes is restarted; Ctrl-C stops
    them all (each finishes its current batch) within 10 seconds.
    """
    config = settings()
    for name, port in (("--api-port", api_port), ("--dashboard-port", dashboard_port)):
        if port_in_use(host, port):
            raise UserError(f"port {port} on {host} is already in use; choose another {name}")
    plan = LocalPlan(
        database_url=config.database_url,
        model_dir=Path(config.model_dir).resolve(),
        api_key=_api_key(config.api_key.get_secret_value() if config.api_key else None),
        host=host,
        api_port=api_port,
        dashboard_port=dashboard_port,
        simulator=not no_simulator,
        stream_interval=stream_interval,
        stream_batch_size=stream_batch_size,
        customers=customers,
        seed=seed,
        dashboard_refresh=dashboard_refresh or config.dashboard_refresh_seconds,
    )
    try:
        _prepare(engine(), plan, backfill_days)
    except KeyboardInterrupt:
        typer.echo("interrupted before the components started; run `fraudwatch up` again")
        raise typer.Exit(130) from None
    typer.echo(
        f"[4/4] starting the components; logs in {log_dir}/, pids in {RUN_DIR}/; Ctrl-C stops\n"
        f"      dashboard  {plan.dashboard_url}\n"
        f"      API        {plan.api_url}/docs  (X-API-Key: {_key_source()})"
    )
    supervisor = Supervisor(components(plan), log_dir=log_dir, run_dir=RUN_DIR)
    raise typer.Exit(supervisor.run())


def _prepare(eng: Engine, plan: LocalPlan, backfill_days: int) -> None:
    """Create the tables, backfill an empty warehouse (with the simulator) and train if needed."""
    try:
        report = create_schema(eng)
    except sa.exc.OperationalError as error:
        raise UserError(f"cannot reach the warehouse at {eng.url!r}: {error.orig}") from None
    where = eng.url.render_as_string()  # hides any password
    typer.echo(
        f"[1/4] warehouse {where}: "
        + (f"created {len(report.created)} tables" if report.changed else "tables in place")
    )
    staged = count_rows(eng, tables.transaction_staging)
    if staged == 0 and plan.simulator:
        typer.echo(f"[2/4] empty warehouse: backfilling {backfill_days} days of a simulated bank")
        _step(
            plan, "simulate", "backfill", "--days", str(backfill_days),
            "--customers", str(plan.customers), "--seed", str(plan.seed),
        )  # fmt: skip
    elif staged == 0:
        raise UserError(
            "the warehouse has no transactions and --no-simulator was given; load some with "
            "`fraudwatch ingest FILE` (or drop --no-simulator) and start again"
        )
    else:
        typer.echo(f"[2/4] {staged:,} transactions already staged: no backfill")
    champion = champion_model(eng)
    if champion is not None:
        typer.echo(f"[3/4] champion model {champion['model_version']}: no training")
        return
    gap = training_gap_days(_history_days(eng))
    typer.echo(f"[3/4] no champion model: training the first one (label gap {gap} days)")
    _step(plan, "train", "--gap-days", str(gap))


def _step(plan: LocalPlan, *args: str) -> None:
    """Run one CLI step in the foreground (its progress bar shows); UserError if it fails."""
    done = subprocess.run(fraudwatch_argv(*args), env={**os.environ, **shared_env(plan)})
    if done.returncode != 0:
        command = " ".join(a for a in args[:2] if not a.startswith("-"))
        raise UserError(f"`fraudwatch {command}` failed (see above); fix it and run up again")


def _history_days(eng: Engine) -> int:
    """Return the whole days between the first and the last staged transaction."""
    staging = tables.transaction_staging
    stamp = staging.c.transaction_timestamp
    with eng.connect() as conn:
        first, last = conn.execute(sa.select(sa.func.min(stamp), sa.func.max(stamp))).one()
    if not isinstance(first, datetime) or not isinstance(last, datetime):
        return 0
    return (last - first).days


def _api_key(configured: str | None) -> str:
    """Return FRAUDWATCH_API_KEY if set, else the local key file's (created on first use)."""
    if configured:
        return configured
    key, created = local_api_key()
    if created:
        typer.echo(f"created an API key for local runs in {API_KEY_FILE} (mode 0600)")
    return key


def _key_source() -> str:
    """Say where the API key is, never the key itself."""
    if settings().api_key:
        return "FRAUDWATCH_API_KEY"
    return f"the key in {API_KEY_FILE}"
