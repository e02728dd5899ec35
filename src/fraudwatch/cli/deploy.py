"""`fraudwatch deploy connect`: write Posit Connect bundles (manifests included) for every part."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from fraudwatch.cli.context import UserError
from fraudwatch.deploy import ITEMS, build_bundles

NAMES = [item.name for item in ITEMS]


def register(app: typer.Typer) -> None:
    """Add the `deploy` group (`connect`) to `app`."""
    group = typer.Typer(help="Publish fraudwatch to a hosting platform.", no_args_is_help=True)
    group.command("connect")(connect)
    app.add_typer(group, name="deploy")


def connect(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Directory to write the bundles into.")
    ] = Path("deploy/connect"),
    lock: Annotated[
        Path | None,
        typer.Option(help="Pins to use (default: the checkout's requirements.lock).", exists=True),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help=f"Write only this bundle (repeatable): {', '.join(NAMES)}."),
    ] = None,
) -> None:
    """Write one Connect bundle per content item: dashboard, API, scoring and retraining jobs.

    Each has its entry point, the fraudwatch source, a pinned requirements.txt and the
    manifest.json from `rsconnect write-manifest` (offline). Nothing is uploaded and no secret
    is written: set FRAUDWATCH_* as Connect environment variables (docs/deploy-connect.md).
    """
    unknown = sorted(set(only or []) - set(NAMES))
    if unknown:
        raise UserError(f"no bundle named {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    try:
        written = build_bundles(output, lock, only)
    except (LookupError, RuntimeError) as error:
        raise UserError(str(error)) from None
    missing: set[str] = set()
    for name, pins in written.items():
        manifest = json.loads((output / name / "manifest.json").read_text(encoding="utf-8"))
        mode = manifest["metadata"]["appmode"]
        typer.echo(f"{output / name}: {mode}, {len(pins.versions)} pinned requirements")
        missing |= pins.not_in_lock
    if missing:
        typer.secho(
            f"note: pinned from this environment, not in the lock: {', '.join(sorted(missing))}",
            fg=typer.colors.YELLOW,
            err=True,
        )
    typer.echo(
        "deploy each with `rsconnect deploy manifest DIR/manifest.json`, then set the "
        "FRAUDWATCH_* variables and the job schedules: see docs/deploy-connect.md"
    )
