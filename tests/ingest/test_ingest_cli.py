"""`fraudwatch ingest` end to end: a bank export lands, bad rows are kept, nothing twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.ingest import ingest_labels, ingest_transactions
from fraudwatch.warehouse import count_rows, create_warehouse_engine, tables
from tests.ingest.conftest import BANK_MAPPING, BankExport, write_bank_export

MAP_ARGS = [
    arg for target, source in BANK_MAPPING.items() for arg in ("--map", f"{target}={source}")
]


def run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the fraudwatch CLI in its own process against `database_url`."""
    env = {**os.environ, "FRAUDWATCH_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "fraudwatch", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_cli_ingest_stores_950_and_keeps_50_with_reasons(
    sqlite_url: str, bank_export: BankExport
) -> None:
    """The CLI loads 950 good rows, keeps the 50 bad ones with reasons, and says so."""
    assert run_cli(sqlite_url, "init").returncode == 0
    done = run_cli(sqlite_url, "ingest", str(bank_export.path), *MAP_ARGS)
    assert done.returncode == 0, done.stderr
    assert "loaded 950" in done.stdout and "rejected 50" in done.stdout
    engine = create_warehouse_engine(sqlite_url)
    assert count_rows(engine, tables.transaction_staging) == 950
    with engine.connect() as conn:
        rejected = conn.execute(
            sa.select(
                tables.rejected_transactions.c.source_row, tables.rejected_transactions.c.reason
            )
        ).all()
    assert {row for row, _ in rejected} == set(bank_export.bad_rows)
    assert all(reason for _, reason in rejected)


def test_reingesting_the_same_file_adds_nothing(sqlite_url: str, bank_export: BankExport) -> None:
    """A second ingest of the same file adds no transaction and no rejection."""
    run_cli(sqlite_url, "init")
    run_cli(sqlite_url, "ingest", str(bank_export.path), *MAP_ARGS)
    again = run_cli(sqlite_url, "ingest", str(bank_export.path), *MAP_ARGS)
    assert again.returncode == 0
    assert "loaded 0, already present 950" in again.stdout
    engine = create_warehouse_engine(sqlite_url)
    assert count_rows(engine, tables.transaction_staging) == 950
    assert count_rows(engine, tables.rejected_transactions) == 50


@pytest.mark.parametrize(
    ("make_path", "message"),
    [
        (lambda d: d / "missing.csv", "no such file"),
        (lambda d: d, "is a directory"),
        (
            lambda d: (d / "broken.parquet").write_bytes(b"not parquet") and d / "broken.parquet",
            "cannot read",
        ),
        (
            lambda d: (d / "data.xlsx").write_bytes(b"x") and d / "data.xlsx",
            "unsupported file type",
        ),
    ],
)
def test_a_bad_file_is_a_one_line_error(
    sqlite_url: str, tmp_path: Path, make_path: object, message: str
) -> None:
    """A missing, unreadable or unsupported file gives one line on stderr and a non-zero exit."""
    run_cli(sqlite_url, "init")
    path = make_path(tmp_path)  # type: ignore[operator]
    done = run_cli(sqlite_url, "ingest", str(path))
    assert done.returncode != 0
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_mapping_file_works_like_map_options(sqlite_url: str, tmp_path: Path) -> None:
    """A TOML mapping file maps the bank's columns as --map would."""
    export = write_bank_export(tmp_path / "e.csv", rows=60, bad=6)
    mapping = tmp_path / "bank.toml"
    mapping.write_text("".join(f'{t} = "{s}"\n' for t, s in BANK_MAPPING.items()))
    run_cli(sqlite_url, "init")
    done = run_cli(sqlite_url, "ingest", str(export.path), "--mapping-file", str(mapping))
    assert done.returncode == 0, done.stderr
    assert "loaded 54" in done.stdout


def test_ingest_without_init_says_what_to_do(sqlite_url: str, bank_export: BankExport) -> None:
    """Ingesting into a warehouse that was never initialised says to run init, in one line."""
    done = run_cli(sqlite_url, "ingest", str(bank_export.path), *MAP_ARGS)
    assert done.returncode != 0
    assert "fraudwatch init" in done.stderr


def test_ingest_on_every_backend(engine: Engine, tmp_path: Path) -> None:
    """Ingest of a Parquet file (and its label file) gives the same counts on every backend."""
    export = write_bank_export(tmp_path / "e.csv", rows=120, bad=12)
    parquet = tmp_path / "e.parquet"
    pl.read_csv(export.path, infer_schema=False).write_parquet(parquet)
    first = ingest_transactions(engine, parquet, BANK_MAPPING)
    second = ingest_transactions(engine, parquet, BANK_MAPPING)
    assert (first.loaded, first.rejected) == (108, 12)
    assert (second.loaded, second.already_present) == (0, 108)
    assert count_rows(engine, tables.rejected_transactions) == 12

    labels = tmp_path / "labels.csv"
    pl.DataFrame(
        {
            "transaction_id": ["tx000000000", "tx000000001", ""],
            "is_fraud": ["1", "no", "1"],
            "labeled_at": ["2026-02-01T00:00:00Z", "", "2026-02-01"],
        }
    ).write_csv(labels)
    summary = ingest_labels(engine, labels, {})
    assert (summary.loaded, summary.rejected) == (2, 1)
    assert count_rows(engine, tables.fraud_labels) == 2
