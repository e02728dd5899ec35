"""Training, evaluation, the model report and the model registry.

Scoring uses `load_champion` (or `load_model`), then `predict_proba` and `reason_codes` on a
features frame from `fraudwatch.features.compute_features`.
"""

from fraudwatch.model.booster import BoosterParams, FitResult, fit_booster
from fraudwatch.model.dataset import Dataset, build_dataset, labelled_dataset
from fraudwatch.model.labels import known_labels, label_counts, label_vector
from fraudwatch.model.metrics import evaluate
from fraudwatch.model.predict import Reason, predict_proba, reason_codes
from fraudwatch.model.registry import (
    LoadedModel,
    ModelArtifactError,
    load_champion,
    load_model,
    read_metadata,
    registry_entry,
)
from fraudwatch.model.split import SplitError, TimeSplit, plan_split, split_from_dates
from fraudwatch.model.threshold import Threshold, threshold_by_budget, threshold_by_cost
from fraudwatch.model.train import TrainedModel, TrainOptions, fit_and_evaluate
from fraudwatch.model.trainer import Published, Windows, publish, train_model

__all__ = [
    "BoosterParams",
    "Dataset",
    "FitResult",
    "LoadedModel",
    "ModelArtifactError",
    "Published",
    "Reason",
    "SplitError",
    "Threshold",
    "TimeSplit",
    "TrainOptions",
    "TrainedModel",
    "Windows",
    "build_dataset",
    "evaluate",
    "fit_and_evaluate",
    "fit_booster",
    "known_labels",
    "label_counts",
    "label_vector",
    "labelled_dataset",
    "load_champion",
    "load_model",
    "plan_split",
    "predict_proba",
    "publish",
    "read_metadata",
    "reason_codes",
    "registry_entry",
    "split_from_dates",
    "threshold_by_budget",
    "threshold_by_cost",
    "train_model",
]
