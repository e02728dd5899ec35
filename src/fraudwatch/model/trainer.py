"""`fraudwatch train` end to end: load, split, label, fit, report, save, register.

The cut-off (the instant labels are read as of) is the time training runs unless given; without
dates the windows are planned from the span of the data (split.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import fraudwatch
from fraudwatch.model.dataset import Dataset, build_dataset
from fraudwatch.model.registry import new_version, register_version, save_artifacts
from fraudwatch.model.report import build_report
from fraudwatch.model.split import DEFAULT_GAP, SplitError, TimeSplit, plan_split, split_from_dates
from fraudwatch.model.train import TrainedModel, TrainOptions, fit_and_evaluate
from fraudwatch.warehouse import utc_now

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Windows:
    """Windows asked for on the command line (all four dates, or none), the gap and cut-off."""

    train_start: datetime | None = None
    train_end: datetime | None = None
    test_start: datetime | None = None
    test_end: datetime | None = None
    gap: timedelta = DEFAULT_GAP
    cutoff: datetime | None = None

    @property
    def given(self) -> bool:
        """Return True if the dates were given (all four), False if none; raise if some."""
        dates = (self.train_start, self.train_end, self.test_start, self.test_end)
        if all(d is None for d in dates):
            return False
        if any(d is None for d in dates):
            raise SplitError(
                "give all four of --train-start, --train-end, --test-start, --test-end, or none"
            )
        return True


@dataclass(frozen=True)
class Published:
    """A trained model as saved and registered."""

    version: str
    status: str
    directory: Path
    trained: TrainedModel
    metadata: dict[str, Any] = field(repr=False)


def load_inputs(engine: Any, windows: Windows) -> tuple[Any, TimeSplit]:
    """Return the feature pipeline's inputs (`FeatureInputs`) for `windows`, and the split.

    Without dates everything is loaded and the windows are planned from its span.
    """
    from fraudwatch.features import load_training_inputs

    if windows.given:
        inputs = load_training_inputs(engine, windows.train_start, windows.test_end)
    else:
        inputs = load_training_inputs(engine, None, None)
    stamps = inputs.transactions["transaction_timestamp"]
    if stamps.len() == 0:
        raise SplitError(
            "the warehouse has no transactions to train on; ingest or simulate some first"
        )
    data_start, data_end = _as_datetime(stamps.min()), _as_datetime(stamps.max())
    # Default cut-off: the time training runs (never before the newest transaction), so every
    # label known now counts, including those that arrived after the data's last transaction.
    cutoff = windows.cutoff or max(utc_now(), data_end)
    return inputs, _split(windows, data_start, data_end, cutoff)


def _as_datetime(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a timestamp, got {value!r}")
    return value


def load_dataset(engine: Any, windows: Windows) -> Dataset:
    """Return the Dataset for `windows`, reading the warehouse through the feature pipeline."""
    inputs, split = load_inputs(engine, windows)
    return build_dataset(inputs, split)


def _split(
    windows: Windows, data_start: datetime, data_end: datetime, cutoff: datetime
) -> TimeSplit:
    if windows.given:
        assert windows.train_start and windows.train_end and windows.test_start
        assert windows.test_end
        return split_from_dates(
            windows.train_start,
            windows.train_end,
            windows.test_start,
            windows.test_end,
            gap=windows.gap,
            cutoff=cutoff,
        )
    return plan_split(data_start, data_end, gap=windows.gap, cutoff=cutoff)


def model_metadata(trained: TrainedModel, created_at: datetime) -> dict[str, Any]:
    """Return what metadata.json records about a trained model (checksum added on save)."""
    return {
        "created_at": created_at.isoformat(),
        "code_version": fraudwatch.__version__,
        "feature_list": trained.feature_list,
        "encoders": trained.encoders,
        "threshold": trained.threshold.to_dict(),
        "metrics": trained.metrics,
        "windows": trained.split.to_dict(),
        "baseline_constants": trained.baseline_constants,
        "best_iteration": trained.fit.best_iteration,
        "format": "xgboost-ubj",
    }


def publish(
    engine: Any,
    model_dir: Path,
    trained: TrainedModel,
    *,
    created_at: datetime | None = None,
    extra: dict[str, Any] | None = None,
    with_report: bool = True,
) -> Published:
    """Save a trained model's artifacts and register it (first model champion, else candidate).

    `extra` entries (such as a retraining comparison) are merged into the metrics and shown in
    the report; `with_report=False` writes a stub report (tests).
    """
    created = (created_at or datetime.now(UTC)).replace(tzinfo=None, microsecond=0)
    raw = bytes(trained.fit.booster.save_raw(raw_format="ubj"))
    version = new_version(created, raw)
    metadata = model_metadata(trained, created)
    if extra:
        metadata["metrics"] = {**metadata["metrics"], **extra}
    report_html = build_report(trained, version, created, extra) if with_report else "<html></html>"
    directory = save_artifacts(Path(model_dir), version, raw, metadata, report_html)
    status = register_version(engine, Path(model_dir), version, metadata)
    log.info("registered model %s as %s in %s", version, status, directory)
    return Published(version, status, directory, trained, metadata)


def train_model(engine: Any, windows: Windows, options: TrainOptions | None = None) -> TrainedModel:
    """Return a model trained and evaluated on the warehouse's data (nothing saved)."""
    return fit_and_evaluate(load_dataset(engine, windows), options or TrainOptions())
