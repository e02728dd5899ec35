"""Every number of the exploration report equals direct SQL on the same warehouse.

The SQL here is written independently of the report's Polars code, and runs on every backend.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pytest
import sqlalchemy as sa
from scipy import stats
from sqlalchemy.engine import Engine

from fraudwatch.explore import ExploreReport, analyse, load_window, render_explore
from fraudwatch.explore.groups import GroupRow
from fraudwatch.warehouse import create_schema, create_warehouse_engine
from tests.explore.conftest import (
    AS_OF,
    WINDOW_END,
    WINDOW_START,
    ExploreData,
    write_explore_data,
)

WINDOW = {"start": WINDOW_START, "end": WINDOW_END}
IN_WINDOW = "s.transaction_timestamp >= :start AND s.transaction_timestamp < :end"
FROM = "FROM transaction_staging s LEFT JOIN fraud_labels l ON l.transaction_id = s.transaction_id"


def sql(engine: Engine, text: str, **params: object) -> list[tuple[object, ...]]:
    """Run a SQL text with bound parameters (the window's by default) and return its rows."""
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(text), {**WINDOW, **params})]


@pytest.fixture
def report(engine: Engine, explore_data: ExploreData) -> ExploreReport:
    """The report over the fixture window."""
    return analyse(load_window(engine, WINDOW_START, WINDOW_END), AS_OF)


def as_datetime(value: object) -> datetime:
    """SQLite returns aggregated timestamps as text; the servers as datetimes."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def as_date(value: object) -> date:
    """SQLite returns dates as text; the servers as dates."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def by_key(rows: tuple[GroupRow, ...]) -> dict[str, GroupRow]:
    return {row.key: row for row in rows}


def test_summary_counts_equal_sql(engine: Engine, report: ExploreReport) -> None:
    """Rows, time span, labels and amount statistics equal COUNT/MIN/MAX/AVG in SQL."""
    [(rows, first, last, mean, low, high, labelled, fraud)] = sql(
        engine,
        "SELECT COUNT(*), MIN(s.transaction_timestamp), MAX(s.transaction_timestamp), "
        "AVG(s.transaction_amount), MIN(s.transaction_amount), MAX(s.transaction_amount), "
        "COUNT(l.transaction_id), SUM(CASE WHEN l.is_fraud THEN 1 ELSE 0 END) "
        f"{FROM} WHERE {IN_WINDOW}",
    )
    s = report.summary
    assert (s.rows, s.first, s.last) == (rows, as_datetime(first), as_datetime(last))
    assert (s.labelled, s.fraud) == (labelled, fraud)
    [amount] = s.numeric
    assert amount.count == rows
    assert amount.mean == pytest.approx(mean) and amount.minimum == low and amount.maximum == high
    values = [v for (v,) in sql(engine, f"SELECT s.transaction_amount {FROM} WHERE {IN_WINDOW}")]
    assert amount.std == pytest.approx(np.std(values, ddof=1))


def test_iqr_threshold_equals_numpy_linear_quantiles(engine: Engine, report: ExploreReport) -> None:
    """Q1, Q3, the threshold and the count above it equal numpy's linear method on SQL rows."""
    values = np.array(
        [v for (v,) in sql(engine, f"SELECT s.transaction_amount {FROM} WHERE {IN_WINDOW}")]
    )
    q1, q3 = np.percentile(values, [25, 75], method="linear")
    threshold = q3 + 1.5 * (q3 - q1)
    outliers = report.outliers
    assert outliers is not None
    assert (outliers.q1, outliers.q3) == (pytest.approx(q1), pytest.approx(q3))
    assert outliers.threshold == pytest.approx(threshold)
    [(above,)] = sql(
        engine,
        f"SELECT COUNT(*) {FROM} WHERE {IN_WINDOW} AND s.transaction_amount > :threshold",
        threshold=outliers.threshold,
    )
    assert outliers.above == above and outliers.above > 0
    assert outliers.share_above == pytest.approx(above / len(values))


