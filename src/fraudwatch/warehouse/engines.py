"""One engine per database URL, tuned for its backend; write transactions and transient retries.

- SQLite (the embedded default): WAL, a long busy timeout, and `BEGIN IMMEDIATE` for writes, so
  several processes read and write one file without "database is locked" reaching the user.
- PostgreSQL: psycopg 3 (`postgresql://` URLs are routed to it).
- Snowflake: snowflake-sqlalchemy; connector-only options that the dialect refuses in a URL
  (`protocol`, for a local fakesnow server) are moved into the connection arguments.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url

log = logging.getLogger(__name__)

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 60_000
WRITE_OPTION = "fraudwatch_write"
# Connector options snowflake-sqlalchemy will not take from a URL's query string.
SNOWFLAKE_CONNECT_ONLY = ("protocol", "network_timeout", "login_timeout")


class Backend(StrEnum):
    """The warehouse backends fraudwatch supports."""

    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"
    SNOWFLAKE = "snowflake"


class WarehouseConfigError(ValueError):
    """The database URL names something fraudwatch cannot connect to."""


def backend_of(url: str | URL) -> Backend:
    """Return the backend a database URL points at."""
    name = make_url(url).get_backend_name()
    try:
        return Backend(name)
    except ValueError:
        supported = ", ".join(b.value for b in Backend)
        raise WarehouseConfigError(
            f"unsupported database URL scheme {name!r}; use one of: {supported}"
        ) from None


def backend_of_engine(engine: Engine) -> Backend:
    """Return the backend an engine talks to."""
    return backend_of(engine.url)


def create_warehouse_engine(url: str) -> Engine:
    """Return an engine for `url`, configured for safe concurrent use on its backend."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        raise WarehouseConfigError(f"cannot parse database URL {url!r}") from None
    backend = backend_of(parsed)
    if backend is Backend.SQLITE:
        return _sqlite_engine(parsed)
    if backend is Backend.POSTGRESQL:
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return sa.create_engine(parsed, pool_pre_ping=True)
    return _snowflake_engine(parsed)


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below own transaction start (pysqlite's own implicit
        # BEGIN is deferred, and a deferred reader that later writes can fail without waiting).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA cache_size = -65536")
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _snowflake_engine(url: URL) -> Engine:
    query = dict(url.query)
    connect_args: dict[str, Any] = {}
    for key in SNOWFLAKE_CONNECT_ONLY:
        if key in query:
            given = query.pop(key)
            value = given if isinstance(given, str) else given[-1]
            connect_args[key] = int(value) if key.endswith("timeout") else value
    return sa.create_engine(url.set(query=query), connect_args=connect_args)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """Yield a connection inside a write transaction, committed on success.

    On SQLite the transaction starts with `BEGIN IMMEDIATE`: it waits for the write lock up
    front (busy timeout) instead of failing when a reader upgrades to a writer.
    """
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


def is_transient(error: BaseException) -> bool:
    """Return True for errors that a retry of the same transaction can cure."""
    text = str(error).lower()
    markers = (
        "database is locked",
        "database table is locked",
        "deadlock detected",
        "could not serialize access",
        "transactioncontext error",
        "conflict on tuple",
        "write-write conflict",
        "server closed the connection",
        "connection refused",
        # Snowflake's connector for an HTTP 500 from the service; every write we retry is a
        # whole transaction or an idempotent MERGE, so repeating it is safe.
        "290500: http 500",
    )
    return isinstance(error, sa.exc.DBAPIError) and any(m in text for m in markers)


def with_retry(operation: Callable[[], T], attempts: int = 8, base_delay: float = 0.05) -> T:
    """Run `operation`, retrying transient database errors with jittered backoff.

    The operation must be a whole transaction, so a retry repeats it from the start.
    """
    for attempt in range(1, attempts + 1):
        try:
            return operation()
        except sa.exc.DBAPIError as error:
            if attempt == attempts or not is_transient(error):
                raise
            delay = base_delay * 2 ** (attempt - 1) * (1 + random.random())
            log.warning("transient database error (attempt %d): %s", attempt, error.orig)
            time.sleep(delay)
    raise AssertionError("unreachable")
