"""The reports in a real browser: headless Chromium renders them with no console errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy.engine import Engine

from fraudwatch.explore import analyse, load_window, render_explore, render_weekly, weekly_report
from fraudwatch.warehouse import create_schema, create_warehouse_engine
from tests.browser import require_browser
from tests.explore.conftest import (
    AS_OF,
    WEEK_ENDING,
    WINDOW_END,
    WINDOW_START,
    write_explore_data,
    write_weekly_data,
)


@pytest.fixture
def chromium(request: pytest.FixtureRequest) -> Browser:
    """pytest-playwright's browser on Debian's Chromium (skip or, in CI, fail without it)."""
    require_browser()
    browser: Browser = request.getfixturevalue("browser")
    return browser


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Engine:
    """A fresh SQLite warehouse with the schema."""
    engine = create_warehouse_engine(sqlite_url)
    create_schema(engine)
    return engine


def open_in_chromium(
    browser: Browser, html_path: Path, screenshot: Path, headings: list[str]
) -> tuple[list[str], list[str]]:
    """Open a file:// page in headless Chromium; return (console errors, page errors).

    Saves a full-page screenshot and checks every heading in `headings` is visible.
    """
    from playwright.sync_api import expect

    console_errors: list[str] = []
    page_errors: list[str] = []
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.on(
            "console",
            lambda msg: console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        page.goto(html_path.as_uri(), wait_until="load")
        for heading in headings:
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        page.screenshot(path=str(screenshot), full_page=True)
    finally:
        page.close()
    return console_errors, page_errors


def test_explore_report_renders_without_console_errors(
    chromium: Browser, sqlite_engine: Engine, tmp_path: Path
) -> None:
    """The exploration report opens offline in Chromium, draws its charts and logs no error."""
    write_explore_data(sqlite_engine)
    report = analyse(load_window(sqlite_engine, WINDOW_START, WINDOW_END), AS_OF)
    path = tmp_path / "explore.html"
    path.write_text(render_explore(report), encoding="utf-8")
    screenshot = tmp_path / "explore.png"
    headings = ["Summary", "Data quality", "Amounts", "Channels", "Time", "Fraud rates"]
    console, errors = open_in_chromium(chromium, path, screenshot, headings)
    assert console == [] and errors == []
    assert screenshot.stat().st_size > 10_000


def test_explore_charts_are_drawn(chromium: Browser, sqlite_engine: Engine, tmp_path: Path) -> None:
    """Every Plotly chart of the report is drawn (an SVG inside each chart div)."""
    write_explore_data(sqlite_engine)
    report = analyse(load_window(sqlite_engine, WINDOW_START, WINDOW_END), AS_OF)
    path = tmp_path / "explore.html"
    path.write_text(render_explore(report), encoding="utf-8")
    page = chromium.new_page()
    try:
        page.goto(path.as_uri(), wait_until="load")
        for chart in (
            "chart-amounts",
            "chart-channels",
            "chart-hours",
            "chart-weekdays",
            "chart-bands",
        ):
            assert page.locator(f"#{chart} svg.main-svg").count() >= 1, chart
    finally:
        page.close()


def test_weekly_report_renders_without_console_errors(
    chromium: Browser, sqlite_engine: Engine, tmp_path: Path
) -> None:
    """The weekly report opens in Chromium with its headings visible and no console error."""
    write_weekly_data(sqlite_engine)
    path = tmp_path / "weekly.html"
    path.write_text(render_weekly(weekly_report(sqlite_engine, WEEK_ENDING, AS_OF)), "utf-8")
    headings = ["At a glance", "Volume", "Analyst workload", "Definitions"]
    console, errors = open_in_chromium(chromium, path, tmp_path / "weekly.png", headings)
    assert console == [] and errors == []


def test_empty_report_renders(chromium: Browser, sqlite_engine: Engine, tmp_path: Path) -> None:
    """An empty window's report is a valid page that says there is nothing in it."""
    report = analyse(load_window(sqlite_engine, WINDOW_START, WINDOW_END), AS_OF)
    path = tmp_path / "empty.html"
    path.write_text(render_explore(report), encoding="utf-8")
    console, errors = open_in_chromium(chromium, path, tmp_path / "empty.png", ["Summary"])
    assert console == [] and errors == []
