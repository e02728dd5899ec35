"""What the pipeline reads, and the warehouse queries that fetch it for training and for scoring.

Training reads a time range plus the `LOOKBACK` before it; scoring reads, for a batch, the recent
history of the batch's accounts, of every account of their customers and of their merchants. Both
hand the same `FeatureInputs` to `compute_features`, which enforces the point-in-time rules itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.features.encoders import Encoders
from fraudwatch.features.online import OnlineHistory, features_frame
from fraudwatch.features.spec import LOOKBACK
from fraudwatch.schemas import TRANSACTION_SCHEMA
from fraudwatch.warehouse import (
    quarantined_exists,
    read_arrow_frame,
    read_frame,
    scored_exists,
    tables,
    utc_now,
)

PROFILE_SCHEMA: Final = pl.Schema(
    {
        "account_number": pl.String,
        "customer_key": pl.String,
        "credit_score": pl.Int64,
        "customer_since": pl.Date,
        "risk_rating": pl.String,
        "home_country": pl.String,
    }
)
FEATURE_LABEL_SCHEMA: Final = pl.Schema(
    {"transaction_id": pl.String(), "is_fraud": pl.Boolean(), "labeled_at": pl.Datetime("us")}
)
_CHUNK: Final = 5_000  # bound parameters per IN list, well under SQLite's limit
# From this many accounts, a scoring batch reads its whole time window rather than IN lists.
WHOLE_WINDOW_FROM_ACCOUNTS: Final = 20_000
_ID_SCHEMA: Final = pl.Schema({"transaction_id": pl.String()})
_MARK_SCHEMA: Final = pl.Schema(
    {
        "transaction_id": pl.String(),
        "merchant_name": pl.String(),
        "transaction_timestamp": pl.Datetime("us"),
    }
)
Reader = Callable[[Engine, sa.Select[Any], pl.Schema], pl.DataFrame]
Batch = pl.DataFrame | None
# The account of merchant marks (see `_read_merchant_marks`): no real account number has a NUL.
MERCHANT_MARK_ACCOUNT: Final = "\x00merchant-history"


@dataclass(frozen=True)
class FeatureInputs:
    """Everything `compute_features` needs.

    `transactions` are the rows to compute features for (unique ids); `history` the earlier
    transactions the windows need (it may repeat rows of `transactions`: duplicate ids are
    dropped); `profiles` one
    row per account_number (`PROFILE_SCHEMA`, may be empty); `labels` transaction_id, is_fraud,
    labeled_at (may be empty; only labels with labeled_at < t are used for a transaction at t).
    """

    transactions: pl.DataFrame
    history: pl.DataFrame
    profiles: pl.DataFrame
    labels: pl.DataFrame


def empty_profiles() -> pl.DataFrame:
    """Return an empty profiles frame (a data set without customer profiles)."""
    return pl.DataFrame(schema=PROFILE_SCHEMA)


def empty_labels() -> pl.DataFrame:
    """Return an empty labels frame."""
    return pl.DataFrame(schema=FEATURE_LABEL_SCHEMA)


def transaction_columns() -> list[sa.ColumnElement[Any]]:
    """Return transaction_staging's columns of `TRANSACTION_SCHEMA`, in its order."""
    staging = tables.transaction_staging
    return [staging.c[name] for name in TRANSACTION_SCHEMA.names()]


def profile_select() -> sa.Select[Any]:
    """Return the select of every account's profile (`PROFILE_SCHEMA`, nulls without one)."""
    account, customer = tables.dim_account, tables.dim_customer
    return sa.select(
        account.c.account_number,
        account.c.customer_key,
        customer.c.credit_score,
        customer.c.customer_since,
        customer.c.risk_rating,
        customer.c.home_country,
    ).select_from(account.outerjoin(customer, customer.c.customer_key == account.c.customer_key))


