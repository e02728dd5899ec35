"""The dashboard in headless Chromium: every tab renders; filters and new data change numbers."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from fraudwatch.warehouse import insert_transactions, tables, utc_now
from tests.dashboard.conftest import Server
from tests.factories import make_transactions

TAB_KEYS = {
    "Monitoring": "monitoring",
    "Detection": "detection",
    "Review queue": "review",
    "Model & operations": "operations",
}
TABS = tuple(TAB_KEYS)


def kpi(page: Page, tab: str, key: str) -> str:
    """Return the text of one KPI of one tab."""
    return page.locator(f"[data-tab={tab}] [data-kpi={key}]").inner_text()


def open_dashboard(page: Page, server: Server) -> None:
    """Open the page and wait for the first KPI."""
    page.goto(server.url)
    expect(page.locator("[data-tab=monitoring] [data-kpi=transactions]")).to_be_visible(
        timeout=20_000
    )


def count_in_sql(server: Server, channel: str | None = None) -> int:
    """Return the number of transactions of the last 24 hours (optionally of one channel)."""
    staging = tables.transaction_staging
    statement = sa.select(sa.func.count()).where(
        staging.c.transaction_timestamp >= utc_now() - timedelta(hours=24)
    )
    if channel:
        statement = statement.where(staging.c.channel_name == channel)
    with server.seeded.engine.connect() as conn:
        return int(conn.execute(statement).scalar_one())


def test_every_tab_renders_without_errors(page: Page, dashboard: Server) -> None:
    """Each tab shows its content and no output is in the error state; no page error occurs."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_dashboard(page, dashboard)
    for tab in TABS:
        page.locator(".nav-link", has_text=tab).click()
        panel = page.locator(f"[data-tab={TAB_KEYS[tab]}]")
        expect(panel.locator("[data-kpi]").first).to_be_visible(timeout=10_000)
        if tab in ("Monitoring", "Detection"):
            expect(panel.locator(".plotly-graph-div").first).to_be_visible(timeout=10_000)
            # Drawn by plotly.js, which the page loads only after the first values.
            expect(panel.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=20_000)
        expect(page.locator(".shiny-output-error")).to_have_count(0)
    assert errors == []


def test_plotly_is_not_a_blocking_script(page: Page, dashboard: Server) -> None:
    """plotly.js is preloaded, not a blocking script of the page: the KPIs come first."""
    open_dashboard(page, dashboard)
    assert page.locator("head link[rel=preload][href$='plotly.min.js']").count() == 1
    assert page.locator("head script[src$='plotly.min.js']:not([async])").count() == 0


def test_transactions_kpi_equals_sql(page: Page, dashboard: Server) -> None:
    """The monitoring tab's transaction count is the count SQL gives for the last 24 hours."""
    open_dashboard(page, dashboard)
    expect(page.locator("[data-tab=monitoring] [data-kpi=transactions]")).to_have_text(
        f"{count_in_sql(dashboard):,}"
    )


def test_channel_filter_changes_the_numbers(page: Page, dashboard: Server) -> None:
    """Choosing one channel shows that channel's count, which differs from the total."""
    open_dashboard(page, dashboard)
    total = kpi(page, "monitoring", "transactions")
    page.select_option("#channel", "ATM")
    atm = f"{count_in_sql(dashboard, 'ATM'):,}"
    assert atm != total
    expect(page.locator("[data-tab=monitoring] [data-kpi=transactions]")).to_have_text(atm)


def test_new_transaction_appears_without_reload(page: Page, dashboard: Server) -> None:
    """A transaction written by another process shows up within the refresh interval."""
    open_dashboard(page, dashboard)
    before = count_in_sql(dashboard)
    expect(page.locator("[data-tab=monitoring] [data-kpi=transactions]")).to_have_text(
        f"{before:,}"
    )
    fresh = make_transactions(1, seed=99, start=utc_now() - timedelta(minutes=5), id_prefix="new")
    insert_transactions(dashboard.seeded.engine, fresh)
    expect(page.locator("[data-tab=monitoring] [data-kpi=transactions]")).to_have_text(
        f"{before + 1:,}", timeout=5_000
    )
    expect(page.locator("[data-tab=monitoring] [data-kpi=pending]")).to_contain_text(
        re.compile(r"\d")
    )


@pytest.mark.parametrize("window", ["1h", "7d"])
def test_time_range_follows_the_filter(page: Page, dashboard: Server, window: str) -> None:
    """The last hour holds fewer transactions than the last 24 hours; 7 days holds them all."""
    open_dashboard(page, dashboard)
    page.select_option("#window", window)
    hours = {"1h": 1, "7d": 24 * 7}[window]
    staging = tables.transaction_staging
    with dashboard.seeded.engine.connect() as conn:
        expected = conn.execute(
            sa.select(sa.func.count()).where(
                staging.c.transaction_timestamp >= utc_now() - timedelta(hours=hours)
            )
        ).scalar_one()
    expect(page.locator("[data-tab=monitoring] [data-kpi=transactions]")).to_have_text(
        f"{expected:,}"
    )


def review_rows(server: Server, transaction_id: str) -> tuple[list[Any], list[Any]]:
    """Return the analyst_reviews and fraud_labels rows of one transaction."""
    reviews, labels = tables.analyst_reviews, tables.fraud_labels
    with server.seeded.engine.connect() as conn:
        found = conn.execute(
            sa.select(reviews.c.decision, reviews.c.analyst, reviews.c.note).where(
                reviews.c.transaction_id == transaction_id
            )
        ).all()
        label = conn.execute(
            sa.select(labels.c.is_fraud, labels.c.source).where(
                labels.c.transaction_id == transaction_id
            )
        ).all()
    return [tuple(r) for r in found], [tuple(r) for r in label]


@pytest.mark.parametrize(
    ("button", "decision", "is_fraud"),
    [("confirm_fraud", "confirm_fraud", True), ("legitimate", "legitimate", False)],
)
def test_decision_writes_review_and_label(
    page: Page, dashboard: Server, button: str, decision: str, is_fraud: bool
) -> None:
    """Signing in, picking the top queued transaction and deciding writes the review and label."""
    open_dashboard(page, dashboard)
    page.locator(".nav-link", has_text="Review queue").click()
    panel = page.locator("[data-tab=review]")
    expect(panel.locator("#review-sign_in")).to_be_visible(timeout=10_000)
    expect(panel.locator(f"#review-{button}")).to_have_count(0)
    page.fill("#review-analyst", "Ana Tester")
    page.click("#review-sign_in")
    expect(panel.locator("[data-analyst]")).to_have_attribute("data-analyst", "Ana Tester")
    first = panel.locator("#review-queue tbody tr").first
    transaction_id = first.locator("td").first.inner_text()
    first.locator("td").first.click()
    expect(panel.locator(f"[data-detail='{transaction_id}']")).to_be_visible(timeout=10_000)
    page.fill("#review-note", f"checked by test ({decision})")
    page.click(f"#review-{button}")
    expect(panel.locator("#review-decisions")).to_contain_text(transaction_id, timeout=5_000)
    reviews, labels = review_rows(dashboard, transaction_id)
    assert reviews == [(decision, "Ana Tester", f"checked by test ({decision})")]
    assert labels == [(is_fraud, "analyst")]
