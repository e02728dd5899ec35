"""The seed demo's way of scoring, as a baseline measured on the same model and test window.

The seed demo trained on history features but, at scoring time, had no history: velocity, rolling
amounts and the customer's average / standard deviation / z-score were constants (batch
artefacts), and it had no label-based or "new for this account" features at all. So the baseline
takes the SAME trained booster and scores the test window with every history-dependent feature
replaced by its training mean; only what the transaction and the profile say by themselves (hour,
amount, channel, type, international, credit score, tenure, risk rating …) stay live. The gap
between the two is what a point-in-time feature pipeline is worth.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# For names the feature spec does not declare: a feature depends on the past if its name says
# so (substrings of the column name).
HISTORY_MARKERS = (
    "_1h",
    "_24h",
    "_7d",
    "_30d",
    "velocity",
    "count",
    "rolling",
    "avg",
    "mean",
    "std",
    "zscore",
    "z_score",
    "since_prev",
    "since_last",
    "prior",
    "merchant_risk",
    "merchant_fraud",
    "fraud_rate",
    "new_",
    "first_",
    "history",
)


def _declared_windows() -> dict[str, bool]:
    """Return, per feature the pipeline declares, whether it looks back over a window."""
    try:
        from fraudwatch.features.spec import FEATURES
    except ImportError:
        return {}
    return {feature.name: feature.window is not None for feature in FEATURES}


def history_features(feature_list: list[str]) -> list[str]:
    """Return the features that need the account's or merchant's past (the seed's constants).

    A feature the pipeline declares with a look-back window is one; an undeclared name is one
    if it carries a history marker (`_24h`, `velocity`, `zscore` …).
    """
    declared = _declared_windows()
    return [
        name
        for name in feature_list
        if declared.get(name, any(m in name.lower() for m in HISTORY_MARKERS))
    ]


def training_means(
    x_train: npt.NDArray[np.float32], feature_list: list[str], columns: list[str]
) -> dict[str, float]:
    """Return the mean of each of `columns` over the training matrix."""
    index = {name: i for i, name in enumerate(feature_list)}
    return {name: float(np.mean(x_train[:, index[name]])) for name in columns}


def seed_demo_matrix(
    x: npt.NDArray[np.float32], feature_list: list[str], constants: dict[str, float]
) -> npt.NDArray[np.float32]:
    """Return a copy of `x` with each feature in `constants` replaced by its constant."""
    out = x.copy()
    for i, name in enumerate(feature_list):
        if name in constants:
            out[:, i] = constants[name]
    return out
