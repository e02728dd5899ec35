"""Scoring with a loaded model: probabilities and per-decision reason codes.

Both take a features frame as `fraudwatch.features.compute_features` returns it and select the
model's own feature list, in the model's order, so a frame with extra columns is fine and a frame
missing one is a clear error.

The booster is trained with `scale_pos_weight`, so its outputs rank risk well but overstate the
probability of fraud; thresholds stored with the model are in the same units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import polars as pl
import xgboost as xgb

if TYPE_CHECKING:
    from fraudwatch.model.registry import LoadedModel

Reason = tuple[str, float]

# Below this many rows, fixed per-call costs dominate: a Polars query (~0.2 ms here) and an
# OpenMP team for a DMatrix (~10 ms on a busy two-core machine) cost more than the work.
_FEW_ROWS = 4_096


def feature_matrix(frame: pl.DataFrame, feature_list: list[str]) -> npt.NDArray[np.float32]:
    """Return `frame`'s `feature_list` columns as a float32 matrix, in that order."""
    missing = [name for name in feature_list if name not in frame.columns]
    if missing:
        raise ValueError(
            f"the features frame lacks {len(missing)} of the model's features: "
            f"{', '.join(missing[:5])}; was it computed by the same feature pipeline version?"
        )
    if frame.height < _FEW_ROWS:
        columns = [frame.get_column(name).to_numpy() for name in feature_list]
        return np.column_stack(columns).astype(np.float32, copy=False)
    return frame.select(feature_list).cast(pl.Float32).to_numpy()


def booster_proba(booster: xgb.Booster, matrix: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """Return the booster's scores for a feature matrix (all of its trees)."""
    if matrix.shape[0] == 0:
        return np.zeros(0, dtype=np.float64)
    return np.asarray(booster.inplace_predict(matrix), dtype=np.float64)


def predict_proba(model: LoadedModel, features: pl.DataFrame) -> npt.NDArray[np.float64]:
    """Return the fraud score in [0, 1] of each row of `features`, in row order."""
    return booster_proba(model.booster, feature_matrix(features, model.feature_list))


def contributions(
    booster: xgb.Booster, matrix: npt.NDArray[np.float32], feature_names: list[str]
) -> npt.NDArray[np.float32]:
    """Return per-row, per-feature SHAP contributions (log-odds), without the bias column."""
    if matrix.shape[0] == 0:
        return np.zeros((0, len(feature_names)), dtype=np.float32)
    # A few rows (the API's) on one thread; large matrices use every core.
    threads = 1 if matrix.shape[0] < _FEW_ROWS else -1
    dmatrix = xgb.DMatrix(matrix, feature_names=feature_names, nthread=threads)
    return np.asarray(booster.predict(dmatrix, pred_contribs=True))[:, :-1]


def reason_codes(model: LoadedModel, features: pl.DataFrame, top_n: int = 3) -> list[list[Reason]]:
    """Return, per row, up to `top_n` (feature, contribution) pairs that pushed the score up most.

    Contributions are XGBoost's exact tree SHAP values in log-odds; only positive ones are
    reasons, largest first, so a clearly legitimate transaction may have fewer than `top_n`.
    """
    names = model.feature_list
    return matrix_reasons(model, feature_matrix(features, names), top_n)


def matrix_reasons(
    model: LoadedModel, matrix: npt.NDArray[np.float32], top_n: int = 3
) -> list[list[Reason]]:
    """Return `reason_codes` for a feature matrix in the model's feature order."""
    names = model.feature_list
    values = contributions(model.booster, matrix, names)
    if values.shape[0] == 0:
        return []
    k = min(top_n, len(names))
    top = np.argsort(-values, axis=1, kind="stable")[:, :k]
    reasons: list[list[Reason]] = []
    for row, indices in zip(values, top, strict=True):
        reasons.append([(names[i], round(float(row[i]), 6)) for i in indices if row[i] > 0])
    return reasons
