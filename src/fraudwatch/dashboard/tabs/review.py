"""The review queue: pick a flagged transaction, see why it was flagged, decide, leave a note.

Each decision goes through `warehouse.record_review`: appended to analyst_reviews with the
analyst's name and time, and (for confirm / legitimate) written as the label in fraud_labels.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from htmltools import Tag, TagList
from shiny import Inputs, Outputs, Session, module, reactive, render, ui

from fraudwatch.dashboard import data, review_data
from fraudwatch.dashboard.identity import analyst_from_headers, clean_name
from fraudwatch.dashboard.view import View
from fraudwatch.warehouse import record_review

DECISIONS = {
    "confirm_fraud": ("Confirm fraud", "btn-danger"),
    "legitimate": ("Mark legitimate", "btn-success"),
    "escalate": ("Escalate", "btn-warning"),
}


@module.ui
def review_ui() -> TagList:
    """Return the review tab's layout."""
    return TagList(
        ui.div(
            ui.output_ui("identity"),
            ui.layout_columns(
                ui.card(
                    ui.card_header("Open flagged transactions"),
                    ui.output_ui("queue_note"),
                    ui.output_data_frame("queue"),
                ),
                ui.card(ui.card_header("Selected transaction"), ui.output_ui("detail")),
                col_widths=[6, 6],
            ),
            ui.card(ui.card_header("Recent decisions"), ui.output_data_frame("decisions")),
            {"data-tab": "review"},
        )
    )


def _facts(pairs: dict[str, Any]) -> Tag:
    rows = [
        ui.tags.tr(ui.tags.th(k), ui.tags.td("" if v is None else str(v))) for k, v in pairs.items()
    ]
    return ui.tags.table(*rows, class_="table table-sm")


def _frame_table(frame: pl.DataFrame) -> Tag:
    head = ui.tags.tr(*(ui.tags.th(c) for c in frame.columns))
    body = [
        ui.tags.tr(*(ui.tags.td("" if v is None else str(v)) for v in row))
        for row in frame.iter_rows()
    ]
    return ui.tags.table(ui.tags.thead(head), ui.tags.tbody(*body), class_="table table-sm small")


