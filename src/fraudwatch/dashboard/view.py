"""What the tabs share: the process-wide context and the per-session reactive view of the data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.engine import Engine

from fraudwatch.dashboard.metrics import Filters
from fraudwatch.dashboard.probe import WarehouseState
from fraudwatch.dashboard.window import LiveWindow


@dataclass(frozen=True)
class Context:
    """One per process: the warehouse, the model directory and the live window."""

    engine: Engine
    model_dir: Path
    live: LiveWindow
    refresh_seconds: float
    default_threshold: float
    # Drift references, per champion version: computed once per process, shared by sessions.
    drift_references: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class View:
    """One per session: reactive readers the tab modules take as arguments.

    `rows` and `previous_rows` are the live window's rows in the current and previous period
    after the channel and type filters; `state` is the shared warehouse state.
    """

    context: Context
    filters: Callable[[], Filters]
    rows: Callable[[], pl.DataFrame]
    previous_rows: Callable[[], pl.DataFrame]
    state: Callable[[], WarehouseState]
