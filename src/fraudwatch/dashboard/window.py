"""The live window: one in-process copy of the recent transactions with their scores.

Read once in full (everything with transaction_timestamp within `horizon` of now: twice the
longest time range, so the previous period of a 30-day view is there too), then kept up to date
by deltas only: transactions stored since the last read (record_created_ts) and scores written
since the last read (scored_at, indexed). Each delta re-reads an `overlap` before its watermark,
because writers stamp rows before they commit and commits land out of order; rows already held
are skipped by id. A periodic count check against the warehouse catches anything that committed
later still, and reloads in full if the counts disagree.

Every KPI and chart is then a Polars aggregation over this frame (see `dashboard.metrics`):
a refresh costs the delta reads plus milliseconds of Polars, whatever the window size.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import polars as pl
from sqlalchemy.engine import Engine

from fraudwatch.dashboard import data
from fraudwatch.warehouse import utc_now

log = logging.getLogger(__name__)

DEFAULT_HORIZON = timedelta(days=60)
DEFAULT_OVERLAP = timedelta(seconds=120)
RECONCILE_EVERY_SECONDS = 60.0
SCORE_COLUMNS = ("fraud_probability", "fraud_prediction", "scored_at")


def _latest(column: pl.Series) -> datetime | None:
    """Return the latest datetime of a column, or None if it has none."""
    value = column.max()
    return value if isinstance(value, datetime) else None


class LiveWindow:
    """The recent transactions of one warehouse, shared by every session of the process.

    `frame` has `data.WINDOW_SCHEMA`. `sync()` brings it up to date; `version` grows by one
    each time the frame's content changes. Thread-safe: one sync at a time.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        horizon: timedelta = DEFAULT_HORIZON,
        overlap: timedelta = DEFAULT_OVERLAP,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.horizon = horizon
        self.overlap = overlap
        self.clock = clock
        self.frame = pl.DataFrame(schema=data.WINDOW_SCHEMA)
        self.version = 0
        self.loaded = False
        self._since: datetime | None = None
        self._ingest_mark: datetime | None = None
        self._score_mark: datetime | None = None
        self._last_reconcile = 0.0
        self._probe: data.Probe | None = None
        self._lock = threading.Lock()

    def load_in_background(self) -> threading.Thread:
        """Start the full read on a thread; a `sync()` meanwhile waits for it."""
        thread = threading.Thread(target=self.sync, name="fraudwatch-window-load", daemon=True)
        thread.start()
        return thread

    def sync(self, probe: data.Probe | None = None) -> bool:
        """Bring the frame up to date; return True if its content changed.

        With a `probe`, only what it shows changed is read: new transactions when the latest
        ingest time moved, new scores when the latest score time moved.
        """
        with self._lock:
            if not self.loaded:
                self._load()
                self._probe = probe
                return True
            seen, self._probe = self._probe, probe
            changed = False
            if probe is None or seen is None or probe.last_ingest != seen.last_ingest:
                changed = self._apply_new_transactions()
            if probe is None or seen is None or probe.last_score != seen.last_score:
                changed = self._apply_new_scores() or changed
            changed = self._evict() or changed
            if time.monotonic() - self._last_reconcile > RECONCILE_EVERY_SECONDS:
                changed = self._reconcile() or changed
            if changed:
                self.version += 1
            return changed

    # --- the full read --------------------------------------------------------------------

    def _load(self) -> None:
        started = time.perf_counter()
        since = self.clock() - self.horizon
        frame = data.window_rows(self.engine, since)
        self._since = since
        self.frame = frame
        self._ingest_mark = _latest(frame["record_created_ts"])
        self._score_mark = _latest(frame["scored_at"])
        self._last_reconcile = time.monotonic()
        self.loaded = True
        self.version += 1
        log.info("live window: %d rows in %.2f s", frame.height, time.perf_counter() - started)

    # --- deltas ---------------------------------------------------------------------------

    def _apply_new_transactions(self) -> bool:
        assert self._since is not None
        mark = self._ingest_mark or self._since
        created_since = mark - self.overlap
        # Re-read the overlap only if it holds rows we do not: a big load stamped just before
        # the mark would otherwise be read again in full on every refresh. Both counts are
        # cheap (an index-only count; a boolean sum); the ids are compared only on a re-read.
        overlap = pl.col("record_created_ts").is_between(created_since, mark)
        held = int(self.frame.select(overlap.sum()).item())
        complete = data.count_stored_between(self.engine, created_since, mark) == held
        delta = data.new_transactions(
            self.engine, mark if complete else created_since, self._since, strictly_after=complete
        )
        if delta.is_empty():
            return False
        fresh = delta
        if not complete:
            held_ids = self.frame.filter(overlap)["transaction_id"]
            fresh = delta.filter(~pl.col("transaction_id").is_in(held_ids.implode()))
        self._ingest_mark = max(mark, _latest(delta["record_created_ts"]) or mark)
        if fresh.is_empty():
            return False
        self.frame = self.frame.vstack(fresh)
        if self.frame.n_chunks() > 4:
            self.frame = self.frame.rechunk()
        return True

    def _apply_new_scores(self) -> bool:
        assert self._since is not None
        mark = self._score_mark or self._since
        scored_since = mark - self.overlap
        # As for transactions: re-read the overlap only if it holds scores we do not (a bulk
        # scoring just before the mark would otherwise be read again on every refresh). Scores
        # of transactions outside the window are counted but not held: they force a re-read.
        held = self.frame.filter(pl.col("scored_at").is_between(scored_since, mark)).height
        complete = data.count_scored_between(self.engine, scored_since, mark) == held
        delta = data.new_scores(
            self.engine, mark if complete else scored_since, strictly_after=complete
        )
        if delta.is_empty():
            return False
        self._score_mark = max(mark, _latest(delta["scored_at"]) or mark)
        # A transaction is scored once: only rows still without a score can take one.
        unscored = (
            self.frame.select("transaction_id")
            .with_row_index("position")
            .filter(self.frame["fraud_probability"].is_null())
        )
        matched = unscored.join(delta, on="transaction_id", how="inner")
        if matched.is_empty():
            return False
        positions = matched["position"]
        self.frame = self.frame.with_columns(
            self.frame[name].clone().scatter(positions, matched[name]) for name in SCORE_COLUMNS
        )
        return True

    def _evict(self) -> bool:
        since = self.clock() - self.horizon
        assert self._since is not None
        if since - self._since < timedelta(hours=1):
            return False
        before = self.frame.height
        self.frame = self.frame.filter(pl.col("transaction_timestamp") >= since)
        self._since = since
        return self.frame.height != before

    def _reconcile(self) -> bool:
        """Reload in full when the warehouse holds rows the deltas missed (a very late commit)."""
        assert self._since is not None
        self._last_reconcile = time.monotonic()
        stored = data.count_transactions_since(self.engine, self._since)
        held = self.frame.filter(pl.col("transaction_timestamp") >= self._since).height
        if stored == held:
            return False
        log.warning("live window: %d rows held, %d stored; reloading", held, stored)
        self._load()
        return True
