"""Drift: how far the live window's distributions have moved from the champion's training window.

Measured with the population stability index, PSI = sum((a - e) * ln(a / e)) over bins, where
e and a are the bin shares in the reference (training window) and the current period; shares
are floored at 1e-4 so an empty bin does not give infinity. Rules of thumb: < 0.1 stable,
0.1–0.25 watch, > 0.25 act. The reference is aggregated in the database (GROUP BY over the
training window) once per champion version and cached.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Final

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import tables

AMOUNT_EDGES: Final = (10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1_000.0, 2_500.0, 5_000.0)
SCORE_EDGES: Final = tuple(i / 10 for i in range(1, 10))
FLOOR: Final = 1e-4
# Each distribution: its name, the window column it reads, and how values become bins.
CATEGORICAL: Final = {"channel": "channel_name", "type": "transaction_type"}


def psi(expected: dict[str, int], actual: dict[str, int]) -> float | None:
    """Return the PSI between two binned counts, or None when either side is empty.

    >>> psi({"a": 50, "b": 50}, {"a": 50, "b": 50})
    0.0
    """
    total_e, total_a = sum(expected.values()), sum(actual.values())
    if total_e == 0 or total_a == 0:
        return None
    value = 0.0
    for key in set(expected) | set(actual):
        e = max(expected.get(key, 0) / total_e, FLOOR)
        a = max(actual.get(key, 0) / total_a, FLOOR)
        value += (a - e) * math.log(a / e)
    return round(value, 6)


def _bin_label(edges: tuple[float, ...], index: int) -> str:
    low = "-inf" if index == 0 else f"{edges[index - 1]:g}"
    high = "inf" if index == len(edges) else f"{edges[index]:g}"
    return f"[{low}, {high})"


def _sql_bins(column: sa.ColumnElement[Any], edges: tuple[float, ...]) -> sa.ColumnElement[Any]:
    """Return a CASE giving the bin index (0 .. len(edges)) of `column`: bin i is [e[i-1], e[i])."""
    whens = [(column < edge, i) for i, edge in enumerate(edges)]
    return sa.case(*whens, else_=len(edges))


def _polars_bins(column: str, edges: tuple[float, ...]) -> pl.Expr:
    return (
        pl.col(column)
        .cut(list(edges), labels=[str(i) for i in range(len(edges) + 1)], left_closed=True)
        .cast(pl.String)
        .cast(pl.Int64)
    )


def reference(engine: Engine, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
    """Return the binned counts of the training window [start, end) from the warehouse.

    Amount bins and channel and type shares from transaction_staging; score bins from the
    scores of those transactions (empty when they were never scored).
    """
    staging, scores = tables.transaction_staging, tables.ml_fraud_scores
    window = (staging.c.transaction_timestamp >= start, staging.c.transaction_timestamp < end)
    out: dict[str, dict[str, int]] = {}
    amount_bin = _sql_bins(staging.c.transaction_amount, AMOUNT_EDGES).label("bin")
    score_bin = _sql_bins(scores.c.fraud_probability, SCORE_EDGES).label("bin")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(amount_bin, sa.func.count()).where(*window).group_by(amount_bin)
        ).all()
        out["amount"] = {_bin_label(AMOUNT_EDGES, int(b)): int(n) for b, n in rows}
        for name, column in CATEGORICAL.items():
            col = staging.c[column]
            rows = conn.execute(sa.select(col, sa.func.count()).where(*window).group_by(col)).all()
            out[name] = {str(v): int(n) for v, n in rows}
        joined = staging.join(scores, scores.c.transaction_key == staging.c.transaction_id)
        rows = conn.execute(
            sa.select(score_bin, sa.func.count())
            .select_from(joined)
            .where(*window)
            .group_by(score_bin)
        ).all()
        out["score"] = {_bin_label(SCORE_EDGES, int(b)): int(n) for b, n in rows}
    return out


def current(rows: pl.DataFrame) -> dict[str, dict[str, int]]:
    """Return the same binned counts for the live window's selected rows."""
    out: dict[str, dict[str, int]] = {}
    amounts = (
        rows.select(_polars_bins("transaction_amount", AMOUNT_EDGES).alias("bin"))
        .group_by("bin")
        .len()
    )
    out["amount"] = {_bin_label(AMOUNT_EDGES, int(b)): int(n) for b, n in amounts.iter_rows()}
    for name, column in CATEGORICAL.items():
        counts = rows.group_by(pl.col(column).cast(pl.String)).len()
        out[name] = {str(v): int(n) for v, n in counts.iter_rows()}
    scored = rows.filter(pl.col("fraud_probability").is_not_null())
    score_bins = (
        scored.select(_polars_bins("fraud_probability", SCORE_EDGES).alias("bin"))
        .group_by("bin")
        .len()
    )
    out["score"] = {_bin_label(SCORE_EDGES, int(b)): int(n) for b, n in score_bins.iter_rows()}
    return out


def drift_table(
    reference_counts: dict[str, dict[str, int]], current_counts: dict[str, dict[str, int]]
) -> pl.DataFrame:
    """Return name, psi, reference_n, current_n for every distribution both sides have."""
    rows = []
    for name, counts in current_counts.items():
        expected = reference_counts.get(name, {})
        value = psi(expected, counts)
        if value is not None:
            rows.append((name, value, sum(expected.values()), sum(counts.values())))
    return pl.DataFrame(
        rows,
        schema={
            "name": pl.String,
            "psi": pl.Float64,
            "reference_n": pl.Int64,
            "current_n": pl.Int64,
        },
        orient="row",
    )
