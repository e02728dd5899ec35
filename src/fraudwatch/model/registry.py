"""The model registry: artifacts on disk, one row per version in the warehouse.

A version lives in `model_dir/<version>/`: `model.ubj` (XGBoost's own UBJSON format, never
pickle), `metadata.json` (feature list, encoders, threshold, metrics, data windows, checksum,
created_at, code version) and `report.html`. The warehouse's `model_registry` row holds the
status (candidate | champion | retired) and the artifact's SHA-256; loading verifies it, so a
missing, truncated or replaced artifact is a clear error, never a silently wrong model.
Versions are `v<UTC yyyymmdd-HHMMSS>-<6 hex of the artifact hash>`: sortable and unique.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import xgboost as xgb
from sqlalchemy.engine import Engine

from fraudwatch.warehouse import champion_model, list_models, promote_model, register_model

MODEL_FILE = "model.ubj"
METADATA_FILE = "metadata.json"
REPORT_FILE = "report.html"


class ModelArtifactError(Exception):
    """A model cannot be loaded (unknown, missing, corrupt); the message says what to do."""


@dataclass(frozen=True)
class LoadedModel:
    """A booster ready to score, with everything stored alongside it."""

    version: str
    booster: xgb.Booster
    metadata: dict[str, Any]

    @property
    def feature_list(self) -> list[str]:
        """Return the model's input columns, in order."""
        return list(self.metadata["feature_list"])

    @property
    def threshold(self) -> float:
        """Return the decision threshold: flag a transaction when its score is >= this."""
        return float(self.metadata["threshold"]["value"])

    @property
    def encoders(self) -> dict[str, Any]:
        """Return the feature encoders as stored (`fraudwatch.features.Encoders.from_dict`)."""
        return dict(self.metadata["encoders"])


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def new_version(created_at: datetime, model_bytes: bytes) -> str:
    """Return a version name from the creation time (UTC) and the artifact's hash."""
    digest = hashlib.sha256(model_bytes).hexdigest()[:6]
    return f"v{created_at:%Y%m%d-%H%M%S}-{digest}"


def version_dir(model_dir: Path, version: str) -> Path:
    """Return the directory holding a version's files."""
    return Path(model_dir) / version


def save_artifacts(
    model_dir: Path, version: str, model_bytes: bytes, metadata: dict[str, Any], report: str
) -> Path:
    """Write a version's files atomically (a temporary directory renamed into place).

    Returns the directory. `metadata` gains `artifact_sha256`.
    """
    final = version_dir(model_dir, version)
    if final.exists():
        raise FileExistsError(f"model directory {final} already exists")
    staging = Path(model_dir) / f".{version}.partial-{os.getpid()}"
    staging.mkdir(parents=True, exist_ok=False)
    try:
        (staging / MODEL_FILE).write_bytes(model_bytes)
        metadata = {**metadata, "artifact_sha256": hashlib.sha256(model_bytes).hexdigest()}
        (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2, default=str))
        (staging / REPORT_FILE).write_text(report, encoding="utf-8")
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def register_version(
    engine: Engine, model_dir: Path, version: str, metadata: dict[str, Any]
) -> str:
    """Add the version's registry row; the first model ever becomes champion, later ones candidates.

    Returns the status given. The files must already be saved (`save_artifacts`).
    """
    windows = metadata["windows"]
    path = version_dir(model_dir, version) / MODEL_FILE
    register_model(
        engine,
        {
            "model_version": version,
            "created_at": datetime.fromisoformat(metadata["created_at"]),
            "train_start": datetime.fromisoformat(windows["train_start"]),
            "train_end": datetime.fromisoformat(windows["train_end"]),
            "test_start": datetime.fromisoformat(windows["test_start"]),
            "test_end": datetime.fromisoformat(windows["test_end"]),
            "feature_list": metadata["feature_list"],
            "metrics": metadata["metrics"],
            "threshold": metadata["threshold"]["value"],
            "status": "candidate",
            "artifact_path": str(path),
            "artifact_sha256": sha256_of(path),
        },
    )
    if champion_model(engine) is None:
        promote_model(engine, version)
        return "champion"
    return "candidate"


def registry_entry(engine: Engine, version: str) -> dict[str, Any]:
    """Return a version's registry row, or raise ModelArtifactError if there is none."""
    for entry in list_models(engine):
        if entry["model_version"] == version:
            return entry
    raise ModelArtifactError(
        f"no model version {version!r} in the registry; `fraudwatch models list` shows them"
    )


def load_model(engine: Engine, model_dir: Path, version: str) -> LoadedModel:
    """Return a registered version, loaded and checksum-verified.

    Raises ModelArtifactError if the version is unknown, its files are missing, or the model
    file's SHA-256 differs from the registry's.
    """
    entry = registry_entry(engine, version)
    folder = version_dir(model_dir, version)
    path, meta_path = folder / MODEL_FILE, folder / METADATA_FILE
    for needed in (path, meta_path):
        if not needed.is_file():
            raise ModelArtifactError(
                f"model {version}'s artifact {needed} is missing; "
                "retrain or promote another version"
            )
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != entry["artifact_sha256"]:
        raise ModelArtifactError(
            f"model {version}'s artifact {path} does not match its checksum (corrupt or "
            "replaced); retrain or promote another version"
        )
    booster = xgb.Booster()
    try:
        booster.load_model(bytearray(raw))
        metadata = json.loads(meta_path.read_text())
    except (xgb.core.XGBoostError, ValueError) as error:
        raise ModelArtifactError(
            f"model {version}'s artifacts in {folder} cannot be read ({error}); "
            "retrain or promote another version"
        ) from None
    return LoadedModel(version=version, booster=booster, metadata=metadata)


def load_champion(engine: Engine, model_dir: Path) -> LoadedModel:
    """Return the champion, loaded and verified; ModelArtifactError if there is none."""
    entry = champion_model(engine)
    if entry is None:
        raise ModelArtifactError("there is no champion model yet; run `fraudwatch train` first")
    return load_model(engine, model_dir, str(entry["model_version"]))


def read_metadata(model_dir: Path, version: str) -> dict[str, Any]:
    """Return a version's metadata.json, or raise ModelArtifactError if it is missing."""
    path = version_dir(model_dir, version) / METADATA_FILE
    if not path.is_file():
        raise ModelArtifactError(f"model {version}'s metadata {path} is missing")
    return dict(json.loads(path.read_text()))
