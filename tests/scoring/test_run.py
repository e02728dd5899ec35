"""run_scoring: every transaction scored once, each run logged, bad rows quarantined."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.model import load_champion
from fraudwatch.scoring import run_scoring, score_batch
from fraudwatch.scoring.liveness import abandon_dead_runs
from fraudwatch.scoring.run import ScoringRun
from fraudwatch.warehouse import (
    backend_of_engine,
    count_rows,
    create_schema,
    create_warehouse_engine,
    insert_transactions,
    record_heartbeat,
    start_run,
    tables,
    unscored_transactions,
    utc_now,
)
from tests.features.scenario import Scenario


def runs(engine: Engine) -> list[dict[str, object]]:
    """Return every scoring_runs row, oldest first."""
    statement = sa.select(tables.scoring_runs).order_by(tables.scoring_runs.c.started_at)
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(statement).mappings()]


def test_a_run_scores_every_transaction_once_and_logs_itself(
    loaded: Engine, model_dir: Path, scenario: Scenario
) -> None:
    """Batches of 70 score all 400 transactions; a second run finds nothing and says so."""
    first = run_scoring(loaded, model_dir, batch_size=70)
    second = run_scoring(loaded, model_dir, batch_size=70, trigger="test")
    assert first.status == "succeeded" and first.n_scored == scenario.transactions.height
    assert first.n_batches == math.ceil(scenario.transactions.height / 70)
    assert second.n_scored == 0 and second.n_batches == 0
    assert count_rows(loaded, tables.ml_fraud_scores) == scenario.transactions.height
    logged = runs(loaded)
    assert [r["status"] for r in logged] == ["succeeded", "succeeded"]
    assert [r["trigger"] for r in logged] == ["manual", "test"]
    assert logged[0]["n_scored"] == scenario.transactions.height
    assert logged[0]["finished_at"] is not None and logged[0]["model_version"]


def test_max_batches_leaves_the_rest_for_the_next_run(
    loaded: Engine, model_dir: Path, scenario: Scenario
) -> None:
    """A run limited to 2 batches of 50 scores the 100 oldest; the rest stay unscored."""
    result = run_scoring(loaded, model_dir, batch_size=50, max_batches=2)
    assert result.n_scored == 100
    left = unscored_transactions(loaded, 1_000)
    oldest = scenario.transactions.sort("transaction_timestamp", "transaction_id")
    assert set(left["transaction_id"]) == set(oldest["transaction_id"][100:])


def test_without_a_champion_the_run_fails_and_is_logged(sqlite_url: str, model_dir: Path) -> None:
    """No champion model: a failed run row whose error says to train first."""
    engine = create_warehouse_engine(sqlite_url)
    create_schema(engine)
    result = run_scoring(engine, model_dir)
    assert result.failed and "fraudwatch train" in (result.error or "")
    (logged,) = runs(engine)
    assert logged["status"] == "failed" and "no champion" in str(logged["error"])


def test_bad_staged_rows_are_quarantined_and_the_run_goes_on(
    loaded: Engine, model_dir: Path, scenario: Scenario
) -> None:
    """Rows written straight into staging with an infinite amount or an unknown category are
    rejected with a reason, never returned by the anti-join again; the others are scored."""
    last = scenario.transactions["transaction_timestamp"].max()
    bad = [
        {"transaction_id": "bad-inf", "transaction_amount": math.inf},
        {"transaction_id": "bad-type", "transaction_type": "TELEPORT"},
        {"transaction_id": "bad-channel", "channel_name": "Carrier Pigeon"},
    ]
    base = scenario.transactions.row(0, named=True)
    with loaded.begin() as conn:
        for i, values in enumerate(bad):
            row = {**base, **values, "record_created_ts": utc_now()}
            row["transaction_timestamp"] = last + timedelta(minutes=i + 1)
            conn.execute(tables.transaction_staging.insert().values(**row))
    if backend_of_engine(loaded).value == "postgresql":
        row = {**base, "transaction_id": "bad-nan", "transaction_amount": math.nan}
        with loaded.begin() as conn:
            conn.execute(
                tables.transaction_staging.insert().values(**row, record_created_ts=utc_now())
            )
        bad.append({"transaction_id": "bad-nan"})
    result = run_scoring(loaded, model_dir, batch_size=64)
    assert result.status == "succeeded"
    assert result.n_rejected == len(bad)
    assert result.n_scored == scenario.transactions.height
    with loaded.connect() as conn:
        rejected = pl.DataFrame(
            conn.execute(sa.select(tables.rejected_transactions)).mappings().all()
        )
    reasons = dict(zip(rejected["transaction_id"], rejected["reason"], strict=True))
    assert "not a finite number" in reasons["bad-inf"]
    assert "TELEPORT" in reasons["bad-type"] and "Carrier Pigeon" in reasons["bad-channel"]
    assert (rejected["source"] == "scoring").all()
    assert unscored_transactions(loaded, 100).height == 0
    again = run_scoring(loaded, model_dir)
    assert again.n_rejected == 0 and again.n_scored == 0


def test_runs_of_dead_scorers_are_abandoned_live_ones_kept(loaded: Engine, model_dir: Path) -> None:
    """A running run whose pid is gone, or whose remote heartbeat is stale, becomes
    'abandoned'; a run of a live process keeps running."""
    import os
    import socket
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()
    host = socket.gethostname()
    dead_local = start_run(loaded, "manual", "m")
    record_heartbeat(loaded, dead_local, host, gone.pid)
    live_local = start_run(loaded, "manual", "m")
    record_heartbeat(loaded, live_local, host, os.getppid())
    remote = start_run(loaded, "manual", "m")
    record_heartbeat(loaded, remote, "elsewhere", 1)
    assert set(abandon_dead_runs(loaded)) == {dead_local}
    assert abandon_dead_runs(loaded, stale_after=timedelta(0)) == [remote]
    status = {r["run_id"]: r["status"] for r in runs(loaded)}
    assert status == {dead_local: "abandoned", live_local: "running", remote: "abandoned"}


def test_a_late_row_before_the_bound_is_scored_by_the_sweep(
    loaded: Engine, model_dir: Path, scenario: Scenario
) -> None:
    """Polls read only unscored rows from the last batch's time on; a transaction committed
    late with a time long before that is missed by them and scored by the next full sweep, once."""
    staging = tables.transaction_staging
    rows = scenario.transactions.sort("transaction_timestamp")
    late = rows.head(30)
    with loaded.begin() as conn:
        conn.execute(
            staging.delete().where(staging.c.transaction_id.in_(late["transaction_id"].to_list()))
        )
    run = ScoringRun(loaded, load_champion(loaded, model_dir), "continuous", 100, 3_600.0)
    run.drain()
    assert count_rows(loaded, tables.ml_fraud_scores) == rows.height - 30
    insert_transactions(loaded, late)
    assert not run.score_next()  # the bounded poll does not reach back that far
    run.sweep_seconds = 0.0  # a sweep is due
    run.drain()
    run.finish("succeeded")
    assert count_rows(loaded, tables.ml_fraud_scores) == rows.height
    assert run.n_scored == rows.height
    assert unscored_transactions(loaded, 10).height == 0


def test_carried_history_gives_the_scores_of_fresh_loads(
    loaded: Engine, model_dir: Path, scenario: Scenario
) -> None:
    """A run in batches of 70 (history carried between them) writes the probabilities that
    `score_batch` computes batch by batch from fresh reads."""
    model = load_champion(loaded, model_dir)
    expected = score_batch(loaded, model, unscored_transactions(loaded, 10_000))
    assert run_scoring(loaded, model_dir, batch_size=70).n_scored == scenario.transactions.height
    scores = tables.ml_fraud_scores
    with loaded.connect() as conn:
        stored = conn.execute(sa.select(scores.c.transaction_key, scores.c.fraud_probability)).all()
    got = dict((str(key), float(p)) for key, p in stored)
    for key, probability in zip(
        expected["transaction_key"], expected["fraud_probability"], strict=True
    ):
        assert math.isclose(got[key], probability, rel_tol=1e-6, abs_tol=1e-9)
