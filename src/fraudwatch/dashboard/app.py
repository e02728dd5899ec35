"""The dashboard application: filters in a sidebar shared by every tab, one module per tab.

`create_app(database_url, model_dir, refresh_seconds)` builds it; `fraudwatch serve dashboard`
runs it. `shiny run fraudwatch.dashboard.app:app` also works: `app` is then built on first use
from the settings (FRAUDWATCH_DATABASE_URL, FRAUDWATCH_MODEL_DIR, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from htmltools import Tag, TagList
from shiny import App, Inputs, Outputs, Session, reactive, render, ui

from fraudwatch.config import get_settings
from fraudwatch.dashboard import charts, metrics
from fraudwatch.dashboard.probe import WarehouseState, make_state
from fraudwatch.dashboard.tabs.detection import detection_server, detection_ui
from fraudwatch.dashboard.tabs.monitoring import monitoring_server, monitoring_ui
from fraudwatch.dashboard.tabs.operations import operations_server, operations_ui
from fraudwatch.dashboard.tabs.review import review_server, review_ui
from fraudwatch.dashboard.view import Context, View
from fraudwatch.dashboard.window import LiveWindow
from fraudwatch.schemas import CHANNELS, TRANSACTION_TYPES
from fraudwatch.warehouse import create_warehouse_engine, utc_now

ALL = "all"
# How often the relative time range slides forward when no data changes.
SLIDE_SECONDS = 60.0


def _sidebar(default_threshold: float) -> Any:
    return ui.sidebar(
        ui.input_select("window", "Time range", metrics.WINDOW_LABELS, selected="24h"),
        ui.input_select("channel", "Channel", {ALL: "All channels"} | {c: c for c in CHANNELS}),
        ui.input_select(
            "transaction_type",
            "Transaction type",
            {ALL: "All types"} | {t: t for t in TRANSACTION_TYPES},
        ),
        ui.input_slider(
            "threshold", "Risk threshold", min=0.05, max=0.95, value=default_threshold, step=0.05
        ),
        ui.output_ui("status"),
        ui.p("All times are UTC.", class_="small text-muted"),
        width=260,
    )


def _plotly_head() -> TagList:
    """Return the head's plotly.js: served from the installed plotly package, preloaded (fetched
    in parallel, not parsed) and run by the chart loader after the first values are painted."""
    script = ui.include_js(charts.PLOTLY_JS, method="link")
    src = str(script.attrs["src"])
    return TagList(
        *script.get_dependencies(),
        ui.tags.link(rel="preload", href=src, as_="script"),
        ui.tags.script(charts.plotly_loader_js(src)),
    )


def build_ui(default_threshold: float) -> Tag:
    """Return the page: a navbar with one panel per tab and the shared filter sidebar."""
    return ui.page_navbar(
        ui.nav_panel("Monitoring", monitoring_ui("monitoring"), value="monitoring"),
        ui.nav_panel("Detection", detection_ui("detection"), value="detection"),
        ui.nav_panel("Review queue", review_ui("review"), value="review"),
        ui.nav_panel("Model & operations", operations_ui("operations"), value="operations"),
        title="fraudwatch",
        id="tab",
        sidebar=_sidebar(default_threshold),
        header=ui.head_content(_plotly_head()),
        fillable=False,
    )


# Tab value -> its module's server, started on first view (the module id is the tab value).
LAZY_TABS: dict[str, Callable[[str, View], None]] = {
    "detection": detection_server,
    "review": review_server,
    "operations": operations_server,
}


def _choice(value: str) -> str | None:
    return None if value == ALL else value


def build_server(context: Context, state: Any) -> Any:
    """Return the session function: the shared view, then every tab module's server."""

    def server(input: Inputs, output: Outputs, session: Session) -> None:
        @reactive.calc
        def warehouse() -> WarehouseState:
            return state()  # type: ignore[no-any-return]

        @reactive.calc
        def filters() -> metrics.Filters:
            warehouse()  # new data moves "now" forward, and so does time itself
            reactive.invalidate_later(SLIDE_SECONDS)
            return metrics.Filters(
                now=utc_now(),
                window=input.window(),
                channel=_choice(input.channel()),
                transaction_type=_choice(input.transaction_type()),
                threshold=float(input.threshold()),
            )

        @reactive.calc
        def rows() -> pl.DataFrame:
            return metrics.select(context.live.frame, filters())

        @reactive.calc
        def previous_rows() -> pl.DataFrame:
            return metrics.select(context.live.frame, filters().previous())

        @render.ui
        def status() -> Tag:
            seen = warehouse()
            if seen.error:
                return ui.p(seen.error, class_="small text-danger")
            every = f"{context.refresh_seconds:g}"
            return ui.p(
                f"Updated {filters().now:%H:%M:%S} UTC; refresh every {every} s.",
                class_="small text-muted",
            )

        view = View(context, filters, rows, previous_rows, warehouse)
        monitoring_server("monitoring", view)
        # The other tabs' servers start when their tab is first opened: a session that never
        # opens them builds none of their reactive objects (a few ms each, ~25 per tab) and
        # the first render waits only for the monitoring tab.
        started: set[str] = set()

        @reactive.effect
        def _start_tab() -> None:
            tab = input.tab()
            start = LAZY_TABS.get(tab)
            if start is not None and tab not in started:
                started.add(tab)
                with reactive.isolate():
                    start(tab, view)

    return server


def create_app(
    database_url: str,
    model_dir: Path | str = "models",
    refresh_seconds: float = 5.0,
    *,
    high_risk_threshold: float = 0.7,
) -> App:
    """Return the dashboard for the warehouse at `database_url`.

    Starts reading the live window in the background and sets up the process's one probe.
    """
    engine = create_warehouse_engine(database_url)
    live = LiveWindow(engine)
    live.load_in_background()
    context = Context(engine, Path(model_dir), live, refresh_seconds, high_risk_threshold)
    state = make_state(engine, live, refresh_seconds)
    return App(build_ui(high_risk_threshold), build_server(context, state))


def app_from_settings() -> App:
    """Return the dashboard configured by fraudwatch's settings (environment, `.env`)."""
    settings = get_settings()
    return create_app(
        settings.database_url,
        settings.model_dir,
        settings.dashboard_refresh_seconds,
        high_risk_threshold=settings.high_risk_threshold,
    )


_app: App | None = None


def __getattr__(name: str) -> App:
    """Build `app` from the settings on first access (for `shiny run ...app:app`)."""
    global _app
    if name != "app":
        raise AttributeError(name)
    if _app is None:
        _app = app_from_settings()
    return _app
