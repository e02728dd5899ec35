"""Scheduled retraining: a new candidate replaces the champion only when it is better.

Both are scored on the same rows, the candidate's test window (the most recent window whose
labels have matured), with the same labels; the candidate wins on higher PR-AUC, ties broken by
recall at the alert budget, and a full tie keeps the champion. The comparison is recorded in the
candidate's metrics (registry row and metadata.json) and report, whatever the outcome. A champion
that cannot be loaded or scored any more loses by default, and the record says why.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from fraudwatch.model.dataset import Dataset, build_dataset
from fraudwatch.model.metrics import at_budget, ranking_metrics
from fraudwatch.model.predict import predict_proba
from fraudwatch.model.registry import LoadedModel, ModelArtifactError, load_champion
from fraudwatch.model.train import TrainedModel, TrainOptions, fit_and_evaluate
from fraudwatch.model.trainer import Published, Windows, load_inputs, publish
from fraudwatch.warehouse import promote_model

log = logging.getLogger(__name__)
ChampionScorer = Callable[[LoadedModel], npt.NDArray[np.float64]]


@dataclass(frozen=True)
class Retrained:
    """The published candidate, the comparison recorded with it, and whether it was promoted."""

    published: Published
    comparison: dict[str, Any] | None
    promoted: bool

    def describe(self) -> str:
        """Return one line saying what happened."""
        version = self.published.version
        if self.comparison is None:
            return f"model {version} is the first model and the champion"
        c = self.comparison
        verdict = "promoted to champion" if self.promoted else "kept as candidate"
        return (
            f"candidate {version} PR-AUC {_fmt(c['candidate']['pr_auc'])} vs champion "
            f"{c['champion_version']} {_fmt((c.get('champion') or {}).get('pr_auc'))} on "
            f"{c['window_start']} – {c['window_end']} ({c['rows']:,} rows, {c['positives']} "
            f"fraud): {verdict} ({c['reason']})"
        )


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"


def window_scores(
    y: npt.NDArray[np.int8], scores: npt.NDArray[np.float64], share: float
) -> dict[str, Any]:
    """Return PR-AUC, ROC-AUC and recall at the budget of one model on the comparison window."""
    figures = ranking_metrics(y, scores) | at_budget(y, scores, share)
    return {k: figures[k] for k in ("pr_auc", "roc_auc", "recall_at_budget")}


def decide(candidate: dict[str, Any], champion: dict[str, Any]) -> tuple[bool, str]:
    """Return (promote?, why): higher PR-AUC wins, then higher recall at budget; ties keep."""
    if champion.get("pr_auc") is None or candidate.get("pr_auc") is None:
        return False, "the window has no known fraud to compare on"
    if candidate["pr_auc"] != champion["pr_auc"]:
        better = candidate["pr_auc"] > champion["pr_auc"]
        return better, f"PR-AUC {'higher' if better else 'not higher'}"
    if candidate["recall_at_budget"] != champion["recall_at_budget"]:
        better = candidate["recall_at_budget"] > champion["recall_at_budget"]
        return better, f"PR-AUC tied; recall at budget {'higher' if better else 'lower'}"
    return False, "tied on PR-AUC and recall at budget; the champion stays"


def compare(
    trained: TrainedModel, champion: LoadedModel | None, scorer: ChampionScorer, problem: str
) -> tuple[dict[str, Any], bool]:
    """Return the comparison record of candidate vs champion on the candidate's test window."""
    test, split = trained.test, trained.split
    share = trained.metrics["budget"]["share"]
    record: dict[str, Any] = {
        "window_start": split.test_start.isoformat(),
        "window_end": split.test_end.isoformat(),
        "rows": test.rows,
        "positives": int(test.y.sum()),
        "champion_version": champion.version if champion else None,
        "candidate": window_scores(test.y, trained.test_scores, share),
        "champion": None,
    }
    if champion is not None and not problem:
        try:
            record["champion"] = window_scores(test.y, scorer(champion), share)
        except (ValueError, KeyError) as error:
            problem = f"the champion cannot score the window ({error})"
    if record["champion"] is None:
        record |= {"promoted": True, "reason": problem or "no champion"}
        return record, True
    windows = champion.metadata.get("windows", {}) if champion else {}
    record["champion_trained_on_window"] = (
        windows.get("validation_end", "") > record["window_start"]
    )
    promoted, reason = decide(record["candidate"], record["champion"])
    record |= {"promoted": promoted, "reason": reason}
    return record, promoted


