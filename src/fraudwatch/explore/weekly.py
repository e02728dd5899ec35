"""The weekly management report's figures, read from the warehouse for one week [start, end).

Definitions (also stated in the report and in docs/reports.md):

- volume and amount: transactions with `start <= transaction_timestamp < end`;
- flagged: those of them whose score has `fraud_prediction` true;
- confirmed fraud: fraud labels that arrived in the week (`labeled_at` in the week, `is_fraud`
  true) from a chargeback or an analyst's `confirm_fraud` (source 'chargeback' or 'analyst');
- amount saved: the total amount of the confirmed-fraud transactions that the model had flagged
  before the label arrived (`fraud_prediction` true and `scored_at < labeled_at`);
- analyst workload: reviews decided in the week, by decision and by analyst, and the week's
  flagged transactions with no review decided before the week's end;
- model performance: precision and recall of `fraud_prediction` on the transactions whose label
  (any source) arrived in the week and that have a score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import read_frame, tables

CONFIRMING_SOURCES: Final = ("chargeback", "analyst")


@dataclass(frozen=True)
class ModelPerformance:
    """The confusion matrix of fraud_prediction against labels that arrived in the week."""

    labels: int
    unscored: int
    tp: int
    fp: int
    fn: int
    tn: int
    model_versions: tuple[str, ...]

    @property
    def precision(self) -> float | None:
        """Return TP / (TP + FP), or None when nothing labelled was flagged."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """Return TP / (TP + FN), or None when no scored label was fraud."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass(frozen=True)
class DayRow:
    """One day of the week: transactions, their amount and how many were flagged."""

    day: date
    transactions: int
    amount: float
    flagged: int


@dataclass(frozen=True)
class WeeklyReport:
    """Every figure of the weekly management report."""

    start: datetime
    end: datetime
    generated_at: datetime
    transactions: int
    amount: float
    scored: int
    flagged: int
    flagged_amount: float
    confirmed_fraud: int
    confirmed_fraud_amount: float
    saved: int
    amount_saved: float
    reviews: int
    reviews_by_decision: tuple[tuple[str, int], ...]
    reviews_by_analyst: tuple[tuple[str, int], ...]
    flagged_unreviewed: int
    performance: ModelPerformance
    days: tuple[DayRow, ...]


def week_window(week_ending: date) -> tuple[datetime, datetime]:
    """Return [start, end) of the seven UTC days ending with `week_ending` (inclusive)."""
    end = datetime.combine(week_ending + timedelta(days=1), datetime.min.time())
    return end - timedelta(days=7), end


def weekly_report(engine: Engine, week_ending: date, generated_at: datetime) -> WeeklyReport:
    """Return the weekly figures for the seven days ending with `week_ending` (UTC)."""
    start, end = week_window(week_ending)
    week = _week_transactions(engine, start, end)
    reviewed = _reviewed_ids(engine, start, end)
    labels = _arrived_labels(engine, start, end)
    reviews = _reviews(engine, start, end)
    flagged = week.filter(pl.col("fraud_prediction").fill_null(False))
    confirmed = labels.filter(pl.col("is_fraud") & pl.col("source").is_in(CONFIRMING_SOURCES))
    saved = confirmed.filter(
        pl.col("fraud_prediction").fill_null(False) & (pl.col("scored_at") < pl.col("labeled_at"))
    )
    return WeeklyReport(
        start=start,
        end=end,
        generated_at=generated_at,
        transactions=week.height,
        amount=float(week["transaction_amount"].sum()),
        scored=week.height - week["fraud_prediction"].null_count(),
        flagged=flagged.height,
        flagged_amount=float(flagged["transaction_amount"].sum()),
        confirmed_fraud=confirmed.height,
        confirmed_fraud_amount=float(confirmed["transaction_amount"].fill_null(0.0).sum()),
        saved=saved.height,
        amount_saved=float(saved["transaction_amount"].fill_null(0.0).sum()),
        reviews=reviews.height,
        reviews_by_decision=_counts(reviews, "decision"),
        reviews_by_analyst=_counts(reviews, "analyst"),
        flagged_unreviewed=flagged.join(reviewed, on="transaction_id", how="anti").height,
        performance=_performance(labels),
        days=_days(week, start),
    )


