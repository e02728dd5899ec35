"""The warehouse reads that fill and refresh the API's in-memory history (`ServingState`).

The selects (columns, profile join, label columns) are the scoring path's own, from
`fraudwatch.features.inputs`, so memory holds exactly what `load_scoring_inputs` would read.
Deltas are found by `record_created_ts` and `labeled_at` alone, so their indexes are used.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.features.inputs import (
    FEATURE_LABEL_SCHEMA,
    PROFILE_SCHEMA,
    label_select,
    profile_select,
    transaction_columns,
)
from fraudwatch.schemas import TRANSACTION_SCHEMA
from fraudwatch.warehouse import read_arrow_frame, read_frame, tables

# The staged columns plus the store's stamp, which the late-commit check counts by.
STAGED_SCHEMA: Final = pl.Schema({**TRANSACTION_SCHEMA, "record_created_ts": pl.Datetime("us")})

_staging = tables.transaction_staging


def _staged_select() -> sa.Select[Any]:
    return sa.select(*transaction_columns(), _staging.c.record_created_ts)


def _count(engine: Engine, statement: sa.Select[Any]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(statement).scalar_one())


def read_staged_since(engine: Engine, since: datetime) -> pl.DataFrame:
    """Return every staged transaction with transaction_timestamp >= `since` (`STAGED_SCHEMA`)."""
    statement = _staged_select().where(_staging.c.transaction_timestamp >= since)
    return read_arrow_frame(engine, statement, STAGED_SCHEMA)


def read_stored_after(engine: Engine, created: datetime, *, inclusive: bool) -> pl.DataFrame:
    """Return the transactions stored after `created` (record_created_ts; `inclusive`: at or
    after), whatever their timestamp: the caller drops those outside its window."""
    stamp = _staging.c.record_created_ts
    statement = _staged_select().where(stamp >= created if inclusive else stamp > created)
    return read_frame(engine, statement, STAGED_SCHEMA)


def read_stamps_before(
    engine: Engine, low: datetime, high: datetime, before: datetime
) -> list[tuple[str, datetime]]:
    """Return (transaction_id, record_created_ts) of the transactions stamped in [low, high]
    whose transaction_timestamp is before `before`: stored with a window's rows, too old for it."""
    stamp = _staging.c.record_created_ts
    statement = sa.select(_staging.c.transaction_id, stamp).where(
        stamp >= low, stamp <= high, _staging.c.transaction_timestamp < before
    )
    with engine.connect() as conn:
        return [(key, created) for key, created in conn.execute(statement)]


def count_stored_between(engine: Engine, low: datetime, high: datetime) -> int:
    """Return how many transactions have low <= record_created_ts <= high (index only)."""
    stamp = _staging.c.record_created_ts
    statement = sa.select(sa.func.count()).select_from(_staging).where(stamp >= low, stamp <= high)
    return _count(engine, statement)


def count_staged_since(engine: Engine, since: datetime) -> int:
    """Return how many staged transactions have transaction_timestamp >= `since`."""
    ts = _staging.c.transaction_timestamp
    return _count(engine, sa.select(sa.func.count()).select_from(_staging).where(ts >= since))


def read_profiles(engine: Engine) -> pl.DataFrame:
    """Return every account's profile (`PROFILE_SCHEMA`), as the scoring path joins them."""
    return read_arrow_frame(engine, profile_select(), PROFILE_SCHEMA)


def count_accounts(engine: Engine) -> int:
    """Return how many accounts dim_account holds."""
    return _count(engine, sa.select(sa.func.count()).select_from(tables.dim_account))


def read_labels(engine: Engine, since: datetime | None = None) -> pl.DataFrame:
    """Return the labels with labeled_at >= `since` (all of them without), as features read
    them (`FEATURE_LABEL_SCHEMA`)."""
    statement = label_select()
    if since is None:
        return read_arrow_frame(engine, statement, FEATURE_LABEL_SCHEMA)
    statement = statement.where(tables.fraud_labels.c.labeled_at >= since)
    return read_frame(engine, statement, FEATURE_LABEL_SCHEMA)


def count_labels(engine: Engine) -> int:
    """Return how many labels fraud_labels holds."""
    return _count(engine, sa.select(sa.func.count()).select_from(tables.fraud_labels))
