"""Exploring a file, and the commands: bad input is one line and exit 1, empty is a valid page."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from fraudwatch.explore import ExploreInputError, analyse, load_file, render_explore
from fraudwatch.explore.timing import two_proportion_z_test
from fraudwatch.warehouse import create_schema, create_warehouse_engine
from tests.explore.conftest import WEEK_ENDING, write_explore_data, write_weekly_data
from tests.factories import make_transactions

AS_OF = datetime(2026, 1, 6)


def run_cli(database_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the fraudwatch CLI in its own process against `database_url`, from `cwd`."""
    env = {**os.environ, "FRAUDWATCH_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "fraudwatch", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )


def messy_csv(path: Path) -> Path:
    """Write a CSV export with known problems and an is_fraud column; return its path."""
    frame = make_transactions(200, seed=4).with_columns(
        pl.col("transaction_timestamp").dt.strftime("%Y-%m-%dT%H:%M:%S"),
        (pl.int_range(pl.len()) % 10 == 0).alias("is_fraud"),
    )
    text = frame.cast(pl.String).with_columns(
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("twelve"))
        .otherwise(pl.col("transaction_amount"))
        .alias("transaction_amount"),
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit("yesterday"))
        .otherwise(pl.col("transaction_timestamp"))
        .alias("transaction_timestamp"),
        pl.when(pl.int_range(pl.len()) == 3)
        .then(pl.lit("2099-01-01T00:00:00"))
        .otherwise(pl.col("transaction_timestamp"))
        .alias("transaction_timestamp_"),
        pl.when(pl.int_range(pl.len()) == 5)
        .then(pl.lit("tx000000004"))
        .otherwise(pl.col("transaction_id"))
        .alias("transaction_id"),
        pl.when(pl.int_range(pl.len()) == 6)
        .then(pl.lit("-5"))
        .otherwise(pl.col("transaction_amount"))
        .alias("transaction_amount_"),
    )
    text = text.with_columns(
        pl.when(pl.int_range(pl.len()) == 3)
        .then(pl.col("transaction_timestamp_"))
        .otherwise(pl.col("transaction_timestamp"))
        .alias("transaction_timestamp"),
        pl.when(pl.int_range(pl.len()) == 6)
        .then(pl.col("transaction_amount_"))
        .otherwise(pl.col("transaction_amount"))
        .alias("transaction_amount"),
    ).drop("transaction_timestamp_", "transaction_amount_")
    text.write_csv(path)
    return path


def test_file_problems_are_counted_with_examples(tmp_path: Path) -> None:
    """A messy CSV's unparseable, future, negative and duplicate values each show up."""
    dataset = load_file(messy_csv(tmp_path / "export.csv"))
    report = analyse(dataset, AS_OF)
    checks = {c.name: c for c in report.quality}
    assert checks["missing transaction_amount"].count == 1
    assert checks["missing transaction_timestamp"].count == 1
    assert checks["future timestamps"].count == 1
    assert checks["negative amounts"].count == 1
    assert checks["duplicate ids"].count == 1
    assert checks["duplicate ids"].examples == ("tx000000004: 2 rows",)
    assert report.summary.rows == 200 and report.summary.fraud == 20
    assert report.fraud_rates is not None  # the file's is_fraud column provides labels
    assert ("transaction_amount", "String") in dataset.source.raw_columns


def test_file_without_required_columns_is_refused(tmp_path: Path) -> None:
    """A file lacking transaction_amount is an ExploreInputError naming the column."""
    path = tmp_path / "thin.csv"
    pl.DataFrame({"transaction_id": ["a"], "transaction_timestamp": ["2026-01-01"]}).write_csv(path)
    with pytest.raises(ExploreInputError, match="transaction_amount"):
        load_file(path)


def test_empty_file_gives_an_empty_valid_report(tmp_path: Path) -> None:
    """A file with a header and no rows renders a page saying there is nothing in it."""
    path = tmp_path / "empty.csv"
    path.write_text("transaction_id,transaction_timestamp,transaction_amount\n")
    page = render_explore(analyse(load_file(path), AS_OF))
    assert "No transactions in this window." in page and page.rstrip().endswith("</html>")


def test_z_test_is_the_chi_square_test() -> None:
    """The pooled two-proportion z-test's p equals the uncorrected chi-square's, and z² = χ²."""
    from scipy import stats

    z, p = two_proportion_z_test(37, 400, 51, 1900)
    chi2, p_chi, _, _ = stats.chi2_contingency([[37, 363], [51, 1849]], correction=False)
    assert z is not None and p == pytest.approx(p_chi) and z**2 == pytest.approx(chi2)
    assert two_proportion_z_test(0, 10, 0, 10) == (None, None)
    assert two_proportion_z_test(1, 0, 0, 10) == (None, None)


def test_quartiles_use_linear_interpolation() -> None:
    """Q1/Q3 on a small even-sized sample equal numpy's 'linear' method, not 'nearest'."""
    from fraudwatch.explore.amounts import amount_outliers

    values = [1.0, 2.0, 4.0, 8.0, 16.0, 1000.0]
    frame = pl.DataFrame({"transaction_amount": values})
    outliers = amount_outliers(frame)
    q1, q3 = np.percentile(values, [25, 75], method="linear")
    assert outliers is not None and (outliers.q1, outliers.q3) == (q1, q3) == (2.5, 14.0)
    assert outliers.threshold == 31.25 and outliers.above == 1


# --- the commands ----------------------------------------------------------------------------


