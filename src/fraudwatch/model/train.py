"""One training run on a Dataset: fit, choose the threshold, evaluate, and score the baseline.

Pure computation on in-memory data (no warehouse, no files): `trainer.py` wraps it with loading,
the report and the registry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from fraudwatch.model.baseline import history_features, seed_demo_matrix, training_means
from fraudwatch.model.booster import BoosterParams, FitResult, fit_booster
from fraudwatch.model.dataset import Dataset, Part
from fraudwatch.model.metrics import alerts_per_day, day_of, evaluate
from fraudwatch.model.predict import booster_proba
from fraudwatch.model.split import TimeSplit
from fraudwatch.model.threshold import Threshold, threshold_by_budget, threshold_by_cost

BASELINE_NAME = "seed-demo scoring (history features constant)"


@dataclass(frozen=True)
class TrainOptions:
    """How to fit and judge a model.

    The threshold is chosen by cost when both costs are given, else by the alert budget (the
    top `budget_share` of validation scores). `alerts_per_day` defaults to the budget share of
    an average test day.
    """

    budget_share: float = 0.01
    alerts_per_day: int | None = None
    cost_missed_fraud: float | None = None
    cost_false_alarm: float | None = None
    params: BoosterParams = field(default_factory=BoosterParams)


@dataclass(frozen=True)
class TrainedModel:
    """A fitted booster with its threshold, metrics and the test scores the report plots."""

    fit: FitResult
    feature_list: list[str]
    encoders: dict[str, Any]
    split: TimeSplit
    threshold: Threshold
    metrics: dict[str, Any]
    test: Part
    test_scores: npt.NDArray[np.float64]
    baseline_scores: npt.NDArray[np.float64]
    baseline_constants: dict[str, float]


def choose_threshold(
    y_validation: npt.NDArray[np.int8],
    validation_scores: npt.NDArray[np.float64],
    options: TrainOptions,
) -> Threshold:
    """Return the threshold by cost if both costs are set, else by alert budget, on validation."""
    if options.cost_missed_fraud is not None and options.cost_false_alarm is not None:
        return threshold_by_cost(
            y_validation, validation_scores, options.cost_missed_fraud, options.cost_false_alarm
        )
    return threshold_by_budget(validation_scores, options.budget_share)


def _evaluate(
    part: Part, scores: npt.NDArray[np.float64], threshold: float, share: float, per_day: int
) -> dict[str, Any]:
    return evaluate(
        part.y,
        scores,
        threshold=threshold,
        days=day_of(part.timestamps),
        budget_share=share,
        per_day=per_day,
    )


def fit_and_evaluate(dataset: Dataset, options: TrainOptions | None = None) -> TrainedModel:
    """Fit on train, stop early and pick the threshold on validation, measure on test.

    The baseline scores the test window with the same booster, history features at their
    training means (see baseline.py), at the same threshold and budget.
    """
    options = options or TrainOptions()
    started = time.perf_counter()
    train, validation, test = (dataset.part(name) for name in ("train", "validation", "test"))
    for name, part in (("train", train), ("validation", validation)):
        if part.y.sum() == 0:
            raise ValueError(
                f"the {name} window has no known fraud (labels as of {dataset.split.cutoff}); "
                "train on more history or wait for chargebacks to arrive"
            )
    names = dataset.feature_list
    fit = fit_booster(train.x, train.y, validation.x, validation.y, names, options.params)
    fit_seconds = time.perf_counter() - started
    validation_scores = booster_proba(fit.booster, validation.x)
    test_scores = booster_proba(fit.booster, test.x)
    threshold = choose_threshold(validation.y, validation_scores, options)
    per_day = options.alerts_per_day or alerts_per_day(
        day_of(test.timestamps), options.budget_share
    )

    constants = training_means(train.x, names, history_features(names))
    baseline_scores = booster_proba(fit.booster, seed_demo_matrix(test.x, names, constants))

    share, value = options.budget_share, threshold.value
    metrics: dict[str, Any] = {
        "test": _evaluate(test, test_scores, value, share, per_day),
        "validation": _evaluate(validation, validation_scores, value, share, per_day),
        "baseline": {
            "name": BASELINE_NAME,
            "constant_features": sorted(constants),
            "test": _evaluate(test, baseline_scores, value, share, per_day),
        },
        "threshold": threshold.to_dict(),
        "budget": {"share": share, "alerts_per_day": per_day},
        "training": {
            "rows": {"train": train.rows, "validation": validation.rows, "test": test.rows},
            "positives": {
                "train": int(train.y.sum()),
                "validation": int(validation.y.sum()),
                "test": int(test.y.sum()),
            },
            "best_iteration": fit.best_iteration,
            "rounds_tried": len(fit.validation_curve),
            "scale_pos_weight": fit.scale_pos_weight,
            "negative_sample_share": fit.negative_share,
            "fit_seconds": round(fit_seconds, 3),
            "threads": options.params.threads,
        },
        "labels": dataset.label_summary,
    }
    return TrainedModel(
        fit=fit,
        feature_list=names,
        encoders=dataset.encoders,
        split=dataset.split,
        threshold=threshold,
        metrics=metrics,
        test=test,
        test_scores=test_scores,
        baseline_scores=baseline_scores,
        baseline_constants=constants,
    )
