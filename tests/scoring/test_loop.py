"""Continuous and scheduled scoring: polling, schedules, durations, and a clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.scoring import RunResult
from fraudwatch.scoring.loop import Stopper, parse_duration, run_continuous, run_every
from fraudwatch.warehouse import count_rows, insert_transactions, tables
from tests.features.scenario import Scenario


def test_durations_read_seconds_minutes_hours() -> None:
    """30s, 5m, 1h and 1.5h parse; nonsense and zero are refused with a hint."""
    assert parse_duration("30s") == timedelta(seconds=30)
    assert parse_duration(" 5m") == timedelta(minutes=5)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    for bad in ("5", "0m", "soon", "-1h"):
        with pytest.raises(ValueError, match="like 30s, 5m or 1h"):
            parse_duration(bad)


def wait_for(condition: object, timeout: float = 60.0) -> None:
    """Wait until `condition()` is true, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _only_run(engine: Engine) -> dict[str, Any]:
    """Return the one scoring_runs row."""
    with engine.connect() as conn:
        (run,) = conn.execute(sa.select(tables.scoring_runs)).mappings().all()
    return dict(run)


def test_continuous_scoring_picks_up_new_rows_in_one_run(
    loaded: Engine, model_dir: Path, scenario: Scenario
) -> None:
    """A continuous scorer scores the backlog, then rows inserted later, all in one logged run
    whose counts grow; a stop ends it as succeeded."""
    rows = scenario.transactions.sort("transaction_timestamp")
    with loaded.begin() as conn:
        conn.execute(
            tables.transaction_staging.delete().where(
                tables.transaction_staging.c.transaction_id.in_(
                    rows["transaction_id"][300:].to_list()
                )
            )
        )
    stop, results = Stopper(), []
    thread = threading.Thread(
        target=run_continuous,
        args=(loaded, model_dir, stop, results.append),
        kwargs={"poll_seconds": 0.1},
    )
    thread.start()
    try:
        wait_for(lambda: count_rows(loaded, tables.ml_fraud_scores) == 300)
        insert_transactions(loaded, rows[300:])
        wait_for(lambda: count_rows(loaded, tables.ml_fraud_scores) == rows.height)
        # The run's counts are updated just after the batch's write: wait for that too.
        wait_for(lambda: _only_run(loaded)["n_scored"] == rows.height)
        run = _only_run(loaded)
        assert run["status"] == "running" and run["n_scored"] == rows.height
    finally:
        stop.set()
        thread.join(30)
    (result,) = results
    assert result.status == "succeeded" and result.trigger == "continuous"


def test_scheduled_runs_repeat_until_stopped(loaded: Engine, model_dir: Path) -> None:
    """--every starts a run per period, each logged with trigger 'scheduled'."""
    stop, results = Stopper(), []

    def collect(result: RunResult) -> None:
        results.append(result)
        if len(results) == 3:
            stop.set()

    run_every(loaded, model_dir, timedelta(seconds=0.2), stop, collect)
    assert [r.trigger for r in results] == ["scheduled"] * 3
    assert results[0].n_scored > 0 and results[1].n_scored == results[2].n_scored == 0


def test_sigterm_stops_a_continuous_scorer_cleanly(
    loaded: Engine, model_dir: Path, scenario: Scenario
) -> None:
    """`fraudwatch score --continuous` ends on SIGTERM with exit 0 and its run succeeded."""
    env = {
        **os.environ,
        "FRAUDWATCH_DATABASE_URL": loaded.url.render_as_string(hide_password=False),
        "FRAUDWATCH_MODEL_DIR": str(model_dir),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "fraudwatch", "score", "--continuous"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_for(lambda: count_rows(loaded, tables.ml_fraud_scores) == scenario.transactions.height)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err.decode()
    with loaded.connect() as conn:
        runs = pl.DataFrame(conn.execute(sa.select(tables.scoring_runs)).mappings().all())
    assert runs["status"].to_list() == ["succeeded"]
    assert "continuous" in out.decode()
