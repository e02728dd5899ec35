"""Scoring requests from memory: features on the one-transaction path, one booster call.

The waiting requests' features come from `features.online` (each request against the held
history alone, so requests never change each other's scores), then every row goes through the
booster in one call, and the rows that get reasons through one SHAP call. The verdicts equal
`scoring.batch.score_batch`'s on the warehouse (within 1e-9), reasons included: the same model,
the same float32 matrix, the same top-3 rule.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from fraudwatch.api.verdicts import Verdict, utc_text
from fraudwatch.features import Encoders
from fraudwatch.features.online import OnlineHistory
from fraudwatch.features.spec import FEATURE_COLUMNS
from fraudwatch.model import LoadedModel
from fraudwatch.model.predict import booster_proba, matrix_reasons
from fraudwatch.scoring.batch import TOP_REASONS, explained_rows
from fraudwatch.warehouse import utc_now

if TYPE_CHECKING:
    from fraudwatch.api.scoring_jobs import ReasonsMode, ScoreJob


@lru_cache(maxsize=8)
def _columns(feature_list: tuple[str, ...]) -> list[int]:
    """Return where each of the model's features is in `FEATURE_COLUMNS`."""
    position = {name: i for i, name in enumerate(FEATURE_COLUMNS)}
    missing = [name for name in feature_list if name not in position]
    if missing:
        raise ValueError(
            f"the model needs features this version does not compute: {', '.join(missing[:5])}; "
            "retrain it with this version"
        )
    return [position[name] for name in feature_list]


def score_in_memory(
    history: OnlineHistory, model: LoadedModel, reasons: ReasonsMode, jobs: Sequence[ScoreJob]
) -> list[list[Verdict]]:
    """Return each job's verdicts, in its rows' order, all scored with `model`."""
    started = time.perf_counter()
    encoders = Encoders.from_dict(model.encoders)
    rows = [values for job in jobs for values in history.features(job.rows, encoders)]
    values = np.asarray(rows, dtype=np.float64)[:, _columns(tuple(model.feature_list))]
    matrix: npt.NDArray[np.float32] = values.astype(np.float32)
    scores = booster_proba(model.booster, matrix)
    threshold = model.threshold
    explained = explained_rows(reasons, scores >= threshold).tolist()
    found = dict(zip(explained, matrix_reasons(model, matrix[explained], TOP_REASONS), strict=True))
    probability = scores.tolist()
    flagged = [p >= threshold for p in probability]
    scored_at = utc_text(utc_now())
    latency_ms = (time.perf_counter() - started) * 1_000.0
    ids = [row["transaction_id"] for job in jobs for row in job.rows]
    verdicts = [
        {
            "transaction_id": ids[i],
            "fraud_probability": probability[i],
            "fraud_prediction": flagged[i],
            "decision": "flag" if flagged[i] else "pass",
            "threshold": threshold,
            "model_version": model.version,
            "reasons": [{"feature": n, "contribution": v} for n, v in found[i]]
            if i in found
            else None,
            "scored_at": scored_at,
            "latency_ms": latency_ms,
        }
        for i in range(len(ids))
    ]
    out, offset = [], 0
    for job in jobs:
        out.append(verdicts[offset : offset + len(job.rows)])
        offset += len(job.rows)
    return out
