"""`fraudwatch serve api` as a real process: it refuses to start without a key, and serves HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import API_KEY, HEADERS, Bank
from tests.api.payloads import new_transaction

pytestmark = pytest.mark.slow


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_ready(base: str, process: subprocess.Popen[str], timeout: float = 60.0) -> None:
    """Poll /healthz/live until it answers, failing early if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {process.communicate()[1]}")
        try:
            if httpx.get(f"{base}/healthz/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("the server did not answer in time")


@pytest.fixture
def served(bank: Bank) -> Iterator[str]:
    """Start `fraudwatch serve api` on a free port; yield its base URL; stop it."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "fraudwatch", "serve", "api", "--port", str(port)],
        env=bank.env(),
        cwd=bank.path.parent,  # no stray .env
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, process)
        yield base
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_serves_over_http(served: str) -> None:
    """Over real HTTP: 401 without the key, a verdict with it, health ok, metrics counted."""
    with httpx.Client(base_url=served) as client:
        assert client.post("/v1/score", json=new_transaction()).status_code == 401
        verdict = client.post("/v1/score", json=new_transaction(), headers=HEADERS)
        assert verdict.status_code == 200 and verdict.json()["transaction_id"] == "api-test-1"
        assert client.get("/healthz").json()["status"] == "ok"
        assert 'route="/v1/score",status="200"' in client.get("/metrics").text


def test_refuses_to_start_without_key(bank: Bank) -> None:
    """Without FRAUDWATCH_API_KEY the command exits 1 with a one-line error, no traceback."""
    env = {k: v for k, v in bank.env().items() if k != "FRAUDWATCH_API_KEY"}
    done = subprocess.run(
        [sys.executable, "-m", "fraudwatch", "serve", "api", "--port", str(free_port())],
        env=env,
        cwd=bank.path.parent,  # no stray .env with a key
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error: FRAUDWATCH_API_KEY is not set")
    assert "Traceback" not in done.stderr and API_KEY not in done.stderr
