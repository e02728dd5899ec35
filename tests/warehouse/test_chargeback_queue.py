"""The chargeback queue: future labels wait in pending_chargebacks and are released when due."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import (
    count_rows,
    insert_labels,
    queue_chargebacks,
    release_due_chargebacks,
    tables,
)
from tests.warehouse.test_scores_labels_reviews import stored_labels


def queued(ids_and_times: list[tuple[str, datetime]]) -> pl.DataFrame:
    """Chargebacks for the given ids, each arriving at its own time."""
    return pl.DataFrame(
        {
            "transaction_id": [i for i, _ in ids_and_times],
            "is_fraud": [True] * len(ids_and_times),
            "source": ["chargeback"] * len(ids_and_times),
            "labeled_at": [t for _, t in ids_and_times],
        }
    )


def test_only_due_chargebacks_are_released(engine: Engine) -> None:
    """Releasing at a time moves exactly the chargebacks due by then into fraud_labels."""
    queue_chargebacks(
        engine,
        queued(
            [("a", datetime(2026, 3, 1)), ("b", datetime(2026, 3, 5)), ("c", datetime(2026, 4, 1))]
        ),
    )
    assert release_due_chargebacks(engine, datetime(2026, 3, 5)) == 2
    assert set(stored_labels(engine)) == {"a", "b"}
    assert release_due_chargebacks(engine, datetime(2026, 4, 2)) == 1
    assert set(stored_labels(engine)) == {"a", "b", "c"}


def test_release_is_idempotent_and_queueing_twice_adds_nothing(engine: Engine) -> None:
    """A second release and a second queueing of the same chargebacks change nothing."""
    batch = queued([("a", datetime(2026, 3, 1))])
    assert queue_chargebacks(engine, batch) == 1
    assert queue_chargebacks(engine, batch) == 0
    assert release_due_chargebacks(engine, datetime(2026, 3, 2)) == 1
    assert release_due_chargebacks(engine, datetime(2026, 3, 2)) == 0
    assert count_rows(engine, tables.fraud_labels) == 1


def test_release_keeps_a_label_already_known(engine: Engine) -> None:
    """A transaction an analyst already labelled keeps the analyst's label."""
    insert_labels(
        engine,
        queued([("a", datetime(2026, 2, 1))]).with_columns(
            pl.lit(False).alias("is_fraud"), pl.lit("analyst").alias("source")
        ),
    )
    queue_chargebacks(engine, queued([("a", datetime(2026, 3, 1))]))
    assert release_due_chargebacks(engine, datetime(2026, 3, 2)) == 0
    assert stored_labels(engine) == {"a": (False, "analyst")}