def label_select() -> sa.Select[Any]:
    """Return the select of every label (`FEATURE_LABEL_SCHEMA`)."""
    labels = tables.fraud_labels
    return sa.select(labels.c.transaction_id, labels.c.is_fraud, labels.c.labeled_at)


def _time_range(start: datetime | None, end: datetime | None) -> list[sa.ColumnElement[bool]]:
    ts = tables.transaction_staging.c.transaction_timestamp
    conditions: list[sa.ColumnElement[bool]] = []
    if start is not None:
        conditions.append(ts >= start)
    if end is not None:
        conditions.append(ts < end)
    return conditions


def _read_transactions(
    engine: Engine, conditions: list[sa.ColumnElement[bool]], reader: Reader = read_arrow_frame
) -> pl.DataFrame:
    staging = tables.transaction_staging
    statement = (
        sa.select(*transaction_columns())
        .where(*conditions)
        .order_by(staging.c.transaction_timestamp, staging.c.transaction_id)
    )
    return reader(engine, statement, TRANSACTION_SCHEMA)


def load_training_inputs(
    engine: Engine, start: datetime | None, end: datetime | None
) -> FeatureInputs:
    """Return the inputs for every transaction with start <= timestamp < end (None: unbounded).

    `history` is the `LOOKBACK` before `start`; profiles are every account's; labels are all of
    them (the pipeline uses, for each transaction, only those known before it).
    """
    transactions = _read_transactions(engine, _time_range(start, end))
    if start is None:
        history = pl.DataFrame(schema=TRANSACTION_SCHEMA)
    else:
        history = _read_transactions(engine, _time_range(start - LOOKBACK, start))
    profiles = read_frame(engine, profile_select(), PROFILE_SCHEMA)
    labels = read_frame(engine, label_select(), FEATURE_LABEL_SCHEMA)
    return FeatureInputs(transactions, history, profiles, labels)


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


def _accounts_and_profiles(
    engine: Engine, batch: pl.DataFrame, reader: Reader = read_arrow_frame
) -> tuple[list[str], pl.DataFrame]:
    """Return the batch's accounts plus every other account of the same customers, sorted, and
    their profiles (`PROFILE_SCHEMA`).

    Past `WHOLE_WINDOW_FROM_ACCOUNTS` accounts every profile is read at once and narrowed in
    Polars (one statement instead of two per chunk of accounts); the same rows either way.
    """
    mine = batch["account_number"].unique().sort()
    if mine.len() > WHOLE_WINDOW_FROM_ACCOUNTS:
        everyone = reader(engine, profile_select(), PROFILE_SCHEMA)
        in_batch = pl.col("account_number").is_in(mine.implode())
        customers = everyone.filter(in_batch).get_column("customer_key").drop_nulls()
        of_customers = pl.col("customer_key").is_in(customers.implode())
        profiles = everyone.filter(in_batch | of_customers.fill_null(False))
        everyone_of = pl.concat([mine, profiles.get_column("account_number")]).unique().sort()
        return everyone_of.to_list(), profiles
    accounts = _customer_accounts(engine, mine.to_list())
    account = tables.dim_account.c.account_number
    found = pl.concat(
        [
            reader(engine, profile_select().where(account.in_(chunk)), PROFILE_SCHEMA)
            for chunk in _chunks(accounts)
        ]
    )
    return accounts, found


def _customer_accounts(engine: Engine, accounts: list[str]) -> list[str]:
    """Return `accounts` plus every other account of the same customers."""
    account = tables.dim_account
    found = set(accounts)
    for chunk in _chunks(accounts):
        customers = sa.select(account.c.customer_key).where(account.c.account_number.in_(chunk))
        statement = sa.select(account.c.account_number).where(account.c.customer_key.in_(customers))
        with engine.connect() as conn:
            found.update(conn.execute(statement).scalars())
    return sorted(found)


