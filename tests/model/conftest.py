"""Fixtures for model tests: a SQLite warehouse with the schema, and a model directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import create_schema, create_warehouse_engine


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    """Yield an engine on a fresh SQLite warehouse with the schema created."""
    engine = create_warehouse_engine(sqlite_url)
    create_schema(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    """Return an empty model directory."""
    path = tmp_path / "models"
    path.mkdir()
    return path
