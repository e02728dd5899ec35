"""`fraudwatch deploy connect`: the four Connect bundles, their manifests, pins and entry points.

The bundles are generated once (offline; nothing is uploaded) and every entry point is imported
from its own bundle directory in a fresh interpreter, against a temporary SQLite warehouse.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fraudwatch.cli import app
from fraudwatch.deploy.requirements import normalize, read_lock
from fraudwatch.simulate import SimulationOptions, backfill
from fraudwatch.warehouse import (
    count_rows,
    create_schema,
    create_warehouse_engine,
    tables,
    utc_now,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SECRET = "connect-secret-never-in-a-bundle-42"
EXPECTED = {
    "dashboard": ("python-shiny", "app:app", "app.py"),
    "api": ("python-fastapi", "app:app", "app.py"),
    "score-job": ("jupyter-static", "score.ipynb", "score.ipynb"),
    "retrain-job": ("jupyter-static", "retrain.ipynb", "retrain.ipynb"),
}
DEV_ONLY = {"pytest", "ruff", "mypy", "fakesnow", "rsconnect-python", "playwright", "duckdb"}


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate every bundle once with the CLI, with a secret in the environment."""
    output = tmp_path_factory.mktemp("connect")
    previous = os.environ.get("FRAUDWATCH_API_KEY")
    os.environ["FRAUDWATCH_API_KEY"] = SECRET
    try:
        result = CliRunner().invoke(app, ["deploy", "connect", "--output", str(output)])
    finally:
        if previous is None:
            os.environ.pop("FRAUDWATCH_API_KEY")
        else:
            os.environ["FRAUDWATCH_API_KEY"] = previous
    assert result.exit_code == 0, result.output
    assert "python-shiny" in result.output and "jupyter-static" in result.output
    return output


def manifest(bundles: Path, name: str) -> dict[str, object]:
    """Return a bundle's parsed manifest.json."""
    return json.loads((bundles / name / "manifest.json").read_text())  # type: ignore[no-any-return]


def requirement_lines(bundles: Path, name: str) -> list[str]:
    """Return a bundle's requirements.txt without comments and blank lines."""
    text = (bundles / name / "requirements.txt").read_text()
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_manifest_names_the_mode_entry_point_and_python(bundles, name):
    """Each manifest has the item's app mode and entry point, Python 3.11 and requirements.txt."""
    data = manifest(bundles, name)
    mode, entrypoint, entry_file = EXPECTED[name]
    assert data["metadata"] == {"appmode": mode, "entrypoint": entrypoint}  # type: ignore[index]
    python = data["python"]
    assert python["version"].startswith("3.11.")  # type: ignore[index]
    assert python["package_manager"]["package_file"] == "requirements.txt"  # type: ignore[index]
    files = data["files"]
    assert entry_file in files and "requirements.txt" in files  # type: ignore[operator]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_listed_file_exists_with_its_checksum(bundles, name):
    """Every file the manifest lists exists with that MD5, and the whole package is listed."""
    files: dict[str, dict[str, str]] = manifest(bundles, name)["files"]  # type: ignore[assignment]
    for relative, entry in files.items():
        path = bundles / name / relative
        assert hashlib.md5(path.read_bytes()).hexdigest() == entry["checksum"], relative
    source = {
        p.relative_to(bundles / name).as_posix()
        for p in (bundles / name / "fraudwatch").rglob("*.py")
    }
    assert source and source <= set(files)
    assert "fraudwatch/__init__.py" in files and not any("__pycache__" in f for f in files)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_requirements_are_pinned_and_only_what_the_item_needs(bundles, name):
    """Every line is name==version; lock versions are kept; no dev tools; jobs skip web stacks."""
    lines = requirement_lines(bundles, name)
    pins = dict(line.split("==") for line in lines)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*==[^\s=]+", line) for line in lines), lines
    lock = read_lock(ROOT / "requirements.lock")
    assert all(pins[n] == v for n, v in lock.items() if n in pins)
    assert not DEV_ONLY & set(pins)
    assert {"sqlalchemy", "polars", "psycopg", "snowflake-sqlalchemy", "xgboost-cpu"} <= set(pins)
    needs = {"dashboard": {"shiny", "plotly"}, "api": {"fastapi", "uvicorn"}}.get(name, set())
    assert needs <= set(pins)
    if name.endswith("-job"):
        assert not {"shiny", "fastapi", "uvicorn"} & set(pins)


