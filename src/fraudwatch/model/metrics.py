"""Evaluation: metrics at a threshold, threshold-free ranking metrics, and the alert budget.

The alert budget is what an analyst team can review: the top `share` of transactions by score
(top k%), or the top `per_day` transactions of each calendar day (UTC). Recall at the budget is the
share of known fraud inside it; precision at the budget is the share of the budget that is fraud.
Scores are ranked, never compared across days, so they need no calibration for these figures.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import polars as pl
from sklearn.metrics import average_precision_score, roc_auc_score

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.integer]
Metrics = dict[str, float | int | None]


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def ranking_metrics(y: IntArray, scores: FloatArray) -> Metrics:
    """Return ROC-AUC and PR-AUC (average precision); None when `y` has a single class."""
    if y.size == 0 or y.min() == y.max():
        return {"roc_auc": None, "pr_auc": None}
    return {
        "roc_auc": float(roc_auc_score(y, scores)),
        "pr_auc": float(average_precision_score(y, scores)),
    }


def threshold_metrics(y: IntArray, scores: FloatArray, threshold: float) -> Metrics:
    """Return the confusion counts, accuracy, precision, recall and F1 of `scores >= threshold`."""
    flagged = scores >= threshold
    positive = y == 1
    tp = int(np.sum(flagged & positive))
    fp = int(np.sum(flagged & ~positive))
    fn = int(np.sum(~flagged & positive))
    tn = int(y.size - tp - fp - fn)
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    return {
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
        "accuracy": _ratio(tp + tn, y.size),
        "precision": precision,
        "recall": recall,
        "f1": _ratio(2 * precision * recall, precision + recall),
    }


def budget_size(rows: int, share: float) -> int:
    """Return how many alerts a `share` budget allows among `rows` (at least one if rows)."""
    return min(rows, max(1, math.ceil(rows * share))) if rows else 0


def at_budget(y: IntArray, scores: FloatArray, share: float) -> Metrics:
    """Return recall and precision among the top `share` of `scores` (ties broken by position)."""
    k = budget_size(y.size, share)
    if k == 0:
        return {"recall_at_budget": 0.0, "precision_at_budget": 0.0, "budget_alerts": 0}
    top = np.argsort(-scores, kind="stable")[:k]
    hits = int(y[top].sum())
    return {
        "recall_at_budget": _ratio(hits, int(y.sum())),
        "precision_at_budget": hits / k,
        "budget_alerts": k,
    }


def at_daily_budget(y: IntArray, scores: FloatArray, days: pl.Series, per_day: int) -> Metrics:
    """Return recall and precision among the top `per_day` scores of each day in `days`."""
    frame = pl.DataFrame({"y": y, "score": scores, "day": days})
    frame = frame.with_columns(
        pl.col("score").rank("ordinal", descending=True).over("day").alias("rank")
    )
    top = frame.filter(pl.col("rank") <= per_day)
    hits = int(top["y"].sum())
    return {
        "recall_at_daily_budget": _ratio(hits, int(y.sum())),
        "precision_at_daily_budget": _ratio(hits, top.height),
        "daily_budget_alerts": top.height,
        "alerts_per_day": per_day,
    }


def alerts_per_day(days: pl.Series, share: float) -> int:
    """Return the daily alert count matching a `share` budget on an average day of `days`."""
    if days.len() == 0:
        return 1
    mean_daily = days.len() / days.n_unique()
    return max(1, round(mean_daily * share))


def evaluate(
    y: IntArray,
    scores: FloatArray,
    *,
    threshold: float,
    days: pl.Series,
    budget_share: float,
    per_day: int,
) -> Metrics:
    """Return every evaluation figure for one labelled window, as a flat JSON-ready dict."""
    metrics: Metrics = {"rows": int(y.size), "positives": int(y.sum())}
    metrics |= ranking_metrics(y, scores)
    metrics |= threshold_metrics(y, scores, threshold)
    metrics |= at_budget(y, scores, budget_share)
    metrics |= at_daily_budget(y, scores, days, per_day)
    return metrics


def day_of(timestamps: pl.Series) -> pl.Series:
    """Return the UTC calendar day of each timestamp."""
    return timestamps.dt.date()