def _account_keys(accounts: list[str]) -> list[sa.ColumnElement[bool]]:
    """Return one IN condition per chunk of accounts."""
    staging = tables.transaction_staging
    return [staging.c.account_number.in_(chunk) for chunk in _chunks(accounts)]


def _merchant_keys(merchants: list[str]) -> list[sa.ColumnElement[bool]]:
    """Return one IN condition per chunk of merchants."""
    staging = tables.transaction_staging
    return [staging.c.merchant_name.in_(chunk) for chunk in _chunks(merchants)]


def _bounds(batch: pl.DataFrame) -> tuple[datetime, datetime]:
    times = batch["transaction_timestamp"]
    first, last = times.min(), times.max()
    assert isinstance(first, datetime) and isinstance(last, datetime)
    return first, last


def _read_whole_rows(
    engine: Engine, batch: pl.DataFrame, keys: list[sa.ColumnElement[bool]]
) -> pl.DataFrame:
    """Return stored transactions of `keys` in [first - LOOKBACK, last), except the batch's.

    Rows before the batch's first time are read whole; within the batch's own span only the
    ids are read first, and whole rows only for ids not in the batch (already scored ones):
    a large batch is not read twice.
    """
    staging = tables.transaction_staging
    first, last = _bounds(batch)
    parts, ids = [], []
    for key in keys:
        parts.append(_read_transactions(engine, [*_time_range(first - LOOKBACK, first), key]))
        statement = sa.select(staging.c.transaction_id).where(*_time_range(first, last), key)
        ids.append(read_arrow_frame(engine, statement, _ID_SCHEMA))
    inside = pl.concat(ids).unique()
    others = inside.join(batch.select("transaction_id"), on="transaction_id", how="anti")
    wanted = others.get_column("transaction_id").sort().to_list()
    parts += [
        _read_transactions(engine, [staging.c.transaction_id.in_(chunk)])
        for chunk in _chunks(wanted)
    ]
    return pl.concat(parts)


def _read_merchant_marks(
    engine: Engine, batch: pl.DataFrame, keys: list[sa.ColumnElement[bool]]
) -> pl.DataFrame:
    """Return the merchants' transactions in [first - LOOKBACK, last) as marks: id, merchant
    and time only, on the account `MERCHANT_MARK_ACCOUNT` (amount 0, no channel, no flags).

    Merchant features only count a merchant's transactions and its known frauds in windows;
    a mark carries exactly that. Its made-up account is nobody's, so it changes no account,
    customer or novelty feature of a real row; a mark whose id is also read whole is dropped.
    """
    staging = tables.transaction_staging
    first, last = _bounds(batch)
    columns = (staging.c.transaction_id, staging.c.merchant_name, staging.c.transaction_timestamp)
    frames = [
        read_arrow_frame(
            engine,
            sa.select(*columns).where(*_time_range(first - LOOKBACK, last), key),
            _MARK_SCHEMA,
        )
        for key in keys
    ]
    if not frames:  # no transaction of the batch names a merchant
        frames = [pl.DataFrame(schema=_MARK_SCHEMA)]
    marks = pl.concat(frames).join(batch.select("transaction_id"), on="transaction_id", how="anti")
    return marks.with_columns(
        pl.lit(MERCHANT_MARK_ACCOUNT).alias("account_number"),
        pl.lit(0.0).alias("transaction_amount"),
    )


def _read_history(
    engine: Engine, batch: pl.DataFrame, accounts: list[str], merchants: list[str]
) -> pl.DataFrame:
    """Return the history of a batch: whole rows of its accounts (or of everyone, for a batch
    touching more than `WHOLE_WINDOW_FROM_ACCOUNTS` accounts), marks of its merchants."""
    if len(accounts) > WHOLE_WINDOW_FROM_ACCOUNTS:
        whole = _read_whole_rows(engine, batch, [sa.true()])
        marks = pl.DataFrame(schema=_MARK_SCHEMA)
    else:
        whole = _read_whole_rows(engine, batch, _account_keys(accounts))
        marks = _read_merchant_marks(engine, batch, _merchant_keys(merchants))
    history = pl.concat([whole, marks], how="diagonal_relaxed")
    history = history.unique("transaction_id", keep="first", maintain_order=True)
    return history.sort("transaction_timestamp", "transaction_id")