def test_iqr_quartiles_equal_percentile_cont(postgres_url: str) -> None:
    """On PostgreSQL, the quartiles equal percentile_cont (the same linear method)."""
    engine = create_warehouse_engine(postgres_url)
    try:
        create_schema(engine)
        write_explore_data(engine)
        report = analyse(load_window(engine, WINDOW_START, WINDOW_END), AS_OF)
        [(q1, q3)] = sql(
            engine,
            "SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY s.transaction_amount), "
            "percentile_cont(0.75) WITHIN GROUP (ORDER BY s.transaction_amount) "
            f"{FROM} WHERE {IN_WINDOW}",
        )
    finally:
        engine.dispose()
    assert report.outliers is not None
    assert report.outliers.q1 == pytest.approx(q1)
    assert report.outliers.q3 == pytest.approx(q3)


def test_channels_equal_group_by(engine: Engine, report: ExploreReport) -> None:
    """Count, average and total amount and fraud per channel equal SQL's GROUP BY."""
    rows = sql(
        engine,
        "SELECT s.channel_name, COUNT(*), AVG(s.transaction_amount), SUM(s.transaction_amount), "
        f"SUM(CASE WHEN l.is_fraud THEN 1 ELSE 0 END) {FROM} WHERE {IN_WINDOW} "
        "GROUP BY s.channel_name",
    )
    got = by_key(report.channels)
    assert set(got) == {name for name, *_ in rows}
    for name, count, mean, total, fraud in rows:
        row = got[str(name)]
        assert row.transactions == count and row.fraud == fraud
        assert row.mean_amount == pytest.approx(mean)
        assert row.total_amount == pytest.approx(total)


@pytest.mark.parametrize("column", ["transaction_type", "is_international"])
def test_fraud_rates_equal_group_by(engine: Engine, report: ExploreReport, column: str) -> None:
    """Fraud counts and shares by type and by international equal SQL's GROUP BY."""
    rows = sql(
        engine,
        f"SELECT s.{column}, COUNT(*), SUM(CASE WHEN l.is_fraud THEN 1 ELSE 0 END) "
        f"{FROM} WHERE {IN_WINDOW} GROUP BY s.{column}",
    )
    assert report.fraud_rates is not None
    table = getattr(report.fraud_rates, column if column != "is_international" else "international")
    got = by_key(table)
    for key, count, fraud in rows:
        # Booleans read as yes/no in the report; SQLite returns them as 0/1.
        name = ("yes" if key else "no") if column == "is_international" else str(key)
        assert (got[name].transactions, got[name].fraud) == (count, fraud)
        assert got[name].fraud_share == pytest.approx(fraud / count)


def test_amount_bands_equal_case_when(engine: Engine, report: ExploreReport) -> None:
    """Fraud rate by amount band equals SQL's CASE WHEN bands."""
    band = (
        "CASE WHEN s.transaction_amount <= 0 THEN '0 or less' "
        "WHEN s.transaction_amount < 100 THEN '0–100' "
        "WHEN s.transaction_amount < 500 THEN '100–500' "
        "WHEN s.transaction_amount < 1000 THEN '500–1,000' "
        "WHEN s.transaction_amount < 5000 THEN '1,000–5,000' ELSE '5,000 and more' END"
    )
    rows = sql(
        engine,
        f"SELECT b, COUNT(*), SUM(f) FROM (SELECT {band} AS b, "
        f"CASE WHEN l.is_fraud THEN 1 ELSE 0 END AS f {FROM} WHERE {IN_WINDOW}) t GROUP BY b",
    )
    assert report.fraud_rates is not None
    got = by_key(report.fraud_rates.amount_band)
    assert {str(b): (n, f) for b, n, f in rows} == {
        k: (r.transactions, r.fraud) for k, r in got.items()
    }
    assert report.fraud_rates.amount_band[0].key == "0 or less"


def _hour_rows(engine: Engine) -> dict[int, tuple[int, int]]:
    staging = sa.table(
        "transaction_staging",
        sa.column("transaction_id"),
        sa.column("transaction_timestamp", sa.DateTime),
    )
    labels = sa.table("fraud_labels", sa.column("transaction_id"), sa.column("is_fraud"))
    hour = sa.extract("hour", staging.c.transaction_timestamp)
    fraud = sa.func.sum(sa.case((labels.c.is_fraud == sa.true(), 1), else_=0))
    statement = (
        sa.select(hour, sa.func.count(), fraud)
        .select_from(staging.outerjoin(labels, labels.c.transaction_id == staging.c.transaction_id))
        .where(
            staging.c.transaction_timestamp >= WINDOW_START,
            staging.c.transaction_timestamp < WINDOW_END,
        )
        .group_by(hour)
    )
    with engine.connect() as conn:
        return {int(h): (int(n), int(f)) for h, n, f in conn.execute(statement)}


