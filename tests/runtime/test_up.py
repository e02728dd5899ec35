"""`fraudwatch up` end to end: a fresh directory to a live desk, a scorer crash, Ctrl-C.

One run of the real command (tiny backfill, fast stream) in a temporary directory with its own
SQLite warehouse and free ports; SQL and a headless browser check what it claims.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import create_warehouse_engine, tables, utc_now

pytestmark = pytest.mark.slow

COMPONENTS = ("simulator", "scorer", "api", "dashboard")


def free_port() -> int:
    """Return a TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def group_members(groups: set[int]) -> list[int]:
    """Return the live pids whose process group is one of `groups`."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[2]) in groups and fields[0] not in ("Z", "X"):
                members.append(int(entry.name))
    return members


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait until `condition()` is true; fail saying `what` did not happen in time."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:g} s")
        time.sleep(0.25)


def answers(url: str) -> bool:
    """Return True if `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@dataclass
class Up:
    """A running `fraudwatch up`: its process, output, directory, ports and warehouse."""

    process: subprocess.Popen[str]
    directory: Path
    api_port: int
    dashboard_port: int
    engine: Engine
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        """Return everything printed so far."""
        return "\n".join(self.lines)

    def pid(self, name: str) -> int:
        """Return a component's current pid, from its pid file."""
        return int((self.directory / ".fraudwatch" / "run" / f"{name}.pid").read_text())

    def scalar(self, statement: sa.Select[tuple[int]]) -> int:
        """Run a one-number query on the warehouse."""
        with self.engine.connect() as conn:
            return int(conn.execute(statement).scalar_one())


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    """Start `fraudwatch up` in an empty directory; kill what is left of it afterwards."""
    url = f"sqlite:///{tmp_path / 'fraudwatch.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRAUDWATCH_")}
    env |= {"FRAUDWATCH_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    api_port, dashboard_port = free_port(), free_port()
    argv = [sys.executable, "-m", "fraudwatch", "up", "--backfill-days", "21",
            "--customers", "300", "--stream-interval", "0.5", "--dashboard-refresh", "1",
            "--api-port", str(api_port), "--dashboard-port", str(dashboard_port)]  # fmt: skip
    process = subprocess.Popen(
        argv, cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    running = Up(process, tmp_path, api_port, dashboard_port, create_warehouse_engine(url))
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: running.lines.extend(process.stdout or []))
    reader.start()
    try:
        yield running
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        reader.join(timeout=5)
        running.engine.dispose()


def scores_after(up: Up, moment: datetime) -> int:
    """Return how many transactions staged after `moment` are scored."""
    staging, scores = tables.transaction_staging, tables.ml_fraud_scores
    joined = staging.join(scores, scores.c.transaction_key == staging.c.transaction_id)
    return up.scalar(
        sa.select(sa.func.count()).select_from(joined).where(staging.c.record_created_ts > moment)
    )


def unscored_before(up: Up, moment: datetime) -> int:
    """Return how many transactions staged before `moment` have no score."""
    staging, scores = tables.transaction_staging, tables.ml_fraud_scores
    joined = staging.outerjoin(scores, scores.c.transaction_key == staging.c.transaction_id)
    return up.scalar(
        sa.select(sa.func.count())
        .select_from(joined)
        .where(scores.c.transaction_key.is_(None), staging.c.record_created_ts < moment)
    )


def score_count(up: Up) -> int:
    """Return the number of score rows."""
    return up.scalar(sa.select(sa.func.count()).select_from(tables.ml_fraud_scores))


def distinct_scored(up: Up) -> int:
    """Return the number of distinct transactions with a score."""
    scores = tables.ml_fraud_scores
    return up.scalar(sa.select(sa.func.count(sa.distinct(scores.c.transaction_key))))


def test_up_runs_a_live_desk_survives_a_scorer_crash_and_stops_on_ctrl_c(
    up: Up, page: Page, chromium_available: None
) -> None:
    """From an empty directory, scored transactions reach the dashboard within 120 s; a killed
    scorer is restarted with nothing lost or scored twice; SIGINT stops everything in < 10 s."""
    began = time.monotonic()
    dashboard = f"http://127.0.0.1:{up.dashboard_port}"
    wait_for(lambda: "dashboard started" in up.output(), 90, f"components start\n{up.output()}")
    live_from = utc_now()
    wait_for(lambda: answers(dashboard), 30, "the dashboard answers")
    wait_for(lambda: answers(f"http://127.0.0.1:{up.api_port}/healthz"), 30, "the API answers")

    # Scored transactions keep arriving, including ones the stream inserted after startup.
    first = score_count(up)
    wait_for(lambda: score_count(up) > first, 30, "the score count grows")
    wait_for(lambda: scores_after(up, live_from) > 0, 30, "new transactions are scored")

    page.goto(dashboard)
    page.locator(".nav-link", has_text="Detection").click()
    scored = page.locator("[data-tab=detection] [data-kpi=scored]")
    expect(scored).to_have_text(re.compile(r"^[1-9][0-9,]*$"), timeout=30_000)
    assert int(scored.inner_text().replace(",", "")) > 0
    assert time.monotonic() - began < 120

    # Kill the scorer: `up` starts a new one, which picks up where it left off.
    scorer = up.pid("scorer")
    os.kill(scorer, signal.SIGKILL)
    killed_at = utc_now()
    wait_for(lambda: up.pid("scorer") != scorer, 15, "a new scorer starts")
    wait_for(lambda: unscored_before(up, killed_at) == 0, 60, "the backlog is scored")
    assert "scorer killed by signal 9" in up.output()
    assert score_count(up) == distinct_scored(up)

    # Ctrl-C: everything stops within 10 s, nothing is left behind.
    groups = {up.pid(name) for name in COMPONENTS}
    stopping = time.monotonic()
    up.process.send_signal(signal.SIGINT)
    assert up.process.wait(timeout=10) == 0
    assert time.monotonic() - stopping < 10
    assert group_members(groups) == []
    assert "all components stopped" in up.output()
    assert score_count(up) == distinct_scored(up)

    # The generated API key is kept outside git with owner-only permissions, and never printed.
    key_file = up.directory / ".fraudwatch" / "api-key"
    key = key_file.read_text().strip()
    assert key_file.stat().st_mode & 0o777 == 0o600
    logs = "".join(p.read_text() for p in (up.directory / "logs").glob("*.log"))
    assert key not in up.output() and key not in logs
