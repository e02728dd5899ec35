"""Fixtures for scoring tests: a warehouse on SQLite and PostgreSQL with a world and a champion."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import create_schema, create_warehouse_engine
from tests.features.scenario import Scenario
from tests.scoring.modelkit import publish_model, store_world, world


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    """The seeded world every scoring test shares (read-only)."""
    return world()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest) -> str:
    """Return the URL of a fresh, empty warehouse on SQLite and on PostgreSQL."""
    name = {"sqlite": "sqlite_url", "postgresql": "postgres_url"}[request.param]
    return str(request.getfixturevalue(name))


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    """Return an empty model directory."""
    path = tmp_path / "models"
    path.mkdir()
    return path


@pytest.fixture
def loaded(db_url: str, model_dir: Path, scenario: Scenario) -> Iterator[Engine]:
    """Yield an engine on a warehouse holding the world and a champion trained on it."""
    engine = create_warehouse_engine(db_url)
    create_schema(engine)
    store_world(engine, scenario)
    publish_model(engine, model_dir, scenario)
    try:
        yield engine
    finally:
        engine.dispose()
