"""The model report and its figures."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from fraudwatch.model import figures
from fraudwatch.model.report import build_report
from fraudwatch.model.retrain import run_every
from fraudwatch.model.train import fit_and_evaluate
from tests.model.synthetic import synthetic_dataset


def test_report_is_self_contained_and_has_every_section():
    """The report inlines plotly.js and shows the baseline, windows, curves, confusion and SHAP."""
    trained = fit_and_evaluate(synthetic_dataset(rows=6_000, seed=21))
    page = build_report(trained, "v-test", datetime(2026, 3, 1), {"comparison": None})
    assert "<script src=" not in page and "plotly" in page.lower()
    for section in (
        "seed-demo baseline",
        "Data windows",
        "ROC (test)",
        "Precision-recall (test)",
        "Confusion matrix",
        "Feature importance",
        "SHAP summary",
    ):
        assert section in page, section


def test_curve_figures_draw_model_and_baseline():
    """ROC and PR figures carry one trace per score array plus the reference line."""
    rng = np.random.default_rng(0)
    y = (rng.random(500) < 0.1).astype(np.int8)
    curves = {"model": rng.random(500) + y, "baseline": rng.random(500)}
    assert [t.name for t in figures.roc_figure(y, curves).data] == ["model", "baseline", "chance"]
    assert len(figures.pr_figure(y, curves).data) == 3


def test_beeswarm_has_one_dot_per_row_and_feature():
    """The SHAP scatter plots every sampled row for each of the top features."""
    rng = np.random.default_rng(1)
    contributions, values = rng.normal(size=(40, 5)), rng.normal(size=(40, 5))
    figure = figures.shap_beeswarm_figure(contributions, values, list("abcde"), top=3)
    assert len(figure.data[0].x) == 40 * 3


def test_run_every_runs_again_after_a_failure():
    """A failed scheduled run is logged and the loop still runs the next one."""
    calls: list[int] = []

    def once() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("warehouse unreachable")
        return "ok"

    run_every(timedelta(seconds=0), once, runs=2)
    assert len(calls) == 2
