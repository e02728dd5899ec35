"""`fraudwatch simulate backfill` and `fraudwatch simulate stream` end to end on a SQLite file."""

from __future__ import annotations

from typer.testing import CliRunner

from fraudwatch.cli import app
from fraudwatch.cli.context import UserError
from fraudwatch.warehouse import count_rows, create_warehouse_engine, tables

runner = CliRunner()


def test_backfill_then_stream(db_url: str) -> None:
    """A backfill writes history; a stream then adds lines, one per committed transaction."""
    backfill = runner.invoke(
        app,
        [
            "--database-url",
            db_url,
            "simulate",
            "backfill",
            "--days",
            "2",
            "--customers",
            "100",
            "--seed",
            "3",
            "--end",
            "2026-03-02",
        ],
    )
    assert backfill.exit_code == 0, backfill.output
    assert "transactions" in backfill.output and "chargebacks" in backfill.output
    engine = create_warehouse_engine(db_url)
    history = count_rows(engine, tables.transaction_staging)
    assert history > 100

    stream = runner.invoke(
        app,
        [
            "--database-url",
            db_url,
            "simulate",
            "stream",
            "--batch-size",
            "4",
            "--interval",
            "0.2",
            "--duration",
            "1",
            "--seed",
            "3",
            "--customers",
            "100",
        ],
    )
    assert stream.exit_code == 0, stream.output
    lines = [line for line in stream.stdout.splitlines() if line.startswith("20")]
    assert len(lines) >= 8
    fields = lines[0].split()
    assert fields[2].startswith("S") and fields[3].startswith("$")
    assert count_rows(engine, tables.transaction_staging) == history + len(lines)


def test_bad_option_is_a_one_line_user_error(db_url: str) -> None:
    """An impossible fraud rate is refused with a message naming the option."""
    result = runner.invoke(
        app, ["--database-url", db_url, "simulate", "backfill", "--fraud-rate", "0.9"]
    )
    assert isinstance(result.exception, UserError)
    assert "fraud rate" in str(result.exception)
