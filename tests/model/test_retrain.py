"""Scheduled retraining: promote only a better candidate, and always record the comparison."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from fraudwatch.model.booster import BoosterParams
from fraudwatch.model.registry import load_champion, read_metadata
from fraudwatch.model.retrain import champion_scorer, decide, retrain
from fraudwatch.model.train import TrainOptions
from fraudwatch.warehouse import list_models
from tests.model.synthetic import synthetic_dataset

WEAK = TrainOptions(params=BoosterParams(max_rounds=1, max_depth=1, colsample_bytree=0.2))


def _run(engine, model_dir, options, second):
    dataset = synthetic_dataset(rows=12_000, seed=11)
    scorer = champion_scorer(dataset, lambda champion: dataset.features)
    return retrain(
        engine,
        model_dir,
        dataset,
        scorer,
        options,
        created_at=datetime(2026, 3, 1, 0, 0, second),
        with_report=False,
    )


def test_first_retrain_makes_the_champion(sqlite_engine, model_dir):
    """With no champion, the retrained model becomes champion with no comparison."""
    outcome = _run(sqlite_engine, model_dir, WEAK, 1)
    assert outcome.promoted and outcome.comparison is None
    assert load_champion(sqlite_engine, model_dir).version == outcome.published.version


def test_worse_candidate_is_not_promoted_and_the_comparison_is_recorded(sqlite_engine, model_dir):
    """A one-stump candidate loses to a full champion, stays candidate, and says why."""
    champion = _run(sqlite_engine, model_dir, TrainOptions(), 1)
    candidate = _run(sqlite_engine, model_dir, WEAK, 2)
    assert not candidate.promoted
    assert load_champion(sqlite_engine, model_dir).version == champion.published.version
    comparison = candidate.comparison
    assert comparison is not None
    assert comparison["champion"]["pr_auc"] > comparison["candidate"]["pr_auc"]
    assert comparison["promoted"] is False and "PR-AUC" in comparison["reason"]
    row = next(m for m in list_models(sqlite_engine) if m["status"] == "candidate")
    assert row["metrics"]["comparison"]["champion_version"] == champion.published.version
    stored = read_metadata(model_dir, candidate.published.version)
    assert stored["metrics"]["comparison"]["promoted"] is False
    assert "kept as candidate" in candidate.describe()


def test_better_candidate_is_promoted(sqlite_engine, model_dir):
    """A full candidate beats a one-stump champion on the same window and becomes champion."""
    _run(sqlite_engine, model_dir, WEAK, 1)
    candidate = _run(sqlite_engine, model_dir, TrainOptions(), 2)
    assert candidate.promoted
    assert load_champion(sqlite_engine, model_dir).version == candidate.published.version
    statuses = sorted(m["status"] for m in list_models(sqlite_engine))
    assert statuses == ["champion", "retired"]


def test_broken_champion_loses_by_default(sqlite_engine, model_dir):
    """A champion whose artifact is gone cannot defend its title; the record says so."""
    old = _run(sqlite_engine, model_dir, TrainOptions(), 1)
    (model_dir / old.published.version / "model.ubj").unlink()
    candidate = _run(sqlite_engine, model_dir, WEAK, 2)
    assert candidate.promoted
    assert candidate.comparison is not None
    assert "cannot be loaded" in candidate.comparison["reason"]


def test_ties_keep_the_champion_and_recall_breaks_pr_auc_ties():
    """Equal PR-AUC falls back to recall at budget; a full tie keeps the champion."""
    champion = {"pr_auc": 0.5, "recall_at_budget": 0.4}
    assert decide({"pr_auc": 0.5, "recall_at_budget": 0.5}, champion)[0] is True
    assert decide({"pr_auc": 0.5, "recall_at_budget": 0.4}, champion)[0] is False
    assert decide({"pr_auc": 0.49, "recall_at_budget": 0.9}, champion)[0] is False


def test_scorer_refuses_partial_features():
    """A champion feature frame missing test rows is an error, not a silent zero fill."""
    dataset = synthetic_dataset(rows=6_000, seed=12)
    scorer = champion_scorer(dataset, lambda champion: dataset.features.head(10))
    try:
        scorer(None)  # type: ignore[arg-type]
    except ValueError as error:
        assert "cover every test transaction" in str(error)
    else:
        raise AssertionError("expected a ValueError")
    assert isinstance(dataset.features, pl.DataFrame)
