"""The bank's customers and accounts, and each account's habits, drawn from one seed.

The profile rows (`dim_customer`, `dim_account`) go to the warehouse; the habits (how often,
how much, through which channels, at what hours, how often abroad, which merchants) stay in
memory and drive the transaction generators. The same seed and customer count always give the
same population, so a stream started after a backfill continues the same customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
from sqlalchemy.engine import Engine

from fraudwatch.schemas import CHANNELS
from fraudwatch.simulate import merchants
from fraudwatch.simulate.options import SimulationOptions
from fraudwatch.warehouse import insert_ignoring_duplicates, tables

SEGMENTS: Final = ("Mass", "Affluent", "Private", "Small Business", "Student")
SEGMENT_SHARE: Final = np.array([0.55, 0.20, 0.03, 0.07, 0.15])
# Habitual spend relative to the mass segment (log scale) and credit score shift.
SEGMENT_SPEND: Final = np.array([0.0, 0.5, 1.0, 0.7, -0.4])
SEGMENT_CREDIT: Final = np.array([0.0, 50.0, 90.0, 20.0, -40.0])
COUNTRIES: Final = ("US", "CA", "GB", "MX", "DE", "IN", "FR")
COUNTRY_SHARE: Final = np.array([0.92, 0.02, 0.015, 0.02, 0.008, 0.01, 0.007])

ACCOUNT_TYPES: Final = ("Checking", "Credit Card", "Savings")
CHECKING, CREDIT_CARD, SAVINGS = 0, 1, 2
OWNERSHIP: Final = np.array([1.0, 0.35, 0.5])  # share of customers holding each type
ACTIVITY: Final = np.array([1.0, 0.6, 0.07])  # relative daily volume of each type
# Channel preference per account type, in schemas.CHANNELS order
# (Online Banking, Mobile App, ATM, Branch, Point of Sale).
CHANNEL_BASE: Final = np.array(
    [
        [0.14, 0.22, 0.12, 0.05, 0.47],
        [0.25, 0.09, 0.005, 0.005, 0.65],
        [0.45, 0.30, 0.05, 0.20, 0.0],
    ]
)
BASE_SPEND: Final = 17.0  # median card spend of a mass-segment customer, in dollars


@dataclass(frozen=True)
class Population:
    """Customers, accounts and per-account habits; arrays are indexed by account position."""

    customers: pl.DataFrame
    accounts: pl.DataFrame
    account_number: pl.Series
    account_type: npt.NDArray[np.int8]
    daily_rate: npt.NDArray[np.float64]
    spend_mu: npt.NDArray[np.float64]
    spend_sigma: npt.NDArray[np.float64]
    channel_cdf: npt.NDArray[np.float64]
    hour_center: npt.NDArray[np.float64]
    international_p: npt.NDArray[np.float64]
    fav_store: npt.NDArray[np.int16]
    fav_online: npt.NDArray[np.int16]
    fav_biller: npt.NDArray[np.int16]

    @property
    def size(self) -> int:
        """Return the number of accounts."""
        return int(self.account_type.size)

    def least_used_channel(self, accounts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Return, per account, the digital channel (Online Banking, Mobile App) it uses less."""
        probabilities = np.diff(self.channel_cdf[accounts], prepend=0.0, axis=1)
        least: npt.NDArray[np.int64] = np.argmin(probabilities[:, :2], axis=1).astype(np.int64)
        return least


