"""Liveness of scoring runs: which process runs each one, its heartbeat, and abandoning the dead.

`start_run` / `finish_run` (queries.py) record a run's start and end; a process killed between
them leaves the run 'running' forever. A scorer therefore records its host and pid with each run
and refreshes a heartbeat per batch; the next scorer marks runs whose process is gone
'abandoned' (`abandon_run`), never touching a run that has already ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.warehouse.bulk import utc_now
from fraudwatch.warehouse.engines import with_retry, write_transaction
from fraudwatch.warehouse.tables import scoring_heartbeats, scoring_runs

ABANDONED: Final = "abandoned"
RUNNING: Final = "running"


@dataclass(frozen=True)
class RunningRun:
    """A scoring run still marked 'running', with its process and heartbeat when recorded."""

    run_id: str
    started_at: datetime
    host: str | None
    pid: int | None
    heartbeat_at: datetime | None


def record_heartbeat(
    engine: Engine,
    run_id: str,
    host: str,
    pid: int,
    *,
    n_scored: int | None = None,
    n_rejected: int | None = None,
) -> None:
    """Record (first call) or refresh the heartbeat of `run_id`, run by process `pid` on `host`.

    With counts, a still-running run's n_scored / n_rejected are brought up to date as well, so
    a long (continuous) run shows its progress.
    """

    def write() -> None:
        now = utc_now()
        with write_transaction(engine) as conn:
            updated = conn.execute(
                scoring_heartbeats.update()
                .where(scoring_heartbeats.c.run_id == run_id)
                .values(heartbeat_at=now)
            ).rowcount
            if not updated:
                conn.execute(
                    scoring_heartbeats.insert().values(
                        run_id=run_id, host=host, pid=pid, heartbeat_at=now
                    )
                )
            if n_scored is not None and n_rejected is not None:
                conn.execute(
                    scoring_runs.update()
                    .where(scoring_runs.c.run_id == run_id, scoring_runs.c.status == RUNNING)
                    .values(n_scored=n_scored, n_rejected=n_rejected)
                )

    with_retry(write)


def running_runs(engine: Engine) -> list[RunningRun]:
    """Return every run whose status is still 'running', oldest first."""
    runs, beats = scoring_runs, scoring_heartbeats
    statement = (
        sa.select(runs.c.run_id, runs.c.started_at, beats.c.host, beats.c.pid, beats.c.heartbeat_at)
        .select_from(runs.outerjoin(beats, beats.c.run_id == runs.c.run_id))
        .where(runs.c.status == RUNNING)
        .order_by(runs.c.started_at)
    )
    with engine.connect() as conn:
        return [RunningRun(*row) for row in conn.execute(statement).all()]


def abandon_run(engine: Engine, run_id: str, reason: str) -> bool:
    """Mark a still-running run 'abandoned' with `reason` as its error; return whether it was.

    A run that ended meanwhile keeps its own status (the update is conditional on 'running').
    """

    def write() -> bool:
        with write_transaction(engine) as conn:
            result = conn.execute(
                scoring_runs.update()
                .where(scoring_runs.c.run_id == run_id, scoring_runs.c.status == RUNNING)
                .values(status=ABANDONED, finished_at=utc_now(), error=reason)
            )
            return bool(result.rowcount)

    return with_retry(write)
