"""The features of a few transactions at a time, from history held in memory: the API's path.

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
"""

from __future__ import annotations

import bisect
import math
import operator
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

import polars as pl

from fraudwatch.features.encoders import UNSEEN_CODE, Encoders
from fraudwatch.features.spec import (
    ANOMALY_Z,
    DAY,
    FEATURE_COLUMNS,
    FEATURES_BY_NAME,
    HIGH_VALUE_AMOUNT,
    HOUR,
    LOOKBACK,
    MONTH,
    RISK_RATINGS,
    STD_FLOOR,
    WEEK,
    micros,
)

_EPOCH: Final = datetime(1970, 1, 1)
_US_PER_HOUR: Final = micros(HOUR)
_US_PER_DAY: Final = micros(DAY)
_WEEK: Final = micros(WEEK)
_MONTH: Final = micros(MONTH)
_LOOKBACK: Final = micros(LOOKBACK)
_EPOCH_WEEKDAY: Final = 3  # 1970-01-01 was a Thursday (Monday = 0)
# Unicode's White_Space, which Polars' strip_chars trims (str.strip would also trim \x1c-\x1f).
_WHITE_SPACE: Final = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_RISK_CODES: Final = {rating: float(code) for code, rating in enumerate(RISK_RATINGS)}
_FILL: Final = {name: float(feature.fill) for name, feature in FEATURES_BY_NAME.items()}
_MERCHANT_FILLS: Final = {
    name: _FILL[name] for name in FEATURE_COLUMNS if FEATURES_BY_NAME[name].source == "merchant"
}


def _micros(moment: datetime | date) -> int:
    """Return a naive UTC time (a date is its midnight) as microseconds since the epoch."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass
class _Log:
    """One key's rows in time order (ties in arrival order), as parallel lists."""

    times: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    amounts: list[float] = field(default_factory=list)
    merchants: list[str | None] = field(default_factory=list)
    channels: list[str | None] = field(default_factory=list)
    international: list[bool] = field(default_factory=list)

    def add(self, row: _Row) -> None:
        """Insert `row` after every held row at or before its time."""
        self.insert(row.time, row.id, row.amount, row.merchant, row.channel, row.international)

    def insert(
        self,
        time: int,
        key: str,
        amount: float,
        merchant: str | None,
        channel: str | None,
        international: bool,
    ) -> None:
        """Insert a row after every held row at or before `time` (an append, in time order)."""
        at = len(self.times)
        if at and self.times[-1] > time:
            at = bisect.bisect_right(self.times, time)
        self.times.insert(at, time)
        self.ids.insert(at, key)
        self.amounts.insert(at, amount)
        self.merchants.insert(at, merchant)
        self.channels.insert(at, channel)
        self.international.insert(at, international)

    def extend(
        self,
        times: list[int],
        ids: list[str],
        amounts: list[float],
        merchants: list[str | None],
        channels: list[str | None],
        international: list[bool],
    ) -> None:
        """Add rows given in time order: appended when none is before a held row, else
        inserted one by one."""
        if self.times and self.times[-1] > times[0]:
            for row in zip(times, ids, amounts, merchants, channels, international, strict=True):
                self.insert(*row)
            return
        columns: tuple[list[Any], ...] = (times, ids, amounts, merchants, channels, international)
        for held, given in zip(self._columns(), columns, strict=True):
            held.extend(given)

    def without(self, ids: set[str]) -> _Log:
        """Return a copy without the rows of `ids`."""
        kept = [i for i, key in enumerate(self.ids) if key not in ids]
        return _Log(*([values[i] for i in kept] for values in self._columns()))

    def drop_before(self, start: int) -> list[str]:
        """Forget the rows older than `start`; return their ids."""
        cut = bisect.bisect_left(self.times, start)
        dropped = self.ids[:cut]
        for values in self._columns():
            del values[:cut]
        return dropped

    def _columns(self) -> list[list[Any]]:
        return [
            self.times,
            self.ids,
            self.amounts,
            self.merchants,
            self.channels,
            self.international,
        ]


@dataclass(frozen=True)
class _Row:
    """One transaction as the features read it: times in microseconds, nulls resolved."""

    id: str
    account: str
    time: int
    amount: float
    merchant: str | None
    channel: str | None
    transaction_type: str | None
    international: bool
    reversal: bool


