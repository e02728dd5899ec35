"""Chargebacks: labels come days to weeks after the fraud, and some fraud is never reported."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from fraudwatch.schemas import LABEL_SCHEMA
from fraudwatch.simulate import SimulationOptions, split_arrived
from tests.simulate.histories import History, generate


def test_labels_come_days_to_weeks_after_the_transaction(big_fortnight: History) -> None:
    """Every label arrives at least a day after its transaction, typically one to three weeks."""
    labels = big_fortnight.labels.join(big_fortnight.truth, on="transaction_id")
    delay_days = (pl.col("labeled_at") - pl.col("transaction_timestamp")).dt.total_hours() / 24
    delays = labels.select(delay_days.alias("d"))["d"]
    assert big_fortnight.labels.schema == LABEL_SCHEMA
    assert delays.min() >= 1  # type: ignore[operator]
    assert 5 <= delays.median() <= 25  # type: ignore[operator]
    assert delays.max() <= 61  # type: ignore[operator]
    assert set(labels["source"]) == {"chargeback"} and labels["is_fraud"].all()


def test_labels_are_only_for_fraud(big_fortnight: History) -> None:
    """Only fraudulent transactions are charged back."""
    assert (
        big_fortnight.labels["transaction_id"]
        .is_in(big_fortnight.truth["transaction_id"].implode())
        .all()
    )


def test_an_incident_is_reported_as_a_whole(big_fortnight: History) -> None:
    """All labels of one incident arrive at the same moment."""
    per_incident = (
        big_fortnight.labels.join(big_fortnight.truth, on="transaction_id")
        .group_by("incident")
        .agg(pl.col("labeled_at").n_unique())
    )
    assert (per_incident["labeled_at"] == 1).all()


def test_a_configurable_share_of_fraud_is_never_reported() -> None:
    """With half of the incidents unreported, about half of them never get a label."""
    history = generate(SimulationOptions(seed=4, customers=3_000, unreported_share=0.5), 7)
    incidents = history.truth["incident"].n_unique()
    reported = history.labels.join(history.truth, on="transaction_id")["incident"].n_unique()
    assert 0.4 < 1 - reported / incidents < 0.6


def test_split_arrived_keeps_future_labels_out() -> None:
    """Labels after the as-of time are pending; the rest have arrived."""
    labels = pl.DataFrame(
        {
            "transaction_id": ["a", "b"],
            "is_fraud": [True, True],
            "source": ["chargeback"] * 2,
            "labeled_at": [datetime(2026, 1, 1), datetime(2026, 2, 1)],
        },
        schema=LABEL_SCHEMA,
    )
    arrived, pending = split_arrived(labels, datetime(2026, 1, 15))
    assert arrived["transaction_id"].to_list() == ["a"]
    assert pending["transaction_id"].to_list() == ["b"]