def _week_transactions(engine: Engine, start: datetime, end: datetime) -> pl.DataFrame:
    staging, scores = tables.transaction_staging, tables.ml_fraud_scores
    statement = (
        sa.select(
            staging.c.transaction_id,
            staging.c.transaction_timestamp,
            staging.c.transaction_amount,
            scores.c.fraud_prediction,
        )
        .select_from(
            staging.outerjoin(scores, scores.c.transaction_key == staging.c.transaction_id)
        )
        .where(staging.c.transaction_timestamp >= start, staging.c.transaction_timestamp < end)
    )
    schema = pl.Schema(
        {
            "transaction_id": pl.String(),
            "transaction_timestamp": pl.Datetime("us"),
            "transaction_amount": pl.Float64(),
            "fraud_prediction": pl.Boolean(),
        }
    )
    return read_frame(engine, statement, schema)


def _reviewed_ids(engine: Engine, start: datetime, end: datetime) -> pl.DataFrame:
    """Ids of the week's transactions with a review decided before the week's end."""
    staging, reviews = tables.transaction_staging, tables.analyst_reviews
    statement = (
        sa.select(reviews.c.transaction_id)
        .distinct()
        .select_from(reviews.join(staging, staging.c.transaction_id == reviews.c.transaction_id))
        .where(
            staging.c.transaction_timestamp >= start,
            staging.c.transaction_timestamp < end,
            reviews.c.decided_at < end,
        )
    )
    return read_frame(engine, statement, pl.Schema({"transaction_id": pl.String()}))


def _arrived_labels(engine: Engine, start: datetime, end: datetime) -> pl.DataFrame:
    """Labels with `labeled_at` in the week, with their transaction's amount and score."""
    labels, staging = tables.fraud_labels, tables.transaction_staging
    scores = tables.ml_fraud_scores
    statement = (
        sa.select(
            labels.c.transaction_id,
            labels.c.is_fraud,
            labels.c.source,
            labels.c.labeled_at,
            staging.c.transaction_amount,
            scores.c.fraud_prediction,
            scores.c.scored_at,
            scores.c.model_version,
        )
        .select_from(
            labels.outerjoin(
                staging, staging.c.transaction_id == labels.c.transaction_id
            ).outerjoin(scores, scores.c.transaction_key == labels.c.transaction_id)
        )
        .where(labels.c.labeled_at >= start, labels.c.labeled_at < end)
    )
    schema = pl.Schema(
        {
            "transaction_id": pl.String(),
            "is_fraud": pl.Boolean(),
            "source": pl.String(),
            "labeled_at": pl.Datetime("us"),
            "transaction_amount": pl.Float64(),
            "fraud_prediction": pl.Boolean(),
            "scored_at": pl.Datetime("us"),
            "model_version": pl.String(),
        }
    )
    return read_frame(engine, statement, schema)


def _reviews(engine: Engine, start: datetime, end: datetime) -> pl.DataFrame:
    reviews = tables.analyst_reviews
    statement = sa.select(reviews.c.decision, reviews.c.analyst).where(
        reviews.c.decided_at >= start, reviews.c.decided_at < end
    )
    return read_frame(
        engine, statement, pl.Schema({"decision": pl.String(), "analyst": pl.String()})
    )


def _counts(frame: pl.DataFrame, column: str) -> tuple[tuple[str, int], ...]:
    counts = frame.group_by(column).len().sort(["len", column], descending=[True, False])
    return tuple((str(key), int(n)) for key, n in counts.iter_rows())


def _performance(labels: pl.DataFrame) -> ModelPerformance:
    scored = labels.filter(pl.col("fraud_prediction").is_not_null())
    truth, flagged = pl.col("is_fraud"), pl.col("fraud_prediction")

    def count(condition: pl.Expr) -> int:
        return scored.filter(condition).height

    versions = tuple(sorted(scored["model_version"].drop_nulls().unique().to_list()))
    return ModelPerformance(
        labels=labels.height,
        unscored=labels.height - scored.height,
        tp=count(truth & flagged),
        fp=count(~truth & flagged),
        fn=count(truth & ~flagged),
        tn=count(~truth & ~flagged),
        model_versions=versions,
    )


def _days(week: pl.DataFrame, start: datetime) -> tuple[DayRow, ...]:
    """One row per day of the week, zero where nothing happened."""
    per_day = week.group_by(pl.col("transaction_timestamp").dt.date().alias("day")).agg(
        pl.len().alias("n"),
        pl.col("transaction_amount").sum().alias("amount"),
        pl.col("fraud_prediction").fill_null(False).sum().alias("flagged"),
    )
    found = {day: (int(n), float(a), int(f)) for day, n, a, f in per_day.iter_rows()}
    days = [start.date() + timedelta(days=i) for i in range(7)]
    return tuple(DayRow(day, *found.get(day, (0, 0.0, 0))) for day in days)