def _row(values: Mapping[str, Any]) -> _Row:
    """Return a `TRANSACTION_SCHEMA` mapping as a `_Row` (amount null or NaN -> 0, flags null ->
    False, as `rows.normalise_transactions` does)."""
    amount = values.get("transaction_amount")
    if amount is None or math.isnan(amount):
        amount = 0.0
    return _Row(
        id=values["transaction_id"],
        account=values["account_number"],
        time=_micros(values["transaction_timestamp"]),
        amount=float(amount),
        merchant=values.get("merchant_name"),
        channel=values.get("channel_name"),
        transaction_type=values.get("transaction_type"),
        international=bool(values.get("is_international")),
        reversal=bool(values.get("reversal_flag")),
    )


@dataclass(frozen=True)
class _Profile:
    """An account's profile fields as the features read them (NaN where missing)."""

    customer: str | None
    credit_score: float
    customer_since: float
    risk_rating: float

    @property
    def missing(self) -> bool:
        """Return True when every profile field is missing."""
        return all(
            math.isnan(v) for v in (self.credit_score, self.customer_since, self.risk_rating)
        )


# What is held of a row: (time, merchant, account, amount, channel, international).
_Held = tuple[int, str | None, str, float, str | None, bool]


def _held_form(row: _Row) -> _Held:
    """Return what `OnlineHistory` holds of `row`."""
    return (row.time, row.merchant, row.account, row.amount, row.channel, row.international)


def _merge(times: list[int], more: list[int]) -> None:
    """Add sorted `more` to sorted `times` (an append when it comes after; else one sort,
    which merges two sorted runs in linear time)."""
    late = bool(times) and times[-1] > more[0]
    times.extend(more)
    if late:
        times.sort()


def _profiles_of(profiles: pl.DataFrame) -> dict[str, _Profile]:
    """Return each account's profile from a `PROFILE_SCHEMA` frame (its first row counts)."""
    found: dict[str, _Profile] = {}
    columns = ("account_number", "customer_key", "credit_score", "customer_since", "risk_rating")
    for account, customer, credit, since, rating in profiles.select(columns).iter_rows():
        if account is None or account in found:
            continue
        since_us = math.nan if since is None else float(_micros(since))
        found[account] = _Profile(customer, _number(credit), since_us, _risk_code(rating))
    return found


def _members_of(profiles: dict[str, _Profile]) -> dict[str, list[str]]:
    """Return the accounts of each customer key."""
    members: defaultdict[str, list[str]] = defaultdict(list)
    for account, profile in profiles.items():
        if profile.customer is not None:
            members[profile.customer].append(account)
    return dict(members)


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


def _risk_code(rating: str | None) -> float:
    """Return LOW / MEDIUM / HIGH (trimmed, any case) as 0 / 1 / 2, NaN for anything else."""
    if rating is None:
        return math.nan
    return _RISK_CODES.get(rating.strip(_WHITE_SPACE).upper(), math.nan)


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


