"""Fuzzing every operation of the published OpenAPI spec (schemathesis) never gets a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from fraudwatch.api import create_app
from tests.api.conftest import HEADERS, Bank

OPERATIONS = [
    ("POST", "/v1/score"),
    ("GET", "/v1/transactions/{transaction_id}"),
    ("GET", "/v1/runs"),
    ("GET", "/v1/models"),
    ("GET", "/healthz"),
    ("GET", "/healthz/live"),
    ("GET", "/metrics"),
]


@pytest.fixture(scope="module")
def api_schema(bank: Bank) -> Any:
    """Return the spec of a fresh app on the session bank (schemathesis runs its lifespan)."""
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(bank.settings()))


def test_spec_covers_every_operation(api_schema: Any) -> None:
    """The fuzzed operations are exactly those the spec publishes."""
    published = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert published == set(OPERATIONS)


# Invalid requests exist only for operations that take input.
CASES = [(m, p, GenerationMode.POSITIVE) for m, p in OPERATIONS] + [
    (m, p, GenerationMode.NEGATIVE) for m, p in OPERATIONS[:3]
]


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_no_server_error(api_schema: Any, method: str, path: str, mode: GenerationMode) -> None:
    """Valid and invalid generated requests, with the key, never get a server error."""
    operation = api_schema[path][method]
    strategy = operation.as_strategy(generation_mode=mode)

    @given(case=strategy, keyed=st.booleans())
    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.generate],  # report the first failure; no slow shrinking
    )
    def fuzz(case: Any, keyed: bool) -> None:
        response = case.call(headers=HEADERS if keyed else None)
        case.validate_response(response, checks=[not_a_server_error])

    fuzz()
