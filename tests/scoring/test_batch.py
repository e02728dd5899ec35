"""score_batch: the one scoring function, pure, with the training features and reason codes."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sqlalchemy.engine import Engine

from fraudwatch.features import Encoders, compute_features
from fraudwatch.model import load_champion, predict_proba
from fraudwatch.scoring import score_batch
from fraudwatch.warehouse import SCORE_SCHEMA, count_rows, tables
from tests.features.scenario import Scenario


def test_scores_equal_one_pass_training_features(
    loaded: Engine, model_dir: Path, scenario: Scenario
) -> None:
    """Probabilities of the last 60 transactions equal the model on one big training pass."""
    model = load_champion(loaded, model_dir)
    batch = scenario.transactions.tail(60)
    scores = score_batch(loaded, model, batch)
    encoders = Encoders.from_dict(model.encoders)
    one_pass = compute_features(scenario.inputs(), encoders).tail(60)
    expected = predict_proba(model, one_pass)
    assert scores.schema == SCORE_SCHEMA
    assert scores["transaction_key"].to_list() == batch["transaction_id"].to_list()
    np.testing.assert_allclose(scores["fraud_probability"].to_numpy(), expected, rtol=1e-6)


def test_prediction_is_probability_at_threshold_and_nothing_is_written(
    loaded: Engine, model_dir: Path, scenario: Scenario
) -> None:
    """fraud_prediction is probability >= the model's threshold; the call writes nothing."""
    model = load_champion(loaded, model_dir)
    now = datetime(2026, 4, 1, 10, 0, 0)
    scores = score_batch(loaded, model, scenario.transactions.sample(80, seed=1), now=now)
    flags = scores["fraud_probability"].to_numpy() >= model.threshold
    assert scores["fraud_prediction"].to_list() == flags.tolist()
    assert scores["scored_at"].unique().to_list() == [now]
    assert (scores["model_version"] == model.version).all()
    assert (scores["latency_ms"] > 0).all()
    assert count_rows(loaded, tables.ml_fraud_scores) == 0


@pytest.mark.parametrize("mode", ["flagged", "all", "none"])
def test_reasons_for_flagged_all_or_none(
    loaded: Engine, model_dir: Path, scenario: Scenario, mode: str
) -> None:
    """Reasons are JSON [[feature, contribution], ...] (at most 3, positive) for the rows asked."""
    model = load_champion(loaded, model_dir)
    scores = score_batch(loaded, model, scenario.transactions.tail(150), reasons=mode)
    has_reasons = scores["reasons"].is_not_null()
    expected = {
        "flagged": scores["fraud_prediction"],
        "all": pl.Series([True] * scores.height),
        "none": pl.Series([False] * scores.height),
    }[mode]
    assert has_reasons.to_list() == expected.to_list()
    if mode == "flagged":
        assert scores["fraud_prediction"].any(), "the test model should flag some rows"
    for text in scores["reasons"].drop_nulls().to_list():
        pairs = json.loads(text)
        assert len(pairs) <= 3
        assert all(name in model.feature_list and value > 0 for name, value in pairs)


def test_unknown_reason_mode_is_refused(
    loaded: Engine, model_dir: Path, scenario: Scenario
) -> None:
    """A reasons mode other than flagged / all / none is a clear error."""
    model = load_champion(loaded, model_dir)
    with pytest.raises(ValueError, match="flagged, all, none"):
        score_batch(loaded, model, scenario.transactions.tail(3), reasons="some")


def test_empty_batch_gives_an_empty_frame(
    loaded: Engine, model_dir: Path, scenario: Scenario
) -> None:
    """An empty batch scores to an empty frame with the score schema."""
    model = load_champion(loaded, model_dir)
    scores = score_batch(loaded, model, scenario.transactions.clear())
    assert scores.height == 0 and scores.schema == SCORE_SCHEMA
