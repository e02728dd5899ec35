"""The API picks up a newly promoted champion without a restart."""

from __future__ import annotations

import shutil

from fastapi.testclient import TestClient

from fraudwatch.api import create_app
from fraudwatch.warehouse import create_warehouse_engine, list_models, promote_model, register_model
from tests.api.conftest import HEADERS, Bank
from tests.api.payloads import new_transaction


def _register_copy_of_champion(bank: Bank, version: str) -> None:
    engine = create_warehouse_engine(bank.url)
    try:
        champion = next(m for m in list_models(engine) if m["status"] == "champion")
        shutil.copytree(bank.model_dir / champion["model_version"], bank.model_dir / version)
        register_model(engine, {**champion, "model_version": version, "status": "candidate"})
        promote_model(engine, version)
    finally:
        engine.dispose()


def test_new_champion_is_served(bank_copy: Bank) -> None:
    """After a promotion, the next registry check swaps the model; scores carry the new version."""
    app = create_app(bank_copy.settings(), reload_seconds=3600)
    with TestClient(app) as client:
        before = client.post("/v1/score", json=new_transaction(), headers=HEADERS).json()
        _register_copy_of_champion(bank_copy, "v29990101-000000-abcdef")
        assert app.state.holder.refresh() is True
        after = client.post("/v1/score", json=new_transaction(), headers=HEADERS).json()
        assert app.state.holder.refresh() is False  # nothing new: no reload
    assert after["model_version"] == "v29990101-000000-abcdef" != before["model_version"]
    assert after["fraud_probability"] == before["fraud_probability"]


def test_background_check_reloads(bank_copy: Bank) -> None:
    """With a short interval, the background task alone picks up the new champion."""
    import time

    app = create_app(bank_copy.settings(), reload_seconds=0.2)
    with TestClient(app) as client:
        _register_copy_of_champion(bank_copy, "v29990101-000000-abcdef")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if client.get("/healthz").json()["model_version"] == "v29990101-000000-abcdef":
                break
            time.sleep(0.1)
        assert client.get("/healthz").json()["model_version"] == "v29990101-000000-abcdef"
