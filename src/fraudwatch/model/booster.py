"""Fitting the XGBoost booster: early stopping on validation only, imbalance by class weight.

The test window is never passed here, so it cannot influence which round is kept.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import xgboost as xgb

FloatMatrix = npt.NDArray[np.float32]
Labels = npt.NDArray[np.int8]
EVAL_METRIC = "aucpr"


@dataclass(frozen=True)
class BoosterParams:
    """The knobs of one fit; `seed` makes a fit reproducible on the same data and core count."""

    max_rounds: int = 400
    early_stopping_rounds: int = 30
    learning_rate: float = 0.1
    max_depth: int = 6
    min_child_weight: float = 1.0
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    max_bin: int = 256
    seed: int = 42
    threads: int = field(default_factory=lambda: os.cpu_count() or 1)


@dataclass(frozen=True)
class FitResult:
    """The fitted booster, the round kept, and the validation PR-AUC after every round."""

    booster: xgb.Booster
    best_iteration: int
    validation_curve: list[float]
    scale_pos_weight: float


def scale_pos_weight(y_train: Labels) -> float:
    """Return negatives / positives of the training labels (1.0 if there are no positives)."""
    positives = int(y_train.sum())
    return (y_train.size - positives) / positives if positives else 1.0


def xgb_params(params: BoosterParams, pos_weight: float) -> dict[str, Any]:
    """Return the XGBoost parameter dict for `params`."""
    return {
        "objective": "binary:logistic",
        "eval_metric": EVAL_METRIC,
        "tree_method": "hist",
        "eta": params.learning_rate,
        "max_depth": params.max_depth,
        "min_child_weight": params.min_child_weight,
        "subsample": params.subsample,
        "colsample_bytree": params.colsample_bytree,
        "max_bin": params.max_bin,
        "scale_pos_weight": pos_weight,
        "seed": params.seed,
        "nthread": params.threads,
    }


def fit_booster(
    x_train: FloatMatrix,
    y_train: Labels,
    x_validation: FloatMatrix,
    y_validation: Labels,
    feature_names: list[str],
    params: BoosterParams | None = None,
) -> FitResult:
    """Fit a booster on train, stopping when validation PR-AUC stops improving.

    Only validation is in `evals`, so early stopping sees validation and nothing else; the
    returned booster is cut to its best round, so predictions use exactly that round.
    """
    params = params or BoosterParams()
    weight = scale_pos_weight(y_train)
    dtrain = xgb.DMatrix(
        x_train, label=y_train, feature_names=feature_names, nthread=params.threads
    )
    dvalid = xgb.DMatrix(
        x_validation, label=y_validation, feature_names=feature_names, nthread=params.threads
    )
    history: dict[str, dict[str, list[float]]] = {}
    booster = xgb.train(
        xgb_params(params, weight),
        dtrain,
        num_boost_round=params.max_rounds,
        evals=[(dvalid, "validation")],
        early_stopping_rounds=params.early_stopping_rounds,
        evals_result=history,
        verbose_eval=False,
    )
    best = int(booster.best_iteration)
    trimmed = booster[: best + 1]
    trimmed.feature_names = feature_names
    return FitResult(
        booster=trimmed,
        best_iteration=best,
        validation_curve=[float(v) for v in history["validation"][EVAL_METRIC]],
        scale_pos_weight=weight,
    )