def _read_labels(
    engine: Engine,
    batch: pl.DataFrame,
    keys: list[sa.ColumnElement[bool]],
    reader: Reader = read_arrow_frame,
) -> pl.DataFrame:
    """Return the labels known before the batch's last time of transactions in its window."""
    staging, labels = tables.transaction_staging, tables.fraud_labels
    first, last = _bounds(batch)
    window = _time_range(first - LOOKBACK, last)
    frames = []
    for key in keys:
        statement = (
            label_select()
            .select_from(labels.join(staging, staging.c.transaction_id == labels.c.transaction_id))
            .where(*window, key, labels.c.labeled_at < last)
        )
        frames.append(reader(engine, statement, FEATURE_LABEL_SCHEMA))
    return pl.concat(frames).unique("transaction_id", maintain_order=True)


def _read_window_labels(
    engine: Engine, batch: pl.DataFrame, reader: Reader = read_arrow_frame
) -> pl.DataFrame:
    """Return `_read_labels(engine, batch, [sa.true()])`: every label known before the batch's
    last time of a transaction in its window.

    Driven from the labels (the labeled_at index), each looking up its transaction by key:
    labels are a small share of transactions, and SQLite's planner, without statistics, would
    otherwise scan every transaction of the window (1M-row window: 0.25 s -> 0.03 s).
    """
    staging, labels = tables.transaction_staging, tables.fraud_labels
    first, last = _bounds(batch)
    in_window = (
        sa.select(staging.c.transaction_id)
        .where(
            staging.c.transaction_id == labels.c.transaction_id,
            *_time_range(first - LOOKBACK, last),
        )
        .exists()
    )
    statement = label_select().where(labels.c.labeled_at < last, in_window)
    return reader(engine, statement, FEATURE_LABEL_SCHEMA)


def load_scoring_inputs(engine: Engine, batch: pl.DataFrame) -> FeatureInputs:
    """Return the inputs to score `batch` (transactions, `TRANSACTION_SCHEMA`).

    History is every stored transaction in [first batch time - LOOKBACK, last batch time) of the
    batch's accounts, of the other accounts of their customers, and of their merchants; profiles
    are those accounts'; labels are those of the history's transactions known before the last
    batch time (later labels can never be used). A batch touching more than
    `WHOLE_WINDOW_FROM_ACCOUNTS` accounts reads the whole time window instead of IN lists (a
    superset, so the same features, and far fewer statements).
    """
    if batch.height == 0:
        return FeatureInputs(batch, batch.clear(), empty_profiles(), empty_labels())
    accounts, profiles = _accounts_and_profiles(engine, batch)
    merchants = batch["merchant_name"].drop_nulls().unique().sort().to_list()
    history = _read_history(engine, batch, accounts, merchants)
    if len(accounts) > WHOLE_WINDOW_FROM_ACCOUNTS:
        found_labels = _read_window_labels(engine, batch)
    else:
        keys = _account_keys(accounts) + _merchant_keys(merchants)
        found_labels = _read_labels(engine, batch, keys)
    return FeatureInputs(batch, history, profiles, found_labels)


# A batch with fewer rows than this reads its new history with `read_frame`: the Arrow path's
# fixed cost (a scratch file on SQLite, a connection on PostgreSQL) outweighs it for small reads.
SMALL_READ_ROWS: Final = 5_000
# Below this many rows, a batch's features come one transaction at a time (`features.online`):
# ~0.1 ms each, against a pipeline call whose cost grows with the whole window's merchant marks.
ONLINE_ROWS: Final = 2_000
_TIMESTAMP: Final = "transaction_timestamp"
_TICK: Final = timedelta(microseconds=1)
# Rows stamped (record_created_ts) this long before the last read are looked for again when
# the kept window's count is short: clocks of loaders and scorer may differ a little.
LATE_COMMIT_MARGIN: Final = timedelta(seconds=10)


