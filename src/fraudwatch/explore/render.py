"""The exploration report as one self-contained HTML page, rendered from an ExploreReport."""

from __future__ import annotations

import polars as pl

from fraudwatch.explore import charts
from fraudwatch.explore.amounts import QUANTILE_METHOD, outliers_sentence
from fraudwatch.explore.analysis import ExploreReport, FraudRates, channel_sentence
from fraudwatch.explore.groups import GroupRow
from fraudwatch.explore.markup import (
    esc,
    figure,
    fmt_amount,
    fmt_int,
    fmt_share,
    fmt_time,
    page,
    paragraph,
    section,
    table,
)
from fraudwatch.explore.timing import late_night_sentence

TITLE = "fraudwatch — data exploration"
EMPTY = "No transactions in this window."


def render_explore(report: ExploreReport) -> str:
    """Return the whole HTML document for `report` (an empty report says so and stays valid)."""
    header = (
        f"<h1>{esc(TITLE)}</h1>"
        + paragraph(f"Source: {report.source.description}.", "meta")
        + paragraph(f"Generated at {fmt_time(report.generated_at)}. All times are UTC.", "meta")
    )
    if report.empty:
        body = header + section("Summary", paragraph(EMPTY, "empty"), anchor="summary")
        return page(TITLE, body, with_plotly=False)
    parts = [
        header,
        _summary(report),
        _quality(report),
        _amounts(report),
        _channels(report),
        _time(report),
        _fraud_rates(report.fraud_rates),
    ]
    return page(TITLE, "".join(parts), with_plotly=True)


def _summary(report: ExploreReport) -> str:
    s = report.summary
    facts = table(
        ["figure", "value"],
        [
            ["rows", fmt_int(s.rows)],
            ["columns", fmt_int(len(s.columns))],
            ["first transaction", fmt_time(s.first)],
            ["last transaction", fmt_time(s.last)],
            ["transactions with a label", fmt_int(s.labelled)],
            ["transactions labelled fraud", fmt_int(s.fraud)],
        ],
        numeric=[1],
    )
    columns = table(
        ["column", "type", "missing"],
        [[c.name, c.dtype, fmt_int(c.missing)] for c in s.columns],
        numeric=[2],
    )
    stats = table(
        ["column", "count", "mean", "std (n−1)", "min", "Q1", "median", "Q3", "max"],
        [
            [
                n.column,
                fmt_int(n.count),
                *map(fmt_amount, (n.mean, n.std, n.minimum, n.q1, n.median, n.q3, n.maximum)),
            ]
            for n in s.numeric
        ],
        numeric=range(1, 9),
    )
    return section(
        "Summary",
        facts,
        "<h3>Columns and types</h3>",
        columns,
        "<h3>Numeric statistics</h3>",
        stats,
        anchor="summary",
    )


def _quality(report: ExploreReport) -> str:
    rows = [
        [c.name, c.rule, fmt_int(c.count), "; ".join(c.examples) or "—"] for c in report.quality
    ]
    problems = sum(1 for c in report.quality if c.count)
    lead = (
        f"{problems} of {len(report.quality)} checks found problems."
        if problems
        else "No check found a problem."
    )
    return section(
        "Data quality",
        paragraph(lead, "finding"),
        table(["check", "rule", "rows", "examples"], rows, numeric=[2]),
        anchor="quality",
    )


def _amounts(report: ExploreReport) -> str:
    parts: list[str] = []
    hist = report.histogram
    if hist.counts:
        bins = pl.DataFrame(
            {"lower": hist.edges[:-1], "upper": hist.edges[1:], "count": hist.counts}
        )
        threshold = report.outliers.threshold if report.outliers else None
        parts.append(figure(charts.amount_histogram_figure(bins, threshold), "chart-amounts"))
    if hist.not_positive:
        parts.append(
            paragraph(
                f"{hist.not_positive:,} amounts of zero or less are not on the log-scale histogram."
            )
        )
    if report.outliers:
        o = report.outliers
        parts.append(paragraph(outliers_sentence(o), "finding"))
        parts.append(
            table(
                ["Q1", "Q3", "IQR", "threshold (Q3 + 1.5 IQR)", "above", "share above"],
                [
                    [
                        fmt_amount(o.q1),
                        fmt_amount(o.q3),
                        fmt_amount(o.iqr),
                        fmt_amount(o.threshold),
                        fmt_int(o.above),
                        fmt_share(o.share_above),
                    ]
                ],
                numeric=range(6),
            )
        )
        parts.append(paragraph(f"Quartile method: {QUANTILE_METHOD}.", "meta"))
    return section("Amounts", *parts, anchor="amounts")


