"""Fixtures for API tests: one simulated bank with a champion and a scoring run, and clients.

The bank is built once per session through the CLI (init, a 40-day backfill of 300 customers,
train, score), exactly as a user would; tests that change the warehouse use `bank_copy`.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fraudwatch.api import create_app
from fraudwatch.config import Settings

API_KEY = "test-key-0123456789"
HEADERS = {"X-API-Key": API_KEY}


@dataclass(frozen=True)
class Bank:
    """A simulated warehouse (SQLite file) and its model directory."""

    path: Path
    model_dir: Path

    @property
    def url(self) -> str:
        """Return the warehouse URL."""
        return f"sqlite:///{self.path}"

    def env(self) -> dict[str, str]:
        """Return an environment pointing the CLI at this bank, with the test API key."""
        return {
            **os.environ,
            "FRAUDWATCH_DATABASE_URL": self.url,
            "FRAUDWATCH_MODEL_DIR": str(self.model_dir),
            "FRAUDWATCH_API_KEY": API_KEY,
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the fraudwatch CLI in its own process against this bank; fail on a non-zero exit."""
        done = subprocess.run(
            [sys.executable, "-m", "fraudwatch", *args],
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=self.path.parent,  # no stray .env
            check=False,
        )
        assert done.returncode == 0, f"fraudwatch {' '.join(args)} failed:\n{done.stderr}"
        return done

    def settings(self, **overrides: object) -> Settings:
        """Return settings for this bank with the test API key."""
        values: dict[str, object] = {
            "database_url": self.url,
            "model_dir": self.model_dir,
            "api_key": API_KEY,
        }
        values.update(overrides)
        return Settings.model_validate(values)

    def copy_to(self, directory: Path) -> Bank:
        """Return a consistent copy of this bank (SQLite backup API, model files copied)."""
        directory.mkdir(parents=True, exist_ok=True)
        target = Bank(directory / "warehouse.db", directory / "models")
        with sqlite3.connect(self.path) as source, sqlite3.connect(target.path) as copy:
            source.backup(copy)
        shutil.copytree(self.model_dir, target.model_dir)
        return target


@pytest.fixture(scope="session")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Bank:
    """Simulate 40 days of a 300-customer bank, train a champion and run the scoring job once."""
    directory = tmp_path_factory.mktemp("api-bank")
    bank = Bank(directory / "warehouse.db", directory / "models")
    bank.run("init")
    bank.run("simulate", "backfill", "--days", "40", "--customers", "300", "--seed", "7")
    bank.run("train")
    bank.run("score")
    return bank


@pytest.fixture
def bank_copy(bank: Bank, tmp_path: Path) -> Bank:
    """Return a private copy of the session bank, for tests that change it."""
    return bank.copy_to(tmp_path / "bank")


@pytest.fixture(scope="session")
def app(bank: Bank) -> FastAPI:
    """Return the API app for the session bank."""
    return create_app(bank.settings())


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    """Yield a started client (lifespan run: engine open, champion loaded) sending no key."""
    with TestClient(app) as started:
        yield started
