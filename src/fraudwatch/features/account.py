"""The account's own record: known frauds, amount against its non-fraud history, recent anomalies,
and the gap since its previous transaction.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from fraudwatch.features.amounts import (
    CentredSums,
    centred_amounts,
    mean_std_z,
    window_sums,
)
from fraudwatch.features.label_events import FraudEvents, known_in_window
from fraudwatch.features.rows import Columns, Rows
from fraudwatch.features.spec import ANOMALY_Z, DAY, FEATURES_BY_NAME, MONTH, micros
from fraudwatch.features.windows import Timeline

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def _excluding_known_frauds(rows: Rows, accounts: Timeline, events: FraudEvents) -> tuple[F64, F64]:
    """Return (account z-score without known frauds, account known frauds) in the sorted order."""
    centred, reference = centred_amounts(accounts, rows.amounts)
    sums = window_sums(accounts, centred, MONTH)
    fraud_account = rows.account[events.rows]
    fraud_centred = rows.amounts[events.rows] - reference[accounts.first_of_key(fraud_account)]
    weights = [np.ones(events.size), fraud_centred, fraud_centred * fraud_centred]
    count, total, squares = known_in_window(
        accounts, fraud_account, events.tx_time, events.known_at, micros(MONTH), weights
    )
    known = np.rint(count)
    honest = CentredSums(
        count=sums.count - known,
        total=sums.total - total,
        squares=sums.squares - squares,
        own=sums.own,
    )
    _, _, z = mean_std_z(honest)
    return z, known


def account_record_features(rows: Rows, accounts: Timeline, events: FraudEvents) -> Columns:
    """Return the account's known frauds and z-score without them (30d) and the seconds since
    its previous transaction (capped at 30 days, the fill).

    - account_known_frauds_30d: its transactions in [t-30d, t) labelled fraud with labeled_at < t.
    - account_zscore_excl_fraud_30d: z of the amount against its transactions in [t-30d, t)
      minus those known frauds (fewer than 2 left: 0).
    """
    z, known = _excluding_known_frauds(rows, accounts, events)
    has_previous = accounts.before > accounts.starts
    gap = np.where(has_previous, accounts.gap, micros(MONTH)) / 1e6
    cap = FEATURES_BY_NAME["seconds_since_prev_tx"].fill
    np.minimum(gap, cap, out=gap)
    return {
        "account_known_frauds_30d": accounts.unsort(known.astype(np.int32)),
        "account_zscore_excl_fraud_30d": accounts.unsort(z),
        "seconds_since_prev_tx": accounts.unsort(gap),
    }


def anomalous_share(accounts: Timeline, customer_z: F64) -> Columns:
    """Return account_anomalous_share_24h: the share of the account's transactions in
    [t-24h, t) whose own customer z-score (every row's, `customer_z`) had |z| > 3 (none: 0)."""
    anomalous = (np.abs(accounts.sort(customer_z)) > ANOMALY_Z).astype(np.float64)
    day = micros(DAY)
    count = accounts.before - accounts.since(day)
    share = accounts.window_sum(accounts.prefix(anomalous), day)
    with np.errstate(divide="ignore", invalid="ignore"):
        share /= count
    share[count == 0] = 0.0
    return {"account_anomalous_share_24h": accounts.unsort(share)}