def test_explore_command_writes_the_report(sqlite_url: str, tmp_path: Path) -> None:
    """`fraudwatch explore` over a window writes a page stating that window."""
    engine = create_warehouse_engine(sqlite_url)
    create_schema(engine)
    write_explore_data(engine)
    done = run_cli(sqlite_url, tmp_path, "explore", "--start", "2026-01-05", "--end", "2026-01-12")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "reports" / "explore.html").read_text()
    assert "from 2026-01-05 00:00 to 2026-01-12 00:00 UTC" in page
    assert "wrote reports/explore.html: 1,600 transactions" in done.stdout


def test_empty_window_is_a_valid_report(sqlite_url: str, tmp_path: Path) -> None:
    """An empty window exits 0 with a page that says there are no transactions."""
    create_schema(create_warehouse_engine(sqlite_url))
    out = tmp_path / "e.html"
    done = run_cli(
        sqlite_url,
        tmp_path,
        "explore",
        "--start",
        "2020-01-01",
        "--end",
        "2020-01-08",
        "--output",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert "No transactions in this window." in out.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["explore", "--start", "soon"], "--start 'soon' is not a date"),
        (["explore", "--start", "2026-02-01", "--end", "2026-01-01"], "is not before --end"),
        (["explore", "--file", "missing.csv"], "no such file"),
        (["explore", "--file", "x.csv", "--start", "2026-01-01"], "explored whole"),
        (["report", "weekly", "--week-ending", "31/01/2026"], "is not a date"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    sqlite_url: str, tmp_path: Path, args: list[str], message: str
) -> None:
    """Bad options say what is wrong in one line, without a traceback, and exit 1."""
    create_schema(create_warehouse_engine(sqlite_url))
    done = run_cli(sqlite_url, tmp_path, *args)
    assert done.returncode == 1
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_uninitialised_warehouse_is_one_line(tmp_path: Path) -> None:
    """Exploring a warehouse without tables says to run `fraudwatch init`."""
    done = run_cli(f"sqlite:///{tmp_path / 'none.db'}", tmp_path, "report", "weekly")
    assert done.returncode == 1
    assert "fraudwatch init" in done.stderr and "Traceback" not in done.stderr


def test_explore_file_command(tmp_path: Path) -> None:
    """`fraudwatch explore --file` needs no warehouse and writes the report."""
    path = messy_csv(tmp_path / "export.csv")
    out = tmp_path / "f.html"
    done = run_cli(
        f"sqlite:///{tmp_path / 'none.db'}",
        tmp_path,
        "explore",
        "--file",
        str(path),
        "-o",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert f"file {path}" in out.read_text()


def test_weekly_command(sqlite_url: str, tmp_path: Path) -> None:
    """`fraudwatch report weekly --week-ending` writes the week's page."""
    engine = create_warehouse_engine(sqlite_url)
    create_schema(engine)
    write_weekly_data(engine)
    done = run_cli(sqlite_url, tmp_path, "report", "weekly", "--week-ending", str(WEEK_ENDING))
    assert done.returncode == 0, done.stderr
    assert "Week 2026-01-05 to 2026-01-11" in (tmp_path / "reports" / "weekly.html").read_text()


@pytest.mark.slow
def test_reports_on_a_simulated_bank(sqlite_url: str, tmp_path: Path) -> None:
    """On a simulated bank, both reports are written and their totals equal SQL counts."""
    import sqlalchemy as sa

    assert run_cli(sqlite_url, tmp_path, "init").returncode == 0
    done = run_cli(
        sqlite_url,
        tmp_path,
        "simulate",
        "backfill",
        "--days",
        "14",
        "--customers",
        "150",
        "--seed",
        "3",
        "--end",
        "2026-01-19",
    )
    assert done.returncode == 0, done.stderr
    explore = run_cli(
        sqlite_url, tmp_path, "explore", "--start", "2026-01-05", "--end", "2026-01-19"
    )
    weekly = run_cli(sqlite_url, tmp_path, "report", "weekly", "--week-ending", "2026-01-18")
    assert explore.returncode == 0 and weekly.returncode == 0, explore.stderr + weekly.stderr
    engine = create_warehouse_engine(sqlite_url)
    with engine.connect() as conn:
        n, fraud = conn.execute(
            sa.text(
                "SELECT COUNT(*), SUM(CASE WHEN l.is_fraud THEN 1 ELSE 0 END) "
                "FROM transaction_staging s LEFT JOIN fraud_labels l "
                "ON l.transaction_id = s.transaction_id WHERE s.transaction_timestamp >= "
                ":a AND s.transaction_timestamp < :b"
            ),
            {"a": datetime(2026, 1, 5), "b": datetime(2026, 1, 19)},
        ).one()
        confirmed = conn.execute(
            sa.text(
                "SELECT COUNT(*) FROM fraud_labels WHERE is_fraud = :t AND labeled_at >= :a "
                "AND labeled_at < :b AND source IN ('chargeback', 'analyst')"
            ),
            {"t": True, "a": datetime(2026, 1, 12), "b": datetime(2026, 1, 19)},
        ).scalar_one()
    assert n > 1_000 and fraud > 0
    page = (tmp_path / "reports" / "explore.html").read_text()
    assert f'<td>transactions labelled fraud</td><td class="num">{fraud:,}</td>' in page
    assert f"wrote reports/explore.html: {n:,} transactions" in explore.stdout
    weekly_page = (tmp_path / "reports" / "weekly.html").read_text()
    assert f'<div class="label">confirmed fraud</div><div class="value">{confirmed:,}</div>' in (
        weekly_page
    )