def build_population(options: SimulationOptions, as_of: date) -> Population:
    """Draw the population for `options.seed` and `options.customers`, with tenure up to `as_of`.

    Deterministic: the same seed, customer count and date give identical frames and arrays.
    """
    rng = np.random.default_rng(np.random.SeedSequence([options.seed, 0]))
    n = options.customers
    segment = rng.choice(len(SEGMENTS), size=n, p=SEGMENT_SHARE)
    tenure_days = np.clip(rng.exponential(6 * 365.25, n), 30, 45 * 365.25).astype(np.int64)
    customers = _customer_frame(rng, options.seed, segment, tenure_days, as_of)

    owned = rng.random((n, 3)) < OWNERSHIP
    owner, kind = np.nonzero(owned)  # row-major: each customer's accounts are adjacent
    m = owner.size
    opened_after = (rng.random(m) * tenure_days[owner]).astype(np.int64)
    accounts = pl.DataFrame(
        {
            "account_number": [f"{options.seed}{j:09d}" for j in range(m)],
            "customer_key": customers["customer_key"].gather(owner),
            "account_type": pl.Series(ACCOUNT_TYPES).gather(kind),
            "opened_date": customers["customer_since"].gather(owner)
            + pl.Series((opened_after * 86_400_000).astype("timedelta64[ms]")),
        }
    )
    base_rate = options.transactions_per_customer_day / float(OWNERSHIP @ ACTIVITY)
    concentration = 25.0 * CHANNEL_BASE[kind] + 0.02
    draws = rng.gamma(concentration)  # a Dirichlet draw per account, vectorized
    channel_p = draws / np.maximum(draws.sum(axis=1, keepdims=True), 1e-12)
    share = options.international_share
    return Population(
        customers=customers,
        accounts=accounts,
        account_number=accounts["account_number"],
        account_type=kind.astype(np.int8),
        daily_rate=rng.gamma(2.0, base_rate * ACTIVITY[kind] / 2.0),
        spend_mu=np.log(BASE_SPEND) + SEGMENT_SPEND[segment[owner]] + rng.normal(0, 0.4, m),
        spend_sigma=rng.uniform(0.55, 0.95, m),
        channel_cdf=np.cumsum(channel_p, axis=1),
        hour_center=rng.normal(13.5, 1.6, m),
        international_p=rng.beta(0.5, 0.5 * (1 - share) / share, m) if share > 0 else np.zeros(m),
        fav_store=merchants.favourites(rng, m, (merchants.STORE, merchants.BOTH), 6),
        fav_online=merchants.favourites(rng, m, (merchants.ONLINE, merchants.BOTH), 4),
        fav_biller=merchants.favourites(rng, m, (merchants.BILLER,), 3),
    )


def _customer_frame(
    rng: np.random.Generator,
    seed: int,
    segment: npt.NDArray[np.int64],
    tenure_days: npt.NDArray[np.int64],
    as_of: date,
) -> pl.DataFrame:
    n = segment.size
    credit = np.clip(rng.normal(685, 65, n) + SEGMENT_CREDIT[segment], 300, 850).astype(np.int32)
    # Risk rating follows credit score, with noise: a bank's rating is more than one number.
    risk_score = (850 - credit) / 550 + rng.normal(0, 0.08, n)
    risk = np.where(risk_score > 0.45, "High", np.where(risk_score > 0.25, "Medium", "Low"))
    since = [as_of - timedelta(days=int(d)) for d in tenure_days]
    return pl.DataFrame(
        {
            "customer_key": [f"C{seed}-{i:08d}" for i in range(n)],
            "cif_number": [f"CIF{seed}{i:09d}" for i in range(n)],
            "customer_segment": pl.Series(SEGMENTS).gather(segment),
            "credit_score": credit,
            "customer_since": pl.Series(since, dtype=pl.Date),
            "risk_rating": risk,
            "home_country": pl.Series(COUNTRIES).gather(
                rng.choice(len(COUNTRIES), size=n, p=COUNTRY_SHARE)
            ),
        }
    )


def channel_names() -> pl.Series:
    """Return the channel names in code order (the order of `schemas.CHANNELS`)."""
    return pl.Series(CHANNELS)


def write_population(engine: Engine, population: Population) -> tuple[int, int]:
    """Store customers and accounts, keeping existing keys; return (customers, accounts) added."""
    customers = insert_ignoring_duplicates(engine, tables.dim_customer, population.customers)
    accounts = insert_ignoring_duplicates(engine, tables.dim_account, population.accounts)
    return customers, accounts
