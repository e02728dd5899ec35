"""The supervisor with tiny Python children: output, restarts with backoff, giving up, stopping."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from fraudwatch.runtime import Component, Policy, Supervisor, backoff_delay
from tests.runtime.processes import alive

FAST = Policy(grace_seconds=2.0, backoff_seconds=0.1, max_backoff_seconds=1.0, poll_seconds=0.05)


def child(code: str) -> list[str]:
    """Return the argv of a Python child running `code`."""
    return [sys.executable, "-c", textwrap.dedent(code)]


SLEEPER = child("""
    import time
    print("ready", flush=True)
    time.sleep(120)
""")


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until `condition()` is true, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.05)


class Lines:
    """Collects the supervisor's output lines, thread-safely."""

    def __init__(self) -> None:
        self.lines: list[tuple[float, str]] = []
        self.lock = threading.Lock()

    def __call__(self, line: str) -> None:
        with self.lock:
            self.lines.append((time.monotonic(), line))

    def matching(self, text: str) -> list[tuple[float, str]]:
        """Return the lines containing `text`, with the time each arrived."""
        with self.lock:
            return [(t, line) for t, line in self.lines if text in line]


@pytest.fixture
def in_thread() -> Iterator[Callable[[Supervisor], threading.Thread]]:
    """Run supervisors in background threads; stop and join them after the test."""
    started: list[tuple[Supervisor, threading.Thread]] = []

    def start(supervisor: Supervisor) -> threading.Thread:
        thread = threading.Thread(target=lambda: setattr(thread, "code", supervisor.run()))
        thread.start()
        started.append((supervisor, thread))
        return thread

    yield start
    for supervisor, thread in started:
        supervisor.stop()
        thread.join(timeout=15)


def test_backoff_doubles_and_is_capped():
    """The wait before a restart doubles with each rapid crash, up to the cap."""
    policy = Policy(backoff_seconds=0.5, max_backoff_seconds=3.0)
    assert [backoff_delay(n, policy) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_output_is_prefixed_logged_and_pid_recorded(tmp_path, in_thread):
    """Each line is printed with the component's name, logged to its file, and its pid kept."""
    lines = Lines()
    supervisor = Supervisor(
        [Component("sleeper", SLEEPER, url="http://example.invalid")],
        policy=FAST,
        log_dir=tmp_path / "logs",
        run_dir=tmp_path / "run",
        echo=lines,
    )
    in_thread(supervisor)
    wait_for(lambda: bool(lines.matching("sleeper | ready")))
    pid = supervisor.pid("sleeper")
    assert pid is not None
    assert (tmp_path / "run" / "sleeper.pid").read_text().strip() == str(pid)
    assert lines.matching(f"sleeper started (pid {pid}) at http://example.invalid")
    assert "ready" in (tmp_path / "logs" / "sleeper.log").read_text()


def test_a_killed_component_is_restarted(in_thread):
    """SIGKILL on a component's process makes the supervisor start a new one."""
    lines = Lines()
    supervisor = Supervisor([Component("sleeper", SLEEPER)], policy=FAST, echo=lines)
    in_thread(supervisor)
    wait_for(lambda: supervisor.pid("sleeper") is not None and bool(lines.matching("ready")))
    first = supervisor.pid("sleeper")
    assert first is not None
    os.kill(first, signal.SIGKILL)
    wait_for(
        lambda: supervisor.pid("sleeper") not in (None, first) and len(lines.matching("ready")) == 2
    )
    assert supervisor.restarts == {"sleeper": 1}
    assert lines.matching("sleeper killed by signal 9; restarting in 0.1 s")
    assert not alive(first)


def test_rapid_crashes_back_off_then_give_up(in_thread):
    """A component that keeps crashing is restarted with growing waits, then given up on."""
    lines = Lines()
    policy = Policy(
        backoff_seconds=0.2, max_backoff_seconds=5, max_rapid_crashes=3, poll_seconds=0.02
    )
    crasher = Component("crasher", child("import sys; sys.exit(3)"))
    supervisor = Supervisor([crasher, Component("sleeper", SLEEPER)], policy=policy, echo=lines)
    thread = in_thread(supervisor)
    thread.join(timeout=15)
    assert getattr(thread, "code", None) == 1
    starts = [t for t, _ in lines.matching("crasher started")]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) == 4 and supervisor.restarts["crasher"] == 3
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4 and gaps[2] >= 0.8
    assert lines.matching("crasher exited with code 3: it crashed 4 times in a row")
    assert lines.matching("all components stopped")


