"""The weekly management report as one short, self-contained HTML page (no scripts)."""

from __future__ import annotations

from datetime import timedelta

from fraudwatch.explore.markup import (
    esc,
    fmt_amount,
    fmt_int,
    fmt_share,
    fmt_time,
    page,
    paragraph,
    section,
    table,
)
from fraudwatch.explore.weekly import WeeklyReport

TITLE = "fraudwatch — weekly report"
EMPTY = "No transactions in this window."

DEFINITIONS = (
    ("Volume, amount", "transactions whose timestamp falls in the week, and their total amount."),
    ("Flagged", "the week's transactions the model scored with fraud_prediction = true."),
    (
        "Confirmed fraud",
        "fraud labels that arrived this week (labeled_at in the week) from a chargeback or an "
        "analyst's confirm_fraud decision, whenever the transaction happened.",
    ),
    (
        "Amount saved",
        "the total amount of this week's confirmed-fraud transactions that the model had "
        "flagged before the label arrived (fraud_prediction = true and scored_at < labeled_at).",
    ),
    (
        "Awaiting review",
        "the week's flagged transactions with no analyst review decided before the week's end.",
    ),
    (
        "Model performance",
        "precision = TP / (TP + FP) and recall = TP / (TP + FN) of fraud_prediction on the "
        "scored transactions whose label (any source) arrived this week.",
    ),
)


def _tile(label: str, value: str) -> str:
    return (
        f'<div class="tile"><div class="label">{esc(label)}</div>'
        f'<div class="value">{esc(value)}</div></div>'
    )


def render_weekly(report: WeeklyReport) -> str:
    """Return the weekly report's HTML document (a week without transactions says so)."""
    last_day = report.end - timedelta(days=1)
    header = (
        f"<h1>{esc(TITLE)}</h1>"
        + paragraph(
            f"Week {report.start:%Y-%m-%d} to {last_day:%Y-%m-%d} (UTC): from "
            f"{fmt_time(report.start)} to {fmt_time(report.end)}, end excluded.",
            "meta",
        )
        + paragraph(f"Generated at {fmt_time(report.generated_at)}.", "meta")
    )
    tiles = "".join(
        [
            _tile("transactions", fmt_int(report.transactions)),
            _tile("amount", fmt_amount(report.amount)),
            _tile("flagged", fmt_int(report.flagged)),
            _tile("confirmed fraud", fmt_int(report.confirmed_fraud)),
            _tile("amount saved", fmt_amount(report.amount_saved)),
            _tile("reviews", fmt_int(report.reviews)),
        ]
    )
    parts = [header]
    if report.transactions == 0:
        parts.append(paragraph(EMPTY, "empty"))
    parts += [
        section(
            "At a glance", f'<div class="tiles">{tiles}</div>', _headline(report), anchor="glance"
        ),
        _volume(report),
        _fraud(report),
        _workload(report),
        _performance(report),
        section("Definitions", table(["figure", "definition"], DEFINITIONS), anchor="definitions"),
    ]
    return page(TITLE, "".join(parts), with_plotly=False)


def _headline(report: WeeklyReport) -> str:
    flagged_share = report.flagged / report.transactions if report.transactions else None
    return paragraph(
        f"{report.transactions:,} transactions worth {report.amount:,.2f}; the model flagged "
        f"{report.flagged:,} ({fmt_share(flagged_share)}). {report.confirmed_fraud:,} fraud "
        f"cases were confirmed this week, worth {report.confirmed_fraud_amount:,.2f}, of which "
        f"{report.saved:,} worth {report.amount_saved:,.2f} had been flagged before confirmation.",
        "finding",
    )


def _volume(report: WeeklyReport) -> str:
    rows = [
        [f"{d.day:%a %Y-%m-%d}", fmt_int(d.transactions), fmt_amount(d.amount), fmt_int(d.flagged)]
        for d in report.days
    ]
    rows.append(
        ["week", fmt_int(report.transactions), fmt_amount(report.amount), fmt_int(report.flagged)]
    )
    scored = paragraph(
        f"{report.scored:,} of the week's {report.transactions:,} transactions have a score; "
        f"flagged transactions total {report.flagged_amount:,.2f}."
    )
    return section(
        "Volume",
        table(["day", "transactions", "amount", "flagged"], rows, numeric=[1, 2, 3]),
        scored,
        anchor="volume",
    )


def _fraud(report: WeeklyReport) -> str:
    rows = [
        [
            "confirmed fraud",
            fmt_int(report.confirmed_fraud),
            fmt_amount(report.confirmed_fraud_amount),
        ],
        [
            "flagged before confirmation (saved)",
            fmt_int(report.saved),
            fmt_amount(report.amount_saved),
        ],
    ]
    return section(
        "Fraud confirmed and amount saved",
        table(["", "transactions", "amount"], rows, numeric=[1, 2]),
        anchor="fraud",
    )


def _workload(report: WeeklyReport) -> str:
    if report.reviews:
        decisions = table(
            ["decision", "reviews"],
            [[d, fmt_int(n)] for d, n in report.reviews_by_decision],
            numeric=[1],
        )
        analysts = table(
            ["analyst", "reviews"],
            [[a, fmt_int(n)] for a, n in report.reviews_by_analyst],
            numeric=[1],
        )
    else:
        decisions, analysts = "", ""
    lead = paragraph(
        f"{report.reviews:,} reviews decided this week; {report.flagged_unreviewed:,} of the "
        f"week's {report.flagged:,} flagged transactions were awaiting review at its end."
    )
    return section("Analyst workload", lead, decisions, analysts, anchor="workload")


def _performance(report: WeeklyReport) -> str:
    p = report.performance
    lead = paragraph(
        f"{p.labels:,} labels arrived this week; {p.labels - p.unscored:,} of them are for scored "
        f"transactions (model {', '.join(p.model_versions) or '—'}). Precision "
        f"{fmt_share(p.precision)}, recall {fmt_share(p.recall)}.",
        "finding",
    )
    matrix = table(
        ["", "labelled fraud", "labelled legitimate"],
        [["flagged", fmt_int(p.tp), fmt_int(p.fp)], ["not flagged", fmt_int(p.fn), fmt_int(p.tn)]],
        numeric=[1, 2],
    )
    metrics = table(
        ["precision", "recall"], [[fmt_share(p.precision), fmt_share(p.recall)]], numeric=[0, 1]
    )
    return section(
        "Model performance on the labels that arrived", lead, matrix, metrics, anchor="performance"
    )
