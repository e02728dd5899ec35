"""A small process supervisor: start components, relay their output, restart crashes, stop cleanly.

Each component runs in its own process group (its own session), so a Ctrl-C typed at the terminal
reaches only the supervisor, which then stops every component in order: SIGTERM to each group,
up to `grace_seconds` for them to finish their current batch, then SIGKILL for what is left.

Output: every line a component writes (stdout and stderr) is printed prefixed with its name and,
when `log_dir` is given, appended with a UTC timestamp to `log_dir/<name>.log`. When `run_dir`
is given, `run_dir/<name>.pid` holds the component's current pid (rewritten on every restart,
removed on stop).

A component that exits while the supervisor is running is restarted after a backoff that doubles
with each rapid crash (one within `stable_seconds` of starting); after `max_rapid_crashes` rapid
crashes in a row the supervisor gives up, stops the others and returns 1.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO

Echo = Callable[[str], None]


@dataclass(frozen=True)
class Component:
    """One supervised process: a name, its argv, extra environment, and what to tell the user."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    url: str | None = None


@dataclass(frozen=True)
class Policy:
    """How the supervisor restarts and stops components."""

    grace_seconds: float = 8.0
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0
    stable_seconds: float = 30.0
    max_rapid_crashes: int = 5
    poll_seconds: float = 0.2


def backoff_delay(rapid_crashes: int, policy: Policy) -> float:
    """Return the wait before restart number `rapid_crashes` (1, 2, …): doubling, capped.

    >>> [backoff_delay(n, Policy(backoff_seconds=1, max_backoff_seconds=5)) for n in (1, 2, 3, 4)]
    [1.0, 2.0, 4.0, 5.0]
    """
    exponent = max(rapid_crashes - 1, 0)
    return float(min(policy.backoff_seconds * 2**exponent, policy.max_backoff_seconds))


def _print_line(line: str) -> None:
    print(line, flush=True)


@dataclass
class _Running:
    """A component's current process and its crash bookkeeping."""

    component: Component
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    rapid_crashes: int = 0
    restart_at: float | None = None
    readers: list[threading.Thread] = field(default_factory=list)