@module.server
def review_server(input: Inputs, output: Outputs, session: Session, view: View) -> None:
    """Serve the review tab: identity, queue, detail, decisions."""
    engine = view.context.engine
    champion = review_data.ChampionCache(view.context.model_dir)
    headers = session.root_scope().http_conn.headers  # type: ignore[attr-defined]
    header_name = analyst_from_headers(dict(headers))
    signed_in = reactive.value[str | None](header_name)
    selected = reactive.value[str | None](None)
    written = reactive.value(0)  # bumped by this session's own decisions

    @reactive.calc
    def reviews() -> pl.DataFrame:
        state = view.state()
        written()
        _ = state.probe.reviews if state.probe else None
        return data.reviews(engine)

    @reactive.calc
    def queue_frame() -> pl.DataFrame:
        return review_data.open_queue(view.rows(), reviews(), view.filters().threshold)

    @render.ui
    def identity() -> Tag:
        name = signed_in()
        if header_name:
            return ui.p(
                f"Signed in as {header_name} (from the hosting platform).",
                {"data-analyst": header_name},
            )
        if name:
            return ui.p(
                f"Signed in as {name}.",
                ui.input_action_link("sign_out", "Sign out"),
                {"data-analyst": name},
            )
        return ui.div(
            ui.input_text("analyst", "Your name (needed to decide)", placeholder="e.g. Ana Silva"),
            ui.input_action_button("sign_in", "Sign in", class_="btn-sm"),
            class_="d-flex gap-2 align-items-end mb-2",
        )

    @reactive.effect
    @reactive.event(input.sign_in)
    def _sign_in() -> None:
        name = clean_name(input.analyst())
        if name is None:
            ui.notification_show("Type your name first.", type="warning")
        signed_in.set(name)

    @reactive.effect
    @reactive.event(input.sign_out)
    def _sign_out() -> None:
        signed_in.set(None)

    @render.ui
    def queue_note() -> Tag:
        total = queue_frame().height
        shown = min(total, review_data.QUEUE_ROWS)
        threshold = view.filters().threshold
        text = f"{total:,} open (model flag or score ≥ {threshold:.2f}, no decision yet)"
        if shown < total:
            text += f"; showing the {shown:,} highest scores"
        return ui.p(text, {"data-kpi": "open", "data-value": str(total)}, class_="text-muted")

    @render.data_frame
    def queue() -> render.DataGrid[pl.DataFrame]:
        return render.DataGrid(
            review_data.queue_table(queue_frame()),
            selection_mode="row",
            width="100%",
            height="360px",
        )

    @reactive.effect
    def _remember_selection() -> None:
        picked = queue.data_view(selected=True)
        if picked.height:
            selected.set(str(picked["transaction"][0]))

    @render.ui
    def detail() -> Tag | TagList:
        transaction_id = selected()
        if transaction_id is None:
            return ui.p("Select a transaction in the queue.", class_="text-muted")
        found = review_data.detail(engine, transaction_id, champion)
        if found is None:
            return ui.p(f"Transaction {transaction_id} is not in the warehouse.")
        return TagList(_detail_view(found), _decision_form(signed_in() is not None))

    def _detail_view(found: review_data.Detail) -> Tag:
        record = found.record
        facts = {
            "transaction": record["transaction_id"],
            "time (UTC)": record["transaction_timestamp"],
            "amount": f"{record['transaction_amount']:,.2f}",
            "type": record["transaction_type"],
            "channel": record["channel_name"],
            "merchant": record["merchant_name"],
            "international": record["is_international"],
            "probability": record["fraud_probability"],
            "model": record["model_version"],
            "label": record["is_fraud"] if record["is_fraud"] is not None else "none yet",
        }
        parts: list[Any] = [
            ui.h6("Transaction"),
            _facts(facts),
            ui.h6("Reason codes"),
            ui.p(found.reasons or "none stored"),
        ]
        parts += [ui.h6("Features"), ui.p(found.features_note, class_="small text-muted")]
        if found.features is not None:
            parts.append(_frame_table(found.features))
        parts += [
            ui.h6("Customer profile"),
            _facts(found.profile) if found.profile else ui.p("No profile stored for this account."),
        ]
        parts += [ui.h6("Account's recent history"), _frame_table(found.history)]
        return ui.div(*parts, {"data-detail": record["transaction_id"]})

    def _decision_form(enabled: bool) -> Tag:
        buttons = [
            ui.input_action_button(key, label, class_=f"btn-sm {style}", disabled=not enabled)
            for key, (label, style) in DECISIONS.items()
        ]
        hint = [] if enabled else [ui.p("Sign in above to decide.", class_="small text-danger")]
        return ui.div(
            ui.input_text_area("note", "Note", rows=2, width="100%"),
            *hint,
            ui.div(*buttons, class_="d-flex gap-2"),
        )

    def decide(decision: str) -> None:
        transaction_id, analyst = selected(), signed_in()
        if transaction_id is None or analyst is None:
            ui.notification_show("Sign in and select a transaction first.", type="warning")
            return
        note = (input.note() or "").strip() or None
        record_review(engine, transaction_id, decision, analyst, note)
        ui.notification_show(
            f"{DECISIONS[decision][0]}: {transaction_id} recorded.", type="message"
        )
        written.set(written() + 1)
        if decision != "escalate":
            selected.set(None)

    @reactive.effect
    @reactive.event(input.confirm_fraud)
    def _confirm() -> None:
        decide("confirm_fraud")

    @reactive.effect
    @reactive.event(input.legitimate)
    def _legitimate() -> None:
        decide("legitimate")

    @reactive.effect
    @reactive.event(input.escalate)
    def _escalate() -> None:
        decide("escalate")

    @render.data_frame
    def decisions() -> render.DataGrid[pl.DataFrame]:
        return render.DataGrid(review_data.decisions_table(reviews()), width="100%", height="300px")
