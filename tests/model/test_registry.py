"""Registry: saving, loading, verifying, and champion / candidate status."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.engine import Engine

from fraudwatch.model.predict import predict_proba, reason_codes
from fraudwatch.model.registry import ModelArtifactError, load_champion, load_model
from fraudwatch.model.train import fit_and_evaluate
from fraudwatch.model.trainer import publish
from fraudwatch.warehouse import list_models, promote_model
from tests.model.synthetic import synthetic_dataset


@pytest.fixture(scope="module")
def trained():
    """One small trained model shared by the registry tests."""
    return fit_and_evaluate(synthetic_dataset(rows=6_000, seed=3))


def _publish(engine: Engine, model_dir: Path, trained, second: int = 0):
    return publish(
        engine,
        model_dir,
        trained,
        created_at=datetime(2026, 3, 1, 0, 0, second),
        with_report=second == 0,
    )


def test_round_trip_gives_identical_predictions(sqlite_engine, model_dir, trained):
    """A saved and reloaded model scores exactly as the trained booster did."""
    published = _publish(sqlite_engine, model_dir, trained)
    loaded = load_model(sqlite_engine, model_dir, published.version)
    test = synthetic_dataset(rows=6_000, seed=3).features
    scores = predict_proba(loaded, test)
    expected = trained.fit.booster.inplace_predict(
        test.select(trained.feature_list).cast(float).to_numpy().astype(np.float32)
    )
    np.testing.assert_array_equal(scores, np.asarray(expected, dtype=np.float64))
    assert loaded.threshold == trained.threshold.value
    assert loaded.feature_list == trained.feature_list
    assert (model_dir / published.version / "report.html").is_file()


def test_reason_codes_name_positive_contributions(sqlite_engine, model_dir, trained):
    """Reason codes list at most three features, each with a positive contribution."""
    loaded = load_model(
        sqlite_engine, model_dir, _publish(sqlite_engine, model_dir, trained).version
    )
    reasons = reason_codes(loaded, synthetic_dataset(rows=6_000, seed=3).features.head(50))
    assert len(reasons) == 50
    assert all(len(r) <= 3 and all(v > 0 for _, v in r) for r in reasons)
    assert any(name in trained.feature_list for r in reasons for name, _ in r)


def test_checksum_mismatch_is_a_clear_error(sqlite_engine, model_dir, trained):
    """A model file changed after registration is refused, naming the version and what to do."""
    version = _publish(sqlite_engine, model_dir, trained).version
    path = model_dir / version / "model.ubj"
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ModelArtifactError, match=f"{version}.*checksum.*retrain or promote"):
        load_model(sqlite_engine, model_dir, version)


def test_missing_artifact_is_a_clear_error(sqlite_engine, model_dir, trained):
    """A deleted model file is reported with its path, and the champion cannot load."""
    version = _publish(sqlite_engine, model_dir, trained).version
    (model_dir / version / "model.ubj").unlink()
    with pytest.raises(
        ModelArtifactError, match=f"model {version}'s artifact .*model.ubj is missing"
    ):
        load_champion(sqlite_engine, model_dir)


def test_no_champion_is_a_clear_error(sqlite_engine, model_dir):
    """An empty registry says to train first."""
    with pytest.raises(ModelArtifactError, match="fraudwatch train"):
        load_champion(sqlite_engine, model_dir)


def test_first_model_is_champion_then_candidates_until_promoted(sqlite_engine, model_dir, trained):
    """The first model becomes champion, the second is a candidate, promotion switches them."""
    first = _publish(sqlite_engine, model_dir, trained, second=1)
    second = _publish(sqlite_engine, model_dir, trained, second=2)
    assert (first.status, second.status) == ("champion", "candidate")
    assert load_champion(sqlite_engine, model_dir).version == first.version
    promote_model(sqlite_engine, second.version)
    statuses = {m["model_version"]: m["status"] for m in list_models(sqlite_engine)}
    assert statuses == {first.version: "retired", second.version: "champion"}
    assert load_champion(sqlite_engine, model_dir).version == second.version
    assert first.version < second.version
