"""Training on a Dataset: early stopping on validation, class weights, baseline side by side."""

from __future__ import annotations

import numpy as np
import xgboost as xgb

from fraudwatch.model import booster as booster_module
from fraudwatch.model.train import TrainOptions, fit_and_evaluate
from tests.model.synthetic import synthetic_dataset


def test_early_stopping_uses_validation_only(monkeypatch):
    """xgb.train sees only the validation window in evals, and the kept round is its best."""
    dataset = synthetic_dataset(rows=8_000, seed=5)
    seen: list[int] = []
    real_train = xgb.train

    def spy(*args, **kwargs):
        seen.extend(matrix.num_row() for matrix, _ in kwargs["evals"])
        return real_train(*args, **kwargs)

    monkeypatch.setattr(booster_module.xgb, "train", spy)
    trained = fit_and_evaluate(dataset)
    assert seen == [dataset.part("validation").rows]
    curve = trained.fit.validation_curve
    assert trained.fit.best_iteration == int(np.argmax(curve))
    assert trained.fit.booster.num_boosted_rounds() == trained.fit.best_iteration + 1


def test_class_weight_comes_from_the_train_ratio():
    """scale_pos_weight is negatives / positives of the train window."""
    dataset = synthetic_dataset(rows=8_000, seed=6)
    train = dataset.part("train")
    trained = fit_and_evaluate(dataset)
    expected = (train.rows - train.y.sum()) / train.y.sum()
    assert trained.fit.scale_pos_weight == expected


def test_model_learns_and_beats_the_seed_demo_baseline():
    """On a signal carried by history features, the model beats its history-less baseline."""
    trained = fit_and_evaluate(synthetic_dataset(rows=20_000, seed=7))
    test, baseline = trained.metrics["test"], trained.metrics["baseline"]["test"]
    assert test["pr_auc"] > 0.5
    assert test["pr_auc"] > baseline["pr_auc"] + 0.2
    assert "txn_count_1h" in trained.metrics["baseline"]["constant_features"]
    assert "hour" not in trained.metrics["baseline"]["constant_features"]


def test_training_is_deterministic():
    """The same data and seed give the same booster predictions."""
    dataset = synthetic_dataset(rows=6_000, seed=8)
    first, second = fit_and_evaluate(dataset), fit_and_evaluate(dataset)
    np.testing.assert_array_equal(first.test_scores, second.test_scores)


def test_a_window_without_known_fraud_is_refused():
    """With no fraud labelled by the cut-off, training stops with a message saying what to do."""
    import dataclasses

    import pytest

    dataset = synthetic_dataset(rows=4_000, seed=9)
    unlabelled = dataclasses.replace(dataset, y=np.zeros_like(dataset.y))
    with pytest.raises(ValueError, match=r"no known fraud.*wait for chargebacks"):
        fit_and_evaluate(unlabelled)


def test_large_train_windows_keep_every_fraud_and_sample_the_rest():
    """Downsampling keeps all positives, about the asked rows, and the weight uses the sample."""
    from fraudwatch.model.booster import BoosterParams

    dataset = synthetic_dataset(rows=12_000, seed=10)
    train = dataset.part("train")
    params = BoosterParams(max_train_rows=2_000)
    trained = fit_and_evaluate(dataset, TrainOptions(params=params))
    share = trained.metrics["training"]["negative_sample_share"]
    assert 0 < share < 1
    kept_negatives = (2_000 - train.y.sum()) / (train.rows - train.y.sum())
    assert abs(share - kept_negatives) < 1e-9
    assert trained.fit.scale_pos_weight < (train.rows - train.y.sum()) / train.y.sum()
