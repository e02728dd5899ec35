"""KPI boxes: the number, its comparison with the previous period, and how both are written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from htmltools import Tag, TagList
from shiny import ui

from fraudwatch.dashboard.metrics import WINDOW_LABELS, Kpis, change


def count_text(value: float | None) -> str:
    """Return a count with thousands separators ('—' for None)."""
    return "—" if value is None else f"{value:,.0f}"


def amount_text(value: float | None) -> str:
    """Return an amount with two decimals and thousands separators ('—' for None)."""
    return "—" if value is None else f"{value:,.2f}"


def share_text(value: float | None) -> str:
    """Return a share as a percentage with one decimal ('—' for None)."""
    return "—" if value is None else f"{value:.1%}"


def probability_text(value: float | None) -> str:
    """Return a probability with three decimals ('—' for None)."""
    return "—" if value is None else f"{value:.3f}"


def duration_text(seconds: float | None) -> str:
    """Return a duration in the largest sensible unit.

    >>> duration_text(42.0), duration_text(150.0), duration_text(7_200.0)
    ('42.0 s', '2.5 min', '2.0 h')
    """
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7_200:
        return f"{seconds / 60:.1f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} d"


def age_text(age: timedelta | None) -> str:
    """Return an age as a duration, or 'none waiting' for None."""
    return "none waiting" if age is None else duration_text(age.total_seconds())


@dataclass(frozen=True)
class KpiSpec:
    """One KPI: its key (the `data-kpi` attribute tests use), label, value and formatter."""

    key: str
    label: str
    value: Callable[[Kpis], float | None]
    text: Callable[[float | None], str]


def change_text(current: float | None, previous: float | None, window: str) -> str:
    """Return e.g. '▲ 12.3% vs previous 24 hours', or why there is no comparison."""
    period = WINDOW_LABELS[window].replace("Last", "previous")
    ratio = change(current, previous)
    if ratio is None:
        return f"no comparison: previous period empty ({period.lower()})"
    arrow = "▲" if ratio > 0 else "▼" if ratio < 0 else "■"
    return f"{arrow} {abs(ratio):.1%} vs {period.lower()} ({previous_text(previous)})"


def previous_text(previous: float | None) -> str:
    """Return the previous period's raw value in a compact form."""
    if previous is None:
        return "—"
    return f"{previous:,.0f}" if abs(previous) >= 100 else f"{previous:,.3g}"


def kpi_row(specs: list[KpiSpec], current: Kpis, previous: Kpis, window: str) -> Tag | TagList:
    """Return a row of value boxes, one per spec, each with its comparison line."""
    boxes = []
    for spec in specs:
        now_value, before = spec.value(current), spec.value(previous)
        boxes.append(
            ui.value_box(
                spec.label,
                ui.span(spec.text(now_value), {"data-kpi": spec.key}),
                ui.span(change_text(now_value, before, window), class_="small text-muted"),
            )
        )
    return ui.layout_column_wrap(*boxes, width=1 / len(specs), fill=False)
