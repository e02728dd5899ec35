"""Concurrent writers on every backend: keys stay unique, nothing is lost."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import count_rows, insert_scores, insert_transactions, tables
from tests.factories import make_scores, make_transactions

T = TypeVar("T")


def run_together(tasks: list[Callable[[], T]]) -> list[T]:
    """Run `tasks` in threads released at the same moment; re-raise the first error."""
    barrier = threading.Barrier(len(tasks))
    results: list[T | None] = [None] * len(tasks)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = tasks[i]()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(tasks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    assert all(not t.is_alive() for t in threads), "a writer hung"
    return results  # type: ignore[return-value]


def test_concurrent_overlapping_score_writers_store_each_key_once(engine: Engine) -> None:
    """Four writers scoring overlapping key sets at once store every key exactly once."""
    keys = [f"k{i:04d}" for i in range(400)]
    batches = [keys[i * 50 : i * 50 + 250] for i in range(4)]  # each overlaps the next
    tasks = [
        (lambda b=batch, p=p: insert_scores(engine, make_scores(b, probability=p)))
        for batch, p in zip(batches, (0.1, 0.2, 0.3, 0.4), strict=True)
    ]
    added = run_together(tasks)

    distinct = sorted(set().union(*batches))
    assert sum(added) == len(distinct)
    scores = tables.ml_fraud_scores
    with engine.connect() as conn:
        stored = conn.execute(sa.select(scores.c.transaction_key)).scalars().all()
    assert sorted(stored) == distinct


def test_concurrent_identical_score_batches_store_each_key_once(engine: Engine) -> None:
    """Four writers inserting the very same score batch at once add it exactly once in total."""
    keys = [f"k{i:04d}" for i in range(200)]
    added = run_together([lambda: insert_scores(engine, make_scores(keys))] * 4)
    assert sum(added) == 200
    assert count_rows(engine, tables.ml_fraud_scores) == 200


def test_concurrent_disjoint_transaction_writers_all_land(engine: Engine) -> None:
    """Two writers inserting disjoint transaction batches at once both land completely."""
    first = make_transactions(500, seed=1, id_prefix="a")
    second = make_transactions(500, seed=2, id_prefix="b")
    added = run_together(
        [lambda: insert_transactions(engine, first), lambda: insert_transactions(engine, second)]
    )
    assert added == [500, 500]
    assert count_rows(engine, tables.transaction_staging) == 1000
