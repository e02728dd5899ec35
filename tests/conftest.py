"""Shared fixtures: a fresh warehouse on each backend, and the servers behind them.

`engine` / `warehouse_url` are parametrized over sqlite, postgresql and snowflake (fakesnow), so
one test runs unchanged on all three. Each parameter is a FRESH, empty warehouse with the schema
created. A backend whose server is not available is skipped with a reason, unless the environment
variable `CI` is set: in CI a missing backend is a failure, never a silent skip.

Reusable building blocks: `sqlite_url` (a temp file), `postgres_url` (a fresh database, dropped
afterwards), `snowflake_url` (a fresh database on a session-wide fakesnow server).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import create_schema, create_warehouse_engine
from tests.browser import CHROMIUM, CHROMIUM_ARGS

POSTGRES_ADMIN_URL = os.environ.get(
    "FRAUDWATCH_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql", "snowflake")


def unavailable(message: str) -> NoReturn:
    """Skip the test because a backend is missing; fail it instead when `CI` is set."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so a missing backend is an error)", pytrace=False)
    pytest.skip(message)


# --- SQLite -----------------------------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    """Return the URL of a new SQLite file in the test's temporary directory."""
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine | None]:
    """Yield an AUTOCOMMIT engine on the server's admin database, or None if none answers."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError:
        admin.dispose()
        yield None
        return
    yield admin
    admin.dispose()


@pytest.fixture
def postgres_url(postgres_admin: Engine | None) -> Iterator[str]:
    """Yield the URL of a freshly created, empty PostgreSQL database; drop it afterwards."""
    if postgres_admin is None:
        unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
    name = f"fw_test_{uuid.uuid4().hex[:12]}"
    with postgres_admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    base = postgres_admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        yield base
    finally:
        with postgres_admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Snowflake (fakesnow) ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def fakesnow_server() -> Iterator[dict[str, Any] | None]:
    """Yield the connection keywords of a local fakesnow server, or None if it cannot start."""
    try:
        import fakesnow
    except ImportError:
        yield None
        return
    try:
        server = fakesnow.server()
        kwargs = server.__enter__()
    except Exception:
        yield None
        return
    try:
        yield kwargs
    finally:
        server.__exit__(None, None, None)


@pytest.fixture
def snowflake_url(fakesnow_server: dict[str, Any] | None) -> str:
    """Return the URL of a fresh database (schema RAW) on the fakesnow server."""
    if fakesnow_server is None:
        unavailable("fakesnow is not installed or its server did not start")
    database = f"FW_{uuid.uuid4().hex[:12].upper()}"
    kw = fakesnow_server
    return (
        f"snowflake://{kw['user']}:{kw['password']}@{kw['host']}:{kw['port']}/{database}/RAW"
        f"?account={kw['account']}&protocol={kw['protocol']}&network_timeout=1"
    )


# --- one warehouse per backend ----------------------------------------------------------------


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
        pytest.param("snowflake", id="snowflake", marks=pytest.mark.snowflake),
    ]
)
def warehouse_url(request: pytest.FixtureRequest) -> str:
    """Return the URL of a fresh, empty warehouse (schema not yet created) on each backend."""
    name = {"sqlite": "sqlite_url", "postgresql": "postgres_url", "snowflake": "snowflake_url"}
    return str(request.getfixturevalue(name[request.param]))


@pytest.fixture
def engine(warehouse_url: str) -> Iterator[Engine]:
    """Yield an engine on a fresh warehouse of each backend, with the schema created."""
    engine = create_warehouse_engine(warehouse_url)
    try:
        create_schema(engine)
        yield engine
    finally:
        engine.dispose()


# --- the browser (pytest-playwright's fixtures, on Debian's Chromium) --------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium (Playwright cannot download its own browser here)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
