"""`GET /v1/runs`: the scoring job's run log, newest first."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from fraudwatch.api.deps import ApiKeyDep, EngineDep
from fraudwatch.api.queries import recent_runs
from fraudwatch.api.schemas import ErrorOut, RunOut, aware

# The run log's states; a run whose scorer died is marked 'abandoned' by the next scorer.
RunStatus = Literal["running", "succeeded", "failed", "abandoned"]

router = APIRouter(prefix="/v1", tags=["runs"], dependencies=[ApiKeyDep])


@router.get(
    "/runs",
    response_model=list[RunOut],
    responses={401: {"model": ErrorOut}},
    summary="Recent scoring runs",
)
def list_runs(
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    status: Annotated[RunStatus | None, Query()] = None,
) -> list[RunOut]:
    """Return up to `limit` scoring runs, newest first, optionally only those with `status`."""
    runs = []
    for row in recent_runs(engine, limit, status):
        row["started_at"] = aware(row["started_at"])
        row["finished_at"] = aware(row["finished_at"])
        runs.append(RunOut(**row))
    return runs
