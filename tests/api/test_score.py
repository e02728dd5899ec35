"""POST /v1/score: verdicts for one transaction or a batch, equal to the scoring job's."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from fraudwatch.api import create_app
from fraudwatch.warehouse import SCORE_SCHEMA, create_warehouse_engine, read_frame, tables
from tests.api.conftest import HEADERS, Bank
from tests.api.payloads import as_json, new_transaction, stored_transactions


def test_single_transaction(client: TestClient) -> None:
    """One transaction gets one verdict: probability, decision, threshold and model version."""
    response = client.post("/v1/score", json=new_transaction(), headers=HEADERS)
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["transaction_id"] == "api-test-1"
    assert 0.0 <= verdict["fraud_probability"] <= 1.0
    assert verdict["fraud_prediction"] == (verdict["fraud_probability"] >= verdict["threshold"])
    assert verdict["decision"] == ("flag" if verdict["fraud_prediction"] else "pass")
    assert verdict["model_version"].startswith("v")
    assert verdict["scored_at"].endswith("Z")


def test_required_fields_only(client: TestClient) -> None:
    """A transaction with only the four required fields (no merchant, no channel) is scored."""
    body = {
        "transaction_id": "bare-1",
        "account_number": "AC000001",
        "transaction_timestamp": "2026-01-31T14:05:00",
        "transaction_amount": 10.0,
    }
    response = client.post("/v1/score", json=body, headers=HEADERS)
    assert response.status_code == 200, response.text


def test_batch_keeps_order(client: TestClient) -> None:
    """A batch gets one verdict per transaction, in the order sent, under one model version."""
    ids = [f"api-batch-{i}" for i in (3, 1, 2)]
    body = {"transactions": [new_transaction(transaction_id=i) for i in ids]}
    response = client.post("/v1/score", json=body, headers=HEADERS)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert [s["transaction_id"] for s in payload["scores"]] == ids
    assert {s["model_version"] for s in payload["scores"]} == {payload["model_version"]}


@pytest.mark.parametrize(("mode", "has_reasons"), [("all", True), ("none", False)])
def test_reasons_modes(client: TestClient, mode: str, has_reasons: bool) -> None:
    """reasons=all explains every verdict with (feature, contribution) pairs; none explains none."""
    response = client.post(f"/v1/score?reasons={mode}", json=new_transaction(), headers=HEADERS)
    reasons = response.json()["reasons"]
    if has_reasons:
        assert isinstance(reasons, list)
        assert all(r["contribution"] > 0 and r["feature"] for r in reasons)
    else:
        assert reasons is None


def test_scoring_stores_nothing(bank: Bank, client: TestClient) -> None:
    """Scoring a new transaction writes neither the transaction nor its score."""
    client.post("/v1/score", json=new_transaction(transaction_id="never-stored"), headers=HEADERS)
    assert client.get("/v1/transactions/never-stored", headers=HEADERS).status_code == 404


def _stored_scores(url: str, ids: list[str]) -> pl.DataFrame:
    scores = tables.ml_fraud_scores
    engine = create_warehouse_engine(url)
    try:
        statement = sa.select(*(scores.c[n] for n in SCORE_SCHEMA.names())).where(
            scores.c.transaction_key.in_(ids)
        )
        return read_frame(engine, statement, SCORE_SCHEMA)
    finally:
        engine.dispose()


def test_parity_with_the_scoring_job(bank: Bank, client: TestClient) -> None:
    """For the same stored transactions, the API's probability equals the one `fraudwatch score`
    stored (within 1e-9), and so do the decision and the flagged verdicts' reasons."""
    recent = stored_transactions(bank.url, 40)
    flagged = stored_transactions(
        bank.url,
        10,
        where="transaction_id IN (SELECT transaction_key FROM ml_fraud_scores "
        "WHERE fraud_prediction)",
    )
    sample = pl.concat([recent, flagged]).unique("transaction_id", maintain_order=True)
    body = {"transactions": [as_json(row) for row in sample.iter_rows(named=True)]}
    response = client.post("/v1/score", json=body, headers=HEADERS)
    assert response.status_code == 200, response.text
    api = {s["transaction_id"]: s for s in response.json()["scores"]}
    stored = _stored_scores(bank.url, list(api))
    assert stored.height == sample.height
    assert stored["fraud_prediction"].any(), "the sample should hold flagged transactions"
    for row in stored.iter_rows(named=True):
        verdict = api[row["transaction_key"]]
        assert verdict["fraud_probability"] == pytest.approx(row["fraud_probability"], abs=1e-9)
        assert verdict["fraud_prediction"] == row["fraud_prediction"]
        if row["fraud_prediction"]:
            pairs = [[r["feature"], r["contribution"]] for r in verdict["reasons"]]
            assert pairs == json.loads(row["reasons"])


def test_single_requests_match_the_batch(bank: Bank, client: TestClient) -> None:
    """Scoring transactions one request at a time gives the batch request's probabilities."""
    sample = stored_transactions(bank.url, 5)
    rows = [as_json(row) for row in sample.iter_rows(named=True)]
    batch = client.post("/v1/score", json={"transactions": rows}, headers=HEADERS).json()
    for row, verdict in zip(rows, batch["scores"], strict=True):
        single = client.post("/v1/score", json=row, headers=HEADERS).json()
        assert single["fraud_probability"] == verdict["fraud_probability"]


def test_no_champion_is_503(tmp_path: Path, bank: Bank) -> None:
    """An empty warehouse (no champion yet) serves 503 on /v1/score, saying what to run."""
    empty = Bank(tmp_path / "empty.db", tmp_path / "models")
    empty.run("init")
    with TestClient(create_app(empty.settings())) as client:
        response = client.post("/v1/score", json=new_transaction(), headers=HEADERS)
        assert response.status_code == 503
        assert "fraudwatch train" in response.json()["detail"]
