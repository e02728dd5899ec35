"""Failure alerts: an email to a local SMTP server, a JSON POST to a local HTTP receiver, and a
failed `fraudwatch score` that exits non-zero after alerting."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from fraudwatch.config import Settings
from fraudwatch.scoring import RunResult
from fraudwatch.scoring.alerts import send_alerts
from fraudwatch.warehouse import create_schema, create_warehouse_engine

FAILED = RunResult("run-1", "manual", "failed", "v1", 10, 2, 3, 1.5, "OperationalError: boom")


def free_port() -> int:
    """Return a TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    """Yield (port, inbox) of a local SMTP server."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Yield (url, received JSON bodies) of a local HTTP receiver."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()


def test_a_failed_run_is_emailed_and_posted(
    smtp: tuple[int, Inbox], webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    """Both channels configured: one email naming the run and error, one JSON POST."""
    port, inbox = smtp
    url, received = webhook
    settings = Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        alert_email_to="oncall@example.com",
        alert_webhook_url=url,
    )
    assert send_alerts(settings, FAILED) == {"email": "sent", "webhook": "sent"}
    (message,) = inbox.messages
    assert message["To"] == "oncall@example.com"
    assert "boom" in message["Subject"] and "run-1" in message.get_payload()
    (body,) = received
    assert body["event"] == "fraudwatch.scoring_run_failed"
    assert body["run_id"] == "run-1" and body["error"] == "OperationalError: boom"


def test_a_failing_channel_is_reported_not_raised(smtp: tuple[int, Inbox]) -> None:
    """An unreachable webhook does not stop the email, and nothing raises."""
    port, inbox = smtp
    settings = Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        alert_email_to="oncall@example.com",
        alert_webhook_url=f"http://127.0.0.1:{free_port()}/nobody",
    )
    outcome = send_alerts(settings, FAILED)
    assert outcome["email"] == "sent" and outcome["webhook"].startswith("failed")
    assert len(inbox.messages) == 1


def test_nothing_configured_sends_nothing() -> None:
    """Without SMTP or webhook settings no alert is attempted."""
    assert send_alerts(Settings(), FAILED) == {}


def test_a_failed_score_command_alerts_and_exits_non_zero(
    tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    """`fraudwatch score` without a champion logs a failed run, posts the alert, exits 1."""
    url, received = webhook
    database = f"sqlite:///{tmp_path / 'w.db'}"
    create_schema(create_warehouse_engine(database))
    env = {
        **os.environ,
        "FRAUDWATCH_DATABASE_URL": database,
        "FRAUDWATCH_MODEL_DIR": str(tmp_path / "models"),
        "FRAUDWATCH_ALERT_WEBHOOK_URL": url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "fraudwatch", "score"], env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 1
    assert (
        "no champion" in done.stderr.decode() and "alert by webhook: sent" in done.stderr.decode()
    )
    (body,) = received
    assert body["status"] == "failed" and "no champion" in body["error"]
