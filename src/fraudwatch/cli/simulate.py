"""`fraudwatch simulate …`: registered by the simulator work (issue 3)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the simulate command group to `app` (nothing yet)."""