def _group_table(rows: tuple[GroupRow, ...], key: str, with_fraud: bool) -> str:
    headers = [key, "transactions", "average amount", "total amount"]
    if with_fraud:
        headers += ["labelled fraud", "fraud share"]
    body = []
    for r in rows:
        cells = [
            r.key,
            fmt_int(r.transactions),
            fmt_amount(r.mean_amount),
            fmt_amount(r.total_amount),
        ]
        if with_fraud:
            cells += [fmt_int(r.fraud), fmt_share(r.fraud_share)]
        body.append(cells)
    return table(headers, body, numeric=range(1, len(headers)))


def _channels(report: ExploreReport) -> str:
    frame = pl.DataFrame(
        {
            "key": [r.key for r in report.channels],
            "transactions": [r.transactions for r in report.channels],
            "total_amount": [r.total_amount for r in report.channels],
        }
    )
    return section(
        "Channels",
        paragraph(channel_sentence(report.channels), "finding"),
        figure(charts.channel_figure(frame), "chart-channels"),
        _group_table(report.channels, "channel", with_fraud=False),
        anchor="channels",
    )


def _time(report: ExploreReport) -> str:
    labelled = report.late_night is not None
    hours = pl.DataFrame(
        {
            "hour": [h.hour for h in report.hours],
            "transactions": [h.transactions for h in report.hours],
            "fraud_share": [h.fraud_share for h in report.hours],
        },
        schema={"hour": pl.Int64, "transactions": pl.Int64, "fraud_share": pl.Float64},
    )
    days = pl.DataFrame(
        {"day": [d for d, _ in report.weekdays], "transactions": [n for _, n in report.weekdays]}
    )
    hour_rows = [
        [f"{h.hour:02d}:00", fmt_int(h.transactions)]
        + ([fmt_int(h.fraud), fmt_share(h.fraud_share)] if labelled else [])
        for h in report.hours
    ]
    hour_headers = ["hour (UTC)", "transactions"] + (
        ["labelled fraud", "fraud share"] if labelled else []
    )
    parts = [
        figure(charts.hour_figure(hours, labelled), "chart-hours"),
        figure(charts.weekday_figure(days), "chart-weekdays"),
    ]
    if report.late_night is not None:
        t = report.late_night
        parts.append(paragraph(late_night_sentence(t), "finding"))
        parts.append(
            table(
                ["period", "transactions", "labelled fraud", "fraud share"],
                [
                    [
                        "late night 00:00–05:59",
                        fmt_int(t.night_transactions),
                        fmt_int(t.night_fraud),
                        fmt_share(t.night_share),
                    ],
                    [
                        "daytime 06:00–23:59",
                        fmt_int(t.day_transactions),
                        fmt_int(t.day_fraud),
                        fmt_share(t.day_share),
                    ],
                ],
                numeric=[1, 2, 3],
            )
        )
    else:
        parts.append(
            paragraph(
                "No labels in this data: fraud share by hour and the late-night test need them."
            )
        )
    parts.append(table(hour_headers, hour_rows, numeric=range(1, len(hour_headers))))
    parts.append(
        table(
            ["day (UTC)", "transactions"],
            [[d, fmt_int(n)] for d, n in report.weekdays],
            numeric=[1],
        )
    )
    return section("Time", *parts, anchor="time")


def _fraud_rates(rates: FraudRates | None) -> str:
    if rates is None:
        return section(
            "Fraud rates",
            paragraph("No labels in this data, so no fraud rates."),
            anchor="fraud-rates",
        )
    note = paragraph(
        "Fraud share = transactions labelled fraud ÷ all transactions of the group; "
        "a transaction without a label counts as not known to be fraud.",
        "meta",
    )
    bands = pl.DataFrame(
        {
            "key": [r.key for r in rates.amount_band],
            "fraud_share": [r.fraud_share for r in rates.amount_band],
        }
    )
    return section(
        "Fraud rates",
        note,
        "<h3>By channel</h3>",
        _group_table(rates.channel, "channel", with_fraud=True),
        "<h3>By transaction type</h3>",
        _group_table(rates.transaction_type, "type", with_fraud=True),
        "<h3>International</h3>",
        _group_table(rates.international, "international", with_fraud=True),
        "<h3>By amount band</h3>",
        figure(charts.fraud_share_figure(bands, "Fraud share by amount band"), "chart-bands"),
        _group_table(rates.amount_band, "amount band", with_fraud=True),
        anchor="fraud-rates",
    )
