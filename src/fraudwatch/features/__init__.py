"""The point-in-time feature pipeline: one function computes features for training and scoring.

For a transaction at t, a feature sees only transactions strictly before t, the customer profile
evaluated at t and labels with labeled_at < t. See docs/features.md for every feature.
"""

from fraudwatch.features.encoders import Encoders, fit_encoders
from fraudwatch.features.inputs import (
    FeatureInputs,
    ScoringHistory,
    load_scoring_inputs,
    load_training_inputs,
)
from fraudwatch.features.pipeline import compute_features
from fraudwatch.features.spec import FEATURE_COLUMNS, LOOKBACK

__all__ = [
    "FEATURE_COLUMNS",
    "LOOKBACK",
    "Encoders",
    "FeatureInputs",
    "ScoringHistory",
    "compute_features",
    "fit_encoders",
    "load_scoring_inputs",
    "load_training_inputs",
]
