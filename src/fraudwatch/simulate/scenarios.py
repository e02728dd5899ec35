"""Fraud scenarios: the patterns fraud teams know, injected among legitimate transactions.

- velocity_burst: a compromised card is tested with a tiny charge, then used at several
  cash-out merchants (electronics, gift cards, travel) within minutes.
- account_takeover: a fraudster logs in through a channel the customer rarely uses, often from
  abroad, and moves a large sum out by transfer (or cash at an ATM).
- compromised_merchant: a skimmed or rogue terminal at one card-present merchant charges many
  customers' cards; the merchant changes every `BREACH_DAYS` days.
- amount_anomaly: a single purchase many times the customer's habitual amount.

All of them happen mostly between midnight and 6 a.m. (`FRAUD_NIGHT_SHARE`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from fraudwatch.simulate import merchants
from fraudwatch.simulate.behaviour import finish_amounts
from fraudwatch.simulate.options import SimulationOptions
from fraudwatch.simulate.population import CREDIT_CARD, SAVINGS, Population
from fraudwatch.simulate.records import (
    ATM,
    DEBIT,
    MOBILE_APP,
    ONLINE_BANKING,
    POINT_OF_SALE,
    SCENARIOS,
    TRANSFER,
    WITHDRAWAL,
    Draft,
    concat,
    empty_draft,
)

FRAUD_NIGHT_SHARE: Final = 0.55
NIGHT_END_HOUR: Final = 6
BREACH_DAYS: Final = 7
US_PER_MINUTE: Final = 60_000_000
# Mean transactions per incident, to turn a wanted fraud volume into a number of incidents.
MEAN_SIZE: Final = {
    "velocity_burst": 5.5,
    "account_takeover": 1.6,
    "compromised_merchant": 1.0,
    "amount_anomaly": 1.0,
}
StartTimes = Callable[[int], npt.NDArray[np.int64]]


def fraud_hours(rng: np.random.Generator, n: int) -> npt.NDArray[np.float64]:
    """Return fractional hours of day for `n` incidents, concentrated between 00:00 and 06:00."""
    night = rng.random(n) < FRAUD_NIGHT_SHARE
    return np.where(
        night, rng.uniform(0.0, NIGHT_END_HOUR, n), np.mod(rng.normal(15.0, 4.0, n), 24.0)
    )


def incident_counts(
    options: SimulationOptions, rng: np.random.Generator, legit_count: int, factor: float = 1.0
) -> dict[str, int]:
    """Return how many incidents of each scenario to inject next to `legit_count` transactions.

    Sized so fraud is `options.fraud_rate` of all transactions on average (times `factor`).
    """
    rate = options.fraud_rate
    wanted = legit_count * rate / (1.0 - rate) * factor
    total_weight = sum(options.scenario_weights.values())
    return {
        name: int(rng.poisson(wanted * weight / total_weight / MEAN_SIZE[name]))
        for name, weight in options.scenario_weights.items()
    }


def compromised_merchant_on(seed: int, day_number: int) -> int:
    """Return the merchant whose terminal is compromised on `day_number` (days since 1970)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 3, day_number // BREACH_DAYS]))
    candidates = merchants.indices(merchants.BREACHABLE_MERCHANTS)
    return int(candidates[rng.integers(0, candidates.size)])


def inject(
    population: Population,
    rng: np.random.Generator,
    counts: dict[str, int],
    starts: StartTimes,
    breached_merchant: int,
    first_incident: int,
) -> Draft:
    """Return the fraud transactions of the given incident counts, numbered from `first_incident`.

    `starts(n)` returns the start time (µs) of n incidents; later transactions of an incident
    follow its start by minutes.
    """
    drafts = []
    incident = first_incident
    for name in SCENARIOS:
        k = counts.get(name, 0)
        if k <= 0:
            continue
        ids = np.arange(incident, incident + k, dtype=np.int64)
        incident += k
        if name == "velocity_burst":
            drafts.append(_velocity_burst(population, rng, starts(k), ids))
        elif name == "account_takeover":
            drafts.append(_account_takeover(population, rng, starts(k), ids))
        elif name == "compromised_merchant":
            drafts.append(_compromised_merchant(population, rng, starts(k), ids, breached_merchant))
        else:
            drafts.append(_amount_anomaly(population, rng, starts(k), ids))
    return concat(drafts) if drafts else empty_draft()


@dataclass(frozen=True)
class _Plan:
    """Who is hit and when: one row per incident, `sizes` transactions each."""

    scenario: str
    ids: npt.NDArray[np.int64]
    victims: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int64]
    sizes: npt.NDArray[np.int64]

    @property
    def n(self) -> int:
        return int(self.sizes.sum())


def _plan(
    scenario: str,
    pop: Population,
    rng: np.random.Generator,
    starts: npt.NDArray[np.int64],
    ids: npt.NDArray[np.int64],
    sizes: npt.NDArray[np.int64] | None = None,
) -> _Plan:
    """Pick victims: card fraud hits checking and credit cards, takeover checking and savings."""
    excluded = CREDIT_CARD if scenario == "account_takeover" else SAVINGS
    eligible = np.flatnonzero(pop.account_type != excluded)
    victims = eligible[rng.integers(0, eligible.size, ids.size)].astype(np.int64)
    one_each = np.ones(ids.size, np.int64)
    return _Plan(scenario, ids, victims, starts, one_each if sizes is None else sizes)


