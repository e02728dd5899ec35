"""Real-time monitoring: volume, amounts and scoring coverage, against the previous period."""

from __future__ import annotations

from htmltools import HTML, Tag, TagList
from shiny import Inputs, Outputs, Session, module, reactive, render, ui

from fraudwatch.dashboard import charts, metrics
from fraudwatch.dashboard.kpi import (
    KpiSpec,
    amount_text,
    count_text,
    duration_text,
    kpi_row,
    share_text,
)
from fraudwatch.dashboard.view import View

SPECS = [
    KpiSpec("transactions", "Transactions", lambda k: k.transactions, count_text),
    KpiSpec("total_amount", "Total amount", lambda k: k.total_amount, amount_text),
    KpiSpec("average_amount", "Average amount", lambda k: k.average_amount, amount_text),
    KpiSpec("share_scored", "Share scored", lambda k: k.share_scored, share_text),
    KpiSpec("scoring_lag", "Scoring lag (mean)", lambda k: k.scoring_lag_seconds, duration_text),
]


@module.ui
def monitoring_ui() -> TagList:
    """Return the monitoring tab's layout."""
    return TagList(
        ui.div(
            ui.output_ui("kpis"),
            ui.output_ui("pending"),
            ui.card(ui.output_ui("volume")),
            ui.layout_columns(
                ui.card(ui.output_ui("by_channel")), ui.card(ui.output_ui("by_type"))
            ),
            {"data-tab": "monitoring"},
        )
    )


@module.server
def monitoring_server(input: Inputs, output: Outputs, session: Session, view: View) -> None:
    """Render the monitoring tab from the session's view."""

    @reactive.calc
    def current() -> metrics.Kpis:
        return metrics.kpis(view.rows(), view.filters().threshold)

    @render.ui
    def kpis() -> Tag | TagList:
        previous = metrics.kpis(view.previous_rows(), view.filters().threshold)
        return kpi_row(SPECS, current(), previous, view.filters().window)

    @render.ui
    def pending() -> Tag:
        waiting = current().pending
        text = (
            f"{waiting:,} transaction(s) in this period are pending: stored but not scored yet."
            if waiting
            else "Every transaction in this period is scored."
        )
        return ui.p(text, {"data-kpi": "pending", "data-value": str(waiting)}, class_="text-muted")

    @render.ui
    def volume() -> HTML:
        filters = view.filters()
        series = metrics.volume_series(view.rows(), filters)
        fig = charts.volume_figure(series, filters.bucket)
        return ui.HTML(charts.figure_html(fig, session.ns("volume_fig")))

    @render.ui
    def by_channel() -> HTML:
        frame = metrics.by_dimension(view.rows(), "channel_name")
        fig = charts.dimension_figure(frame, "channel_name", "By channel")
        return ui.HTML(charts.figure_html(fig, session.ns("channel_fig")))

    @render.ui
    def by_type() -> HTML:
        frame = metrics.by_dimension(view.rows(), "transaction_type")
        fig = charts.dimension_figure(frame, "transaction_type", "By transaction type")
        return ui.HTML(charts.figure_html(fig, session.ns("type_fig")))
