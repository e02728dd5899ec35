"""Fraud detection: how much is scored and flagged, the score distribution, the high-risk list."""

from __future__ import annotations

import polars as pl
from htmltools import HTML, Tag, TagList
from shiny import Inputs, Outputs, Session, module, reactive, render, ui

from fraudwatch.dashboard import charts, data, metrics
from fraudwatch.dashboard.kpi import KpiSpec, count_text, kpi_row, probability_text, share_text
from fraudwatch.dashboard.view import View

SPECS = [
    KpiSpec("scored", "Transactions scored", lambda k: k.scored, count_text),
    KpiSpec("predicted_fraud", "Predicted fraud", lambda k: k.predicted_fraud, count_text),
    KpiSpec("fraud_rate", "Predicted fraud rate", lambda k: k.fraud_rate, share_text),
    KpiSpec(
        "average_probability",
        "Average probability",
        lambda k: k.average_probability,
        probability_text,
    ),
    KpiSpec("high_risk", "High risk (≥ threshold)", lambda k: k.high_risk, count_text),
]


@module.ui
def detection_ui() -> TagList:
    """Return the detection tab's layout."""
    return TagList(
        ui.div(
            ui.output_ui("kpis"),
            ui.layout_columns(ui.card(ui.output_ui("histogram")), ui.card(ui.output_ui("flagged"))),
            ui.card(
                ui.card_header("High-risk transactions"),
                ui.output_ui("high_risk_note"),
                ui.output_data_frame("high_risk"),
            ),
            {"data-tab": "detection"},
        )
    )


def high_risk_table(engine_rows: pl.DataFrame, details: pl.DataFrame) -> pl.DataFrame:
    """Return the high-risk rows joined with their details, in display columns and order."""
    joined = engine_rows.join(details, on="transaction_id", how="left")
    return joined.select(
        pl.col("transaction_timestamp").dt.strftime("%Y-%m-%d %H:%M:%S").alias("time (UTC)"),
        pl.col("transaction_id").alias("transaction"),
        pl.col("fraud_probability").round(3).alias("probability"),
        pl.col("transaction_amount").round(2).alias("amount"),
        pl.col("channel_name").alias("channel"),
        pl.col("transaction_type").alias("type"),
        pl.col("merchant_name").alias("merchant"),
        pl.col("is_international").alias("international"),
        pl.col("reasons").map_elements(data.reason_text, return_dtype=pl.String).alias("reasons"),
    )


@module.server
def detection_server(input: Inputs, output: Outputs, session: Session, view: View) -> None:
    """Render the detection tab from the session's view."""

    @render.ui
    def kpis() -> Tag | TagList:
        threshold = view.filters().threshold
        current = metrics.kpis(view.rows(), threshold)
        previous = metrics.kpis(view.previous_rows(), threshold)
        return kpi_row(SPECS, current, previous, view.filters().window)

    @render.ui
    def histogram() -> HTML:
        fig = charts.histogram_figure(
            metrics.probability_histogram(view.rows()), view.filters().threshold
        )
        return ui.HTML(charts.figure_html(fig, session.ns("histogram_fig")))

    @render.ui
    def flagged() -> HTML:
        filters = view.filters()
        series = metrics.flagged_series(view.rows(), filters)
        fig = charts.flagged_figure(series, filters.bucket, filters.threshold)
        return ui.HTML(charts.figure_html(fig, session.ns("flagged_fig")))

    @reactive.calc
    def top() -> pl.DataFrame:
        return metrics.high_risk(view.rows(), view.filters().threshold)

    @render.ui
    def high_risk_note() -> Tag:
        total = metrics.kpis(view.rows(), view.filters().threshold).high_risk
        shown = top().height
        text = f"{total:,} transaction(s) scored ≥ {view.filters().threshold:.2f}"
        if shown < total:
            text += f"; showing the {shown:,} highest"
        return ui.p(
            text, {"data-kpi": "high_risk_rows", "data-value": str(total)}, class_="text-muted"
        )

    @render.data_frame
    def high_risk() -> render.DataGrid[pl.DataFrame]:
        rows = top()
        details = data.transaction_details(view.context.engine, rows["transaction_id"].to_list())
        return render.DataGrid(high_risk_table(rows, details), width="100%", height="420px")