def _velocity_burst(
    pop: Population,
    rng: np.random.Generator,
    starts: npt.NDArray[np.int64],
    ids: npt.NDArray[np.int64],
) -> Draft:
    sizes = np.minimum(3 + rng.poisson(2.5, ids.size), 12)
    plan = _plan("velocity_burst", pop, rng, starts, ids, sizes)
    n = plan.n
    offsets, position = _spread(rng, sizes, 1.5 * US_PER_MINUTE)
    channel = rng.choice([POINT_OF_SALE, ONLINE_BANKING, MOBILE_APP], n, p=[0.5, 0.3, 0.2])
    cash_out = merchants.indices(merchants.CASH_OUT_MERCHANTS)
    amount = np.exp(rng.normal(np.log(260.0), 0.6, n))
    amount[position == 0] = rng.uniform(1.0, 5.0, int((position == 0).sum()))  # the card test
    merchant = cash_out[rng.integers(0, cash_out.size, n)]
    return _draft(plan, rng, offsets, channel, np.full(n, DEBIT), amount, merchant, 0.35)


def _account_takeover(
    pop: Population,
    rng: np.random.Generator,
    starts: npt.NDArray[np.int64],
    ids: npt.NDArray[np.int64],
) -> Draft:
    sizes = 1 + np.minimum(rng.poisson(0.6, ids.size), 3)
    plan = _plan("account_takeover", pop, rng, starts, ids, sizes)
    offsets, _ = _spread(rng, sizes, 20 * US_PER_MINUTE)
    # Log in where the customer never does; one in four cashes out at an ATM instead.
    remote = np.where(rng.random(ids.size) < 0.25, ATM, pop.least_used_channel(plan.victims))
    channel = np.repeat(remote, sizes)
    tx_type = np.where(channel == ATM, WITHDRAWAL, TRANSFER)
    amount = np.clip(np.exp(rng.normal(np.log(3_500.0), 0.7, plan.n)), 500.0, 25_000.0)
    no_merchant = np.full(plan.n, -1, np.int16)
    return _draft(plan, rng, offsets, channel, tx_type, amount, no_merchant, 0.55)


def _compromised_merchant(
    pop: Population,
    rng: np.random.Generator,
    starts: npt.NDArray[np.int64],
    ids: npt.NDArray[np.int64],
    merchant: int,
) -> Draft:
    plan = _plan("compromised_merchant", pop, rng, starts, ids)
    k = ids.size
    amount = np.exp(pop.spend_mu[plan.victims] + rng.normal(0.4, 0.5, k))
    amount *= merchants.SPEND[merchant]
    return _draft(
        plan,
        rng,
        np.zeros(k, np.int64),
        np.full(k, POINT_OF_SALE),
        np.full(k, DEBIT),
        amount,
        np.full(k, merchant, np.int16),
        0.0,
    )


def _amount_anomaly(
    pop: Population,
    rng: np.random.Generator,
    starts: npt.NDArray[np.int64],
    ids: npt.NDArray[np.int64],
) -> Draft:
    plan = _plan("amount_anomaly", pop, rng, starts, ids)
    k, victims = ids.size, plan.victims
    online = rng.random(k) < 0.5
    channel = np.where(online, ONLINE_BANKING, POINT_OF_SALE)
    pick = rng.integers(0, 4, k)
    merchant = np.where(online, pop.fav_online[victims, pick], pop.fav_store[victims, pick])
    habit = np.exp(pop.spend_mu[victims]) * merchants.SPEND[merchant]
    amount = habit * rng.uniform(15.0, 45.0, k)
    return _draft(
        plan,
        rng,
        np.zeros(k, np.int64),
        channel,
        np.full(k, DEBIT),
        amount,
        merchant.astype(np.int16),
        0.1,
    )


def _spread(
    rng: np.random.Generator, sizes: npt.NDArray[np.int64], mean_gap_us: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return each transaction's offset from its incident's start, and its position in it."""
    n = int(sizes.sum())
    first = np.cumsum(sizes) - sizes
    gaps = rng.exponential(mean_gap_us, n)
    gaps[first] = 0.0
    elapsed = np.cumsum(gaps)
    offsets = elapsed - np.repeat(elapsed[first], sizes)
    return offsets.astype(np.int64), np.arange(n) - np.repeat(first, sizes)


def _draft(
    plan: _Plan,
    rng: np.random.Generator,
    offsets: npt.NDArray[np.int64],
    channel: npt.NDArray[np.int64],
    tx_type: npt.NDArray[np.int64],
    amount: npt.NDArray[np.float64],
    merchant: npt.NDArray[np.int16],
    international_p: float,
) -> Draft:
    """Assemble a plan's transactions; an incident is either all abroad or all at home."""
    sizes, n = plan.sizes, plan.n
    return Draft(
        account=np.repeat(plan.victims, sizes),
        timestamp_us=np.repeat(plan.starts, sizes) + offsets,
        channel=channel.astype(np.int8),
        tx_type=tx_type.astype(np.int8),
        amount=finish_amounts(amount, channel, tx_type),
        merchant=merchant.astype(np.int16),
        international=np.repeat(rng.random(plan.ids.size) < international_p, sizes),
        reversal=np.zeros(n, bool),
        scenario=np.full(n, SCENARIOS.index(plan.scenario) + 1, np.int8),
        incident=np.repeat(plan.ids, sizes),
    )
