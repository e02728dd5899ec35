"""The one place features are computed, for training and for scoring alike.

`compute_features` unites the rows to score with their history, runs each builder once over all
of them, checks the builders produced exactly the declared features, fills what is missing with
the declared fill value and returns the rows of `inputs.transactions`, in their order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import numpy as np
import polars as pl
from numpy.typing import NDArray

from fraudwatch.features.account import account_features
from fraudwatch.features.amounts import customer_features, velocity_features
from fraudwatch.features.calendar import transaction_features
from fraudwatch.features.encoders import Encoders, encode
from fraudwatch.features.inputs import FeatureInputs
from fraudwatch.features.label_events import fraud_events
from fraudwatch.features.merchant_risk import merchant_features
from fraudwatch.features.novelty import novelty_features
from fraudwatch.features.profile import account_profiles, customer_codes, profile_features
from fraudwatch.features.rows import Rows, build_rows
from fraudwatch.features.spec import FEATURES, SEED_SOURCES, Feature, Source
from fraudwatch.features.windows import Timeline

Array = NDArray[np.float64] | NDArray[np.int64]
Columns = dict[str, Array | pl.Series]

ALL_SOURCES: Final[tuple[Source, ...]] = tuple(dict.fromkeys(f.source for f in FEATURES))


def _build(
    rows: Rows, inputs: FeatureInputs, encoders: Encoders, wanted: frozenset[Source]
) -> Columns:
    """Run each wanted builder once; return every column they produce, row-aligned with rows."""
    columns: Columns = {}
    accounts = Timeline(rows.account, rows.times)
    per_account = account_profiles(rows, inputs.profiles)
    if "transaction" in wanted:
        columns.update(transaction_features(rows))
    if "velocity" in wanted:
        columns.update(velocity_features(rows, accounts))
    if wanted & {"customer", "account"}:
        customers = Timeline(customer_codes(rows, per_account), rows.times)
        customer = customer_features(rows, customers)
        if "customer" in wanted:
            columns.update(customer)
    if "encoding" in wanted:
        columns.update(encode(rows.data, encoders))
    if "profile" in wanted:
        columns.update(profile_features(rows, per_account))
    if wanted & {"merchant", "account"}:
        events = fraud_events(rows, inputs.labels)
        if "merchant" in wanted:
            columns.update(merchant_features(rows, events))
        if "account" in wanted:
            z = np.asarray(customer["customer_amount_zscore_30d"], dtype=np.float64)
            columns.update(account_features(rows, accounts, events, z))
    if "novelty" in wanted:
        columns.update(novelty_features(rows))
    return columns


def _column(
    feature: Feature, values: Array | pl.Series, targets: NDArray[np.int64] | None
) -> pl.Series:
    """Return one output column: the target rows, missing values filled, in the declared type."""
    array = values.to_numpy() if isinstance(values, pl.Series) else values
    if targets is not None:
        array = array[targets]
    if feature.dtype == "int":
        return pl.Series(feature.name, array.astype(np.int32, copy=False))
    floats = array.astype(np.float64, copy=False)
    if np.isnan(floats).any():
        floats = np.where(np.isnan(floats), feature.fill, floats)
    return pl.Series(feature.name, floats)


def compute_selected(
    inputs: FeatureInputs, encoders: Encoders, sources: Iterable[Source]
) -> pl.DataFrame:
    """Return `compute_features`'s frame with only the features of builders `sources`."""
    rows = build_rows(inputs.transactions, inputs.history)
    wanted = frozenset(sources)
    features = [f for f in FEATURES if f.source in wanted]
    columns = _build(rows, inputs, encoders, wanted)
    declared = {f.name for f in features}
    if set(columns) != declared:
        raise RuntimeError(f"builders and spec disagree: {sorted(set(columns) ^ declared)}")
    targets = None if len(rows.targets) == rows.size else rows.targets
    head = rows.data.select("transaction_id", "transaction_timestamp")
    if targets is not None:
        head = head[targets]
    return head.with_columns(_column(f, columns[f.name], targets) for f in features)


def compute_features(inputs: FeatureInputs, encoders: Encoders) -> pl.DataFrame:
    """Return one row per row of `inputs.transactions`, in order: transaction_id,
    transaction_timestamp, then `FEATURE_COLUMNS` (Int32 or Float64, never null).

    For a transaction at t every feature sees only transactions strictly before t (from
    `transactions` and `history` together), the profile at t, and labels with labeled_at < t;
    so features never depend on how the rows were split into batches.
    """
    return compute_selected(inputs, encoders, ALL_SOURCES)


def seed_features(inputs: FeatureInputs, encoders: Encoders) -> pl.DataFrame:
    """Return `compute_features` restricted to the seed's features (no labels, no novelty)."""
    return compute_selected(inputs, encoders, SEED_SOURCES)
