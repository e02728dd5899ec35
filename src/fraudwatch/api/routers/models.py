"""`GET /v1/models`: the model registry, and which version this process serves."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from fraudwatch.api.deps import ApiKeyDep, EngineDep, HolderDep
from fraudwatch.api.schemas import ErrorOut, ModelOut, aware
from fraudwatch.warehouse import list_models

router = APIRouter(prefix="/v1", tags=["models"], dependencies=[ApiKeyDep])

_TIMES = ("created_at", "train_start", "train_end", "test_start", "test_end")


@router.get(
    "/models",
    response_model=list[ModelOut],
    responses={401: {"model": ErrorOut}},
    summary="Registered models",
)
def get_models(engine: EngineDep, holder: HolderDep) -> list[ModelOut]:
    """Return every registered model, newest first; `serving` marks the one scoring here (the
    champion, once this process has picked it up)."""
    serving = holder.model.version if holder.model else None
    models = []
    for entry in list_models(engine):
        values: dict[str, Any] = {
            name: entry.get(name) for name in ModelOut.model_fields if name != "serving"
        }
        for name in _TIMES:
            values[name] = aware(values[name])
        models.append(ModelOut(**values, serving=entry["model_version"] == serving))
    return models
