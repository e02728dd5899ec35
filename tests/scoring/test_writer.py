"""Scores written in the background while the next batch is scored: still exactly once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.model import load_champion
from fraudwatch.scoring import run as run_module
from fraudwatch.scoring import run_scoring, score_batch
from fraudwatch.scoring import writer as writer_module
from fraudwatch.scoring.run import _whole_times
from fraudwatch.warehouse import count_rows, insert_scores, tables, unscored_transactions
from tests.features.scenario import Scenario


@pytest.fixture
def background_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Write every batch of 5 or more good rows in the background."""
    monkeypatch.setattr(run_module, "SMALL_READ_ROWS", 5)


def scored(engine: Engine) -> pl.DataFrame:
    """Return every stored score's key and probability."""
    scores = tables.ml_fraud_scores
    with engine.connect() as conn:
        rows = conn.execute(sa.select(scores.c.transaction_key, scores.c.fraud_probability)).all()
    return pl.DataFrame(rows, schema=["transaction_id", "probability"], orient="row")


@pytest.mark.usefixtures("background_writes")
def test_background_writes_score_every_transaction_once_with_the_same_scores(
    loaded: Engine, model_dir: Path, scenario: Scenario
) -> None:
    """Batches of 30, each written while the next is scored: every transaction is scored once,
    the run counts them all, and each score equals scoring its transaction on its own."""
    result = run_scoring(loaded, model_dir, batch_size=30)
    assert result.status == "succeeded", result.error
    assert result.n_scored == scenario.transactions.height
    stored = scored(loaded)
    assert stored.height == stored["transaction_id"].n_unique() == scenario.transactions.height
    model = load_champion(loaded, model_dir)
    sample = scenario.transactions.sort("transaction_timestamp").gather_every(37)
    alone = score_batch(loaded, model, sample, reasons="none").select(
        pl.col("transaction_key").alias("transaction_id"), "fraud_probability"
    )
    joined = alone.join(stored, on="transaction_id")
    assert joined.height == sample.height
    assert (joined["fraud_probability"] - joined["probability"]).abs().max() < 1e-9


@pytest.mark.usefixtures("background_writes")
def test_a_failed_background_write_fails_the_run_and_loses_nothing(
    loaded: Engine, model_dir: Path, scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second background write fails: the run ends failed with that error, the rows of the
    failed write stay unscored, and the next run scores exactly those."""
    calls = []

    def failing_second(engine: Engine, scores: pl.DataFrame) -> int:
        calls.append(scores.height)
        if len(calls) == 2:
            raise OSError("disk full")
        return insert_scores(engine, scores)

    monkeypatch.setattr(writer_module, "insert_scores", failing_second)
    failed = run_scoring(loaded, model_dir, batch_size=40)
    assert failed.status == "failed" and failed.error == "OSError: disk full"
    written = count_rows(loaded, tables.ml_fraud_scores)
    assert written == failed.n_scored
    assert written <= scenario.transactions.height - calls[1]
    monkeypatch.setattr(writer_module, "insert_scores", insert_scores)
    rerun = run_scoring(loaded, model_dir, batch_size=40)
    assert rerun.status == "succeeded"
    assert written + rerun.n_scored == scenario.transactions.height
    assert unscored_transactions(loaded, 10).height == 0


def test_a_batch_ends_on_a_whole_timestamp() -> None:
    """Rows tied at the limit's time move to the next batch, unless the batch is all ties."""
    times = [datetime(2026, 1, 1, 0, 0, s) for s in (1, 2, 3, 3, 3, 4)]
    rows = pl.DataFrame({"transaction_id": list("abcdef"), "transaction_timestamp": times})
    assert _whole_times(rows, 4)["transaction_id"].to_list() == ["a", "b"]
    assert _whole_times(rows, 2)["transaction_id"].to_list() == ["a", "b"]
    assert _whole_times(rows, 5)["transaction_id"].to_list() == list("abcde")
    tied = rows.with_columns(pl.lit(times[0]).alias("transaction_timestamp"))
    assert _whole_times(tied, 3)["transaction_id"].to_list() == ["a", "b", "c"]
