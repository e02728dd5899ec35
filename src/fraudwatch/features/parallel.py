"""Independent builders side by side: a thread pool for large inputs, the caller's thread for
small ones.

The builders spend their time inside NumPy and Polars, which release the GIL, so threads use every
core. On a few hundred rows a thread hand-over costs more than the work, so small inputs run each
task at once, in order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Final, ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# Below this many rows, running builders one after the other is faster than handing them over.
PARALLEL_FROM_ROWS: Final = 50_000
# At most one worker per core: more threads than cores only fight over caches and memory
# bandwidth (on 2 cores, 2 workers take ~10 % less CPU and wall time than 4). A task waits only
# on tasks submitted before it, so even 2 workers never deadlock.
_MAX_WORKERS: Final = 4


class Runner(Protocol):
    """Starts a task and returns its future (`concurrent.futures.Executor.submit`'s shape)."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Run `fn(*args, **kwargs)` and return the future of its result."""
        ...


class InlineRunner:
    """Runs each task at once in the caller's thread; its future is already done."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Run `fn(*args, **kwargs)` now and return a finished future of its result."""
        future: Future[T] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


@contextmanager
def runner(rows: int) -> Iterator[Runner]:
    """Yield a thread pool when `rows` is large and the machine has more than one core, an
    `InlineRunner` otherwise. Tasks must be submitted after the tasks whose results they wait on.
    """
    cores = os.cpu_count() or 1
    if rows < PARALLEL_FROM_ROWS or cores < 2:
        yield InlineRunner()
        return
    workers = min(cores, _MAX_WORKERS)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="features") as pool:
        yield pool
