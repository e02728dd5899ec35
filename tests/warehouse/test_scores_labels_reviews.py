"""Scores, labels and analyst reviews on every backend: idempotent writes, the analyst's word."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import (
    SCORE_SCHEMA,
    count_rows,
    insert_labels,
    insert_scores,
    read_frame,
    record_review,
    tables,
)
from tests.factories import make_scores

scores_table = tables.ml_fraud_scores
labels_table = tables.fraud_labels


def stored_scores(engine: Engine) -> pl.DataFrame:
    """Every stored score, ordered by key, in SCORE_SCHEMA."""
    statement = sa.select(*(scores_table.c[n] for n in SCORE_SCHEMA.names())).order_by(
        scores_table.c.transaction_key
    )
    return read_frame(engine, statement, SCORE_SCHEMA)


def stored_labels(engine: Engine) -> dict[str, tuple[bool, str]]:
    """Every stored label as transaction_id -> (is_fraud, source)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(labels_table.c.transaction_id, labels_table.c.is_fraud, labels_table.c.source)
        ).all()
    return {row[0]: (bool(row[1]), row[2]) for row in rows}


def labels(ids: list[str], is_fraud: bool, source: str = "chargeback") -> pl.DataFrame:
    """A label frame giving every id the same label."""
    return pl.DataFrame(
        {
            "transaction_id": ids,
            "is_fraud": [is_fraud] * len(ids),
            "source": [source] * len(ids),
            "labeled_at": [datetime(2026, 2, 1, 12, 0, 0, 250_000)] * len(ids),
        }
    )


def test_scores_round_trip(engine: Engine) -> None:
    """Inserted scores come back with every value intact."""
    scores = make_scores(
        ["a", "b", "c"], probability=0.875, scored_at=datetime(2026, 1, 2, 3, 4, 5, 6)
    )
    assert insert_scores(engine, scores) == 3
    assert_frame_equal(stored_scores(engine), scores)


def test_second_score_for_same_key_is_ignored(engine: Engine) -> None:
    """A second score for an already scored transaction adds nothing; the first score stays."""
    assert insert_scores(engine, make_scores(["a", "b"], probability=0.1, model_version="m1")) == 2
    again = make_scores(["b", "c"], probability=0.9, model_version="m2")
    assert insert_scores(engine, again) == 1
    stored = stored_scores(engine)
    assert stored["transaction_key"].to_list() == ["a", "b", "c"]
    assert stored["fraud_probability"].to_list() == [0.1, 0.1, 0.9]
    assert stored["model_version"].to_list() == ["m1", "m1", "m2"]


def test_labels_are_added_and_never_overwritten_by_later_imports(engine: Engine) -> None:
    """insert_labels adds new labels; a later label for a known transaction is ignored."""
    assert insert_labels(engine, labels(["t1", "t2"], is_fraud=True)) == 2
    assert insert_labels(engine, labels(["t2", "t3"], is_fraud=False, source="import")) == 1
    assert stored_labels(engine) == {
        "t1": (True, "chargeback"),
        "t2": (True, "chargeback"),
        "t3": (False, "import"),
    }


def test_labels_keep_labeled_at(engine: Engine) -> None:
    """labeled_at is stored to the microsecond."""
    insert_labels(engine, labels(["t1"], is_fraud=True))
    with engine.connect() as conn:
        labeled_at = conn.execute(sa.select(labels_table.c.labeled_at)).scalar_one()
    assert labeled_at == datetime(2026, 2, 1, 12, 0, 0, 250_000)


@pytest.mark.parametrize(("decision", "is_fraud"), [("confirm_fraud", True), ("legitimate", False)])
def test_decisive_review_writes_analyst_label(
    engine: Engine, decision: str, is_fraud: bool
) -> None:
    """confirm_fraud / legitimate append a review and label the transaction with source analyst."""
    review = record_review(engine, "t1", decision, " ana ", note="checked with customer")
    assert review.analyst == "ana"
    assert stored_labels(engine) == {"t1": (is_fraud, "analyst")}
    with engine.connect() as conn:
        row = conn.execute(sa.select(tables.analyst_reviews)).one()._mapping
    assert (row["review_id"], row["transaction_id"], row["decision"]) == (
        review.review_id,
        "t1",
        decision,
    )
    assert (row["analyst"], row["note"], row["decided_at"]) == (
        "ana",
        "checked with customer",
        review.decided_at,
    )


def test_analyst_review_replaces_earlier_label(engine: Engine) -> None:
    """An analyst's decision replaces a chargeback label for the same transaction."""
    insert_labels(engine, labels(["t1"], is_fraud=True))
    record_review(engine, "t1", "legitimate", "ana")
    assert stored_labels(engine) == {"t1": (False, "analyst")}


def test_escalation_records_review_without_label(engine: Engine) -> None:
    """escalate appends a review but writes no label."""
    record_review(engine, "t1", "escalate", "ana")
    assert count_rows(engine, tables.analyst_reviews) == 1
    assert stored_labels(engine) == {}


def test_reviews_are_append_only(engine: Engine) -> None:
    """Every decision on the same transaction is kept as its own review row."""
    first = record_review(engine, "t1", "escalate", "ana")
    second = record_review(engine, "t1", "confirm_fraud", "bo")
    assert first.review_id != second.review_id
    assert count_rows(engine, tables.analyst_reviews) == 2


@pytest.mark.parametrize(
    ("decision", "analyst"), [("approve", "ana"), ("", "ana"), ("legitimate", "  ")]
)
def test_invalid_review_raises_and_writes_nothing(
    engine: Engine, decision: str, analyst: str
) -> None:
    """An unknown decision or a blank analyst raises ValueError and stores nothing."""
    with pytest.raises(ValueError):
        record_review(engine, "t1", decision, analyst)
    assert count_rows(engine, tables.analyst_reviews) == 0
    assert count_rows(engine, labels_table) == 0
