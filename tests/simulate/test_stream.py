"""The stream: batches committed before they are reported, outages ridden out, nothing lost."""

from __future__ import annotations

import itertools
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from fraudwatch.simulate import SimulationOptions
from fraudwatch.simulate import stream as stream_module
from fraudwatch.simulate.stream import StreamPlan, commit_until_done, is_unavailable, run_stream
from fraudwatch.warehouse import count_rows, create_warehouse_engine, tables

OPTIONS = SimulationOptions(seed=7, customers=200)


def _stored_ids(url: str) -> list[str]:
    with create_warehouse_engine(url).connect() as conn:
        column = tables.transaction_staging.c.transaction_id
        return list(conn.execute(sa.select(column)).scalars())


def test_outage_errors_are_recognised() -> None:
    """Locked or unreachable databases count as outages; programming errors do not."""
    locked = sa.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    assert is_unavailable(locked)
    assert is_unavailable(ConnectionRefusedError())
    assert not is_unavailable(ValueError("bad column"))


def test_commit_until_done_retries_the_same_operation() -> None:
    """An operation failing with outages is retried until it succeeds; others are raised."""
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) < 4:
            raise ConnectionRefusedError("server restarting")

    assert commit_until_done(flaky, sleep=lambda _: None) == 3
    with pytest.raises(KeyError):
        commit_until_done(lambda: {}["x"], sleep=lambda _: None)


def test_stream_reports_only_committed_batches_through_outages(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While inserts fail, nothing is reported; afterwards every reported row is stored once."""
    real_insert = stream_module.insert_transactions
    failures = {"left": 3}

    def flaky_insert(engine: sa.Engine, frame: pl.DataFrame) -> int:
        if failures["left"] > 0:
            failures["left"] -= 1
            real_insert(engine, frame)  # committed, but the caller sees an error: ambiguous
            raise sa.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("disk I/O error"))
        return real_insert(engine, frame)

    monkeypatch.setattr(stream_module, "insert_transactions", flaky_insert)
    reported: list[str] = []
    report = run_stream(
        create_warehouse_engine(db_url),
        OPTIONS,
        StreamPlan(batch_size=5, interval=0.05, duration=1.5),
        lambda frame: reported.extend(frame["transaction_id"]),
    )
    stored = _stored_ids(db_url)
    assert report.retries == 3 and report.transactions == len(reported) > 0
    assert len(reported) == len(set(reported))
    assert set(reported) == set(stored)


def test_rate_mode_keeps_up_with_the_target(db_url: str) -> None:
    """With --rate 500 for two seconds, about a thousand transactions are committed."""
    report = run_stream(
        create_warehouse_engine(db_url),
        OPTIONS,
        StreamPlan(rate=500, duration=2.0),
        lambda frame: None,
    )
    assert 800 <= report.transactions <= 1_150
    assert count_rows(create_warehouse_engine(db_url), tables.transaction_staging) == (
        report.transactions
    )


def test_cli_stream_survives_an_exclusive_lock(tmp_path: Path) -> None:
    """A stream blocked by an exclusive lock for 3 s resumes; every printed id is stored once."""
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    command = [
        sys.executable,
        "-c",
        "from fraudwatch.cli import main; main()",
        "--database-url",
        url,
        "simulate",
        "stream",
        "--rate",
        "100",
        "--duration",
        "6",
        "--customers",
        "200",
    ]
    errors = (tmp_path / "stderr.txt").open("w")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
    assert process.stdout is not None
    first_line = process.stdout.readline()  # the stream is running: take the lock now
    locker = sqlite3.connect(tmp_path / "locked.db", timeout=30, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    locked_at = time.monotonic()
    threading.Event().wait(3.0)
    locker.execute("COMMIT")
    locker.close()
    stdout = process.stdout.read()  # the rest, after what readline() buffered
    assert process.wait(timeout=60) == 0, (tmp_path / "stderr.txt").read_text()
    assert time.monotonic() - locked_at >= 3.0
    lines = [line.split() for line in (first_line + stdout).splitlines() if line.strip()]
    printed = [fields[2] for fields in lines]
    times = sorted(datetime.fromisoformat(f"{f[0]} {f[1]}") for f in lines)
    longest_pause = max(b - a for a, b in itertools.pairwise(times))
    assert longest_pause >= timedelta(seconds=2)  # the lock really held the stream up
    assert len(printed) > 200 and len(printed) == len(set(printed))
    stored = set(_stored_ids(url))
    assert set(printed) <= stored
    assert len(stored) == len(printed)  # nothing committed silently either
