"""Several processes on one SQLite file at once: every write lands, no reader sees a lock error."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from functools import partial
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event

import pytest

from fraudwatch.warehouse import (
    count_rows,
    create_schema,
    create_warehouse_engine,
    insert_transactions,
    tables,
    unscored_transactions,
)
from tests.factories import make_transactions

BATCHES = 50
BATCH_ROWS = 1_000


def write_batches(url: str, prefix: str, seed: int, start: Event) -> int:
    """Insert BATCHES batches of BATCH_ROWS transactions with ids `prefix…`; return rows added."""
    engine = create_warehouse_engine(url)
    frame = make_transactions(BATCHES * BATCH_ROWS, seed=seed, id_prefix=prefix)
    start.wait()
    added = 0
    for batch in frame.iter_slices(BATCH_ROWS):
        added += insert_transactions(engine, batch)
    engine.dispose()
    return added


def read_until(url: str, start: Event, stop: Event) -> tuple[int, list[str]]:
    """Run the anti-join until `stop`; return how many reads ran and the errors seen."""
    engine = create_warehouse_engine(url)
    reads, errors = 0, []
    start.wait()
    while not stop.is_set() or reads == 0:
        try:
            unscored_transactions(engine, 500)
            reads += 1
        except Exception as error:  # the test reports every error, whatever its type
            errors.append(repr(error))
    engine.dispose()
    return reads, errors


def run_and_report(queue: Queue[tuple[str, object]], name: str, task: Callable[[], object]) -> None:
    """Run `task` in a child process and put (name, result or the error's repr) on `queue`."""
    try:
        queue.put((name, task()))
    except BaseException as error:
        queue.put((name, f"error: {error!r}"))


@pytest.mark.slow
def test_two_writer_processes_and_a_reader_share_one_file(sqlite_url: str) -> None:
    """Two processes writing 50,000 rows each in 1,000-row batches all land; no read fails."""
    engine = create_warehouse_engine(sqlite_url)
    create_schema(engine)
    context = mp.get_context("spawn")
    start, stop = context.Event(), context.Event()
    queue: Queue[tuple[str, object]] = context.Queue()
    tasks = {
        "reader": partial(read_until, sqlite_url, start, stop),
        "writer-1": partial(write_batches, sqlite_url, "p1-", 1, start),
        "writer-2": partial(write_batches, sqlite_url, "p2-", 2, start),
    }
    processes = [
        context.Process(target=run_and_report, args=(queue, name, task))
        for name, task in tasks.items()
    ]
    for process in processes:
        process.start()
    start.set()
    results = {}
    for _ in range(2):
        name, result = queue.get(timeout=300)
        results[name] = result
    stop.set()
    name, result = queue.get(timeout=60)
    results[name] = result
    for process in processes:
        process.join(timeout=30)

    assert results["writer-1"] == BATCHES * BATCH_ROWS
    assert results["writer-2"] == BATCHES * BATCH_ROWS
    assert count_rows(engine, tables.transaction_staging) == 2 * BATCHES * BATCH_ROWS
    reads, errors = results["reader"]  # type: ignore[misc]
    assert errors == []
    assert reads > 0
    engine.dispose()
