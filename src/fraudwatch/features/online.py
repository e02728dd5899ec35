"""A few transactions' features at a time, from history held in memory (API, small batches).

`compute_features` pays a fixed cost per call (frames, sorts, codes: about 3 ms for one
transaction against 1,500 history rows) that dwarfs one transaction's arithmetic. The real-time
API scores one transaction per request, so it keeps the recent history here, in per-key logs
sorted by time, and computes each feature with a few binary searches and sums over the
transaction's own windows: tens of microseconds.

It is the same definition, not a second one: every feature follows `spec.FEATURES` and the
builders' rules (windows [t - w, t), labels known before t, the std floor, the fills), and
`tests/features/test_online.py` holds it to `compute_features` on seeded banks with ties,
nulls, shared customers and late labels, to 1e-9. The arithmetic differs in one respect: the
pipeline takes window moments from prefix sums centred on a key's first amount, which loses
digits when that amount is far from the window's; here they are taken over the window itself
in two passes, so they are exact to rounding (the test checks such cases against exact sums).

`features(rows)` equals `compute_features` over `rows` with every held row as history (a held
row with the id of one of `rows` is ignored: the row given wins) and the held profiles and
labels. Rows of one call are history for each other, as in the pipeline.

`online_logs` is how the history is held; `online_values` computes one transaction's values
from its keys' logs; this module keeps the history current and answers calls.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import polars as pl

from fraudwatch.features.encoders import Encoders
from fraudwatch.features.online_logs import (
    Held,
    Log,
    Profile,
    Row,
    held_form,
    members_of,
    merge_sorted,
    micros_of,
    profiles_of,
    row_of,
)
from fraudwatch.features.online_values import (
    FILL,
    Amounts,
    anomalous_share,
    customer_features,
    encodings,
    novelty,
    profile_features,
    transaction_features,
    velocity,
    z_score,
)
from fraudwatch.features.spec import (
    DAY,
    FEATURE_COLUMNS,
    FEATURES_BY_NAME,
    LOOKBACK,
    MONTH,
    WEEK,
    micros,
)

_US_PER_DAY: Final = micros(DAY)
_WEEK: Final = micros(WEEK)
_MONTH: Final = micros(MONTH)
_LOOKBACK: Final = micros(LOOKBACK)
_MERCHANT_FILLS: Final = {
    name: FILL[name] for name in FEATURE_COLUMNS if FEATURES_BY_NAME[name].source == "merchant"
}


def features_frame(rows: pl.DataFrame, values: list[list[float]]) -> pl.DataFrame:
    """Return `OnlineHistory.features` of `rows` shaped as `compute_features` returns them:
    transaction_id, transaction_timestamp, then `FEATURE_COLUMNS` (Int32 or Float64)."""
    frame = pl.DataFrame(values, schema=dict.fromkeys(FEATURE_COLUMNS, pl.Float64), orient="row")
    ints = [f.name for f in FEATURES_BY_NAME.values() if f.dtype == "int"]
    return (
        frame.with_columns(pl.col(ints).cast(pl.Int32))
        .insert_column(0, rows["transaction_timestamp"])
        .insert_column(0, rows["transaction_id"])
    )


class OnlineHistory:
    """Recent transactions by account and by merchant, fraud labels and profiles, in memory.

    Thread-safe: additions and `features` calls may come from different threads.
    """

    def __init__(self) -> None:
        self._accounts: defaultdict[str, Log] = defaultdict(Log)
        self._merchants: defaultdict[str, list[int]] = defaultdict(list)  # sorted times
        # id -> `Held`: plain tuples of atoms, which the cyclic GC stops tracking, so a full
        # collection does not walk every held row (77 ms at 75,000 rows as objects).
        self._held: dict[str, Held] = {}
        self._known_fraud: dict[str, int] = {}  # id -> labeled_at, for usable fraud labels
        self._merchant_frauds: defaultdict[str, dict[str, int]] = defaultdict(dict)  # id -> time
        # Per merchant, its frauds as (time, known from) in time order; rebuilt after a change.
        self._fraud_events: dict[str, list[tuple[int, int]]] = {}
        self._profiles: dict[str, Profile] = {}
        self._members: dict[str, list[str]] = {}
        self._lock = threading.RLock()

    def __len__(self) -> int:
        """Return how many transactions are held."""
        return len(self._held)

    # --- keeping the history ---------------------------------------------------------------

    def add_transactions(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Hold rows (`TRANSACTION_SCHEMA` mappings, naive UTC); skip held ids; return how many
        were new."""
        added = 0
        with self._lock:
            for values in rows:
                if values["transaction_id"] in self._held:
                    continue
                self._hold_row(row_of(values))
                added += 1
        return added

    def add_frame(self, frame: pl.DataFrame) -> int:
        """Hold a frame's rows (`TRANSACTION_SCHEMA` columns, maybe more): `add_transactions`
        in bulk, grouped by account and by merchant in Polars and appended list by list (1M
        rows: 2.4 s here, where one mapping at a time takes 7.8 s)."""
        if frame.is_empty():
            return 0
        with self._lock:
            held = self._held
            if held:
                new = [k not in held for k in frame["transaction_id"]]
                frame = frame.filter(pl.Series(new, dtype=pl.Boolean))
            frame = frame.unique("transaction_id", keep="first", maintain_order=True)
            frame = frame.sort("transaction_timestamp", maintain_order=True).select(
                pl.col("transaction_id"),
                pl.col("account_number"),
                pl.col("transaction_timestamp").dt.epoch("us").alias("time"),
                pl.col("transaction_amount").fill_nan(0.0).fill_null(0.0),
                pl.col("merchant_name"),
                pl.col("channel_name"),
                pl.col("is_international").fill_null(False),
            )
            ids = frame["transaction_id"].to_list()
            forms = frame.select(
                "time",
                "merchant_name",
                "account_number",
                "transaction_amount",
                "channel_name",
                "is_international",
            ).iter_rows()
            held.update(zip(ids, forms, strict=True))
            # Rows keep their time order (ties: arrival order) within each group.
            for account, *columns in (
                frame.group_by("account_number")
                .agg(pl.all())
                .select(
                    "account_number",
                    "time",
                    "transaction_id",
                    "transaction_amount",
                    "merchant_name",
                    "channel_name",
                    "is_international",
                )
                .iter_rows()
            ):
                self._accounts[account].extend(*columns)
            with_merchant = frame.filter(pl.col("merchant_name").is_not_null())
            for merchant, merchant_times in (
                with_merchant.group_by("merchant_name").agg(pl.col("time")).iter_rows()
            ):
                merge_sorted(self._merchants[merchant], merchant_times)
            frauds = with_merchant.filter(pl.col("transaction_id").is_in(list(self._known_fraud)))
            for key, merchant, time in frauds.select(
                "transaction_id", "merchant_name", "time"
            ).iter_rows():
                self._add_fraud(merchant, key, time)
        return frame.height

    def _hold(
        self,
        key: str,
        account: str,
        time: int,
        amount: float,
        merchant: str | None,
        channel: str | None,
        international: bool,
    ) -> None:
        self._held[key] = (time, merchant, account, amount, channel, international)
        self._accounts[account].insert(time, key, amount, merchant, channel, international)
        if merchant is not None:
            times = self._merchants[merchant]
            if times and times[-1] > time:
                bisect.insort_right(times, time)
            else:
                times.append(time)
            if key in self._known_fraud:
                self._add_fraud(merchant, key, time)

    def _add_fraud(self, merchant: str, key: str, time: int) -> None:
        self._merchant_frauds[merchant][key] = time
        self._fraud_events.pop(merchant, None)

    def _drop_fraud(self, merchant: str, key: str) -> None:
        self._merchant_frauds[merchant].pop(key, None)
        self._fraud_events.pop(merchant, None)

    def _events_of(self, merchant: str) -> list[tuple[int, int]]:
        """Return the merchant's frauds as (transaction time, known from), in time order: a
        fraud is known to transactions after max(its time, its labeled_at)."""
        events = self._fraud_events.get(merchant)
        if events is None:
            known = self._known_fraud
            frauds = self._merchant_frauds.get(merchant, {})
            events = sorted((when, max(when, known[key])) for key, when in frauds.items())
            self._fraud_events[merchant] = events
        return events

    def _hold_row(self, row: Row) -> None:
        self._hold(
            row.id, row.account, row.time, row.amount, row.merchant, row.channel, row.international
        )

    def add_labels(self, labels: Iterable[tuple[str, bool | None, datetime | None]]) -> None:
        """Hold labels (transaction_id, is_fraud, labeled_at); a later one replaces an earlier
        one of the same id. A label may arrive before its transaction."""
        with self._lock:
            known = self._known_fraud
            for transaction_id, is_fraud, labeled_at in labels:
                usable = bool(is_fraud) and labeled_at is not None
                labeled_us = micros_of(labeled_at) if usable and labeled_at is not None else None
                if known.get(transaction_id) == labeled_us:
                    continue  # nothing changes (a scoring run reads its window's labels again)
                held = self._held.get(transaction_id)
                time, merchant = (0, None) if held is None else held[:2]
                if labeled_us is not None:
                    known[transaction_id] = labeled_us
                    if merchant is not None:
                        self._add_fraud(merchant, transaction_id, time)
                else:
                    known.pop(transaction_id, None)
                    if merchant is not None:
                        self._drop_fraud(merchant, transaction_id)

    def set_profiles(self, profiles: pl.DataFrame) -> None:
        """Replace the profiles (`PROFILE_SCHEMA`; an account's first row counts)."""
        found = profiles_of(profiles)
        members = members_of(found)
        with self._lock:
            self._profiles, self._members = found, members

    def update_profiles(self, profiles: pl.DataFrame) -> None:
        """Add or replace the profiles of the frame's accounts (its first row of each), which
        must hold every account of each customer it names (as the scoring path reads them);
        keep the others. An account no longer of a customer the frame names is forgotten."""
        found = profiles_of(profiles)
        named = {p.customer for p in found.values() if p.customer is not None}
        with self._lock:
            held = self._profiles
            left = [a for c in named for a in self._members.get(c, ()) if a not in found]
            moved = bool(left) or any(
                account not in held or held[account].customer != profile.customer
                for account, profile in found.items()
            )
            merged = {**held, **found}
            for account in left:
                del merged[account]
            self._profiles = merged
            if moved:
                self._members = members_of(merged)

    def drop_before(self, start: datetime) -> None:
        """Forget the transactions older than `start` (their labels stay)."""
        start_us = micros_of(start)
        with self._lock:
            for account in list(self._accounts):
                log = self._accounts[account]
                for transaction_id in log.drop_before(start_us):
                    merchant = self._held.pop(transaction_id)[1]
                    if merchant is not None:
                        self._drop_fraud(merchant, transaction_id)
                if not log.times:
                    del self._accounts[account]
            for times in self._merchants.values():
                del times[: bisect.bisect_left(times, start_us)]

    # --- features ---------------------------------------------------------------------------

    def features(self, rows: Sequence[Mapping[str, Any]], encoders: Encoders) -> list[list[float]]:
        """Return each row's features in `FEATURE_COLUMNS` order (see the module's notes)."""
        given = [row_of(values) for values in rows]
        if not given:
            return []
        with self._lock:
            source = self._overlaid(given) if self._needs_overlay(given) else self
            return [source._features_of(row, encoders) for row in given]

    def _needs_overlay(self, given: list[Row]) -> bool:
        """Return True unless the history alone answers: one row, and no held copy of it
        earlier than itself (a held copy at or after its time is not before it); or rows all
        held just as given (a scoring run's batch, read into the history first)."""
        if len(given) == 1:
            held = self._held.get(given[0].id)
            return held is not None and held[0] < given[0].time
        return not all(self._held.get(row.id) == held_form(row) for row in given)

    def _overlaid(self, given: list[Row]) -> OnlineHistory:
        """Return a history of what `given` can see: the held rows of their customers'
        accounts and their merchants' times, less held copies of their ids, plus `given`."""
        ids = {row.id for row in given}
        copies = [self._held[i] for i in ids if i in self._held]
        overlay = OnlineHistory()
        overlay._profiles, overlay._members = self._profiles, self._members
        overlay._known_fraud = self._known_fraud
        for account in {a for row in given for a in self._customer_accounts(row.account)}:
            log = self._accounts.get(account)
            if log is not None:
                overlay._accounts[account] = log.without(ids)
        for merchant in {row.merchant for row in given if row.merchant is not None}:
            times = list(self._merchants.get(merchant, ()))
            for copy in copies:
                if copy[1] == merchant:
                    times.pop(bisect.bisect_left(times, copy[0]))
            overlay._merchants[merchant] = times
            frauds = self._merchant_frauds.get(merchant, {})
            overlay._merchant_frauds[merchant] = {i: w for i, w in frauds.items() if i not in ids}
        for row in sorted(given, key=lambda r: r.time):
            overlay._hold_row(row)
        return overlay

    def _customer_accounts(self, account: str) -> list[str]:
        profile = self._profiles.get(account)
        if profile is None or profile.customer is None:
            return [account]
        return self._members[profile.customer]

    def _features_of(self, row: Row, encoders: Encoders) -> list[float]:
        values: dict[str, float] = {}
        values.update(transaction_features(row))
        values.update(encodings(row, encoders))
        profile = self._profiles.get(row.account)
        values.update(profile_features(row, profile))
        account = self._accounts.get(row.account, Log())
        customer = self._customer_view(row)
        values.update(velocity(row, account))
        values.update(customer_features(row, customer))
        values.update(self._account_record(row, account, customer))
        values.update(novelty(row, account))
        values.update(self._merchant_features(row))
        return [values[name] for name in FEATURE_COLUMNS]

    def _customer_view(self, row: Row) -> Amounts:
        """Return the customer's rows in [t - LOOKBACK, t): times and amounts."""
        start = row.time - _LOOKBACK
        logs = [self._accounts.get(a) for a in self._customer_accounts(row.account)]
        parts = [log for log in logs if log is not None and log.times]
        if len(parts) == 1:
            log = parts[0]
            lo = bisect.bisect_left(log.times, start)
            hi = bisect.bisect_left(log.times, row.time)
            return Amounts(log.times[lo:hi], log.amounts[lo:hi])
        pairs: list[tuple[int, float]] = []
        for log in parts:
            lo = bisect.bisect_left(log.times, start)
            hi = bisect.bisect_left(log.times, row.time, lo)
            pairs.extend(zip(log.times[lo:hi], log.amounts[lo:hi], strict=True))
        pairs.sort()
        return Amounts([t for t, _ in pairs], [a for _, a in pairs])

    def _account_record(self, row: Row, account: Log, customer: Amounts) -> dict[str, float]:
        """Return the account's known frauds and honest z (30 d), anomalous share (24 h) and
        the gap since its previous transaction."""
        t = row.time
        times = account.times
        end = bisect.bisect_left(times, t)
        first = bisect.bisect_left(times, t - _LOOKBACK)
        lo = bisect.bisect_left(times, t - _MONTH, first, end)
        known = self._known_fraud
        labelled = [i for i in range(lo, end) if account.ids[i] in known]
        frauds = [i for i in labelled if max(times[i], known[account.ids[i]]) < t]
        honest = account.amounts[lo:end]
        for i in reversed(frauds):
            del honest[i - lo]
        z = z_score(honest, row.amount)
        gap = (t - times[end - 1]) / 1e6 if end > first else _MONTH / 1e6
        return {
            "account_known_frauds_30d": float(len(frauds)),
            "account_zscore_excl_fraud_30d": z,
            "account_anomalous_share_24h": anomalous_share(t, account, first, end, customer),
            "seconds_since_prev_tx": min(gap, FILL["seconds_since_prev_tx"]),
        }

    def _merchant_features(self, row: Row) -> dict[str, float]:
        """Return the merchant's known frauds and rates (7 d, 30 d), days since its latest
        known fraud and its distinct fraud dates (30 d)."""
        if row.merchant is None:
            return dict(_MERCHANT_FILLS)
        t = row.time
        times = self._merchants.get(row.merchant, [])
        end = bisect.bisect_left(times, t)
        counts = {w: end - bisect.bisect_left(times, t - w, 0, end) for w in (_WEEK, _MONTH)}
        # Every feature here reads frauds in [t - 30 d, t) known before t (older ones cap
        # days-since at the fill and fall outside every count).
        events = self._events_of(row.merchant)
        lo = bisect.bisect_left(events, (t - _MONTH,))
        hi = bisect.bisect_left(events, (t,), lo)
        known = [when for when, known_from in events[lo:hi] if known_from < t]
        frauds = {_MONTH: len(known), _WEEK: len(known) - bisect.bisect_left(known, t - _WEEK)}
        days = {day for day in (when - when % _US_PER_DAY for when in known) if day > t - _MONTH}
        return {
            "merchant_known_frauds_7d": float(frauds[_WEEK]),
            "merchant_known_frauds_30d": float(frauds[_MONTH]),
            "merchant_fraud_rate_7d": frauds[_WEEK] / counts[_WEEK] if counts[_WEEK] else 0.0,
            "merchant_fraud_rate_30d": frauds[_MONTH] / counts[_MONTH] if counts[_MONTH] else 0.0,
            "merchant_days_since_fraud": (t - known[-1]) / _US_PER_DAY
            if known
            else FILL["merchant_days_since_fraud"],
            "merchant_fraud_days_30d": float(len(days)),
        }
