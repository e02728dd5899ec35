"""Which scorer process is alive: its identity, and abandoning runs whose process is gone.

A scorer killed mid-run (SIGKILL, power loss) leaves its run 'running'. Every run records the
host and pid of its process and a heartbeat per batch; a scorer starting a run marks a run
'abandoned' when its process is provably gone (same host, pid not alive or a zombie) or, on
another host, when its heartbeat is older than `STALE_AFTER`. Live concurrent scorers are never
touched: their pid is alive and their heartbeat fresh.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from sqlalchemy.engine import Engine

from fraudwatch.warehouse import RunningRun, abandon_run, running_runs, utc_now

log = logging.getLogger(__name__)

STALE_AFTER: Final = timedelta(minutes=10)


def process_identity() -> tuple[str, int]:
    """Return (host name, pid) of this process."""
    return socket.gethostname(), os.getpid()


def pid_alive(pid: int) -> bool:
    """Return whether a process with `pid` exists on this host and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        # The state follows the parenthesised command name, which may itself hold spaces.
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def why_dead(run: RunningRun, host: str, now: datetime, stale_after: timedelta) -> str | None:
    """Return why `run`'s process is gone, or None while it may still be alive."""
    if run.host == host and run.pid is not None:
        if run.pid == os.getpid() or pid_alive(run.pid):
            return None
        return f"scorer process {run.pid} on {host} is gone"
    last = run.heartbeat_at or run.started_at
    if now - last > stale_after:
        where = f"process {run.pid} on {run.host}" if run.host else "its process"
        return f"no heartbeat from {where} since {last:%Y-%m-%d %H:%M:%S} UTC"
    return None


def abandon_dead_runs(engine: Engine, stale_after: timedelta = STALE_AFTER) -> list[str]:
    """Mark every 'running' run whose process is gone 'abandoned'; return their ids."""
    host, _ = process_identity()
    now = utc_now()
    abandoned = []
    for run in running_runs(engine):
        reason = why_dead(run, host, now, stale_after)
        if reason and abandon_run(engine, run.run_id, f"abandoned: {reason}"):
            log.warning("scoring run %s abandoned: %s", run.run_id, reason)
            abandoned.append(run.run_id)
    return abandoned
