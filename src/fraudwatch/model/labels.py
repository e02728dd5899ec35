"""Training labels as of a cut-off.

Convention (the usual one for chargeback data): a transaction is fraud if `fraud_labels` says
`is_fraud = true` with `labeled_at <= cutoff`; every other transaction, labelled legitimate or not
labelled at all, is presumed legitimate. Every source counts (chargeback, analyst, import), so an
analyst's confirmed fraud trains the next model. A label that arrives after the cut-off is unknown
to the run, exactly as it was unknown to the bank at that moment.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import numpy.typing as npt
import polars as pl


def known_labels(labels: pl.DataFrame, cutoff: datetime) -> pl.DataFrame:
    """Return the labels known at `cutoff` (`labeled_at <= cutoff`), one row per transaction."""
    return labels.filter(pl.col("labeled_at") <= cutoff).unique(
        "transaction_id", keep="last", maintain_order=True
    )


def label_vector(
    transaction_ids: pl.Series, labels: pl.DataFrame, cutoff: datetime
) -> npt.NDArray[np.int8]:
    """Return 1 per id labelled fraud by `cutoff`, else 0, in the order of `transaction_ids`."""
    fraud_ids = known_labels(labels, cutoff).filter(pl.col("is_fraud"))["transaction_id"]
    return transaction_ids.is_in(fraud_ids.implode()).to_numpy().astype(np.int8)


def label_counts(labels: pl.DataFrame, cutoff: datetime) -> dict[str, int]:
    """Return how many fraud and legitimate labels are known at `cutoff`, by source too."""
    known = known_labels(labels, cutoff)
    counts: dict[str, int] = {
        "fraud": int(known["is_fraud"].sum()),
        "legitimate": int((~known["is_fraud"]).sum()),
        "unknown_after_cutoff": labels.height - known.height,
    }
    if "source" not in known.columns:
        return counts
    for source, n in known.filter(pl.col("is_fraud")).group_by("source").len().iter_rows():
        counts[f"fraud_{source}"] = int(n)
    return counts
