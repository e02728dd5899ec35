"""Chargebacks: fraud becomes known days to weeks after it happens, and some never does.

A victim reports an incident as a whole (every transaction of a burst is charged back at
once), some time after its last transaction: the delay is log-normal around
`options.label_delay_days_median`, at least one day and at most `label_delay_days_max`. A share
`options.unreported_share` of incidents is never reported and never gets a label. Legitimate
transactions get no label either: in this warehouse, "no label" means "not known to be fraud".
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import numpy as np
import polars as pl

from fraudwatch.schemas import LABEL_SCHEMA
from fraudwatch.simulate.options import SimulationOptions

CHARGEBACK: Final = "chargeback"
US_PER_DAY: Final = 86_400_000_000
DELAY_SIGMA: Final = 0.6


def chargebacks(
    truth: pl.DataFrame, rng: np.random.Generator, options: SimulationOptions
) -> pl.DataFrame:
    """Return the chargeback labels (LABEL_SCHEMA) that `truth`'s fraud will ever produce.

    `truth` has transaction_id, transaction_timestamp and incident. Each reported incident's
    labels share one `labeled_at`, strictly after the incident's last transaction.
    """
    if truth.is_empty():
        return pl.DataFrame(schema=LABEL_SCHEMA)
    incidents = (
        truth.group_by("incident")
        .agg(pl.col("transaction_timestamp").max().alias("last"))
        .sort("incident")
    )
    k = incidents.height
    reported = rng.random(k) >= options.unreported_share
    days = np.exp(rng.normal(np.log(options.label_delay_days_median), DELAY_SIGMA, k))
    delay_us = (np.clip(days, 1.0, options.label_delay_days_max) * US_PER_DAY).astype(np.int64)
    arrivals = incidents.with_columns(
        (pl.col("last") + pl.Series(delay_us).cast(pl.Duration("us"))).alias("labeled_at")
    ).filter(pl.Series(reported))
    return (
        truth.join(arrivals.select("incident", "labeled_at"), on="incident", how="inner")
        .sort("transaction_timestamp", "transaction_id")
        .select(
            "transaction_id",
            pl.lit(True).alias("is_fraud"),
            pl.lit(CHARGEBACK).alias("source"),
            "labeled_at",
        )
        .cast(LABEL_SCHEMA)
    )


def split_arrived(labels: pl.DataFrame, as_of: datetime) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (arrived, pending): labels with `labeled_at <= as_of`, and the rest."""
    arrived = pl.col("labeled_at") <= pl.lit(as_of, dtype=pl.Datetime("us"))
    return labels.filter(arrived), labels.filter(~arrived)
