"""The model report's figures: plain functions from arrays to Plotly figures (no I/O).

ROC and PR curves (the model beside the seed-demo baseline), the confusion matrix at the
stored threshold, feature importance by gain, and a SHAP summary from XGBoost's exact tree
contributions (`pred_contribs=True`): mean |contribution| per feature and a beeswarm-like scatter.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import plotly.graph_objects as go
import xgboost as xgb
from sklearn.metrics import precision_recall_curve, roc_curve

MAX_CURVE_POINTS = 1_500
HEIGHT = 420
MODEL_COLOUR, BASELINE_COLOUR = "#1f5fa8", "#c0392b"


def _thin(*arrays: npt.NDArray[np.floating]) -> list[npt.NDArray[np.floating]]:
    """Return the arrays cut to at most MAX_CURVE_POINTS evenly spaced points (ends kept)."""
    n = arrays[0].size
    if n <= MAX_CURVE_POINTS:
        return list(arrays)
    keep = np.unique(np.linspace(0, n - 1, MAX_CURVE_POINTS).round().astype(int))
    return [a[keep] for a in arrays]


def _layout(figure: go.Figure, title: str, x: str, y: str) -> go.Figure:
    figure.update_layout(
        title=title, xaxis_title=x, yaxis_title=y, height=HEIGHT, template="plotly_white"
    )
    return figure


def roc_figure(
    y: npt.NDArray[np.integer], curves: Mapping[str, npt.NDArray[np.floating]]
) -> go.Figure:
    """Return ROC curves, one per named score array, with the chance diagonal."""
    figure = go.Figure()
    for (name, scores), colour in zip(
        curves.items(), (MODEL_COLOUR, BASELINE_COLOUR), strict=False
    ):
        if y.min() == y.max():
            continue
        fpr, tpr, _ = roc_curve(y, scores)
        fpr, tpr = _thin(fpr, tpr)
        figure.add_scatter(x=fpr, y=tpr, name=name, line={"color": colour})
    figure.add_scatter(x=[0, 1], y=[0, 1], name="chance", line={"dash": "dot", "color": "grey"})
    return _layout(figure, "ROC (test)", "false positive rate", "true positive rate")


def pr_figure(
    y: npt.NDArray[np.integer], curves: Mapping[str, npt.NDArray[np.floating]]
) -> go.Figure:
    """Return precision-recall curves, one per named score array, with the fraud base rate."""
    figure = go.Figure()
    for (name, scores), colour in zip(
        curves.items(), (MODEL_COLOUR, BASELINE_COLOUR), strict=False
    ):
        if y.max() == 0:
            continue
        precision, recall, _ = precision_recall_curve(y, scores)
        recall, precision = _thin(recall, precision)
        figure.add_scatter(x=recall, y=precision, name=name, line={"color": colour})
    rate = float(y.mean()) if y.size else 0.0
    figure.add_scatter(x=[0, 1], y=[rate, rate], name="base rate", line={"dash": "dot"})
    return _layout(figure, "Precision-recall (test)", "recall", "precision")


def confusion_figure(tp: int, fp: int, tn: int, fn: int, threshold: float) -> go.Figure:
    """Return the confusion matrix at the stored threshold as an annotated heatmap."""
    cells = [[tn, fp], [fn, tp]]
    figure = go.Figure(
        go.Heatmap(
            z=cells,
            x=["predicted legitimate", "predicted fraud"],
            y=["actual legitimate", "actual fraud"],
            text=[[f"{v:,}" for v in row] for row in cells],
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
        )
    )
    figure.update_yaxes(autorange="reversed")
    return _layout(figure, f"Confusion matrix (test, threshold {threshold:.4f})", "", "")


def importance_figure(booster: xgb.Booster, top: int = 20) -> go.Figure:
    """Return the `top` features by total gain, largest at the top."""
    gains = booster.get_score(importance_type="total_gain")
    ranked = sorted(gains.items(), key=lambda item: item[1])[-top:]
    figure = go.Figure(go.Bar(x=[v for _, v in ranked], y=[k for k, _ in ranked], orientation="h"))
    figure.update_layout(height=max(HEIGHT, 22 * len(ranked) + 120))
    figure.update_yaxes(dtick=1)
    return _layout(figure, "Feature importance (total gain)", "total gain", "")


def shap_bar_figure(
    contributions: npt.NDArray[np.floating], names: list[str], top: int = 20
) -> go.Figure:
    """Return mean |SHAP contribution| per feature over the sampled test rows."""
    mean_abs = np.abs(contributions).mean(axis=0) if contributions.size else np.zeros(len(names))
    order = np.argsort(mean_abs)[-top:]
    figure = go.Figure(go.Bar(x=mean_abs[order], y=[names[i] for i in order], orientation="h"))
    figure.update_layout(height=max(HEIGHT, 22 * len(order) + 120))
    figure.update_yaxes(dtick=1)
    return _layout(figure, "SHAP summary: mean |contribution| (log-odds)", "mean |SHAP|", "")


def shap_beeswarm_figure(
    contributions: npt.NDArray[np.floating],
    values: npt.NDArray[np.floating],
    names: list[str],
    top: int = 15,
    seed: int = 0,
) -> go.Figure:
    """Return a beeswarm-like scatter: one dot per row and feature, coloured by feature value.

    Colour is the value's rank within its feature (0 = lowest, 1 = highest), so features on
    different scales share one colour bar.
    """
    rng = np.random.default_rng(seed)
    mean_abs = np.abs(contributions).mean(axis=0) if contributions.size else np.zeros(len(names))
    order = np.argsort(mean_abs)[-top:]
    xs, ys, colours, labels = [], [], [], []
    for position, index in enumerate(order):
        column = values[:, index]
        ranks = column.argsort().argsort() / max(1, column.size - 1)
        xs.append(contributions[:, index])
        ys.append(position + rng.uniform(-0.3, 0.3, column.size))
        colours.append(ranks)
        labels.extend([names[index]] * column.size)
    figure = go.Figure(
        go.Scattergl(
            x=np.concatenate(xs) if xs else [],
            y=np.concatenate(ys) if ys else [],
            mode="markers",
            text=labels,
            marker={
                "size": 4,
                "color": np.concatenate(colours) if colours else [],
                "colorscale": "RdBu_r",
                "colorbar": {"title": "feature value (rank)"},
                "opacity": 0.6,
            },
            hovertemplate="%{text}: %{x:.3f}<extra></extra>",
        )
    )
    figure.update_yaxes(tickvals=list(range(len(order))), ticktext=[names[i] for i in order])
    figure.update_layout(height=max(HEIGHT, 30 * len(order) + 120), showlegend=False)
    return _layout(
        figure, "SHAP summary: contribution per transaction", "SHAP value (log-odds)", ""
    )
