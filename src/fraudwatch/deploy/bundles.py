"""Posit Connect bundles: one directory per content item, each ready for `rsconnect deploy`.

Every bundle holds its entry point, a copy of the fraudwatch source (`fraudwatch/`, imported from
the bundle directory: no wheel, no index, no git access needed), a pinned `requirements.txt`, a
`.python-version` and the `manifest.json` written by `rsconnect write-manifest` (offline).
Settings and secrets come from Connect's environment variables; nothing secret is written here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import fraudwatch
from fraudwatch.deploy.requirements import Pins, item_requirements, read_lock

SOURCE_DIR = "fraudwatch"


@dataclass(frozen=True)
class Item:
    """One Connect content item: its directory, rsconnect mode, entry file and what it imports."""

    name: str
    mode: str  # rsconnect write-manifest subcommand: shiny | fastapi | notebook
    entry_file: str
    entry_modules: tuple[str, ...]
    lazy_modules: tuple[str, ...]
    summary: str


ITEMS = (
    Item("dashboard", "shiny", "app.py", ("fraudwatch.dashboard.app",), ("shiny", "xgboost"),
         "the analyst dashboard (python-shiny)"),
    Item("api", "fastapi", "app.py", ("fraudwatch.api.app",), ("uvicorn", "xgboost"),
         "the scoring API (python-fastapi)"),
    Item("score-job", "notebook", "score.ipynb", ("fraudwatch.cli",), ("xgboost",),
         "one scoring run; schedule it every 5 minutes"),
    Item("retrain-job", "notebook", "retrain.ipynb", ("fraudwatch.cli",), ("xgboost",),
         "train, promote if better; schedule it weekly"),
)  # fmt: skip

DASHBOARD_APP = '''\
"""Posit Connect entry point: the fraudwatch dashboard (python-shiny, `app:app`).

Settings come from the content's environment variables on Connect (FRAUDWATCH_DATABASE_URL,
FRAUDWATCH_MODEL_DIR, ...); nothing secret is stored in this bundle.
"""

from fraudwatch.dashboard.app import app_from_settings

app = app_from_settings()
'''

API_APP = '''\
"""Posit Connect entry point: the fraudwatch scoring API (python-fastapi, `app:app`).

FRAUDWATCH_API_KEY and FRAUDWATCH_DATABASE_URL come from the content's environment variables
on Connect; the app refuses to start without an API key.
"""

from fraudwatch.api import create_app
from fraudwatch.config import get_settings

app = create_app(get_settings())
'''

JOB_CODE = """\
from fraudwatch.cli import app

# The same command an operator runs by hand (docs/operations.md); settings come from the
# content's environment variables on Connect. A failed run sends fraudwatch's own alerts, and
# the exception below marks this Connect run as failed too (Connect can email on failure).
exit_code = app({argv!r}, standalone_mode=False, prog_name="fraudwatch")
if exit_code:
    raise RuntimeError(f"`fraudwatch {command}` failed (exit code {{exit_code}}); see above")
"""

NOTEBOOKS = {
    "score-job": (
        "# fraudwatch: scoring run\n\nScores every unscored transaction with the champion model, "
        "exactly once, and logs the run in `scoring_runs`. Scheduled on Posit Connect every "
        "5 minutes.",
        ["score"],
    ),
    "retrain-job": (
        "# fraudwatch: weekly retraining\n\nTrains a candidate on the warehouse's latest windows "
        "and promotes it only if it beats the champion on the same recent window. Scheduled on "
        "Posit Connect weekly.",
        ["train", "--promote-if-better"],
    ),
}


def notebook(markdown: str, argv: Sequence[str]) -> dict[str, object]:
    """Return a minimal nbformat-4 notebook: a title cell and one code cell running `argv`."""
    code = JOB_CODE.format(argv=list(argv), command=" ".join(argv))
    return {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": markdown.splitlines(True)},
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": code.splitlines(True),
            },
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def project_root() -> Path | None:
    """Return the source checkout fraudwatch runs from (editable install), or None."""
    root = Path(fraudwatch.__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").exists() else None


def write_entry(item: Item, directory: Path) -> None:
    """Write `item`'s entry point into `directory`."""
    target = directory / item.entry_file
    if item.name == "dashboard":
        target.write_text(DASHBOARD_APP, encoding="utf-8")
    elif item.name == "api":
        target.write_text(API_APP, encoding="utf-8")
    else:
        markdown, argv = NOTEBOOKS[item.name]
        target.write_text(json.dumps(notebook(markdown, argv), indent=1) + "\n", encoding="utf-8")


def copy_source(directory: Path) -> None:
    """Copy the fraudwatch package's source (no caches) into `directory/fraudwatch`."""
    source = Path(fraudwatch.__file__).resolve().parent
    shutil.copytree(
        source, directory / SOURCE_DIR, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )


def write_requirements(directory: Path, pins: Pins, item: Item) -> None:
    """Write `requirements.txt`: every pin, and a note on where fraudwatch itself comes from."""
    header = [
        f"# {item.name}: {item.summary}. Generated by `fraudwatch deploy connect`.",
        f"# fraudwatch {fraudwatch.__version__} itself is the ./{SOURCE_DIR}/ directory of this "
        "bundle.",
    ]
    if pins.not_in_lock:
        header.append("# pinned from the build environment (missing from requirements.lock):")
        header.append("#   " + ", ".join(sorted(pins.not_in_lock)))
    text = "\n".join([*header, *pins.lines()]) + "\n"
    (directory / "requirements.txt").write_text(text, encoding="utf-8")


def rsconnect_executable() -> str:
    """Return the rsconnect CLI next to this interpreter, or on PATH; LookupError if absent."""
    beside = Path(sys.executable).with_name("rsconnect")
    if beside.exists():
        return str(beside)
    found = shutil.which("rsconnect")
    if found is None:
        raise LookupError("rsconnect is not installed; pip install rsconnect-python==1.32.0")
    return found


def write_manifest(item: Item, directory: Path) -> None:
    """Run `rsconnect write-manifest` for `item` (offline: no server is contacted).

    The Python version constraint comes from the bundle's `.python-version` file.
    """
    argv = [rsconnect_executable(), "write-manifest", item.mode, "--overwrite"]
    if item.mode == "notebook":
        source = sorted(p for p in (directory / SOURCE_DIR).rglob("*") if p.is_file())
        argv += [str(directory / item.entry_file), *map(str, source)]
    else:
        argv += ["--entrypoint", "app:app", str(directory)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"rsconnect write-manifest {item.mode} failed:\n{done.stderr.strip()}")


def build_bundle(item: Item, output: Path, lock: Path | None) -> Pins:
    """Write `item`'s bundle into `output/<item.name>` (replacing it); return its pins."""
    directory = output / item.name
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    root = project_root()
    pins = item_requirements(item.entry_modules, item.lazy_modules, root, read_lock(lock))
    write_entry(item, directory)
    copy_source(directory)
    write_requirements(directory, pins, item)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    (directory / ".python-version").write_text(version + "\n", encoding="utf-8")
    write_manifest(item, directory)
    return pins


def build_bundles(
    output: Path, lock: Path | None = None, names: Sequence[str] | None = None
) -> dict[str, Pins]:
    """Write the bundles named in `names` (default: all four) under `output`; return the pins."""
    if lock is None and (root := project_root()) is not None:
        lock = root / "requirements.lock"
    chosen = [item for item in ITEMS if names is None or item.name in names]
    return {item.name: build_bundle(item, output, lock) for item in chosen}
