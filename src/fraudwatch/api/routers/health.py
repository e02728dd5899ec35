"""`GET /healthz` (readiness: warehouse and model), `GET /healthz/live` (the process answers).

Neither needs the API key: load balancers and orchestrators probe them without secrets.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from fraudwatch.api.deps import EngineDep, HolderDep
from fraudwatch.api.queries import ping
from fraudwatch.api.schemas import ComponentHealth, HealthOut

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "Degraded"}},
    summary="Readiness",
)
def health(engine: EngineDep, holder: HolderDep) -> JSONResponse:
    """Return 200 when the warehouse answers and a champion is loaded, else 503 saying which."""
    try:
        ping(engine)
        database = ComponentHealth(ok=True, detail="the warehouse answers")
    except Exception as error:
        # The type only: this endpoint is public, and driver messages can name hosts and users.
        detail = f"the warehouse did not answer ({type(error).__name__})"
        database = ComponentHealth(ok=False, detail=detail)
    model = holder.model
    model_health = ComponentHealth(
        ok=model is not None,
        detail=f"serving {model.version}" if model is not None else holder.problem,
    )
    ok = database.ok and model_health.ok
    body = HealthOut(
        status="ok" if ok else "degraded",
        database=database,
        model=model_health,
        model_version=model.version if model is not None else None,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if ok else 503)


@router.get("/healthz/live", summary="Liveness")
async def live() -> dict[str, str]:
    """Return `{"status": "alive"}` at once: the process is up and serving HTTP."""
    return {"status": "alive"}
