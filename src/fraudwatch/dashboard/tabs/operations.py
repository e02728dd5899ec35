"""Model and operations: the champion and its metrics, scoring runs, the backlog, and drift."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import polars as pl
from htmltools import HTML, Tag, TagList
from shiny import Inputs, Outputs, Session, module, reactive, render, ui

from fraudwatch.dashboard import charts, data, drift, metrics
from fraudwatch.dashboard.kpi import age_text, count_text
from fraudwatch.dashboard.view import View


@module.ui
def operations_ui() -> TagList:
    """Return the operations tab's layout."""
    return TagList(
        ui.div(
            ui.output_ui("backlog"),
            ui.layout_columns(
                ui.card(ui.card_header("Champion model"), ui.output_ui("champion")),
                ui.card(ui.output_ui("drift_chart"), ui.output_ui("drift_note")),
                col_widths=[5, 7],
            ),
            ui.card(ui.card_header("Scoring runs (latest 50)"), ui.output_data_frame("runs")),
            {"data-tab": "operations"},
        )
    )


def metric_rows(metrics_value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Return (name, value) pairs of a metrics dict; nested keys joined by dots, floats rounded."""
    if isinstance(metrics_value, str):
        metrics_value = json.loads(metrics_value)
    rows: list[tuple[str, str]] = []
    if isinstance(metrics_value, dict):
        for key, value in metrics_value.items():
            rows += metric_rows(value, f"{prefix}{key}.")
    elif isinstance(metrics_value, float):
        rows.append((prefix.rstrip("."), f"{metrics_value:.4f}"))
    elif metrics_value is not None and not isinstance(metrics_value, list):
        rows.append((prefix.rstrip("."), str(metrics_value)))
    return rows


def runs_table(runs: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """Return the runs in display columns, with duration (a running run counts up to now)."""
    end = pl.col("finished_at").fill_null(pl.lit(now))
    return runs.select(
        pl.col("started_at").dt.strftime("%Y-%m-%d %H:%M:%S").alias("started (UTC)"),
        ((end - pl.col("started_at")).dt.total_milliseconds() / 1000).round(1).alias("duration s"),
        pl.col("status"),
        pl.col("trigger"),
        pl.col("n_scored").alias("scored"),
        pl.col("n_rejected").alias("rejected"),
        pl.col("model_version").alias("model"),
        pl.col("error").fill_null(""),
    )


@module.server
def operations_server(input: Inputs, output: Outputs, session: Session, view: View) -> None:
    """Serve the operations tab."""
    engine = view.context.engine

    @reactive.calc
    def champion_entry() -> dict[str, Any] | None:
        state = view.state()
        _ = state.probe.champion if state.probe else None
        return data.champion(engine)

    @render.ui
    def backlog() -> Tag:
        view.state()
        frame = view.context.live.frame
        now = view.filters().now
        waiting = frame.filter(pl.col("fraud_probability").is_null()).height
        age = metrics.oldest_unscored(frame, now)
        boxes = [
            ui.value_box(
                "Oldest unscored transaction",
                ui.span(age_text(age), {"data-kpi": "oldest_unscored"}),
                "waiting since it was stored",
            ),
            ui.value_box(
                "Unscored transactions",
                ui.span(count_text(waiting), {"data-kpi": "unscored"}),
                "in the last 60 days",
            ),
        ]
        return ui.layout_column_wrap(*boxes, width=1 / 2, fill=False)

    @render.ui
    def champion() -> Tag | TagList:
        entry = champion_entry()
        if entry is None:
            return ui.p("No champion model yet: run `fraudwatch train`.", {"data-kpi": "champion"})
        facts = [
            ("version", entry["model_version"]),
            ("created (UTC)", entry["created_at"]),
            ("training window (UTC)", f"{entry['train_start']} – {entry['train_end']}"),
            ("test window (UTC)", f"{entry['test_start']} – {entry['test_end']}"),
            ("threshold", f"{entry['threshold']:.4f}"),
            *metric_rows(entry["metrics"]),
        ]
        rows = [ui.tags.tr(ui.tags.th(k), ui.tags.td(str(v))) for k, v in facts]
        return ui.tags.table(*rows, {"data-kpi": "champion"}, class_="table table-sm small")

    @reactive.calc
    def drift_frame() -> pl.DataFrame | None:
        entry = champion_entry()
        if entry is None or entry["train_start"] is None:
            return None
        version = str(entry["model_version"])
        references = view.context.drift_references
        if version not in references:
            references[version] = drift.reference(engine, entry["train_start"], entry["train_end"])
        return drift.drift_table(references[version], drift.current(view.rows()))

    @render.ui
    def drift_chart() -> HTML | Tag:
        frame = drift_frame()
        if frame is None:
            return ui.p(
                "Drift needs a champion model with a training window.", {"data-kpi": "drift"}
            )
        return HTML(charts.figure_html(charts.drift_figure(frame), session.ns("drift_fig")))

    @render.ui
    def drift_note() -> Tag:
        frame = drift_frame()
        if frame is None:
            return ui.span()
        worst = frame.sort("psi", descending=True).head(1)
        text = (
            "no distribution to compare"
            if worst.is_empty()
            else (
                f"Largest shift: {worst['name'][0]} (PSI {worst['psi'][0]:.3f}). "
                "Current = the filtered period; reference = the champion's training window."
            )
        )
        return ui.p(text, {"data-kpi": "drift"}, class_="small text-muted")

    @render.data_frame
    def runs() -> render.DataGrid[pl.DataFrame]:
        state = view.state()
        _ = (state.probe.last_run, state.probe.running_runs) if state.probe else None
        return render.DataGrid(
            runs_table(data.scoring_runs(engine), view.filters().now), width="100%", height="320px"
        )