class OnlineHistory:
    """Recent transactions by account and by merchant, fraud labels and profiles, in memory.

    Thread-safe: additions and `features` calls may come from different threads.
    """

    def __init__(self) -> None:
        self._accounts: defaultdict[str, _Log] = defaultdict(_Log)
        self._merchants: defaultdict[str, list[int]] = defaultdict(list)  # sorted times
        # id -> `_Held`: plain tuples of atoms, which the cyclic GC stops tracking, so a full
        # collection does not walk every held row (77 ms at 75,000 rows as objects).
        self._held: dict[str, _Held] = {}
        self._known_fraud: dict[str, int] = {}  # id -> labeled_at, for usable fraud labels
        self._merchant_frauds: defaultdict[str, dict[str, int]] = defaultdict(dict)  # id -> time
        # Per merchant, its frauds as (time, known from) in time order; rebuilt after a change.
        self._fraud_events: dict[str, list[tuple[int, int]]] = {}
        self._profiles: dict[str, _Profile] = {}
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
                self._hold_row(_row(values))
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
                _merge(self._merchants[merchant], merchant_times)
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

    def _hold_row(self, row: _Row) -> None:
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
                labeled_us = _micros(labeled_at) if usable and labeled_at is not None else None
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
        found = _profiles_of(profiles)
        members = _members_of(found)
        with self._lock:
            self._profiles, self._members = found, members

    def update_profiles(self, profiles: pl.DataFrame) -> None:
        """Add or replace the profiles of the frame's accounts (its first row of each), which
        must hold every account of each customer it names (as the scoring path reads them);
        keep the others. An account no longer of a customer the frame names is forgotten."""
        found = _profiles_of(profiles)
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
                self._members = _members_of(merged)

    def drop_before(self, start: datetime) -> None:
        """Forget the transactions older than `start` (their labels stay)."""
        start_us = _micros(start)
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
        given = [_row(values) for values in rows]
        if not given:
            return []
        with self._lock:
            source = self._overlaid(given) if self._needs_overlay(given) else self
            return [source._features_of(row, encoders) for row in given]

    def _needs_overlay(self, given: list[_Row]) -> bool:
        """Return True unless the history alone answers: one row, and no held copy of it
        earlier than itself (a held copy at or after its time is not before it); or rows all
        held just as given (a scoring run's batch, read into the history first)."""
        if len(given) == 1:
            held = self._held.get(given[0].id)
            return held is not None and held[0] < given[0].time
        return not all(self._held.get(row.id) == _held_form(row) for row in given)

    def _overlaid(self, given: list[_Row]) -> OnlineHistory:
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

    def _features_of(self, row: _Row, encoders: Encoders) -> list[float]:
        values: dict[str, float] = {}
        values.update(_transaction_features(row))
        values.update(_encodings(row, encoders))
        profile = self._profiles.get(row.account)
        values.update(_profile_features(row, profile))
        account = self._accounts.get(row.account, _Log())
        customer = self._customer_view(row)
        values.update(_velocity(row, account))
        values.update(_customer_features(row, customer))
        values.update(self._account_record(row, account, customer))
        values.update(_novelty(row, account))
        values.update(self._merchant_features(row))
        return [values[name] for name in FEATURE_COLUMNS]

    def _customer_view(self, row: _Row) -> _Amounts:
        """Return the customer's rows in [t - LOOKBACK, t): times and amounts."""
        start = row.time - _LOOKBACK
        logs = [self._accounts.get(a) for a in self._customer_accounts(row.account)]
        parts = [log for log in logs if log is not None and log.times]
        if len(parts) == 1:
            log = parts[0]
            lo = bisect.bisect_left(log.times, start)
            hi = bisect.bisect_left(log.times, row.time)
            return _Amounts(log.times[lo:hi], log.amounts[lo:hi])
        pairs: list[tuple[int, float]] = []
        for log in parts:
            lo = bisect.bisect_left(log.times, start)
            hi = bisect.bisect_left(log.times, row.time, lo)
            pairs.extend(zip(log.times[lo:hi], log.amounts[lo:hi], strict=True))
        pairs.sort()
        return _Amounts([t for t, _ in pairs], [a for _, a in pairs])

    def _account_record(self, row: _Row, account: _Log, customer: _Amounts) -> dict[str, float]:
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
        z = _z_score(honest, row.amount)
        gap = (t - times[end - 1]) / 1e6 if end > first else _MONTH / 1e6
        return {
            "account_known_frauds_30d": float(len(frauds)),
            "account_zscore_excl_fraud_30d": z,
            "account_anomalous_share_24h": _anomalous_share(t, account, first, end, customer),
            "seconds_since_prev_tx": min(gap, _FILL["seconds_since_prev_tx"]),
        }

    def _merchant_features(self, row: _Row) -> dict[str, float]:
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
            else _FILL["merchant_days_since_fraud"],
            "merchant_fraud_days_30d": float(len(days)),
        }


@dataclass(frozen=True)
class _Amounts:
    """A customer's rows in [t - LOOKBACK, t), in time order: their times and amounts."""

    times: list[int]
    amounts: list[float]


def _moments(amounts: Sequence[float]) -> tuple[float, float, float]:
    """Return the count, mean and sample std of `amounts` (std 0 with fewer than 2, mean 0
    with none), as the pipeline defines them.

    The sums are centred on the first amount, so equal amounts have a std of exactly 0, and
    taken in two passes (mean, then squared deviations), so amounts far from the window's (the
    pipeline centres on the key's first amount, which can be anything) cost no digits.
    """
    count = len(amounts)
    if count == 0:
        return 0.0, 0.0, 0.0
    reference = amounts[0]
    centred = [a - reference for a in amounts]
    mean = sum(centred) / count
    if count == 1:
        return 1.0, reference + mean, 0.0
    deviations = [c - mean for c in centred]
    variance = sum(map(operator.mul, deviations, deviations)) / (count - 1)
    return float(count), reference + mean, math.sqrt(variance)


def _z_score(amounts: Sequence[float], own: float) -> float:
    """Return the z-score of `own` against `amounts` (see `_z_of`)."""
    return _z_of(_moments(amounts), own)


def _z_of(moments: tuple[float, float, float], own: float) -> float:
    """Return (own - mean) / max(std, 1) for (count, mean, std), or 0 with fewer than 2."""
    count, mean, std = moments
    return (own - mean) / max(std, STD_FLOOR) if count > 1 else 0.0