def _count_between(engine: Engine, start: datetime, end: datetime) -> int:
    """Return how many staged transactions have start <= timestamp < end."""
    staging = tables.transaction_staging
    statement = sa.select(sa.func.count()).select_from(staging).where(*_time_range(start, end))
    with engine.connect() as conn:
        return int(conn.execute(statement).scalar_one())


class ScoringHistory:
    """The staged transactions of a scoring run's recent window, carried from batch to batch.

    A run scores its batches oldest first, so batch k + 1's history is the window already read
    for batch k plus the rows up to batch k + 1's last time, minus what fell out of `LOOKBACK`.
    `load` reads only those new rows. Before trusting the kept rows it counts the staged rows
    over the kept range (one indexed count): a transaction committed late with an older time
    makes the counts differ; such rows are looked for by `record_created_ts` (stamped since the
    last read, less `LATE_COMMIT_MARGIN`), and if the counts still differ the whole window is
    read again. `load` returns exactly the
    inputs `load_scoring_inputs` would (the same history rows, merchant marks, labels and
    profiles), so the features are the same; only the reading differs.
    """

    def __init__(self) -> None:
        self._rows: pl.DataFrame | None = None  # staged rows with lo <= timestamp < hi
        self._lo: datetime | None = None
        self._hi: datetime | None = None
        self._read_at: datetime | None = None  # when the kept rows were last brought up to date
        self.full_reads = 0
        self.partial_reads = 0
        self.late_rows = 0
        self.batch_reuses = 0  # spans completed from the batch's own rows (`_read_span`)
        # The kept rows again, for `features` (small batches); None until one needs them.
        self._online: OnlineHistory | None = None
        self._online_floor: datetime | None = None

    def clear(self) -> None:
        """Forget the kept window (the next `load` reads it whole)."""
        self._rows = self._lo = self._hi = self._read_at = None
        self._online = None

    def warm(self, engine: Engine) -> None:
        """Read the `LOOKBACK` window before the latest staged time, if nothing is kept yet.

        A continuous scorer calls it while idle, so its first batch of a stream does not
        wait for the whole window to be read.
        """
        if self._rows is not None:
            return
        staging = tables.transaction_staging
        with engine.connect() as conn:
            latest = conn.execute(sa.select(sa.func.max(staging.c.transaction_timestamp))).scalar()
        if isinstance(latest, str):  # SQLite without type affinity for the aggregate
            latest = datetime.fromisoformat(latest)
        if isinstance(latest, datetime):
            self._window(engine, latest - LOOKBACK, latest, small=False)
            if ONLINE_ROWS > 0:  # small batches will read the mirror: build it now
                self._mirror()

    def load(self, engine: Engine, batch: pl.DataFrame) -> FeatureInputs:
        """Return the inputs to score `batch`, equal to `load_scoring_inputs(engine, batch)`."""
        if batch.height == 0:
            return load_scoring_inputs(engine, batch)
        first, last = _bounds(batch)
        small = batch.height < SMALL_READ_ROWS
        reader = read_frame if small else read_arrow_frame
        # Kept through the batch's last time, inclusive: its rows there are then part of the
        # window, and the next batch's span (after it) never needs them, scored yet or not.
        window = self._window(engine, first - LOOKBACK, last + _TICK, small=small, batch=batch)
        window = window.filter(pl.col(_TIMESTAMP) < last)
        accounts, profiles = _accounts_and_profiles(engine, batch, reader)
        merchants = batch["merchant_name"].drop_nulls().unique().sort().to_list()
        history = history_from_window(window, accounts, merchants)
        # Every label of the window's transactions known before the batch's last time: a
        # superset of `load_scoring_inputs`'s (the pipeline uses only the labels of its rows),
        # in one statement rather than one per chunk of accounts and merchants.
        found_labels = _read_window_labels(engine, batch, reader)
        return FeatureInputs(batch, history, profiles, found_labels)

    def features(
        self, engine: Engine, batch: pl.DataFrame, encoders: Encoders
    ) -> pl.DataFrame | None:
        """Return `compute_features(self.load(engine, batch), encoders)` for a batch of fewer
        than `ONLINE_ROWS` rows, one transaction at a time from the kept rows
        (`features.online`); None for a larger batch, which `load` serves better.

        A continuous scorer's polls are small, but the pipeline's cost per call grows with the
        window it is given (every merchant mark of 31 days): at a 1M-row window a 150-row poll
        took 0.4-0.7 s of features, against 0.1-0.3 ms a transaction here. The kept rows are
        mirrored once (2.4 s at 1M rows; `warm` does it while idle), then follow every read.
        """
        if batch.height == 0:
            return None
        if batch.height >= ONLINE_ROWS:
            self._online = None  # a backlog: mirroring its reads would cost more than it saves
            return None
        first, last = _bounds(batch)
        # Through the batch's last time, so the batch's own rows are held (as `load` keeps).
        self._window(engine, first - LOOKBACK, last + _TICK, small=True)
        online = self._mirror()
        online.update_profiles(_accounts_and_profiles(engine, batch, read_frame)[1])
        online.add_labels(_read_window_labels(engine, batch, read_frame).iter_rows())
        return features_frame(batch, online.features(batch.to_dicts(), encoders))

    def _mirror(self) -> OnlineHistory:
        """Return the kept rows as an `OnlineHistory` (built if needed; older rows dropped
        once the window has moved a day past them)."""
        assert self._rows is not None and self._lo is not None
        if self._online is None:
            self._online = OnlineHistory()
            self._online.add_frame(self._rows)
            self._online_floor = self._lo
        elif self._online_floor is not None and self._lo - self._online_floor > timedelta(days=1):
            self._online.drop_before(self._lo)
            self._online_floor = self._lo
        return self._online

    def _span(
        self, engine: Engine, start: datetime, end: datetime, reader: Reader, batch: Batch
    ) -> pl.DataFrame:
        rows, reused = _read_span(engine, start, end, reader, batch)
        self.batch_reuses += reused
        return rows

    def _window(
        self,
        engine: Engine,
        start: datetime,
        end: datetime,
        small: bool,
        batch: pl.DataFrame | None = None,
    ) -> pl.DataFrame:
        """Return every staged transaction with start <= timestamp < end, reading what is new.

        A large `batch` (staged rows, as stored) lends its own rows to the window: see
        `_read_span`.
        """
        rows, lo, hi, read_at = self._rows, self._lo, self._hi, self._read_at
        ts = pl.col(_TIMESTAMP)
        reader = read_frame if small else read_arrow_frame
        lender = None if small else batch
        if rows is not None and lo is not None and hi is not None and lo <= start < hi:
            kept = rows.filter(ts >= start)
            stored = _count_between(engine, start, hi)
            if stored != kept.height and read_at is not None:
                # Rows committed late into the kept range: they were stored after the last
                # read, so look for them by record_created_ts (indexed) before rereading all.
                # By record_created_ts alone, so its index is used; the time range in Polars.
                staging = tables.transaction_staging
                statement = sa.select(*transaction_columns()).where(
                    staging.c.record_created_ts >= read_at - LATE_COMMIT_MARGIN
                )
                late = (
                    reader(engine, statement, TRANSACTION_SCHEMA)
                    .filter((ts >= start) & (ts < hi))
                    .join(kept.select("transaction_id"), on="transaction_id", how="anti")
                )
                kept = pl.concat([kept, late]).sort(_TIMESTAMP, "transaction_id")
                self.late_rows += late.height
                if self._online is not None:
                    self._online.add_frame(late)
            if stored == kept.height:
                self._read_at = utc_now()
                if end > hi:
                    span = self._span(engine, hi, end, reader, lender)
                    kept = pl.concat([kept, span])
                    hi = end
                    if self._online is not None:
                        self._online.add_frame(span)
                self._rows, self._lo, self._hi = kept, start, hi
                self.partial_reads += 1
                return kept.filter(ts < end) if end < hi else kept
        self._read_at = utc_now()
        self._rows = self._span(engine, start, end, reader, lender)
        self._lo, self._hi = start, end
        self._online = None  # rebuilt from the new rows when a small batch needs it
        self.full_reads += 1
        return self._rows