def retrain(
    engine: Any,
    model_dir: Path,
    dataset: Dataset,
    scorer: ChampionScorer,
    options: TrainOptions | None = None,
    *,
    created_at: datetime | None = None,
    with_report: bool = True,
) -> Retrained:
    """Train a candidate on `dataset`, compare it with the champion, promote it if better.

    `scorer` scores the candidate's test rows with the champion (features computed with the
    champion's own encoders). With no champion yet, the candidate simply becomes champion.
    """
    trained = fit_and_evaluate(dataset, options)
    champion, problem = None, ""
    try:
        champion = load_champion(engine, model_dir)
    except ModelArtifactError as error:
        problem = f"the champion cannot be loaded: {error}"
        if "no champion" in str(error):
            published = publish(
                engine, model_dir, trained, created_at=created_at, with_report=with_report
            )
            return Retrained(published, None, published.status == "champion")
    comparison, promote = compare(trained, champion, scorer, problem)
    published = publish(
        engine,
        model_dir,
        trained,
        created_at=created_at,
        extra={"comparison": comparison},
        with_report=with_report,
    )
    if promote and published.status != "champion":
        promote_model(engine, published.version)
    return Retrained(published, comparison, promote or published.status == "champion")


def champion_scorer(
    dataset: Dataset, features_for: Callable[[LoadedModel], pl.DataFrame]
) -> ChampionScorer:
    """Return a scorer: the champion's features for the dataset's test rows, then its scores.

    `features_for(champion)` returns features (with transaction_id) computed with the
    champion's encoders; rows are matched to the test window by transaction id.
    """
    test_ids = dataset.part("test").transaction_ids

    def score(champion: LoadedModel) -> npt.NDArray[np.float64]:
        frame = features_for(champion)
        rows = pl.DataFrame({"transaction_id": test_ids}).join(
            frame, on="transaction_id", how="inner", maintain_order="left"
        )
        if rows.height != test_ids.len():
            raise ValueError("the champion's features do not cover every test transaction")
        return predict_proba(champion, rows)

    return score


def run_every(period: timedelta, once: Callable[[], str], *, runs: int | None = None) -> None:
    """Call `once` now and then every `period` (start to start), logging each outcome line.

    A failed run is logged and the loop goes on; `runs` limits the number of runs (tests).
    """
    done = 0
    while runs is None or done < runs:
        started = time.monotonic()
        try:
            log.warning("retraining: %s", once())
        except Exception:
            log.exception("retraining failed; trying again in %s", period)
        done += 1
        if runs is not None and done >= runs:
            return
        time.sleep(max(0.0, period.total_seconds() - (time.monotonic() - started)))


def retrain_from_warehouse(
    engine: Any, model_dir: Path, windows: Windows, options: TrainOptions | None = None
) -> Retrained:
    """Load the warehouse's data, train a candidate, and promote it only if it beats the champion.

    The champion's features are recomputed from the same inputs with its own stored encoders.
    """
    from fraudwatch.features import Encoders, compute_features

    inputs, split = load_inputs(engine, windows)
    dataset = build_dataset(inputs, split)

    def features_for(champion: LoadedModel) -> pl.DataFrame:
        frame: pl.DataFrame = compute_features(inputs, Encoders.from_dict(champion.encoders))
        return frame

    return retrain(engine, model_dir, dataset, champion_scorer(dataset, features_for), options)
