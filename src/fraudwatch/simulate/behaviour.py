"""Legitimate behaviour: when each account transacts, through which channel, for how much.

Every account has habits (see population.py): a daily rate, a typical spend, preferred
channels, a centre of its active hours, a chance of being abroad and favourite merchants.
Volume peaks during the working day; amounts are log-normal around the account's habit,
scaled by channel (a branch visit moves far more money than a card tap) and by merchant.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from fraudwatch.simulate import merchants
from fraudwatch.simulate.options import SimulationOptions
from fraudwatch.simulate.population import Population
from fraudwatch.simulate.records import (
    ATM,
    BRANCH,
    CREDIT,
    DEBIT,
    LEGITIMATE,
    NO_MERCHANT,
    PAYMENT,
    POINT_OF_SALE,
    WITHDRAWAL,
    Draft,
)

US_PER_HOUR: Final = 3_600_000_000
US_PER_DAY: Final = 24 * US_PER_HOUR
HOUR_SPREAD: Final = 3.2  # standard deviation of an account's hours around its centre
ANY_HOUR_SHARE: Final = 0.1  # transactions at any hour of the day, night included
WEEKEND_VOLUME: Final = 0.85

# Type probabilities per channel, rows in schemas.CHANNELS order, columns in
# schemas.TRANSACTION_TYPES order (DEBIT, CREDIT, TRANSFER, WITHDRAWAL, DEPOSIT, PAYMENT).
TYPE_GIVEN_CHANNEL: Final = np.array(
    [
        [0.25, 0.03, 0.35, 0.00, 0.02, 0.35],  # Online Banking
        [0.30, 0.03, 0.30, 0.00, 0.12, 0.25],  # Mobile App
        [0.00, 0.00, 0.02, 0.85, 0.13, 0.00],  # ATM
        [0.00, 0.02, 0.25, 0.30, 0.33, 0.10],  # Branch
        [0.95, 0.05, 0.00, 0.00, 0.00, 0.00],  # Point of Sale
    ]
)
TYPE_CDF: Final = np.cumsum(TYPE_GIVEN_CHANNEL, axis=1)
# Log-scale amount shift per channel and per type (same orders as above).
CHANNEL_SHIFT: Final = np.array([1.45, 0.3, 0.55, 2.4, 0.0])
TYPE_SHIFT: Final = np.array([0.0, -0.3, 0.6, 0.3, 0.9, -0.2])
MAX_AMOUNT: Final = 50_000.0


def day_schedule(
    population: Population, rng: np.random.Generator, day_start_us: int, weekday: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return (account positions, timestamps in µs) of one day's legitimate transactions.

    Each account's count is Poisson around its daily rate (lower at weekends); times of day
    centre on the account's active hours, with a small share at any hour.
    """
    volume = WEEKEND_VOLUME if weekday >= 5 else 1.0
    counts = rng.poisson(population.daily_rate * volume)
    accounts = np.repeat(np.arange(population.size, dtype=np.int64), counts)
    hours = habitual_hours(population, rng, accounts)
    return accounts, day_start_us + (hours * US_PER_HOUR).astype(np.int64)


def habitual_hours(
    population: Population, rng: np.random.Generator, accounts: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Return a fractional hour of day in [0, 24) for each transaction of `accounts`."""
    n = accounts.size
    hours = rng.normal(population.hour_center[accounts], HOUR_SPREAD)
    anywhere = rng.random(n) < ANY_HOUR_SHARE
    hours[anywhere] = rng.uniform(0.0, 24.0, int(anywhere.sum()))
    return np.mod(hours, 24.0)


def legitimate(
    population: Population,
    rng: np.random.Generator,
    accounts: npt.NDArray[np.int64],
    timestamp_us: npt.NDArray[np.int64],
    options: SimulationOptions,
) -> Draft:
    """Return legitimate transactions for the given accounts at the given times."""
    n = accounts.size
    channel = _pick(population.channel_cdf[accounts], rng.random(n))
    tx_type = _pick(TYPE_CDF[channel], rng.random(n))
    merchant = habitual_merchants(population, rng, accounts, channel, tx_type)
    log_amount = (
        population.spend_mu[accounts]
        + CHANNEL_SHIFT[channel]
        + TYPE_SHIFT[tx_type]
        + population.spend_sigma[accounts] * rng.standard_normal(n)
    )
    amount = np.exp(log_amount) * np.where(merchant >= 0, merchants.SPEND[merchant], 1.0)
    return Draft(
        account=accounts,
        timestamp_us=timestamp_us,
        channel=channel.astype(np.int8),
        tx_type=tx_type.astype(np.int8),
        amount=finish_amounts(amount, channel, tx_type),
        merchant=merchant,
        international=rng.random(n) < population.international_p[accounts],
        reversal=rng.random(n) < options.reversal_share,
        scenario=np.full(n, LEGITIMATE, np.int8),
        incident=np.full(n, -1, np.int64),
    )


def habitual_merchants(
    population: Population,
    rng: np.random.Generator,
    accounts: npt.NDArray[np.int64],
    channel: npt.NDArray[np.int64],
    tx_type: npt.NDArray[np.int64],
) -> npt.NDArray[np.int16]:
    """Return each transaction's merchant from its account's favourites, or NO_MERCHANT.

    Card purchases and refunds go to store merchants at the point of sale and online merchants
    elsewhere; bill payments go to billers; transfers, withdrawals and deposits have none.
    """
    n = accounts.size
    store = population.fav_store[accounts, rng.integers(0, population.fav_store.shape[1], n)]
    online = population.fav_online[accounts, rng.integers(0, population.fav_online.shape[1], n)]
    biller = population.fav_biller[accounts, rng.integers(0, population.fav_biller.shape[1], n)]
    card = (tx_type == DEBIT) | ((tx_type == CREDIT) & (channel != BRANCH))
    merchant = np.full(n, NO_MERCHANT, np.int16)
    merchant[card] = np.where(channel[card] == POINT_OF_SALE, store[card], online[card])
    bill = tx_type == PAYMENT
    merchant[bill] = biller[bill]
    return merchant


def finish_amounts(
    amount: npt.NDArray[np.float64],
    channel: npt.NDArray[np.int64],
    tx_type: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """Return amounts as money: cents, at least $1, capped; ATM cash in $20 notes up to $800."""
    cash = (channel == ATM) & (tx_type == WITHDRAWAL)
    rounded = np.round(np.clip(amount, 1.0, MAX_AMOUNT), 2)
    notes = np.clip(np.round(amount / 20.0) * 20.0, 20.0, 800.0)
    return np.where(cash, notes, rounded)


def _pick(cdf: npt.NDArray[np.float64], u: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Return, per row, the first category whose cumulative probability exceeds `u`."""
    u = u * cdf[:, -1]  # rows may sum to slightly less than 1
    picked: npt.NDArray[np.int64] = np.minimum((u[:, None] >= cdf).sum(axis=1), cdf.shape[1] - 1)
    return picked.astype(np.int64)
