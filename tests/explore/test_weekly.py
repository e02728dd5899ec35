"""The weekly report's figures equal direct SQL on the same warehouse, on every backend."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.explore import WeeklyReport, render_weekly, week_window, weekly_report
from tests.explore.conftest import AS_OF, WEEK_ENDING, write_weekly_data

START, END = week_window(WEEK_ENDING)
WEEK = {"start": START, "end": END}
TX_IN_WEEK = "s.transaction_timestamp >= :start AND s.transaction_timestamp < :end"
LABEL_IN_WEEK = "l.labeled_at >= :start AND l.labeled_at < :end"
CONFIRMED = "l.is_fraud = :yes AND l.source IN ('chargeback', 'analyst')"


def one(engine: Engine, text: str) -> tuple[object, ...]:
    """Run a one-row SQL text with the week's bounds bound and return the row."""
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text(text), {**WEEK, "yes": True}).one())


def rows(engine: Engine, text: str) -> list[tuple[object, ...]]:
    """Run a SQL text with the week's bounds bound and return all rows."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(text), {**WEEK, "yes": True})]


@pytest.fixture
def report(engine: Engine) -> WeeklyReport:
    """The weekly report over the fixture week."""
    write_weekly_data(engine)
    return weekly_report(engine, WEEK_ENDING, AS_OF)


def test_week_is_seven_whole_days() -> None:
    """The week ending on a date covers that date and the six before, midnight to midnight."""
    assert week_window(date(2026, 1, 11)) == (datetime(2026, 1, 5), datetime(2026, 1, 12))


def test_volume_and_flagged_equal_sql(engine: Engine, report: WeeklyReport) -> None:
    """Volume, amount, scored and flagged equal SQL over the week's transactions."""
    count, amount, scored, flagged, flagged_amount = one(
        engine,
        "SELECT COUNT(*), SUM(s.transaction_amount), COUNT(c.transaction_key), "
        "SUM(CASE WHEN c.fraud_prediction THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN c.fraud_prediction THEN s.transaction_amount ELSE 0 END) "
        "FROM transaction_staging s "
        "LEFT JOIN ml_fraud_scores c ON c.transaction_key = s.transaction_id "
        f"WHERE {TX_IN_WEEK}",
    )
    assert (report.transactions, report.scored, report.flagged) == (count, scored, flagged)
    assert report.amount == pytest.approx(amount)
    assert report.flagged_amount == pytest.approx(flagged_amount)
    assert sum(d.transactions for d in report.days) == count
    assert sum(d.flagged for d in report.days) == flagged


def test_confirmed_fraud_and_amount_saved_equal_sql(engine: Engine, report: WeeklyReport) -> None:
    """Confirmed fraud and the amount saved (flagged before the label) equal SQL."""
    confirmed, confirmed_amount = one(
        engine,
        "SELECT COUNT(*), SUM(s.transaction_amount) FROM fraud_labels l "
        "JOIN transaction_staging s ON s.transaction_id = l.transaction_id "
        f"WHERE {LABEL_IN_WEEK} AND {CONFIRMED}",
    )
    saved, saved_amount = one(
        engine,
        "SELECT COUNT(*), SUM(s.transaction_amount) FROM fraud_labels l "
        "JOIN transaction_staging s ON s.transaction_id = l.transaction_id "
        "JOIN ml_fraud_scores c ON c.transaction_key = l.transaction_id "
        f"WHERE {LABEL_IN_WEEK} AND {CONFIRMED} "
        "AND c.fraud_prediction = :yes AND c.scored_at < l.labeled_at",
    )
    assert report.confirmed_fraud == confirmed and report.saved == saved
    assert report.confirmed_fraud_amount == pytest.approx(confirmed_amount)
    assert report.amount_saved == pytest.approx(saved_amount)
    assert 0 < report.saved < report.confirmed_fraud


def test_workload_equals_sql(engine: Engine, report: WeeklyReport) -> None:
    """Reviews by decision and analyst, and flagged-but-unreviewed, equal SQL."""
    by_decision = rows(
        engine,
        "SELECT decision, COUNT(*) FROM analyst_reviews "
        "WHERE decided_at >= :start AND decided_at < :end GROUP BY decision",
    )
    by_analyst = rows(
        engine,
        "SELECT analyst, COUNT(*) FROM analyst_reviews "
        "WHERE decided_at >= :start AND decided_at < :end GROUP BY analyst",
    )
    (open_flagged,) = one(
        engine,
        "SELECT COUNT(*) FROM transaction_staging s "
        "JOIN ml_fraud_scores c ON c.transaction_key = s.transaction_id "
        f"WHERE {TX_IN_WEEK} AND c.fraud_prediction = :yes AND NOT EXISTS ("
        "SELECT 1 FROM analyst_reviews r WHERE r.transaction_id = s.transaction_id "
        "AND r.decided_at < :end)",
    )
    assert dict(report.reviews_by_decision) == dict(by_decision)
    assert dict(report.reviews_by_analyst) == dict(by_analyst)
    assert report.reviews == sum(n for _, n in by_decision)  # type: ignore[misc]
    assert report.flagged_unreviewed == open_flagged


def test_model_performance_equals_sql(engine: Engine, report: WeeklyReport) -> None:
    """Precision and recall on the labels that arrived equal SQL's confusion matrix."""
    tp, fp, fn, tn, labels = one(
        engine,
        "SELECT "
        "SUM(CASE WHEN l.is_fraud AND c.fraud_prediction THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN NOT l.is_fraud AND c.fraud_prediction THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN l.is_fraud AND NOT c.fraud_prediction THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN NOT l.is_fraud AND NOT c.fraud_prediction THEN 1 ELSE 0 END), "
        "COUNT(*) FROM fraud_labels l "
        "LEFT JOIN ml_fraud_scores c ON c.transaction_key = l.transaction_id "
        f"WHERE {LABEL_IN_WEEK}",
    )
    p = report.performance
    assert (p.tp, p.fp, p.fn, p.tn, p.labels) == (tp, fp, fn, tn, labels)
    assert p.precision == pytest.approx(tp / (tp + fp))  # type: ignore[operator]
    assert p.recall == pytest.approx(tp / (tp + fn))  # type: ignore[operator]
    assert p.model_versions == ("m7",)


def test_rendered_weekly_shows_the_numbers(engine: Engine, report: WeeklyReport) -> None:
    """The page shows the figures, formatted, the window, the definitions, escaped names."""
    page = render_weekly(report)
    for text in (
        f"{report.transactions:,}",
        f"{report.amount:,.2f}",
        f"{report.amount_saved:,.2f}",
        f"{report.performance.precision:.2%}",
        f"{report.performance.recall:.2%}",
        "2026-01-05 to 2026-01-11",
        "scored_at &lt; labeled_at",
        "ana9 &lt;lead&gt;",
    ):
        assert text in page, text
    assert "<script" not in page


def test_empty_week_is_a_valid_report(engine: Engine) -> None:
    """A week without data gives zeros, dashes for undefined ratios, and says it is empty."""
    report = weekly_report(engine, date(2020, 1, 5), AS_OF)
    assert report.transactions == 0 and report.flagged == 0 and report.amount == 0
    assert report.performance.precision is None
    page = render_weekly(report)
    assert "No transactions in this window." in page and page.rstrip().endswith("</html>")
