"""Scoring one batch: features from stored history, the champion's probability, reason codes.

`score_batch` is the function the batch job calls, and the API for what its memory cannot
serve; the API's in-memory path (`api.memory_scoring`) uses the same model, matrix and reason
rule, and tests hold the two to the same probability. It is pure: it reads the warehouse, never
writes.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Final, Literal

import numpy as np
import polars as pl
from numpy.typing import NDArray
from sqlalchemy.engine import Engine

from fraudwatch.features import (
    Encoders,
    ScoringHistory,
    compute_features,
    load_scoring_inputs,
)
from fraudwatch.model import LoadedModel, predict_proba, reason_codes
from fraudwatch.warehouse import SCORE_SCHEMA, utc_now

Reasons = Literal["flagged", "all", "none"]
REASON_MODES: Final = ("flagged", "all", "none")
TOP_REASONS: Final = 3
_FEW_ROWS: Final = 1_000


def score_batch(
    engine: Engine,
    model: LoadedModel,
    batch: pl.DataFrame,
    *,
    reasons: str = "flagged",
    now: datetime | None = None,
    history: ScoringHistory | None = None,
) -> pl.DataFrame:
    """Return one `SCORE_SCHEMA` row per row of `batch` (transactions), in batch order.

    Features come from the stored history (`load_scoring_inputs`) through `compute_features`
    with the model's encoders, exactly as in training. fraud_prediction is probability >=
    the model's threshold; reasons is JSON `[[feature, contribution], ...]` (top 3 positive
    SHAP contributions, log-odds) for every flagged row ("flagged"), every row ("all") or none
    ("none"), null otherwise; latency_ms is the time this call took, the same for every row.
    Nothing is written. `history` (a run's `ScoringHistory`) carries the read window from one
    batch to the next, and computes small batches' features one transaction at a time from it
    (`features.online`): the same features (to rounding), hence the same scores.
    """
    started = time.perf_counter()
    encoders = Encoders.from_dict(model.encoders)
    # A run's small batches (a continuous scorer's polls) come one transaction at a time from
    # the kept window (`ScoringHistory.features`); the rest through the pipeline.
    features = None if history is None else history.features(engine, batch, encoders)
    if features is None:
        load = load_scoring_inputs if history is None else history.load
        features = compute_features(load(engine, batch), encoders)
    return score_features(model, features, reasons=reasons, now=now, started=started)


def score_features(
    model: LoadedModel,
    features: pl.DataFrame,
    *,
    reasons: str = "flagged",
    now: datetime | None = None,
    started: float | None = None,
) -> pl.DataFrame:
    """Return `score_batch`'s frame for computed features (as `compute_features` returns them,
    for any rows); `started` is when the call began (latency_ms counts from it)."""
    if reasons not in REASON_MODES:
        raise ValueError(f"reasons must be one of {', '.join(REASON_MODES)}, not {reasons!r}")
    started = time.perf_counter() if started is None else started
    probability = predict_proba(model, features)
    flagged = probability >= model.threshold
    texts = _reason_texts(model, features, explained_rows(reasons, flagged))
    scored_at = now if now is not None else utc_now()
    latency_ms = (time.perf_counter() - started) * 1_000.0
    n = features.height
    return pl.DataFrame(
        {
            "transaction_key": features.get_column("transaction_id"),
            "fraud_probability": probability,
            "fraud_prediction": flagged,
            "model_version": _constant(model.version, n, pl.String()),
            "scored_at": _constant(scored_at, n, pl.Datetime("us")),
            "reasons": texts,
            "latency_ms": np.full(n, latency_ms),
        },
        schema=SCORE_SCHEMA,
    )


def _constant(value: str | datetime, n: int, dtype: pl.DataType) -> pl.Series:
    """Return `value` `n` times: from a list for a few rows (`pl.repeat` costs ~0.2 ms a call)."""
    if n < _FEW_ROWS:
        return pl.Series(values=[value] * n, dtype=dtype)
    return pl.repeat(value, n, dtype=dtype, eager=True)


def explained_rows(reasons: str, flagged: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Return the row positions that get reason codes under `reasons` ("all", "flagged" or
    "none")."""
    if reasons == "all":
        return np.arange(len(flagged), dtype=np.int64)
    if reasons == "none":
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(flagged).astype(np.int64)


def _reason_texts(model: LoadedModel, features: pl.DataFrame, rows: NDArray[np.int64]) -> pl.Series:
    """Return a JSON reason list for each of `rows`, null for every other row.

    Only the explained rows go through XGBoost's pred_contribs (the expensive part).
    """
    texts: list[str | None] = [None] * features.height
    if len(rows):
        codes = reason_codes(model, features[rows], top_n=TOP_REASONS)
        for row, pairs in zip(rows.tolist(), codes, strict=True):
            texts[row] = json.dumps([[name, value] for name, value in pairs])
    return pl.Series("reasons", texts, dtype=pl.String)