def test_a_stable_run_resets_the_crash_count(tmp_path, in_thread):
    """A crash after the component ran longer than stable_seconds starts the backoff afresh."""
    lines = Lines()
    policy = Policy(backoff_seconds=0.1, stable_seconds=0.5, max_rapid_crashes=1, poll_seconds=0.02)
    late_crasher = child("import time, sys; time.sleep(0.7); sys.exit(1)")
    supervisor = Supervisor([Component("late", late_crasher)], policy=policy, echo=lines)
    in_thread(supervisor)
    wait_for(lambda: supervisor.restarts["late"] >= 3)
    assert len(lines.matching("restarting in 0.1 s")) >= 3
    assert not lines.matching("not restarted again")


def test_stop_lets_components_finish_and_kills_the_stubborn(tmp_path, in_thread):
    """On stop, a component that handles SIGTERM exits cleanly; one that ignores it is killed."""
    lines = Lines()
    done = tmp_path / "clean"
    polite = child(f"""
        import signal, sys, time
        def bye(*_):
            open({str(done)!r}, "w").write("finished the batch")
            sys.exit(0)
        signal.signal(signal.SIGTERM, bye)
        print("ready", flush=True)
        time.sleep(120)
    """)
    stubborn = child("""
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ready", flush=True)
        time.sleep(120)
    """)
    supervisor = Supervisor(
        [Component("polite", polite), Component("stubborn", stubborn)], policy=FAST, echo=lines
    )
    thread = in_thread(supervisor)
    wait_for(lambda: len(lines.matching("| ready")) == 2)
    pids = [supervisor.pid("polite"), supervisor.pid("stubborn")]
    began = time.monotonic()
    supervisor.stop()
    thread.join(timeout=15)
    assert time.monotonic() - began < FAST.grace_seconds + 2
    assert getattr(thread, "code", None) == 0
    assert done.read_text() == "finished the batch"
    assert lines.matching("stubborn did not stop in time: killed")
    assert not any(alive(pid) for pid in pids if pid)


SUPERVISOR_SCRIPT = """
import sys
from pathlib import Path
from fraudwatch.runtime import Component, Policy, Supervisor

run = Path(sys.argv[1])
spawner = '''
import subprocess, sys, time
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
open(sys.argv[1], "w").write(str(grandchild.pid))
print("ready", flush=True)
time.sleep(120)
'''
components = [
    Component("spawner", [sys.executable, "-c", spawner, str(run / "grandchild")]),
    Component("sleeper", [sys.executable, "-c", "import time; print('ready'); time.sleep(120)"]),
]
sys.exit(Supervisor(components, policy=Policy(grace_seconds=8), run_dir=run).run())
"""


def test_sigint_stops_everything_within_ten_seconds(tmp_path):
    """SIGINT to the supervisor process stops every child and grandchild; it exits 0 in < 10 s."""
    process = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR_SCRIPT, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    ready = 0
    for line in process.stdout:
        ready += line.rstrip().endswith("| ready")
        if ready == 2:
            break
    wait_for(lambda: (tmp_path / "grandchild").exists())
    pids = [int((tmp_path / f"{n}.pid").read_text()) for n in ("spawner", "sleeper")]
    pids.append(int((tmp_path / "grandchild").read_text()))
    assert all(alive(pid) for pid in pids)
    began = time.monotonic()
    process.send_signal(signal.SIGINT)
    rest = process.communicate(timeout=15)[0]
    assert time.monotonic() - began < 10
    assert process.returncode == 0, rest
    assert "all components stopped" in rest
    wait_for(lambda: not any(alive(pid) for pid in pids), timeout=2)


def test_duplicate_names_are_refused():
    """Two components with one name would share a log and pid file: refused."""
    with pytest.raises(ValueError, match="unique"):
        Supervisor([Component("a", SLEEPER), Component("a", SLEEPER)])