def test_no_secret_is_written_into_any_bundle(bundles):
    """The API key in the generating environment appears in no file; no .env is copied."""
    for path in bundles.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert not list(bundles.rglob(".env"))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the URL of a small simulated bank (30 days, 300 customers) in a SQLite file."""
    url = f"sqlite:///{tmp_path_factory.mktemp('warehouse') / 'fw.db'}"
    engine = create_warehouse_engine(url)
    create_schema(engine)
    backfill(engine, SimulationOptions(seed=7, customers=300), 30, utc_now())
    engine.dispose()
    return url


def run_in_bundle(directory: Path, code: str, url: str, tmp: Path) -> str:
    """Run `code` in a fresh interpreter inside `directory` (its own fraudwatch copy first)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRAUDWATCH_")}
    env |= {
        "FRAUDWATCH_DATABASE_URL": url,
        "FRAUDWATCH_MODEL_DIR": str(tmp / "models"),
        "FRAUDWATCH_API_KEY": "k" * 32,
    }
    check = "import fraudwatch, os; assert fraudwatch.__file__.startswith(os.getcwd())\n"
    done = subprocess.run(
        [sys.executable, "-c", check + code],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_dashboard_entry_point_builds_the_shiny_app(bundles, warehouse, tmp_path):
    """Importing the dashboard bundle's app.py gives a Shiny App for the configured warehouse."""
    out = run_in_bundle(
        bundles / "dashboard", "import app; print(type(app.app).__name__)", warehouse, tmp_path
    )
    assert out.strip().endswith("App")


def test_api_entry_point_builds_and_serves_health(bundles, warehouse, tmp_path):
    """The API bundle's app.py gives a FastAPI app that starts and answers its liveness probe."""
    code = (
        "import app\n"
        "from fastapi.testclient import TestClient\n"
        "with TestClient(app.app) as client:\n"
        "    print(type(app.app).__name__, client.get('/healthz/live').status_code)\n"
    )
    out = run_in_bundle(bundles / "api", code, warehouse, tmp_path)
    assert out.strip().splitlines()[-1] == "FastAPI 200"


def notebook_code(path: Path) -> str:
    """Return the source of a notebook's code cells, joined."""
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def test_retrain_then_score_notebooks_run_the_jobs(bundles, warehouse, tmp_path):
    """The retraining notebook registers a champion; the scoring notebook then scores it all."""
    retrain = notebook_code(bundles / "retrain-job" / "retrain.ipynb")
    out = run_in_bundle(bundles / "retrain-job", retrain, warehouse, tmp_path)
    assert "champion" in out
    score = notebook_code(bundles / "score-job" / "score.ipynb")
    out = run_in_bundle(bundles / "score-job", score, warehouse, tmp_path)
    assert "succeeded" in out
    engine = create_warehouse_engine(warehouse)
    staged = count_rows(engine, tables.transaction_staging)
    assert count_rows(engine, tables.ml_fraud_scores) == staged > 0
    engine.dispose()


def test_a_failed_job_raises_so_connect_marks_the_run_failed(bundles, tmp_path):
    """Scoring against a warehouse with no champion fails the notebook with a clear error."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = create_warehouse_engine(url)
    create_schema(engine)
    engine.dispose()
    score = notebook_code(bundles / "score-job" / "score.ipynb")
    with pytest.raises(AssertionError, match="`fraudwatch score` failed"):
        run_in_bundle(bundles / "score-job", score, url, tmp_path)


def test_unknown_bundle_name_is_a_one_line_error(tmp_path):
    """--only with a name that is not a bundle says which names exist."""
    result = CliRunner().invoke(app, ["deploy", "connect", "-o", str(tmp_path), "--only", "x"])
    assert result.exit_code == 1
    assert "choose from dashboard, api, score-job, retrain-job" in str(result.exception)


def test_normalize_matches_lock_spelling():
    """Lock names and installed names compare in PEP 503 form."""
    assert normalize("SQLAlchemy") == "sqlalchemy" and normalize("typing_extensions") == (
        "typing-extensions"
    )
