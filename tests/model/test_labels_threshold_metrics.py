"""Labels as of a cut-off, thresholds on validation, and the evaluation figures."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl

from fraudwatch.model.labels import label_vector
from fraudwatch.model.metrics import at_budget, at_daily_budget, evaluate
from fraudwatch.model.threshold import threshold_by_budget, threshold_by_cost

CUTOFF = datetime(2026, 2, 1)


def _labels() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "transaction_id": ["early", "late", "analyst", "cleared"],
            "is_fraud": [True, True, True, False],
            "source": ["chargeback", "chargeback", "analyst", "analyst"],
            "labeled_at": [
                datetime(2026, 1, 10),
                datetime(2026, 2, 5),
                datetime(2026, 1, 31),
                datetime(2026, 1, 20),
            ],
        }
    )


def test_labels_known_after_the_cutoff_are_not_used():
    """A chargeback that arrives after the cut-off leaves its transaction presumed legitimate."""
    ids = pl.Series(["early", "late", "analyst", "cleared", "unlabelled"])
    assert label_vector(ids, _labels(), CUTOFF).tolist() == [1, 0, 1, 0, 0]


def test_analyst_decisions_count_as_labels():
    """An analyst's confirmed fraud known by the cut-off is a positive label."""
    assert label_vector(pl.Series(["analyst"]), _labels(), CUTOFF).tolist() == [1]


def test_threshold_by_budget_flags_about_the_budget_share():
    """A 2% budget threshold flags about 2% of the validation scores."""
    scores = np.random.default_rng(1).random(50_000)
    chosen = threshold_by_budget(scores, 0.02)
    assert abs(np.mean(scores >= chosen.value) - 0.02) < 0.001


def test_threshold_by_cost_flags_more_when_misses_cost_more():
    """Expensive misses lower the threshold; expensive false alarms raise it."""
    rng = np.random.default_rng(2)
    scores = rng.random(5_000)
    y = (rng.random(5_000) < scores * 0.1).astype(np.int8)
    cheap_alarms = threshold_by_cost(y, scores, cost_missed_fraud=100, cost_false_alarm=1)
    dear_alarms = threshold_by_cost(y, scores, cost_missed_fraud=1, cost_false_alarm=100)
    assert cheap_alarms.value < dear_alarms.value


def test_budget_metrics_count_fraud_in_the_top_scores():
    """Top 2 of 10 holds one of two frauds: recall 0.5, precision 0.5."""
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 1, 0], dtype=np.int8)
    scores = np.array([0.9, 0.8, 0.1, 0.2, 0.3, 0.1, 0.1, 0.1, 0.05, 0.1])
    figures = at_budget(y, scores, 0.2)
    assert figures["recall_at_budget"] == 0.5
    assert figures["precision_at_budget"] == 0.5


def test_daily_budget_takes_the_top_k_of_each_day():
    """One alert a day catches the top fraud of each day, not two of one day."""
    y = np.array([1, 1, 0, 1], dtype=np.int8)
    scores = np.array([0.9, 0.8, 0.1, 0.5])
    days = pl.Series([datetime(2026, 1, 1).date()] * 2 + [datetime(2026, 1, 2).date()] * 2)
    figures = at_daily_budget(y, scores, days, 1)
    assert figures["recall_at_daily_budget"] == 2 / 3
    assert figures["daily_budget_alerts"] == 2


def test_single_class_window_has_no_auc():
    """A window with no fraud reports no ROC/PR-AUC instead of failing."""
    y = np.zeros(5, dtype=np.int8)
    days = pl.Series([datetime(2026, 1, 1).date()] * 5)
    figures = evaluate(
        y, np.linspace(0, 1, 5), threshold=0.5, days=days, budget_share=0.2, per_day=1
    )
    assert figures["pr_auc"] is None and figures["roc_auc"] is None
