"""`fraudwatch train` and `fraudwatch models list | show | promote`: training and the registry."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.table import Table

from fraudwatch.cli.context import UserError, engine, settings
from fraudwatch.model import (
    BoosterParams,
    ModelArtifactError,
    Published,
    SplitError,
    TrainOptions,
    Windows,
    fit_and_evaluate,
    load_model,
    publish,
    read_metadata,
    registry_entry,
)
from fraudwatch.model.retrain import Retrained, retrain_from_warehouse, run_every
from fraudwatch.model.trainer import load_dataset
from fraudwatch.warehouse import list_models, promote_model

DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
UNITS = {"w": 7 * 86_400, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
HEADLINE = (
    ("PR-AUC", "pr_auc"),
    ("ROC-AUC", "roc_auc"),
    ("recall at budget (top k%)", "recall_at_budget"),
    ("precision at budget (top k%)", "precision_at_budget"),
    ("recall at daily budget", "recall_at_daily_budget"),
    ("precision @ threshold", "precision"),
    ("recall @ threshold", "recall"),
    ("F1 @ threshold", "f1"),
    ("accuracy @ threshold", "accuracy"),
)

ModelDir = Annotated[
    Path | None,
    typer.Option("--model-dir", help="Model registry directory (default: settings model_dir)."),
]
T = TypeVar("T")
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _date(flag: str, help_: str) -> Any:
    return typer.Option(flag, formats=DATE_FORMATS, help=help_, show_default=False)


TrainStart = Annotated[
    datetime | None, _date("--train-start", "Train window start (UTC date or date-time).")
]
TrainEnd = Annotated[
    datetime | None, _date("--train-end", "Train window end, exclusive; validation is its tail.")
]
TestStart = Annotated[datetime | None, _date("--test-start", "Test window start.")]
TestEnd = Annotated[datetime | None, _date("--test-end", "Test window end, exclusive.")]
AsOf = Annotated[
    datetime | None, _date("--as-of", "Read labels as of this instant (default: now).")
]


def register(app: typer.Typer) -> None:
    """Add `train` and the `models` group (`list`, `show`, `promote`) to `app`."""
    app.command("train")(train)
    models = typer.Typer(help="The model registry: list, show, promote.", no_args_is_help=True)
    models.command("list")(list_command)
    models.command("show")(show_command)
    models.command("promote")(promote_command)
    app.add_typer(models, name="models")


def parse_period(text: str) -> timedelta:
    """Return the duration of '7d', '12h', '30m', '90s' or '1w'; UserError otherwise."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([wdhms])\s*", text.lower())
    if not match or float(match[1]) <= 0:
        raise UserError(f"cannot read the period {text!r}; write it like 7d, 12h or 30m")
    return timedelta(seconds=float(match[1]) * UNITS[match[2]])


def _naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _model_dir(model_dir: Path | None) -> Path:
    return Path(model_dir or settings().model_dir)


