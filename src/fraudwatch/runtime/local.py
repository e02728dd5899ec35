"""The local system `fraudwatch up` runs: which components, with what argv and environment.

Every component is the ordinary CLI command run as its own process (`python -m fraudwatch ...`),
so what `up` runs is exactly what an operator runs under systemd (docs/operations.md).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from fraudwatch.runtime.supervisor import Component

LOCAL_STATE_DIR = Path(".fraudwatch")
API_KEY_FILE = LOCAL_STATE_DIR / "api-key"


@dataclass(frozen=True)
class LocalPlan:
    """Everything the components of a local run are started with."""

    database_url: str
    model_dir: Path
    api_key: str
    host: str = "127.0.0.1"
    api_port: int = 8000
    dashboard_port: int = 8050
    simulator: bool = True
    stream_interval: float = 5.0
    stream_batch_size: int = 3
    customers: int = 2000
    seed: int = 7
    dashboard_refresh: float = 5.0

    @property
    def dashboard_url(self) -> str:
        """Return the dashboard's address."""
        return f"http://{self.host}:{self.dashboard_port}"

    @property
    def api_url(self) -> str:
        """Return the API's base address."""
        return f"http://{self.host}:{self.api_port}"


def fraudwatch_argv(*args: str) -> list[str]:
    """Return the argv running `fraudwatch ARGS…` with this interpreter (no PATH lookup)."""
    return [sys.executable, "-m", "fraudwatch", *args]


def shared_env(plan: LocalPlan) -> dict[str, str]:
    """Return the environment every component shares: the warehouse and the model registry."""
    return {
        "FRAUDWATCH_DATABASE_URL": plan.database_url,
        "FRAUDWATCH_MODEL_DIR": str(plan.model_dir),
    }


def components(plan: LocalPlan) -> list[Component]:
    """Return the components of a local run: simulator (optional), scorer, API, dashboard.

    Only the API is given the API key; no secret appears in any argv (argv is visible to `ps`).
    """
    env = shared_env(plan)
    stream = fraudwatch_argv(
        "simulate", "stream", "--quiet", "--interval", f"{plan.stream_interval:g}",
        "--batch-size", str(plan.stream_batch_size),
        "--customers", str(plan.customers), "--seed", str(plan.seed),
    )  # fmt: skip
    api = fraudwatch_argv("serve", "api", "--host", plan.host, "--port", str(plan.api_port))
    dashboard = fraudwatch_argv(
        "serve", "dashboard", "--host", plan.host, "--port", str(plan.dashboard_port),
        "--refresh", f"{plan.dashboard_refresh:g}",
    )  # fmt: skip
    parts = [Component("simulator", stream, env)] if plan.simulator else []
    return [
        *parts,
        Component("scorer", fraudwatch_argv("score", "--continuous"), env),
        Component(
            "api", api, env | {"FRAUDWATCH_API_KEY": plan.api_key}, url=f"{plan.api_url}/docs"
        ),
        Component("dashboard", dashboard, env, url=plan.dashboard_url),
    ]


def local_api_key(path: Path = API_KEY_FILE) -> tuple[str, bool]:
    """Return the API key kept in `path` for local runs, and whether it was just created.

    A new key is 32 random bytes, URL-safe, written with mode 0600 (readable by its owner only).
    """
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key, False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(key + "\n")
    os.chmod(path, 0o600)  # in case the file existed, empty, with wider permissions
    return key, True


def port_in_use(host: str, port: int) -> bool:
    """Return True if something already listens on `host:port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        with contextlib.suppress(OSError):
            return probe.connect_ex((host, port)) == 0
    return False


def training_gap_days(span_days: int) -> int:
    """Return the label-delay gap for a first model on `span_days` days of data: 7, or less.

    The trainer needs 3 × gap + 7 days (warm-up, train, validation, test and two gaps).

    >>> training_gap_days(35), training_gap_days(14), training_gap_days(5)
    (7, 2, 1)
    """
    return max(1, min(7, (span_days - 7) // 3))
