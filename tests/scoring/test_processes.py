"""Exactly once across processes: two scorers at once, and a scorer killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import count_rows, tables
from tests.features.scenario import Scenario
from tests.scoring.modelkit import world

N = 1_500


@pytest.fixture(scope="module")
def big() -> Scenario:
    """A world of 1,500 transactions, so small batches make a run of many batches."""
    return world(n=N, days=45, seed=3)


@pytest.fixture
def scenario(big: Scenario) -> Scenario:
    """This module's warehouse (the shared `loaded` fixture) holds the big world."""
    return big


def scorer(engine: Engine, model_dir: Path, batch_size: int) -> subprocess.Popen[bytes]:
    """Start `fraudwatch score` in its own process on the engine's warehouse."""
    env = {
        **os.environ,
        "FRAUDWATCH_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "FRAUDWATCH_MODEL_DIR": str(model_dir),
    }
    command = [sys.executable, "-m", "fraudwatch", "score", "--batch-size", str(batch_size)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def assert_scored_exactly_once(engine: Engine, big: Scenario) -> None:
    """Every staged transaction has exactly one score, and no score lacks a transaction."""
    scores = tables.ml_fraud_scores
    with engine.connect() as conn:
        keys = conn.execute(sa.select(scores.c.transaction_key)).scalars().all()
    assert len(keys) == len(set(keys)) == count_rows(engine, tables.transaction_staging) == N
    assert set(keys) == set(big.transactions["transaction_id"])


def statuses(engine: Engine) -> list[str]:
    """Return the statuses of every scoring run."""
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(tables.scoring_runs.c.status)).scalars())


def test_two_scorers_at_once_score_each_transaction_once(
    loaded: Engine, model_dir: Path, big: Scenario
) -> None:
    """Two scorer processes started together end with every transaction scored exactly once,
    and their n_scored add up to the number of transactions."""
    first, second = scorer(loaded, model_dir, 100), scorer(loaded, model_dir, 100)
    for process in (first, second):
        _, err = process.communicate(timeout=180)
        assert process.returncode == 0, err.decode()
    assert_scored_exactly_once(loaded, big)
    with loaded.connect() as conn:
        counts = conn.execute(sa.select(tables.scoring_runs.c.n_scored)).scalars().all()
    assert sum(counts) == N and statuses(loaded) == ["succeeded", "succeeded"]


def test_a_scorer_killed_mid_run_and_restarted_misses_nothing(
    loaded: Engine, model_dir: Path, big: Scenario
) -> None:
    """SIGKILL mid-run, then a restart: all scored once; the killed run is marked abandoned."""
    victim = scorer(loaded, model_dir, 25)
    deadline = time.monotonic() + 120
    while count_rows(loaded, tables.ml_fraud_scores) < 200:
        assert victim.poll() is None, "the scorer finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert 0 < count_rows(loaded, tables.ml_fraud_scores) < N
    assert statuses(loaded) == ["running"]
    restarted = scorer(loaded, model_dir, 500)
    _, err = restarted.communicate(timeout=180)
    assert restarted.returncode == 0, err.decode()
    assert_scored_exactly_once(loaded, big)
    assert statuses(loaded) == ["abandoned", "succeeded"]
