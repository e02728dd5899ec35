"""`fraudwatch train` and `fraudwatch models …` end to end on a simulated bank."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Bank:
    """A simulated warehouse and a model directory for the CLI to use."""

    url: str
    model_dir: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the fraudwatch CLI in its own process against this bank."""
        env = {
            **os.environ,
            "FRAUDWATCH_DATABASE_URL": self.url,
            "FRAUDWATCH_MODEL_DIR": str(self.model_dir),
        }
        return subprocess.run(
            [sys.executable, "-m", "fraudwatch", *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Bank:
    """Simulate 40 days of a 500-customer bank, with chargebacks, into a fresh SQLite file."""
    directory = tmp_path_factory.mktemp("bank")
    bank = Bank(f"sqlite:///{directory / 'warehouse.db'}", directory / "models")
    assert bank.run("init").returncode == 0
    done = bank.run("simulate", "backfill", "--days", "40", "--customers", "500", "--seed", "1")
    assert done.returncode == 0, done.stderr
    return bank


@pytest.fixture(scope="module")
def first(bank: Bank) -> dict:
    """Train the first model with --json and return its parsed output."""
    done = bank.run("train", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_train_json_reports_model_and_baseline(bank: Bank, first: dict) -> None:
    """The first model is champion; its JSON has test PR-AUC and recall at budget beside the
    seed-demo baseline, and its report is a self-contained HTML page."""
    assert first["status"] == "champion"
    metrics = first["metrics"]
    for figures in (metrics["test"], metrics["baseline"]["test"]):
        assert 0.0 <= figures["pr_auc"] <= 1.0
        assert 0.0 <= figures["recall_at_budget"] <= 1.0
    assert metrics["test"]["positives"] > 0
    assert metrics["threshold"]["method"] == "budget"
    report = Path(first["report"]).read_text()
    assert "seed-demo baseline" in report and "SHAP" in report
    assert "<script src=" not in report  # plotly.js is inlined: opens offline


def test_second_model_is_candidate_until_promoted(bank: Bank, first: dict) -> None:
    """A second model (windows given as dates, threshold by cost) is a candidate; `models
    promote` makes it champion and `models list` shows it."""
    windows = first["windows"]
    dates = [
        ("--train-start", windows["train_start"]),
        ("--train-end", windows["validation_end"]),
        ("--test-start", windows["test_start"]),
        ("--test-end", windows["test_end"]),
    ]
    done = bank.run(
        "train",
        "--json",
        *(part for flag, value in dates for part in (flag, value)),
        "--cost-missed-fraud",
        "200",
        "--cost-false-alarm",
        "5",
    )
    assert done.returncode == 0, done.stderr
    second = json.loads(done.stdout)
    assert second["status"] == "candidate"
    assert second["threshold"]["method"] == "cost"
    assert second["windows"]["test_start"] == windows["test_start"]
    shown = bank.run("models", "show", second["model_version"])
    assert shown.returncode == 0 and "verified" in shown.stdout
    promoted = bank.run("models", "promote", second["model_version"])
    assert promoted.returncode == 0, promoted.stderr
    listing = json.loads(bank.run("models", "list", "--json").stdout)
    statuses = {m["model_version"]: m["status"] for m in listing}
    assert statuses[second["model_version"]] == "champion"
    assert statuses[first["model_version"]] == "retired"


def test_corrupt_artifact_cannot_be_promoted(bank: Bank, first: dict) -> None:
    """Promoting a version whose model file was altered fails with one clear line."""
    path = bank.model_dir / first["model_version"] / "model.ubj"
    original = path.read_bytes()
    path.write_bytes(original + b" ")
    try:
        done = bank.run("models", "promote", first["model_version"])
        assert done.returncode == 1
        assert "checksum" in done.stderr and "Traceback" not in done.stderr
        assert "NOT LOADABLE" in bank.run("models", "show", first["model_version"]).stdout
    finally:
        path.write_bytes(original)


def test_promote_if_better_records_the_comparison(bank: Bank) -> None:
    """Scheduled retraining compares with the champion on one window and records it."""
    done = bank.run("train", "--promote-if-better", "--json")
    assert done.returncode == 0, done.stderr
    comparison = json.loads(done.stdout)["metrics"]["comparison"]
    assert comparison["champion"] is not None and comparison["candidate"] is not None
    assert isinstance(comparison["promoted"], bool) and comparison["reason"]


def test_partial_dates_are_a_one_line_error(bank: Bank) -> None:
    """Giving some but not all window dates is refused without a traceback."""
    done = bank.run("train", "--train-start", "2026-01-01")
    assert done.returncode == 1
    assert "give all four" in done.stderr and "Traceback" not in done.stderr


def test_period_parses_days_hours_and_refuses_nonsense() -> None:
    """`--every 7d` is seven days; a period without a unit is a one-line error."""
    from fraudwatch.cli.context import UserError
    from fraudwatch.cli.model import parse_period

    assert parse_period("7d").days == 7 and parse_period("12h").seconds == 12 * 3600
    with pytest.raises(UserError, match="7d"):
        parse_period("weekly")
