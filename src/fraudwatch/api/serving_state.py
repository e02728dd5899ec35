"""The API's in-memory copy of what scoring reads: recent staged transactions, profiles, labels.

Loaded once (`load`), then kept current by `refresh`, which reads only what changed:

- transactions stored since the latest `record_created_ts` held, and late commits behind it
  (see `StagedFeed`);
- labels with labeled_at since the latest held, less `LABEL_MARGIN` (chargebacks are released
  with the time they were due, a little in the past);
- profiles again when dim_account's row count changes, and every `PROFILES_EVERY_SECONDS`;
- every `RECONCILE_EVERY_SECONDS`, whole counts of the window and of the labels: a difference
  (a very late commit) reads everything again.

`online` (`features.online.OnlineHistory`) holds those rows, profiles and labels, and the API
scores from it. The state itself keeps only the bookkeeping refreshing needs: the window's ids
and stamps (`TransactionWindow`), the profile count, and the ids labelled with the latest
labeled_at (`LabelTally`). A transaction committed less than one refresh interval ago may be
missing from the history: that is the staleness bound.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

import polars as pl
from sqlalchemy.engine import Engine

from fraudwatch.api import history_reads as reads
from fraudwatch.api.staged_feed import StagedFeed
from fraudwatch.api.window import TransactionWindow, empty_window
from fraudwatch.features import LOOKBACK
from fraudwatch.features.online import OnlineHistory
from fraudwatch.warehouse import utc_now

log = logging.getLogger(__name__)

# History is held this much further back than LOOKBACK, so a transaction scored a little after
# its own time (a retry, a queue) is still served from memory.
SLACK: Final = timedelta(days=1)
LABEL_MARGIN: Final = timedelta(seconds=60)
PROFILES_EVERY_SECONDS: Final = 60.0
RECONCILE_EVERY_SECONDS: Final = 30.0
# Without a successful refresh for this long, requests are scored on the warehouse again.
STALE_AFTER_SECONDS: Final = 10.0
# Expired rows are dropped once they are this share of the window (a rebuild costs ~1 s/M rows).
EXPIRED_SHARE: Final = 0.05


class LabelTally:
    """The transaction ids with a label and the latest labeled_at: what the label refresh
    and the count check need (the labels themselves are in `online`). One writer."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._latest: datetime | None = None

    def __len__(self) -> int:
        """Return how many transactions have a label."""
        return len(self._ids)

    def latest(self) -> datetime | None:
        """Return the latest labeled_at taken, or None when no label was."""
        return self._latest

    def add(self, labels: pl.DataFrame) -> None:
        """Take labels (`FEATURE_LABEL_SCHEMA`); an id labelled again counts once."""
        self._ids.update(labels["transaction_id"].to_list())
        latest = labels["labeled_at"].max()
        if isinstance(latest, datetime) and (self._latest is None or latest > self._latest):
            self._latest = latest


class ServingState:
    """Recent history, profiles and labels of one warehouse, for scoring without reads."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utc_now,
        stale_after: float = STALE_AFTER_SECONDS,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.stale_after = stale_after
        self._feed: StagedFeed | None = None
        self.profile_count = 0  # accounts with a profile, checked against dim_account's count
        self.labels = LabelTally()
        self._online = OnlineHistory()
        self.loaded = False
        self.refreshed_at = 0.0  # time.monotonic() of the last complete load or refresh
        self.served = 0  # memory scoring calls (`scoring_jobs`)
        self._profiles_at = self._reconciled_at = 0.0
        self._lock = threading.Lock()  # one load or refresh at a time

    def load(self) -> None:
        """Read the window (`LOOKBACK` + `SLACK` before now), every profile and every label."""
        with self._lock:
            started = time.perf_counter()
            start = self.clock() - LOOKBACK - SLACK
            feed = StagedFeed(self.engine, start)
            self._feed = feed
            self._load_profiles()
            self._load_labels()
            self._online = feed.online  # published whole: profiles and labels in it first
            self.loaded = True
            # The modules, the model and the history are ~200,000 long-lived objects; a full
            # collection walks them all (60-100 ms here), a stall in whichever request runs
            # into it. Frozen, the collector skips them (reference counting still frees them).
            gc.collect()
            gc.freeze()
            self.refreshed_at = self._reconciled_at = time.monotonic()
            log.info(
                "serving history: %d transactions, %d profiles, %d labels in %.2f s",
                self._feed.window.height,
                self.profile_count,
                len(self.labels),
                time.perf_counter() - started,
            )

    def refresh(self) -> None:
        """Bring the state up to date by reading only what changed (see the module's notes)."""
        if not self.loaded:
            self.load()
            return
        with self._lock:
            assert self._feed is not None
            self._feed.add_new()
            labels = reads.read_labels(self.engine, self._label_since())
            self.labels.add(labels)
            self._feed.online.add_labels(labels.iter_rows())
            now = time.monotonic()
            if (
                now - self._profiles_at > PROFILES_EVERY_SECONDS
                or reads.count_accounts(self.engine) != self.profile_count
            ):
                self._load_profiles()
            self._drop_expired(self._feed)
            agree = now - self._reconciled_at < RECONCILE_EVERY_SECONDS or self._counts_agree(
                self._feed
            )
            if agree:
                self.refreshed_at = time.monotonic()
        if not agree:
            log.warning("serving history: counts differ from the warehouse; reading it again")
            self.load()

    @property
    def window(self) -> TransactionWindow:
        """Return the transactions held (an empty window before `load`)."""
        return empty_window(self.clock()) if self._feed is None else self._feed.window

    @property
    def online(self) -> OnlineHistory:
        """Return the held rows, profiles and labels for `features.online` (empty before
        `load`)."""
        return self._online

    def serves(self, first: datetime) -> bool:
        """Return True if memory holds the history of a batch whose first time is `first`:
        loaded, refreshed within `stale_after` seconds, and the window reaches back far enough."""
        return (
            self.loaded
            and time.monotonic() - self.refreshed_at < self.stale_after
            and first - LOOKBACK >= self.window.start
        )

    # --- refresh steps --------------------------------------------------------------------

    def _label_since(self) -> datetime | None:
        latest = self.labels.latest()
        return None if latest is None else latest - LABEL_MARGIN

    def _load_profiles(self) -> None:
        profiles = reads.read_profiles(self.engine)
        self.profile_count = profiles["account_number"].n_unique()
        assert self._feed is not None
        self._feed.online.set_profiles(profiles)
        self._profiles_at = time.monotonic()

    def _load_labels(self) -> None:
        labels = reads.read_labels(self.engine)
        self.labels = LabelTally()
        self.labels.add(labels)
        assert self._feed is not None
        self._feed.online.add_labels(labels.iter_rows())

    def _drop_expired(self, feed: StagedFeed) -> None:
        start = self.clock() - LOOKBACK - SLACK
        if feed.window.expired(start) > EXPIRED_SHARE * max(feed.window.height, 1):
            feed.drop_before(start)

    def _counts_agree(self, feed: StagedFeed) -> bool:
        self._reconciled_at = time.monotonic()
        return feed.complete() and reads.count_labels(self.engine) == len(self.labels)
