"""Dashboard test fixtures: recent seeded data, a running `fraudwatch serve dashboard`, Chromium.

The data is placed relative to the real clock (the dashboard's time ranges end "now"): 400
transactions over the last few hours, most of them scored, a few above the 0.7 threshold.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import polars as pl
import pytest
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import (
    SCORE_SCHEMA,
    create_schema,
    create_warehouse_engine,
    insert_scores,
    insert_transactions,
    utc_now,
)
from tests.browser import require_browser
from tests.factories import make_transactions

REFRESH_SECONDS = 1.0


def recent_transactions(n: int = 400, seed: int = 3, hours_ago: float = 10) -> pl.DataFrame:
    """Return `n` transactions from `hours_ago` before now, 1–120 s apart (all in the past)."""
    start = utc_now() - timedelta(hours=hours_ago)
    return make_transactions(n, seed=seed, start=start, id_prefix="d")


def scores_for(transactions: pl.DataFrame, every_unscored: int = 10) -> pl.DataFrame:
    """Return scores for all but every `every_unscored`-th transaction: probability cycles
    through 0.02 … 0.98, so some are above any threshold; predicted fraud is >= 0.5."""
    ids = transactions["transaction_id"].to_list()
    chosen = [i for i in range(len(ids)) if i % every_unscored != every_unscored - 1]
    probability = [((i * 37) % 49 + 1) / 50 for i in chosen]
    reasons = '[["amount_zscore", 1.25], ["hour", 0.4], ["channel_code", -0.1]]'
    return pl.DataFrame(
        {
            "transaction_key": [ids[i] for i in chosen],
            "fraud_probability": probability,
            "fraud_prediction": [p >= 0.5 for p in probability],
            "model_version": ["m1"] * len(chosen),
            "scored_at": [utc_now()] * len(chosen),
            "reasons": [reasons] * len(chosen),
            "latency_ms": [2.0] * len(chosen),
        },
        schema=SCORE_SCHEMA,
    )


@dataclass(frozen=True)
class Seeded:
    """A seeded warehouse: its URL, an engine, and what was written."""

    url: str
    engine: Engine
    transactions: pl.DataFrame
    scores: pl.DataFrame


def seed(engine: Engine) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Write the recent transactions and their scores; return both frames."""
    transactions = recent_transactions()
    insert_transactions(engine, transactions)
    scores = scores_for(transactions)  # scored after they are stored, as a scorer would
    insert_scores(engine, scores)
    return transactions, scores


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """A running dashboard and the warehouse behind it."""

    url: str
    seeded: Seeded


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Run `fraudwatch serve dashboard` on a free port over a seeded SQLite file (refresh 1 s)."""
    require_browser()
    folder = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{folder / 'warehouse.db'}"
    engine = create_warehouse_engine(url)
    create_schema(engine)
    transactions, scores = seed(engine)
    port = free_port()
    env = {
        **os.environ,
        "FRAUDWATCH_DATABASE_URL": url,
        "FRAUDWATCH_MODEL_DIR": str(folder / "models"),
        "FRAUDWATCH_DASHBOARD_REFRESH_SECONDS": str(REFRESH_SECONDS),
    }
    command = [sys.executable, "-m", "fraudwatch", "serve", "dashboard", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        _wait_for_port(port, process)
        yield Server(f"http://127.0.0.1:{port}", Seeded(url, engine, transactions, scores))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        engine.dispose()


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"dashboard exited with {process.returncode}:\n{output}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"dashboard did not listen on port {port} within {timeout} s")
