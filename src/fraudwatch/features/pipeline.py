"""The one place features are computed, for training and for scoring alike.

`compute_features` unites the rows to score with their history, runs each builder once over all
of them, checks the builders produced exactly the declared features, fills what is missing with
the declared fill value and returns the rows of `inputs.transactions`, in their order.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future
from typing import Final

import numpy as np
import polars as pl
from numpy.typing import NDArray

from fraudwatch.features.account import account_record_features, anomalous_share
from fraudwatch.features.amounts import customer_features, velocity_features
from fraudwatch.features.calendar import transaction_features
from fraudwatch.features.encoders import Encoders, encode
from fraudwatch.features.inputs import FeatureInputs
from fraudwatch.features.label_events import FraudEvents, fraud_events
from fraudwatch.features.memory import reused_memory
from fraudwatch.features.merchant_risk import merchant_features
from fraudwatch.features.novelty import novelty_features
from fraudwatch.features.output import output_frame
from fraudwatch.features.parallel import runner
from fraudwatch.features.profile import (
    AccountProfiles,
    account_profiles,
    customer_codes,
    profile_features,
)
from fraudwatch.features.rows import Columns, Rows, build_rows
from fraudwatch.features.spec import FEATURES, SEED_SOURCES, Source
from fraudwatch.features.windows import Timeline

# From this many rows (transactions plus history), large temporaries reuse freed memory.
REUSE_MEMORY_FROM_ROWS: Final = 50_000
ALL_SOURCES: Final[tuple[Source, ...]] = tuple(dict.fromkeys(f.source for f in FEATURES))


def _build(
    rows: Rows, inputs: FeatureInputs, encoders: Encoders, wanted: frozenset[Source]
) -> Columns:
    """Run each wanted builder once; return every column they produce, row-aligned with rows.

    Independent builders run side by side on large inputs; each task is submitted after the
    tasks it waits on.
    """
    parts: list[Future[Columns]] = []
    with runner(rows.size) as run:
        # The longest chain (profiles, customer timeline, anomalous share) starts first; a task
        # waiting on another holds a worker, so none is submitted just to wait.
        per_account = run.submit(account_profiles, rows, inputs.profiles)
        accounts = run.submit(rows.timeline, rows.account)
        if wanted & {"merchant", "account"}:
            events = run.submit(fraud_events, rows, inputs.labels)
        # Coded up front, while the timelines are built, rather than by the first builder
        # that needs them (which would then hold up the others waiting for the same codes).
        for column in _coded_columns(wanted):
            run.submit(rows.codes, column)
        if wanted & {"customer", "account"}:
            customer = run.submit(_customer_features, rows, per_account)
        if "account" in wanted:
            parts.append(run.submit(_account_record, rows, accounts, events))
        if "merchant" in wanted:
            parts.append(run.submit(lambda: merchant_features(rows, events.result())))
        if "novelty" in wanted:
            parts.append(run.submit(lambda: novelty_features(rows, accounts.result())))
        if "velocity" in wanted:
            parts.append(run.submit(lambda: velocity_features(rows, accounts.result())))
        if "account" in wanted:
            parts.append(run.submit(_anomalous_share, accounts, customer))
        if "transaction" in wanted:
            parts.append(run.submit(transaction_features, rows))
        if "encoding" in wanted:
            parts.append(run.submit(encode, rows, encoders))
        if "profile" in wanted:
            parts.append(run.submit(lambda: profile_features(rows, per_account.result())))
        columns: Columns = {}
        if "customer" in wanted:
            columns.update(customer.result()[0])
        for part in parts:
            columns.update(part.result())
    return columns


def _coded_columns(wanted: frozenset[Source]) -> list[str]:
    """Return the string columns whose codes the `wanted` builders read."""
    columns = []
    if wanted & {"merchant", "novelty"}:
        columns.append("merchant_name")
    if wanted & {"novelty", "encoding"}:
        columns.append("channel_name")
    if "encoding" in wanted:
        columns.append("transaction_type")
    return columns


def _customer_features(
    rows: Rows, per_account: Future[AccountProfiles]
) -> tuple[Columns, NDArray[np.float64]]:
    """Return the customer features and every row's z-score, on the customer timeline."""
    return customer_features(rows, rows.timeline(customer_codes(rows, per_account.result())))


def _account_record(rows: Rows, accounts: Future[Timeline], events: Future[FraudEvents]) -> Columns:
    """Return the account's own record, once its timeline and the fraud events are known."""
    return account_record_features(rows, accounts.result(), events.result())


def _anomalous_share(
    accounts: Future[Timeline], customer: Future[tuple[Columns, NDArray[np.float64]]]
) -> Columns:
    """Return the account's anomalous share, once the customer z-scores it counts are known."""
    return anomalous_share(accounts.result(), customer.result()[1])


def compute_selected(
    inputs: FeatureInputs, encoders: Encoders, sources: Iterable[Source]
) -> pl.DataFrame:
    """Return `compute_features`'s frame with only the features of builders `sources`."""
    size = inputs.transactions.height + inputs.history.height
    with reused_memory(enabled=size >= REUSE_MEMORY_FROM_ROWS):
        return _compute(inputs, encoders, frozenset(sources))


def _compute(inputs: FeatureInputs, encoders: Encoders, wanted: frozenset[Source]) -> pl.DataFrame:
    rows = build_rows(inputs.transactions, inputs.history)
    features = [f for f in FEATURES if f.source in wanted]
    columns = _build(rows, inputs, encoders, wanted)
    declared = {f.name for f in features}
    if set(columns) != declared:
        raise RuntimeError(f"builders and spec disagree: {sorted(set(columns) ^ declared)}")
    return output_frame(rows, features, columns)


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
