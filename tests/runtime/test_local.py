"""What `fraudwatch up` runs, its local API key, and the errors it stops on before starting."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fraudwatch.cli import app
from fraudwatch.config import get_settings
from fraudwatch.runtime.local import (
    LocalPlan,
    components,
    local_api_key,
    port_in_use,
    training_gap_days,
)

SECRET = "not-for-argv-0123456789"


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Read the environment anew in each test (settings are cached per process)."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def plan(**changes: object) -> LocalPlan:
    """Return a plan with a known key and SQLite URL."""
    base = LocalPlan(database_url="sqlite:///w.db", model_dir=Path("/m"), api_key=SECRET)
    return LocalPlan(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_components_are_the_cli_commands_sharing_one_warehouse():
    """Four components, each `python -m fraudwatch ...`, all given the same URL and model dir."""
    parts = components(plan(api_port=9001, dashboard_port=9002))
    assert [c.name for c in parts] == ["simulator", "scorer", "api", "dashboard"]
    assert all(c.argv[:3] == [sys.executable, "-m", "fraudwatch"] for c in parts)
    assert parts[1].argv[3:] == ["score", "--continuous"]
    assert "9001" in parts[2].argv and parts[2].url == "http://127.0.0.1:9001/docs"
    assert "9002" in parts[3].argv and parts[3].url == "http://127.0.0.1:9002"
    for part in parts:
        assert part.env["FRAUDWATCH_DATABASE_URL"] == "sqlite:///w.db"
        assert part.env["FRAUDWATCH_MODEL_DIR"] == "/m"


def test_only_the_api_gets_the_key_and_never_in_argv():
    """The key is in the API's environment only; no argv (visible to `ps`) contains it."""
    parts = components(plan())
    assert [c.name for c in parts if "FRAUDWATCH_API_KEY" in c.env] == ["api"]
    assert not any(SECRET in arg for c in parts for arg in c.argv)


def test_no_simulator_leaves_the_stream_out():
    """--no-simulator: scorer, API and dashboard only."""
    assert [c.name for c in components(plan(simulator=False))] == ["scorer", "api", "dashboard"]


def test_local_api_key_is_created_once_with_owner_only_permissions(tmp_path):
    """The first call writes a random key (mode 0600); the next returns the same key."""
    path = tmp_path / ".fraudwatch" / "api-key"
    key, created = local_api_key(path)
    assert created and len(key) >= 40
    assert path.stat().st_mode & 0o777 == 0o600
    assert local_api_key(path) == (key, False)


def test_training_gap_fits_the_history():
    """The first model's label gap shrinks on short histories so the windows fit."""
    assert [training_gap_days(d) for d in (60, 28, 21, 14, 3)] == [7, 7, 4, 2, 1]


def test_a_busy_port_is_a_one_line_error(tmp_path, monkeypatch):
    """`up` refuses a port already in use, naming the option to change, before doing anything."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FRAUDWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert port_in_use("127.0.0.1", port)
        result = CliRunner().invoke(app, ["up", "--dashboard-port", str(port)])
    assert result.exit_code == 1
    assert isinstance(result.exception, Exception)
    assert "already in use; choose another --dashboard-port" in str(result.exception)
    assert not (tmp_path / "w.db").exists()


def test_no_simulator_on_an_empty_warehouse_says_what_to_do(tmp_path, monkeypatch):
    """Without the simulator an empty warehouse cannot be filled: up says to ingest first."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FRAUDWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    monkeypatch.setenv("FRAUDWATCH_API_KEY", "k" * 32)
    ports = ["--api-port", "1", "--dashboard-port", "2"]
    result = CliRunner().invoke(app, ["up", "--no-simulator", *ports])
    assert result.exit_code == 1
    assert "fraudwatch ingest FILE" in str(result.exception)