class Supervisor:
    """Runs components until a stop signal (or `stop()`), restarting any that exit."""

    def __init__(
        self,
        components: Sequence[Component],
        *,
        policy: Policy | None = None,
        log_dir: Path | None = None,
        run_dir: Path | None = None,
        echo: Echo = _print_line,
    ) -> None:
        names = [c.name for c in components]
        if len(set(names)) != len(names):
            raise ValueError(f"component names must be unique: {names}")
        self.policy = policy or Policy()
        self.log_dir, self.run_dir = log_dir, run_dir
        self._echo = echo
        self._echo_lock = threading.Lock()
        self._stop = threading.Event()
        self._force = threading.Event()
        self._running = [_Running(c) for c in components]
        self._width = max((len(n) for n in names), default=0)
        self.restarts: dict[str, int] = dict.fromkeys(names, 0)

    # --- public ---------------------------------------------------------------------------

    def run(self) -> int:
        """Start every component and supervise them; return 0 after a stop, 1 after giving up."""
        for directory in (self.log_dir, self.run_dir):
            if directory is not None:
                directory.mkdir(parents=True, exist_ok=True)
        with self._signals():
            try:
                for running in self._running:
                    self._start(running)
                code = self._watch()
            finally:
                self._stop_all()
        return code

    def stop(self) -> None:
        """Ask `run` to stop every component and return (safe from any thread)."""
        self._stop.set()

    def pid(self, name: str) -> int | None:
        """Return the current pid of component `name`, or None while it is not running."""
        for running in self._running:
            if running.component.name == name and running.process is not None:
                return running.process.pid
        return None

    # --- output ---------------------------------------------------------------------------

    def say(self, name: str, text: str) -> None:
        """Print one line prefixed with `name`, and append it to that name's log file."""
        with self._echo_lock:
            self._echo(f"{name:<{self._width}} | {text}")
        if self.log_dir is not None:
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            with (self.log_dir / f"{name}.log").open("a", encoding="utf-8") as log:
                log.write(f"{stamp} {text}\n")

    def _relay(self, name: str, stream: IO[bytes]) -> None:
        with contextlib.suppress(ValueError, OSError):
            for raw in iter(stream.readline, b""):
                self.say(name, raw.decode("utf-8", "replace").rstrip("\r\n"))
        stream.close()

    # --- lifecycle ------------------------------------------------------------------------

    def _start(self, running: _Running) -> None:
        component = running.component
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **component.env}
        process = subprocess.Popen(
            list(component.argv),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the terminal's Ctrl-C is ours
        )
        running.process, running.started_at, running.restart_at = process, time.monotonic(), None
        assert process.stdout is not None
        reader = threading.Thread(
            target=self._relay, args=(component.name, process.stdout), daemon=True
        )
        reader.start()
        running.readers.append(reader)
        if self.run_dir is not None:
            (self.run_dir / f"{component.name}.pid").write_text(f"{process.pid}\n")
        where = f" at {component.url}" if component.url else ""
        self.say("up", f"{component.name} started (pid {process.pid}){where}")

    def _watch(self) -> int:
        while not self._stop.wait(self.policy.poll_seconds):
            now = time.monotonic()
            for running in self._running:
                if running.restart_at is not None:
                    if now >= running.restart_at:
                        self.restarts[running.component.name] += 1
                        self._start(running)
                    continue
                assert running.process is not None
                code = running.process.poll()
                if code is not None and not self._crashed(running, code, now):
                    return 1
        return 0

    def _crashed(self, running: _Running, code: int, now: float) -> bool:
        """Schedule a restart of an exited component; return False when giving up on it."""
        name = running.component.name
        _signal_group(running.process, signal.SIGKILL)  # a grandchild may still hold its port
        rapid = now - running.started_at < self.policy.stable_seconds
        running.rapid_crashes = running.rapid_crashes + 1 if rapid else 1
        how = f"killed by signal {-code}" if code < 0 else f"exited with code {code}"
        if running.rapid_crashes > self.policy.max_rapid_crashes:
            hint = f"; see {self.log_dir / (name + '.log')}" if self.log_dir else ""
            self.say(
                "up",
                f"{name} {how}: it crashed {running.rapid_crashes} times in a row within "
                f"{self.policy.stable_seconds:g} s of starting, so it is not restarted again; "
                f"stopping everything{hint}",
            )
            return False
        delay = backoff_delay(running.rapid_crashes, self.policy)
        self.say("up", f"{name} {how}; restarting in {delay:g} s")
        running.restart_at = now + delay
        return True

    def _stop_all(self) -> None:
        alive = [r for r in self._running if r.process is not None and r.process.poll() is None]
        if alive:
            self.say("up", f"stopping {', '.join(r.component.name for r in alive)}")
        for running in alive:
            _signal_group(running.process, signal.SIGTERM)
        deadline = time.monotonic() + self.policy.grace_seconds
        for running in alive:
            assert running.process is not None
            while running.process.poll() is None and time.monotonic() < deadline:
                if self._force.wait(0.05):
                    break
        for running in alive:
            assert running.process is not None
            if running.process.poll() is None:
                self.say("up", f"{running.component.name} did not stop in time: killed")
            _signal_group(running.process, signal.SIGKILL)  # also any grandchild left behind
            running.process.wait()
        for running in self._running:
            for reader in running.readers:
                reader.join(timeout=1.0)
        if self.run_dir is not None:
            for running in self._running:
                (self.run_dir / f"{running.component.name}.pid").unlink(missing_ok=True)
        if alive:
            self.say("up", "all components stopped")

    @contextlib.contextmanager
    def _signals(self) -> Iterator[None]:
        """Turn SIGINT/SIGTERM into a clean stop; a second one kills without waiting."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handle(signum: int, frame: FrameType | None) -> None:
            if self._stop.is_set():
                self._force.set()
            self._stop.set()

        previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _signal_group(process: subprocess.Popen[bytes] | None, sig: int) -> None:
    """Send `sig` to the process group led by `process` (gone already is fine)."""
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)
