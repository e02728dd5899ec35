"""Reads: a transaction with its score and label, runs, models, health, metrics and the spec."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from fraudwatch.api import create_app
from fraudwatch.schemas import TRANSACTION_SCHEMA
from fraudwatch.warehouse import create_warehouse_engine, insert_transactions
from tests.api.conftest import HEADERS, Bank
from tests.api.payloads import new_transaction, stored_transactions


def test_scored_transaction_has_its_score(bank: Bank, client: TestClient) -> None:
    """A transaction the job scored comes back with its stored score and the model version."""
    stored = stored_transactions(bank.url, 1).row(0, named=True)
    response = client.get(f"/v1/transactions/{stored['transaction_id']}", headers=HEADERS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["transaction_amount"] == stored["transaction_amount"]
    assert body["transaction_timestamp"].endswith("Z")
    assert 0.0 <= body["score"]["fraud_probability"] <= 1.0
    assert body["score"]["model_version"].startswith("v")


def test_labelled_transaction_has_its_label(bank: Bank, client: TestClient) -> None:
    """A transaction with a chargeback shows its label."""
    labelled = stored_transactions(
        bank.url, 1, where="transaction_id IN (SELECT transaction_id FROM fraud_labels)"
    ).row(0, named=True)
    body = client.get(f"/v1/transactions/{labelled['transaction_id']}", headers=HEADERS).json()
    assert body["label"]["source"] == "chargeback"
    assert isinstance(body["label"]["is_fraud"], bool)


def test_unscored_transaction_has_no_score(bank_copy: Bank) -> None:
    """A transaction staged after the job ran is returned with score null."""
    row = {**new_transaction(transaction_id="staged-later"), "transaction_post_date": None}
    row["transaction_timestamp"] = datetime(2026, 1, 31, 14, 5)
    row.update(transaction_description=None, is_international=False, reversal_flag=False)
    engine = create_warehouse_engine(bank_copy.url)
    insert_transactions(engine, pl.DataFrame([row], schema=TRANSACTION_SCHEMA))
    engine.dispose()
    with TestClient(create_app(bank_copy.settings())) as client:
        body = client.get("/v1/transactions/staged-later", headers=HEADERS).json()
    assert body["transaction_id"] == "staged-later"
    assert body["score"] is None and body["label"] is None


def test_unknown_transaction_is_404(client: TestClient) -> None:
    """An id that is not stored is 404, saying so."""
    response = client.get("/v1/transactions/no-such-id", headers=HEADERS)
    assert response.status_code == 404
    assert "no-such-id" in response.json()["detail"]


def test_runs_lists_the_job_run(client: TestClient) -> None:
    """The session's `fraudwatch score` run is listed, succeeded, with its counts."""
    runs = client.get("/v1/runs", headers=HEADERS).json()
    assert runs and runs[0]["status"] == "succeeded" and runs[0]["n_scored"] > 0
    assert client.get("/v1/runs?status=failed", headers=HEADERS).json() == []
    assert len(client.get("/v1/runs?limit=1", headers=HEADERS).json()) == 1


def test_models_marks_the_serving_champion(client: TestClient) -> None:
    """The registry lists the champion, with metrics and features, marked as serving."""
    models = client.get("/v1/models", headers=HEADERS).json()
    champion = next(m for m in models if m["status"] == "champion")
    assert champion["serving"] is True and champion["feature_list"]
    assert "test" in champion["metrics"]


def test_healthz_reports_database_and_model(client: TestClient) -> None:
    """/healthz is 200 with the warehouse answering and the champion loaded."""
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["model"]["ok"]
    assert body["model_version"].startswith("v")


def test_healthz_degraded_without_model(tmp_path: object, bank_copy: Bank) -> None:
    """Without the model files /healthz is 503 and says the artifact is missing."""
    import shutil

    shutil.rmtree(bank_copy.model_dir)
    with TestClient(create_app(bank_copy.settings())) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded" and body["database"]["ok"]
    assert not body["model"]["ok"] and "missing" in body["model"]["detail"]


def test_metrics_exposition_parses(client: TestClient) -> None:
    """/metrics is valid Prometheus text with request, latency, score and flag series."""
    client.post("/v1/score", json=new_transaction(transaction_id="m-1"), headers=HEADERS)
    client.get("/v1/transactions/x", headers=HEADERS)
    families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
    assert {"fraudwatch_api_requests", "fraudwatch_api_request_duration_seconds"} <= set(families)
    assert "fraudwatch_api_scores" in families and "fraudwatch_api_model_loaded" in families
    routes = {s.labels.get("route") for s in families["fraudwatch_api_requests"].samples}
    assert {"/v1/score", "/v1/transactions/{transaction_id}"} <= routes
    loaded = families["fraudwatch_api_model_loaded"].samples[0].value
    assert loaded == 1.0


def test_openapi_is_published(client: TestClient) -> None:
    """/openapi.json names every endpoint and the X-API-Key scheme."""
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/v1/score", "/v1/transactions/{transaction_id}", "/v1/runs", "/v1/models"} <= paths
    assert {"/healthz", "/metrics"} <= paths
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("name") == "X-API-Key" and s["in"] == "header" for s in schemes.values())
    body = spec["paths"]["/v1/score"]["post"]["requestBody"]["content"]["application/json"]
    assert "oneOf" in body["schema"] or "anyOf" in body["schema"]
