"""Choosing the decision threshold on validation scores, by alert budget or by cost.

The threshold is chosen on validation, never on test, and stored with the model: scoring flags
`score >= threshold`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fraudwatch.model.metrics import budget_size


@dataclass(frozen=True)
class Threshold:
    """A chosen threshold, how it was chosen, and what it cost or flagged on validation."""

    value: float
    method: str  # "budget" | "cost"
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready description."""
        return {"value": self.value, "method": self.method, **self.detail}


def threshold_by_budget(scores: npt.NDArray[np.floating], share: float) -> Threshold:
    """Return the threshold that flags the top `share` of `scores` (the k-th highest score).

    Ties at the k-th score are all flagged, so slightly more than `share` may be flagged when
    many scores are equal.
    """
    if not 0.0 < share <= 1.0:
        raise ValueError(f"the alert budget share must be in (0, 1], not {share}")
    k = budget_size(scores.size, share)
    value = float(np.partition(scores, scores.size - k)[scores.size - k]) if k else 1.0
    flagged = float(np.mean(scores >= value)) if scores.size else 0.0
    return Threshold(value, "budget", {"budget_share": share, "validation_flagged_share": flagged})


def threshold_by_cost(
    y: npt.NDArray[np.integer],
    scores: npt.NDArray[np.floating],
    cost_missed_fraud: float,
    cost_false_alarm: float,
) -> Threshold:
    """Return the threshold minimising `cost_missed_fraud * FN + cost_false_alarm * FP`.

    Every distinct validation score is a candidate (flag everything at or above it), plus one
    above the maximum (flag nothing).
    """
    if cost_missed_fraud < 0 or cost_false_alarm < 0:
        raise ValueError("costs must be zero or positive")
    order = np.argsort(-scores, kind="stable")
    sorted_scores = scores[order]
    sorted_y = y[order].astype(np.int64)
    tp = np.cumsum(sorted_y)
    fp = np.cumsum(1 - sorted_y)
    # Only the last position of each run of equal scores is a reachable cut.
    last_of_run = np.append(sorted_scores[1:] != sorted_scores[:-1], True)
    positives = int(sorted_y.sum())
    cost = cost_missed_fraud * (positives - tp) + cost_false_alarm * fp
    candidates = np.flatnonzero(last_of_run)
    flag_nothing = cost_missed_fraud * positives
    best = int(candidates[np.argmin(cost[candidates])]) if candidates.size else -1
    if best < 0 or flag_nothing <= cost[best]:
        value = float(np.nextafter(sorted_scores[0], np.inf)) if scores.size else 1.0
        best_cost, flagged = flag_nothing, 0.0
    else:
        value, best_cost = float(sorted_scores[best]), float(cost[best])
        flagged = (best + 1) / scores.size
    detail = {
        "cost_missed_fraud": cost_missed_fraud,
        "cost_false_alarm": cost_false_alarm,
        "validation_cost": float(best_cost),
        "validation_flagged_share": flagged,
    }
    return Threshold(value, "cost", detail)
