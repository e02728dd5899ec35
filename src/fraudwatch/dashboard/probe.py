"""The one probe per process: a `reactive.poll` on a cheap fingerprint of the warehouse.

Every session of the process shares it. The probe query (`data.probe`: indexed max/count
lookups) runs every `refresh_seconds`; only when its answer changes does the live window fetch
its delta, and only then do the sessions recompute what they show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from shiny import reactive
from sqlalchemy.engine import Engine

from fraudwatch.dashboard import data
from fraudwatch.dashboard.window import LiveWindow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WarehouseState:
    """What the probe saw, and the live window's version after syncing to it."""

    probe: data.Probe | None
    window_version: int
    error: str | None = None


def make_state(
    engine: Engine, live: LiveWindow, refresh_seconds: float
) -> Callable[[], WarehouseState]:
    """Return the process-wide reactive warehouse state, polled every `refresh_seconds`.

    Call once per process, outside any session. A failing probe (warehouse down) is reported in
    the state instead of raising, so the page says what is wrong and recovers by itself.
    """

    last: list[data.Probe | str | None] = [None]

    def check() -> data.Probe | str:
        seen: data.Probe | str
        try:
            seen = data.probe(engine)
        except Exception as error:  # the page shows it; the next poll tries again
            log.warning("dashboard probe failed: %s", error)
            seen = f"warehouse unreachable: {str(error).splitlines()[0]}"
        last[0] = seen
        return seen

    @reactive.poll(check, refresh_seconds, session=None)
    def state() -> WarehouseState:
        seen = last[0] if last[0] is not None else check()
        if isinstance(seen, str):
            return WarehouseState(None, live.version, seen)
        try:
            live.sync(seen)
        except Exception as error:
            log.warning("dashboard window sync failed: %s", error)
            return WarehouseState(seen, live.version, f"cannot read the warehouse: {error}")
        return WarehouseState(seen, live.version)

    return state
