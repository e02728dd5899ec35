"""The model report: one self-contained HTML page (Plotly's JavaScript inlined, opens offline).

Sections: headline figures beside the seed-demo baseline, data windows and labels, the metrics
table, ROC and PR curves, the confusion matrix, feature importance, a SHAP summary and, for a
retrained candidate, its comparison with the champion.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import plotly.graph_objects as go
import plotly.io as pio

from fraudwatch.model import figures
from fraudwatch.model.predict import contributions
from fraudwatch.model.train import TrainedModel

SHAP_SAMPLE = 2_000
ROWS = (
    ("PR-AUC", "pr_auc"),
    ("ROC-AUC", "roc_auc"),
    ("recall at budget (top k%)", "recall_at_budget"),
    ("precision at budget (top k%)", "precision_at_budget"),
    ("recall at daily budget", "recall_at_daily_budget"),
    ("precision at daily budget", "precision_at_daily_budget"),
    ("accuracy @ threshold", "accuracy"),
    ("precision @ threshold", "precision"),
    ("recall @ threshold", "recall"),
    ("F1 @ threshold", "f1"),
    ("rows", "rows"),
    ("known fraud", "positives"),
)
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
td, th { border: 1px solid #ccc; padding: 0.3rem 0.7rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.note { color: #555; font-size: 0.9rem; }
"""


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, int):
        return f"{value:,}"
    return html.escape(str(value))


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def metrics_table(metrics: dict[str, Any]) -> str:
    """Return the HTML table of test, baseline-on-test and validation figures."""
    columns = [metrics["test"], metrics["baseline"]["test"], metrics["validation"]]
    rows = [[label, *(c.get(key) for c in columns)] for label, key in ROWS]
    return _table(
        ["figure", "model (test)", "seed-demo baseline (test)", "model (validation)"], rows
    )


def _shap_sample(trained: TrainedModel, seed: int = 0) -> npt.NDArray[np.intp]:
    """Return test row indices for the SHAP summary: every fraud (up to a quarter) and the rest."""
    rng = np.random.default_rng(seed)
    y = trained.test.y
    positives = np.flatnonzero(y == 1)[: SHAP_SAMPLE // 4]
    negatives = np.flatnonzero(y == 0)
    take = min(negatives.size, SHAP_SAMPLE - positives.size)
    chosen = rng.choice(negatives, size=take, replace=False) if take else negatives[:0]
    return np.sort(np.concatenate([positives, chosen]))


def _figures(trained: TrainedModel) -> list[go.Figure]:
    y = trained.test.y
    curves = {"model": trained.test_scores, "seed-demo baseline": trained.baseline_scores}
    test = trained.metrics["test"]
    rows = _shap_sample(trained)
    values = trained.test.x[rows]
    shap = contributions(trained.fit.booster, values, trained.feature_list)
    return [
        figures.roc_figure(y, curves),
        figures.pr_figure(y, curves),
        figures.confusion_figure(
            test["tp"], test["fp"], test["tn"], test["fn"], trained.threshold.value
        ),
        figures.importance_figure(trained.fit.booster),
        figures.shap_bar_figure(shap, trained.feature_list),
        figures.shap_beeswarm_figure(shap, values, trained.feature_list),
    ]


def _comparison(extra: dict[str, Any]) -> str:
    comparison = extra.get("comparison")
    if not comparison:
        return ""
    rows = [[key, value] for key, value in comparison.items() if not isinstance(value, dict)]
    for who in ("champion", "candidate"):
        for key, value in (comparison.get(who) or {}).items():
            rows.append([f"{who} {key}", value])
    return "<h2>Retraining: candidate vs champion</h2>" + _table(["", "value"], rows)


def build_report(
    trained: TrainedModel, version: str, created_at: datetime, extra: dict[str, Any] | None = None
) -> str:
    """Return the report's HTML for a trained model (self-contained, opens offline)."""
    metrics, extra = trained.metrics, extra or {}
    test, base = metrics["test"], metrics["baseline"]["test"]
    windows = trained.split.to_dict()
    plots = [
        pio.to_html(fig, include_plotlyjs="inline" if i == 0 else False, full_html=False)
        for i, fig in enumerate(_figures(trained))
    ]
    headline = _table(
        ["test window", "PR-AUC", "recall at budget", "recall at daily budget"],
        [
            [
                "model (point-in-time features)",
                test["pr_auc"],
                test["recall_at_budget"],
                test["recall_at_daily_budget"],
            ],
            [
                metrics["baseline"]["name"],
                base["pr_auc"],
                base["recall_at_budget"],
                base["recall_at_daily_budget"],
            ],
        ],
    )
    training = metrics["training"]
    sections = [
        f"<h1>fraudwatch model {html.escape(version)}</h1>",
        f"<p class='note'>created {created_at.isoformat()} UTC · best round "
        f"{training['best_iteration']} of {training['rounds_tried']} tried · threshold "
        f"{trained.threshold.value:.5f} by {trained.threshold.method} · budget "
        f"{metrics['budget']['share']:.2%} of transactions or {metrics['budget']['alerts_per_day']}"
        " alerts a day</p>",
        "<h2>Headline: model vs the seed demo's scoring</h2>",
        headline,
        "<p class='note'>The baseline is the same booster scoring the test window with "
        "the history features the seed demo held constant at scoring time set to their "
        "training means: "
        + html.escape(", ".join(metrics["baseline"]["constant_features"]))
        + ".</p>",
        "<h2>Data windows</h2>",
        _table(
            ["window", "from", "to (exclusive)", "rows", "known fraud"],
            [
                [
                    name,
                    windows[f"{name}_start"],
                    windows[f"{name}_end"],
                    training["rows"][name],
                    training["positives"][name],
                ]
                for name in ("train", "validation", "test")
            ],
        ),
        f"<p class='note'>Labels as of {windows['cutoff']}: "
        + html.escape(", ".join(f"{k} {v}" for k, v in metrics["labels"].items()))
        + ". Unlabelled transactions are presumed legitimate.</p>",
        "<h2>Metrics</h2>",
        metrics_table(metrics),
        _comparison(extra),
        "<h2>Curves and errors</h2>",
        f"<div class='grid'><div>{plots[0]}</div><div>{plots[1]}</div></div>",
        plots[2],
        "<h2>What the model uses</h2>",
        *plots[3:],
    ]
    body = "\n".join(sections)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>fraudwatch model {html.escape(version)}</title><style>{STYLE}</style>"
        f"</head><body>{body}</body></html>"
    )
