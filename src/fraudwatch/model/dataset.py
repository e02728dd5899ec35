"""The labelled, split training frame: features, labels at the cut-off, and each row's window.

`Dataset` is plain data, so training and its tests need no warehouse; `build_dataset` makes one
from the feature pipeline's inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from fraudwatch.model.labels import label_counts, label_vector
from fraudwatch.model.split import TimeSplit

PARTS = ("train", "validation", "test")


@dataclass(frozen=True)
class Part:
    """One window's rows: the feature matrix, labels, timestamps and ids."""

    x: npt.NDArray[np.float32]
    y: npt.NDArray[np.int8]
    timestamps: pl.Series
    transaction_ids: pl.Series

    @property
    def rows(self) -> int:
        """Return the number of rows."""
        return int(self.y.size)


@dataclass(frozen=True)
class Dataset:
    """Features of every transaction in the split's windows, labelled and assigned a window.

    `features` has transaction_id, transaction_timestamp, then `feature_list`; `y` is aligned
    with it. `encoders` is the JSON form of the encoders the features were computed with.
    """

    features: pl.DataFrame
    feature_list: list[str]
    y: npt.NDArray[np.int8]
    split: TimeSplit
    encoders: dict[str, Any]
    label_summary: dict[str, int]

    def part(self, name: str) -> Part:
        """Return the rows of window `name` ("train", "validation" or "test")."""
        mask = (self.split.assign(self.features["transaction_timestamp"]) == name).to_numpy()
        mask = np.asarray(mask, dtype=bool)
        rows = self.features.filter(pl.Series(mask))
        if rows.height == 0:
            raise ValueError(f"the {name} window has no transactions")
        return Part(
            x=rows.select(self.feature_list).cast(pl.Float32).to_numpy(),
            y=self.y[mask],
            timestamps=rows["transaction_timestamp"],
            transaction_ids=rows["transaction_id"],
        )


def labelled_dataset(
    features: pl.DataFrame,
    feature_list: list[str],
    labels: pl.DataFrame,
    split: TimeSplit,
    encoders: dict[str, Any],
) -> Dataset:
    """Return a Dataset from a features frame and the raw labels, read as of `split.cutoff`."""
    return Dataset(
        features=features,
        feature_list=feature_list,
        y=label_vector(features["transaction_id"], labels, split.cutoff),
        split=split,
        encoders=encoders,
        label_summary=label_counts(labels, split.cutoff),
    )


def build_dataset(inputs: Any, split: TimeSplit) -> Dataset:
    """Return the Dataset for the feature pipeline's `inputs` (a `FeatureInputs`).

    Encoders are fitted on the train window only, so validation and test see the unknown
    category handling a new transaction would get.
    """
    from fraudwatch.features import FEATURE_COLUMNS, compute_features, fit_encoders

    transactions = inputs.transactions
    ts = pl.col("transaction_timestamp")
    train_only = replace(
        inputs,
        transactions=transactions.filter((ts >= split.train_start) & (ts < split.train_end)),
    )
    encoders = fit_encoders(train_only)
    # Features for every loaded transaction (earlier ones give later ones their history), then
    # only the rows inside the windows are kept.
    features = compute_features(inputs, encoders).filter(
        (ts >= split.train_start) & (ts < split.test_end)
    )
    return labelled_dataset(
        features, list(FEATURE_COLUMNS), inputs.labels, split, encoders.to_dict()
    )
