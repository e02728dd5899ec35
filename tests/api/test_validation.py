"""Bad payloads get 422 with a readable message that names the field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import HEADERS
from tests.api.payloads import new_transaction


def _post(client: TestClient, body: Any) -> dict[str, Any]:
    response = client.post(
        "/v1/score",
        content=json.dumps(body),  # json.dumps writes NaN and Infinity; httpx's json= refuses
        headers={**HEADERS, "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    payload: dict[str, Any] = response.json()
    return payload


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"transaction_amount": float("nan")}, "transaction_amount: must be a finite number"),
        ({"transaction_amount": float("inf")}, "transaction_amount: must be a finite number"),
        ({"transaction_amount": "12 euros"}, "transaction_amount: must be a number"),
        ({"transaction_timestamp": "yesterday"}, "transaction_timestamp: is not a date-time"),
        ({"transaction_timestamp": "2026-02-30T10:00:00"}, "transaction_timestamp: is not a"),
        ({"transaction_timestamp": "0001-01-01T00:00:00+01:00"}, "transaction_timestamp: must be"),
        ({"transaction_timestamp": "2500-01-01T00:00:00"}, "transaction_timestamp: must be betw"),
        ({"account_number": "AC\x00"}, "account_number: must not contain NUL"),
        ({"channel_name": "Fax"}, "channel_name: 'Fax' is not one of"),
        ({"transaction_type": "GIFT"}, "transaction_type: 'GIFT' is not one of"),
        ({"transaction_id": "  "}, "transaction_id: must not be empty"),
        ({"is_international": "maybe"}, "is_international: must be true or false"),
        ({"amount": 5}, "amount: is not a known field"),
    ],
)
def test_bad_field_is_named(client: TestClient, changes: dict[str, Any], expected: str) -> None:
    """Each broken field gives a 422 whose message starts with the field's name."""
    payload = _post(client, new_transaction(**changes))
    assert expected in payload["message"]
    field = expected.split(":")[0]
    assert field in [item["field"] for item in payload["detail"]]


def test_missing_id_is_named(client: TestClient) -> None:
    """A body without transaction_id says the field is required."""
    body = new_transaction()
    del body["transaction_id"]
    assert _post(client, body)["message"] == "transaction_id: is required"


def test_batch_error_names_the_position(client: TestClient) -> None:
    """In a batch, the message points at the transaction: transactions[1].transaction_amount."""
    body = {"transactions": [new_transaction(), new_transaction(transaction_amount=None)]}
    payload = _post(client, body)
    assert payload["message"] == "transactions[1].transaction_amount: must be a number"
    assert payload["detail"][0]["loc"][-3:] == ["transactions", 1, "transaction_amount"]


def test_batch_rejects_duplicate_ids(client: TestClient) -> None:
    """Two transactions with one id in a batch are refused, naming both positions."""
    payload = _post(client, {"transactions": [new_transaction(), new_transaction()]})
    assert "transactions[1].transaction_id: duplicate" in payload["message"]
    assert "transactions[0]" in payload["message"]


def test_empty_batch_and_bad_json(client: TestClient) -> None:
    """An empty batch and a body that is not JSON are both 422 with a message."""
    assert "transactions: must have at least 1" in _post(client, {"transactions": []})["message"]
    response = client.post(
        "/v1/score", content=b"{not json", headers={**HEADERS, "content-type": "application/json"}
    )
    assert response.status_code == 422 and "not valid JSON" in response.json()["message"]


def test_query_parameter_is_named(client: TestClient) -> None:
    """A bad query parameter is named too."""
    response = client.get("/v1/runs?limit=0", headers=HEADERS)
    assert response.status_code == 422
    assert response.json()["message"].startswith("limit:")


def test_forgiving_spellings(client: TestClient) -> None:
    """Category spellings are forgiven as in ingest, and an offset is converted to UTC."""
    response = client.post(
        "/v1/score",
        json=new_transaction(
            channel_name="MOBILE_APP",
            transaction_type="debit",
            transaction_timestamp="2026-01-31T15:05:00+01:00",
            merchant_category_code=742,
        ),
        headers=HEADERS,
    )
    assert response.status_code == 200, response.text