def test_hours_and_late_night_test_equal_sql(engine: Engine, report: ExploreReport) -> None:
    """Volume and fraud by hour equal SQL, and the p-value equals scipy's chi-square on them."""
    expected = _hour_rows(engine)
    for row in report.hours:
        assert (row.transactions, row.fraud) == expected.get(row.hour, (0, 0))
    night = [v for h, v in expected.items() if h < 6]
    day = [v for h, v in expected.items() if h >= 6]
    n1, x1 = sum(n for n, _ in night), sum(f for _, f in night)
    n2, x2 = sum(n for n, _ in day), sum(f for _, f in day)
    test = report.late_night
    assert test is not None
    assert (test.night_transactions, test.night_fraud) == (n1, x1)
    assert (test.day_transactions, test.day_fraud) == (n2, x2)
    chi2, p, _, _ = stats.chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False)
    assert test.p_value == pytest.approx(p, rel=1e-9)
    assert test.z is not None and test.z**2 == pytest.approx(chi2)
    assert test.significant == (p < 0.05)


def test_weekdays_equal_sql(engine: Engine, report: ExploreReport) -> None:
    """Volume by day of week equals SQL's count per calendar date, folded to weekdays."""
    rows = sql(
        engine,
        f"SELECT s.transaction_post_date, COUNT(*) {FROM} WHERE {IN_WINDOW} "
        "GROUP BY s.transaction_post_date",
    )
    expected = dict.fromkeys(range(7), 0)
    for day, n in rows:
        expected[as_date(day).weekday()] += int(n)  # type: ignore[call-overload]
    assert [n for _, n in report.weekdays] == [expected[i] for i in range(7)]


def test_quality_counts_equal_sql(engine: Engine, report: ExploreReport) -> None:
    """Each quality check's count equals a direct SQL count of the rows breaking its rule."""
    checks = {c.name: c.count for c in report.quality}

    def count(condition: str, **params: object) -> int:
        [(n,)] = sql(
            engine, f"SELECT COUNT(*) {FROM} WHERE {IN_WINDOW} AND ({condition})", **params
        )
        return int(n)  # type: ignore[call-overload]

    assert checks["negative amounts"] == count("s.transaction_amount < 0") == 3
    assert checks["zero amounts"] == count("s.transaction_amount = 0") == 2
    assert checks["future timestamps"] == count("s.transaction_timestamp > :as_of", as_of=AS_OF)
    assert checks["future timestamps"] > 0
    assert (
        checks["unknown channel_name"]
        == count(
            "s.channel_name NOT IN "
            "('Online Banking', 'Mobile App', 'ATM', 'Branch', 'Point of Sale')"
        )
        == 4
    )
    assert checks["unknown transaction_type"] == 1
    assert checks["missing merchant_name"] == count("s.merchant_name IS NULL")
    assert checks["duplicate ids"] == 0


def test_rendered_html_shows_the_numbers(engine: Engine, report: ExploreReport) -> None:
    """The HTML contains the SQL figures, formatted, and escapes hostile category names."""
    page = render_explore(report)
    [(rows, total)] = sql(
        engine, f"SELECT COUNT(*), SUM(s.transaction_amount) {FROM} WHERE {IN_WINDOW}"
    )
    assert f">{rows:,}<" in page
    for name, count, mean, amount in sql(
        engine,
        "SELECT s.channel_name, COUNT(*), AVG(s.transaction_amount), SUM(s.transaction_amount) "
        f"{FROM} WHERE {IN_WINDOW} GROUP BY s.channel_name",
    ):
        assert f">{name}<" in page.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        assert f">{count:,}<" in page
        assert f"{mean:,.2f}" in page and f"{amount:,.2f}" in page
    assert report.outliers is not None
    assert f"{report.outliers.threshold:,.2f}" in page
    assert report.late_night is not None and report.late_night.p_value is not None
    assert "significant at the 5% level" in page
    assert "Fax &amp; &lt;Telex&gt;" in page and "<Telex>" not in page
    assert page.count("Plotly.newPlot") >= 5
    assert page.count("plotly.js v") <= 2  # the library is inlined once (its banner)
    assert not math.isnan(float(total))  # type: ignore[arg-type]
