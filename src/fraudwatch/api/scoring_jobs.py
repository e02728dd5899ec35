"""Scoring the requests that were waiting together.

Each request is a `ScoreJob`. Jobs whose history memory holds are scored together, per model and
reasons mode, by `memory_scoring.score_in_memory`: each job's features from the held history
alone (requests are not stored, so they never change each other's scores), one booster call for
all. A job memory does not hold (a transaction older than the window, or history not loaded or
stale) is scored by `score_batch` on the warehouse instead: slower, the same result.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import polars as pl
from sqlalchemy.engine import Engine

from fraudwatch.api.memory_scoring import score_in_memory
from fraudwatch.api.serving_state import ServingState
from fraudwatch.api.verdicts import Verdict, verdicts
from fraudwatch.model import LoadedModel
from fraudwatch.schemas import TRANSACTION_SCHEMA
from fraudwatch.scoring import score_batch

ReasonsMode = Literal["flagged", "all", "none"]
Outcome = list[Verdict] | Exception


@dataclass(frozen=True)
class ScoreJob:
    """One request: its transactions (`TRANSACTION_SCHEMA` rows), model and reasons mode."""

    rows: list[dict[str, Any]]
    model: LoadedModel
    reasons: ReasonsMode

    @property
    def first_time(self) -> datetime:
        """Return the earliest transaction time of the request."""
        first: datetime = min(row["transaction_timestamp"] for row in self.rows)
        return first


def score_jobs(state: ServingState, engine: Engine, jobs: Sequence[ScoreJob]) -> list[Outcome]:
    """Return each job's verdicts (in its rows' order), or the exception scoring it raised."""
    outcomes: list[Outcome] = [[] for _ in jobs]
    in_memory = [state.serves(job.first_time) for job in jobs]
    served = [position for position, ok in enumerate(in_memory) if ok]
    for position, outcome in zip(
        served, score_served(state, [jobs[p] for p in served]), strict=True
    ):
        outcomes[position] = outcome
    for position, ok in enumerate(in_memory):
        if not ok:
            outcomes[position] = _on_warehouse(engine, jobs[position])
    return outcomes


def score_served(state: ServingState, jobs: Sequence[ScoreJob]) -> list[Outcome]:
    """Return each job's verdicts from memory (the caller checked `state.serves`): one call per
    model and reasons mode. Reads nothing, so it may run on the event loop."""
    outcomes: list[Outcome] = [[] for _ in jobs]
    together: defaultdict[tuple[int, str], list[int]] = defaultdict(list)
    for position, job in enumerate(jobs):
        together[(id(job.model), job.reasons)].append(position)
    for members in together.values():
        found = _in_memory(state, [jobs[m] for m in members])
        for position, outcome in zip(members, found, strict=True):
            outcomes[position] = outcome
    return outcomes


def _in_memory(state: ServingState, jobs: list[ScoreJob]) -> list[Outcome]:
    """Return the jobs' verdicts from memory in one call; if it fails, each job's own outcome
    (so one bad request does not fail the others)."""
    history, model, reasons = state.online, jobs[0].model, jobs[0].reasons
    try:
        found: list[Outcome] = list(score_in_memory(history, model, reasons, jobs))
    except Exception as error:
        if len(jobs) == 1:
            return [error]
        return [outcome for job in jobs for outcome in _in_memory(state, [job])]
    state.served += 1
    return found


def _on_warehouse(engine: Engine, job: ScoreJob) -> Outcome:
    """Return the job's verdicts scored by `score_batch` on the warehouse, or its exception."""
    frame = pl.DataFrame(job.rows, schema=TRANSACTION_SCHEMA, orient="row")
    try:
        scored = score_batch(engine, job.model, frame, reasons=job.reasons)
    except Exception as error:
        return error
    return verdicts(scored, job.model.threshold, job.reasons != "none")
