"""The background thread that keeps the API's `ServingState` current."""

from __future__ import annotations

import logging
import threading

from fraudwatch.api.serving_state import ServingState

log = logging.getLogger(__name__)

DEFAULT_REFRESH_SECONDS = 0.5


class Refresher:
    """Call `state.refresh()` every `every` seconds on a daemon thread until `stop()`."""

    def __init__(self, state: ServingState, every: float = DEFAULT_REFRESH_SECONDS) -> None:
        self.state = state
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fraudwatch-history", daemon=True)

    def start(self) -> None:
        """Start refreshing."""
        self._thread.start()

    def stop(self) -> None:
        """Stop refreshing; wait for a refresh under way to finish."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        failing = False
        while not self._stop.wait(self.every):
            try:
                self.state.refresh()
            except Exception as error:  # the warehouse is away: keep trying, log once
                if not failing:
                    log.warning("serving history not refreshed: %s", type(error).__name__)
                failing = True
            else:
                if failing:
                    log.warning("serving history refreshed again")
                failing = False