def _customer_features(row: _Row, customer: _Amounts) -> dict[str, float]:
    """Return count, mean, std and z-score of the customer's amounts in [t - 30 d, t)."""
    lo = bisect.bisect_left(customer.times, row.time - _MONTH)
    moments = _moments(customer.amounts[lo:])
    count, mean, std = moments
    return {
        "customer_tx_count_30d": count,
        "customer_amount_mean_30d": mean,
        "customer_amount_std_30d": std,
        "customer_amount_zscore_30d": _z_of(moments, row.amount),
    }


def _anomalous_share(t: int, account: _Log, first: int, end: int, customer: _Amounts) -> float:
    """Return the share of the account's rows in [t - 24 h, t) (positions `first`..`end` of
    its log hold its lookback) whose own customer z-score had |z| > 3 (none: 0)."""
    day_start = bisect.bisect_left(account.times, t - _US_PER_DAY, first, end)
    if day_start == end:
        return 0.0
    anomalous = 0
    for time, amount in zip(
        account.times[day_start:end], account.amounts[day_start:end], strict=True
    ):
        # The customer's rows in [time - 30 d, time), as that row's own z-score saw them.
        lo = bisect.bisect_left(customer.times, time - _MONTH)
        hi = bisect.bisect_left(customer.times, time, lo)
        anomalous += abs(_z_score(customer.amounts[lo:hi], amount)) > ANOMALY_Z
    return anomalous / (end - day_start)


def _velocity(row: _Row, account: _Log) -> dict[str, float]:
    """Return the account's count and amount sum in [t - 1 h, t) and [t - 24 h, t)."""
    times = account.times
    end = bisect.bisect_left(times, row.time)
    out: dict[str, float] = {}
    for label, width in (("1h", _US_PER_HOUR), ("24h", _US_PER_DAY)):
        lo = bisect.bisect_left(times, row.time - width, 0, end)
        out[f"account_tx_count_{label}"] = float(end - lo)
        out[f"account_amount_{label}"] = sum(account.amounts[lo:end])
    return out


def _novelty(row: _Row, account: _Log) -> dict[str, float]:
    """Return whether the merchant, channel or international use is new to the account in
    [t - 30 d, t) (a missing value is never new)."""
    times = account.times
    end = bisect.bisect_left(times, row.time)
    lo = bisect.bisect_left(times, row.time - _MONTH, 0, end)
    merchants = set(account.merchants[lo:end])
    channels = set(account.channels[lo:end])
    international_before = any(account.international[lo:end])
    return {
        "new_merchant_30d": float(row.merchant is not None and row.merchant not in merchants),
        "new_channel_30d": float(row.channel is not None and row.channel not in channels),
        "new_international_30d": float(row.international and not international_before),
    }


def _transaction_features(row: _Row) -> dict[str, float]:
    """Return the features of the transaction alone (`calendar.transaction_features`)."""
    hour = (row.time // _US_PER_HOUR) % 24
    weekday = (row.time // _US_PER_DAY + _EPOCH_WEEKDAY) % 7
    return {
        "hour": float(hour),
        "late_night": float(hour < 6),
        "weekend": float(weekday >= 5),
        "high_value": float(row.amount > HIGH_VALUE_AMOUNT),
        "is_international": float(row.international),
        "reversal_flag": float(row.reversal),
        "log_amount": math.log1p(abs(row.amount)),
    }


def _encodings(row: _Row, encoders: Encoders) -> dict[str, float]:
    """Return the channel and transaction type codes (1..k in the vocabulary, else 0)."""

    def code(vocabulary: tuple[str, ...], value: str | None) -> float:
        if value is None or value not in vocabulary:
            return float(UNSEEN_CODE)
        return float(vocabulary.index(value) + 1)

    return {
        "channel_code": code(encoders.channels, row.channel),
        "transaction_type_code": code(encoders.transaction_types, row.transaction_type),
    }


def _profile_features(row: _Row, profile: _Profile | None) -> dict[str, float]:
    """Return credit score, tenure in days (clipped at 0), risk code and profile_missing."""
    if profile is None:
        profile = _Profile(None, math.nan, math.nan, math.nan)
    tenure = max((row.time - profile.customer_since) / _US_PER_DAY, 0.0)

    def filled(name: str, value: float) -> float:
        return _FILL[name] if math.isnan(value) else value

    return {
        "credit_score": filled("credit_score", profile.credit_score),
        "tenure_days": filled("tenure_days", tenure),
        "risk_rating_code": filled("risk_rating_code", profile.risk_rating),
        "profile_missing": float(profile.missing),
    }
