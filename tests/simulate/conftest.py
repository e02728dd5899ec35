"""Small seeded banks shared by the simulator tests (generated once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraudwatch.simulate import SimulationOptions
from tests.simulate.histories import History, generate


@pytest.fixture(scope="session")
def small_options() -> SimulationOptions:
    """300 customers, seed 7."""
    return SimulationOptions(seed=7, customers=300)


@pytest.fixture(scope="session")
def small_week(small_options: SimulationOptions) -> History:
    """300 customers × 7 days."""
    return generate(small_options, 7)


@pytest.fixture(scope="session")
def big_fortnight() -> History:
    """3,000 customers × 14 days (about 70,000 transactions): enough for distribution checks."""
    return generate(SimulationOptions(seed=11, customers=3_000), 14)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """The URL of a fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'sim.db'}"
