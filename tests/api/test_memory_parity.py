"""Scoring from memory: the API follows the warehouse as rows and labels arrive, and requests
scored together get the scores they would get alone."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fraudwatch.api import create_app
from fraudwatch.api.batcher import ScoreBatcher
from fraudwatch.api.scoring_jobs import ScoreJob, score_jobs
from fraudwatch.api.serving_state import ServingState
from fraudwatch.schemas import TRANSACTION_SCHEMA
from fraudwatch.scoring import score_batch
from fraudwatch.warehouse import (
    create_warehouse_engine,
    insert_labels,
    insert_transactions,
    utc_now,
)
from tests.api.conftest import HEADERS, Bank
from tests.api.payloads import as_json, stored_transactions


def _wait_until(condition: Any, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the serving state did not catch up"
        time.sleep(0.05)


def _row(transaction_id: str, like: dict[str, Any], **changes: Any) -> dict[str, Any]:
    row = {**like, "transaction_id": transaction_id, **changes}
    row["transaction_post_date"] = row["transaction_timestamp"].date()
    return row


def test_api_follows_new_rows_and_labels(bank_copy: Bank) -> None:
    """After new transactions of an account and new labels on its history are stored, the
    refresher brings them into memory, and the API's probability for a new transaction of that
    account equals `score_batch`'s on the warehouse (within 1e-9), reasons included."""
    app = create_app(bank_copy.settings(), refresh_seconds=0.1)
    engine = create_warehouse_engine(bank_copy.url)
    recent = stored_transactions(bank_copy.url, 50).filter(pl.col("merchant_name").is_not_null())
    like = recent.row(0, named=True)
    now = utc_now()
    probe = _row("probe-1", like, transaction_timestamp=now, transaction_amount=420.0)
    with TestClient(app) as client:
        state: ServingState = app.state.serving
        before = client.post("/v1/score", json=as_json(probe), headers=HEADERS).json()
        held, labelled = state.window.height, len(state.labels)
        burst = [
            _row(f"burst-{i}", like, transaction_timestamp=now - timedelta(minutes=i + 1))
            for i in range(6)
        ]
        insert_transactions(engine, pl.DataFrame(burst, schema=TRANSACTION_SCHEMA))
        account = recent.filter(pl.col("account_number") == like["account_number"])
        labels = account.select("transaction_id").with_columns(
            pl.lit(True).alias("is_fraud"),
            pl.lit("analyst").alias("source"),
            pl.lit(utc_now() - timedelta(seconds=1)).alias("labeled_at"),
        )
        added = insert_labels(engine, labels)
        _wait_until(
            lambda: state.window.height == held + 6 and len(state.labels) == labelled + added
        )
        served = state.served
        response = client.post("/v1/score?reasons=all", json=as_json(probe), headers=HEADERS)
        assert response.status_code == 200, response.text
        assert state.served > served, "the request should be scored from memory"
        model = app.state.holder.model
    frame = pl.DataFrame([probe], schema=TRANSACTION_SCHEMA)
    expected = score_batch(engine, model, frame, reasons="all").row(0, named=True)
    engine.dispose()
    verdict = response.json()
    assert verdict["fraud_probability"] == pytest.approx(expected["fraud_probability"], abs=1e-9)
    assert verdict["fraud_probability"] != before["fraud_probability"]
    pairs = [[r["feature"], r["contribution"]] for r in verdict["reasons"]]
    assert pairs == json.loads(expected["reasons"])


def _jobs(bank: Bank, model: Any) -> list[ScoreJob]:
    """A, then B on A's account one minute later, and C on another account and merchant."""
    recent = stored_transactions(bank.url, 200).filter(pl.col("merchant_name").is_not_null())
    a = recent.row(0, named=True)
    other = recent.filter(
        (pl.col("account_number") != a["account_number"])
        & (pl.col("merchant_name") != a["merchant_name"])
    ).row(0, named=True)
    now = utc_now()
    rows = [
        _row("job-a", a, transaction_timestamp=now, transaction_amount=9_000.0),
        _row("job-b", a, transaction_timestamp=now + timedelta(minutes=1)),
        _row("job-c", other, transaction_timestamp=now),
    ]
    return [ScoreJob([row], model, "all") for row in rows]


def test_requests_scored_together_score_as_alone(
    bank: Bank, app: FastAPI, client: TestClient
) -> None:
    """Waiting requests are coalesced into one worker call and one scoring call, even when they
    share an account: every verdict equals its request scored alone (a request is not history
    for another)."""
    state: ServingState = app.state.serving
    engine = app.state.engine
    jobs = _jobs(bank, app.state.holder.model)
    alone = [score_jobs(state, engine, [job])[0] for job in jobs]

    async def together() -> list[Any]:
        batcher = ScoreBatcher(state, engine)
        batcher.start()
        try:
            results = await asyncio.gather(*(batcher.score(job) for job in jobs))
        finally:
            await batcher.stop()
        assert batcher.calls == 1
        return results

    served = state.served
    results = asyncio.run(together())
    assert state.served == served + 1
    for got, expected in zip(results, alone, strict=True):
        assert isinstance(expected, list)
        assert got[0]["fraud_probability"] == expected[0]["fraud_probability"]
        assert got[0]["reasons"] == expected[0]["reasons"]