def train(
    train_start: TrainStart = None,
    train_end: TrainEnd = None,
    test_start: TestStart = None,
    test_end: TestEnd = None,
    gap_days: Annotated[
        int, typer.Option("--gap-days", min=0, help="Label-delay gap between windows, days.")
    ] = 7,
    as_of: AsOf = None,
    budget: Annotated[
        float | None,
        typer.Option("--budget", help="Alert budget share (default: settings alert_budget_share)."),
    ] = None,
    alerts_per_day: Annotated[
        int | None, typer.Option("--alerts-per-day", min=1, help="Daily alert budget k.")
    ] = None,
    cost_missed_fraud: Annotated[
        float | None, typer.Option("--cost-missed-fraud", help="Cost of a missed fraud.")
    ] = None,
    cost_false_alarm: Annotated[
        float | None, typer.Option("--cost-false-alarm", help="Cost of a false alarm.")
    ] = None,
    promote_if_better: Annotated[
        bool,
        typer.Option(
            "--promote-if-better",
            help="Compare with the champion on the same recent window; promote only if better.",
        ),
    ] = False,
    every: Annotated[
        str | None,
        typer.Option("--every", help="Retrain every period (e.g. 7d), promoting if better."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Training seed.")] = 42,
    model_dir: ModelDir = None,
    as_json: Json = False,
) -> None:
    """Train a model on the warehouse's data, report it, and register it.

    Without dates the windows are picked from the data: test ends --gap-days before the last
    day (its labels have had time to arrive), with gaps before validation and test. The first
    model becomes champion; later ones are candidates until promoted (or --promote-if-better).
    Labels: fraud if labelled so (chargeback, analyst or import) by the cut-off; the rest is
    presumed legitimate.
    """
    if (cost_missed_fraud is None) != (cost_false_alarm is None):
        raise UserError("give both --cost-missed-fraud and --cost-false-alarm, or neither")
    windows = Windows(
        train_start=_naive_utc(train_start),
        train_end=_naive_utc(train_end),
        test_start=_naive_utc(test_start),
        test_end=_naive_utc(test_end),
        gap=timedelta(days=gap_days),
        cutoff=_naive_utc(as_of),
    )
    options = TrainOptions(
        budget_share=budget if budget is not None else settings().alert_budget_share,
        alerts_per_day=alerts_per_day,
        cost_missed_fraud=cost_missed_fraud,
        cost_false_alarm=cost_false_alarm,
        params=BoosterParams(seed=seed),
    )
    directory = _model_dir(model_dir)
    if every is not None:
        period = parse_period(every)
        run_every(
            period, lambda: _guarded(lambda: _retrain(windows, options, directory)).describe()
        )
        return
    if promote_if_better:
        outcome = _guarded(lambda: _retrain(windows, options, directory))
        _print_training(outcome.published, as_json, outcome)
        return
    published = _guarded(lambda: _train_once(windows, options, directory))
    _print_training(published, as_json, None)


def _train_once(windows: Windows, options: TrainOptions, directory: Path) -> Published:
    eng = engine()
    trained = fit_and_evaluate(load_dataset(eng, windows), options)
    return publish(eng, directory, trained)


def _retrain(windows: Windows, options: TrainOptions, directory: Path) -> Retrained:
    return retrain_from_warehouse(engine(), directory, windows, options)


def _guarded(operation: Callable[[], T]) -> T:
    try:
        return operation()
    except (SplitError, ModelArtifactError) as error:
        raise UserError(str(error)) from None
    except ValueError as error:
        raise UserError(f"cannot train: {error}") from None
    except sa.exc.OperationalError as error:
        raise UserError(
            f"cannot read the warehouse: {error.orig}; run `fraudwatch init`?"
        ) from None


def _print_training(published: Published, as_json: bool, outcome: Retrained | None) -> None:
    metrics = published.metadata["metrics"]
    report = published.directory / "report.html"
    if as_json:
        payload = {
            "model_version": published.version,
            "status": "champion" if outcome and outcome.promoted else published.status,
            "report": str(report),
            "windows": published.metadata["windows"],
            "threshold": published.metadata["threshold"],
            "metrics": metrics,
        }
        typer.echo(json.dumps(payload, indent=2, default=str))
        return
    console = Console()
    console.print(_headline_table(metrics, f"model {published.version} on the test window"))
    windows = published.metadata["windows"]
    console.print(
        f"windows: train {windows['train_start']} → {windows['train_end']}, validation "
        f"{windows['validation_start']} → {windows['validation_end']}, test "
        f"{windows['test_start']} → {windows['test_end']}; labels as of {windows['cutoff']}"
    )
    threshold = published.metadata["threshold"]
    console.print(f"threshold {threshold['value']:.5f} (by {threshold['method']})")
    console.print(
        outcome.describe() if outcome else f"registered {published.version} as {published.status}"
    )
    console.print(f"report: {report}")
    if not metrics["test"]["positives"]:
        console.print("[yellow]warning: the test window has no known fraud; figures undefined")


def _headline_table(metrics: dict[str, Any], title: str) -> Table:
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("model", justify="right")
    table.add_column("seed-demo baseline", justify="right")
    test, base = metrics["test"], metrics["baseline"]["test"]
    for label, key in HEADLINE:
        table.add_row(label, _fmt(test.get(key)), _fmt(base.get(key)))
    table.add_row("known fraud / rows", f"{test['positives']:,} / {test['rows']:,}", "same")
    return table


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.4f}"


def list_command(model_dir: ModelDir = None, as_json: Json = False) -> None:
    """List registered models, newest first, with status and headline test figures."""
    models = _guarded(lambda: list_models(engine()))
    if as_json:
        typer.echo(json.dumps(models, indent=2, default=str))
        return
    if not models:
        typer.echo("no models yet; run `fraudwatch train`")
        return
    table = Table()
    for column in ("version", "status", "created", "test window", "PR-AUC", "recall@k%", "thr."):
        table.add_column(column, no_wrap=True)
    for m in models:
        test = (m["metrics"] or {}).get("test", {})
        table.add_row(
            m["model_version"],
            m["status"],
            f"{m['created_at']:%m-%d %H:%M}",
            f"{m['test_start']:%m-%d}→{m['test_end']:%m-%d}",
            _fmt(test.get("pr_auc")),
            _fmt(test.get("recall_at_budget")),
            f"{m['threshold']:.4f}",
        )
    # Piped output has no terminal width; rich would squeeze the table into 80 columns.
    Console(width=None if sys.stdout.isatty() else 110).print(table)


def show_command(
    version: Annotated[str, typer.Argument(help="Model version (see `fraudwatch models list`).")],
    model_dir: ModelDir = None,
    as_json: Json = False,
) -> None:
    """Show one model: status, windows, threshold, figures, and whether its artifact verifies."""
    directory = _model_dir(model_dir)
    eng = engine()
    entry = _guarded(lambda: registry_entry(eng, version))
    try:
        load_model(eng, directory, version)
        artifact = "verified"
    except ModelArtifactError as error:
        artifact = f"NOT LOADABLE: {error}"
    metadata = _guarded(lambda: read_metadata(directory, version)) if artifact == "verified" else {}
    if as_json:
        typer.echo(
            json.dumps({**entry, "artifact": artifact, "metadata": metadata}, indent=2, default=str)
        )
        return
    console = Console()
    console.print(
        f"[bold]{version}[/bold]  status {entry['status']}  created {entry['created_at']}"
    )
    console.print(f"artifact {entry['artifact_path']}: {artifact}")
    console.print(f"threshold {entry['threshold']:.5f}; {len(entry['feature_list'])} features")
    for name, value in (metadata.get("windows") or {}).items():
        console.print(f"  {name}: {value}")
    if entry["metrics"].get("test"):
        console.print(_headline_table(entry["metrics"], "test window"))
    if entry["metrics"].get("comparison"):
        comparison = json.dumps(entry["metrics"]["comparison"], default=str)
        console.print(f"comparison with the champion: {comparison}")
    console.print(f"report: {directory / version / 'report.html'}")


def promote_command(
    version: Annotated[str, typer.Argument(help="Model version to make champion.")],
    model_dir: ModelDir = None,
) -> None:
    """Make a version the champion (the previous one is retired); its artifact must verify."""
    eng = engine()
    _guarded(lambda: load_model(eng, _model_dir(model_dir), version))
    try:
        promote_model(eng, version)
    except LookupError as error:
        raise UserError(str(error)) from None
    typer.echo(f"{version} is now the champion")
