"""The API key: required on /v1, compared in constant time, two keys accepted while rotating."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from fraudwatch.api import MissingApiKeyError, create_app
from fraudwatch.api.deps import key_matches, parse_api_keys
from tests.api.conftest import API_KEY, HEADERS, Bank
from tests.api.payloads import new_transaction

PROTECTED = [
    ("post", "/v1/score"),
    ("get", "/v1/transactions/anything"),
    ("get", "/v1/runs"),
    ("get", "/v1/models"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_missing_key_is_401(client: TestClient, method: str, path: str) -> None:
    """Every /v1 endpoint answers 401, naming the header, when no key is sent."""
    response = client.request(method, path, json=new_transaction())
    assert response.status_code == 401
    assert "X-API-Key" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_wrong_key_is_401(client: TestClient, method: str, path: str) -> None:
    """A wrong key (or one with the right key as a prefix) is refused like a missing one."""
    for key in ("wrong", API_KEY + "x", ""):
        response = client.request(method, path, json=new_transaction(), headers={"X-API-Key": key})
        assert response.status_code == 401


def test_right_key_is_accepted(client: TestClient) -> None:
    """The configured key opens /v1."""
    assert client.get("/v1/runs", headers=HEADERS).status_code == 200


def test_probes_and_metrics_need_no_key(client: TestClient) -> None:
    """Health probes and Prometheus scrape without a key."""
    for path in ("/healthz", "/healthz/live", "/metrics", "/openapi.json"):
        assert client.get(path).status_code == 200, path


def test_two_keys_while_rotating(bank: Bank) -> None:
    """FRAUDWATCH_API_KEY='new,old' accepts both keys, and nothing else."""
    app = create_app(bank.settings(api_key="new-key, old-key"))
    with TestClient(app) as client:
        for key, expected in (("new-key", 200), ("old-key", 200), ("new-key,old-key", 401)):
            assert client.get("/v1/runs", headers={"X-API-Key": key}).status_code == expected


def test_no_key_configured_refuses_to_start(bank: Bank) -> None:
    """Without FRAUDWATCH_API_KEY the app is not created, and the error says what to set."""
    for empty in (None, "", " , "):
        with pytest.raises(MissingApiKeyError, match="FRAUDWATCH_API_KEY is not set"):
            create_app(bank.settings(api_key=empty))


def test_key_comparison() -> None:
    """key_matches accepts exactly the configured keys."""
    keys = parse_api_keys("a1, b2")
    assert key_matches("a1", keys) and key_matches("b2", keys)
    assert not key_matches("a", keys) and not key_matches("a1 ", keys)
