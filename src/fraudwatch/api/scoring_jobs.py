"""Scoring the requests that were waiting together, with the one shared scoring function.

Each request is a `ScoreJob`. `score_jobs` splits the waiting jobs into groups that may share a
scoring call (same model and reasons mode, and no shared account, customer, merchant or id: see
`groups`), builds each group's inputs from the in-memory `ServingState` and scores them with
`fraudwatch.scoring.batch.score_inputs`, as the scoring job does. A group whose history memory
does not hold (a transaction older than the window, or history not loaded or stale) is scored
by `score_batch` on the warehouse instead: slower, the same result.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import polars as pl
from sqlalchemy.engine import Engine

from fraudwatch.api.groups import independent_groups
from fraudwatch.api.serving_state import ServingState
from fraudwatch.api.verdicts import Verdict, verdicts
from fraudwatch.model import LoadedModel
from fraudwatch.schemas import TRANSACTION_SCHEMA
from fraudwatch.scoring import score_batch
from fraudwatch.scoring.batch import score_inputs

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


def owner_keys(state: ServingState, rows: list[dict[str, Any]]) -> set[str]:
    """Return the keys by which these rows could change another request's features: their
    accounts' customers (the account itself when it has none), merchants and ids."""
    profiles = state.profiles
    keys = {profiles.owner(row["account_number"]) for row in rows}
    keys.update(f"m:{row['merchant_name']}" for row in rows if row["merchant_name"] is not None)
    keys.update(f"t:{row['transaction_id']}" for row in rows)
    return keys


def score_frame(
    state: ServingState, engine: Engine, model: LoadedModel, frame: pl.DataFrame, reasons: str
) -> pl.DataFrame:
    """Return `score_batch(engine, model, frame)`'s frame, from memory when it holds the history."""
    first = frame["transaction_timestamp"].min()
    if isinstance(first, datetime) and state.serves(first):
        started = time.perf_counter()
        return score_inputs(model, state.inputs_for(frame), reasons=reasons, started=started)
    return score_batch(engine, model, frame, reasons=reasons)


def score_jobs(state: ServingState, engine: Engine, jobs: Sequence[ScoreJob]) -> list[Outcome]:
    """Return each job's verdicts (in its rows' order), or the exception its group raised."""
    outcomes: list[Outcome] = [[] for _ in jobs]
    by_mode: defaultdict[tuple[int, str], list[int]] = defaultdict(list)
    for position, job in enumerate(jobs):
        by_mode[(id(job.model), job.reasons)].append(position)
    for members in by_mode.values():
        keys = [owner_keys(state, jobs[m].rows) for m in members]
        for group in independent_groups(keys):
            chosen = [jobs[members[g]] for g in group]
            model, reasons = chosen[0].model, chosen[0].reasons
            rows = [row for job in chosen for row in job.rows]
            frame = pl.DataFrame(rows, schema=TRANSACTION_SCHEMA, orient="row")
            try:
                scored = score_frame(state, engine, model, frame, reasons)
            except Exception as error:  # each request of the group answers with it
                for g in group:
                    outcomes[members[g]] = error
                continue
            found = verdicts(scored, model.threshold, reasons != "none")
            offset = 0
            for g, job in zip(group, chosen, strict=True):
                outcomes[members[g]] = found[offset : offset + len(job.rows)]
                offset += len(job.rows)
    return outcomes
