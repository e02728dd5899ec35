"""The JSON verdicts of `POST /v1/score`, built straight from the scoring frame.

The shapes are `ScoreOut` / `ScoreBatchOut` (the OpenAPI document says so); they are built as
plain dicts because validating our own output again with Pydantic costs more per request than
the model's prediction does.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import polars as pl

Verdict = dict[str, Any]


def utc_text(moment: datetime) -> str:
    """Return a naive UTC time in ISO 8601 with a `Z`, as Pydantic writes an aware one."""
    return f"{moment.isoformat()}Z"


def _reasons(text: str | None) -> list[dict[str, Any]] | None:
    if text is None:
        return None
    return [{"feature": name, "contribution": value} for name, value in json.loads(text)]


def verdicts(scored: pl.DataFrame, threshold: float, with_reasons: bool) -> list[Verdict]:
    """Return one `ScoreOut`-shaped dict per row of a `SCORE_SCHEMA` frame, in its order."""
    out: list[Verdict] = []
    for key, probability, flagged, version, scored_at, reasons, latency_ms in scored.iter_rows():
        out.append(
            {
                "transaction_id": key,
                "fraud_probability": probability,
                "fraud_prediction": flagged,
                "decision": "flag" if flagged else "pass",
                "threshold": threshold,
                "model_version": version,
                "reasons": _reasons(reasons) if with_reasons else None,
                "scored_at": utc_text(scored_at),
                "latency_ms": latency_ms,
            }
        )
    return out


def response_body(verdicts: list[Verdict], model_version: str, batch: bool) -> bytes:
    """Return the response JSON: the one verdict, or `{"model_version", "scores"}` for a batch."""
    payload: Any = {"model_version": model_version, "scores": verdicts} if batch else verdicts[0]
    return json.dumps(payload, separators=(",", ":")).encode()