def _read_span(
    engine: Engine, start: datetime, end: datetime, reader: Reader, batch: pl.DataFrame | None
) -> tuple[pl.DataFrame, bool]:
    """Return every staged transaction with start <= timestamp < end (in time order only part
    by part: the window's users never rely on its order), and whether the batch's rows were
    used (False: the span was read whole).

    With a `batch` of staged rows (the oldest unscored ones, as a scoring run reads them), its
    rows in the span are not read again. From the batch's first time on, an indexed count of
    the staged rows says whether the batch holds them all (a backlog's usual case); if not,
    the rows the batch cannot hold, those already scored or quarantined, are read (one
    semi-join) and the count checked again (a row committed meanwhile, or a batch that is not
    the oldest unscored rows, fails it): then the span is read whole. Large batches are read
    once instead of twice.
    """
    ts = pl.col(_TIMESTAMP)
    inside = None if batch is None else batch.filter((ts >= start) & (ts < end))
    if inside is None or inside.height == 0:
        return _read_transactions(engine, _time_range(start, end), reader), False
    first = inside.get_column(_TIMESTAMP).min()
    assert isinstance(first, datetime)
    staging = tables.transaction_staging
    staged = _count_between(engine, first, end)
    inside_span = inside
    if staged != inside.height:  # scored or quarantined rows lie among the batch's
        handled = sa.or_(scored_exists(staging.c.transaction_id), quarantined_exists())
        others = _read_transactions(engine, [*_time_range(first, end), handled], reader)
        # A row scored since the batch was read is in both.
        inside_span = pl.concat([inside, others]).unique(
            "transaction_id", keep="first", maintain_order=True
        )
        if staged != inside_span.height:
            return _read_transactions(engine, _time_range(start, end), reader), False
    before = _read_transactions(engine, _time_range(start, first), reader)
    return pl.concat([before, inside_span]), True


def history_from_window(
    window: pl.DataFrame, accounts: list[str], merchants: list[str]
) -> pl.DataFrame:
    """Return `_read_history`'s frame from the window's rows, without reading anything.

    Whole rows of `accounts` (of everyone past `WHOLE_WINDOW_FROM_ACCOUNTS`), marks of the
    other rows of `merchants`.
    """
    if len(accounts) > WHOLE_WINDOW_FROM_ACCOUNTS:
        return window.filter(pl.col("account_number").is_not_null())
    mine = pl.col("account_number").is_in(pl.Series(accounts, dtype=pl.String).implode())
    whole = window.filter(mine)
    marks = window.filter(
        ~mine.fill_null(False)
        & pl.col("merchant_name").is_in(pl.Series(merchants, dtype=pl.String).implode())
    )
    marks = marks.select(_MARK_SCHEMA.names()).with_columns(
        pl.lit(MERCHANT_MARK_ACCOUNT).alias("account_number"),
        pl.lit(0.0).alias("transaction_amount"),
    )
    history = pl.concat([whole, marks], how="diagonal_relaxed")
    return history.sort(_TIMESTAMP, "transaction_id")
