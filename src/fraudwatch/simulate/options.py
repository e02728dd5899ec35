"""The knobs of the simulated bank, in one frozen value with validated defaults.

Every generator takes a `SimulationOptions`; the CLI builds one from its flags. Changing an
option changes the data, never the code path, so a seed plus the options reproduce a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

DEFAULT_SEED: Final = 42
DEFAULT_CUSTOMERS: Final = 5_000

# How the wanted fraud volume is split between the scenarios (see scenarios.py).
DEFAULT_SCENARIO_WEIGHTS: Final = {
    "velocity_burst": 0.35,
    "account_takeover": 0.15,
    "compromised_merchant": 0.30,
    "amount_anomaly": 0.20,
}


class OptionsError(ValueError):
    """A simulation option is out of range; the message says which and why."""


@dataclass(frozen=True)
class SimulationOptions:
    """What the simulated bank looks like.

    - `fraud_rate`: share of all transactions that are fraud (about 1.5% by default).
    - `unreported_share`: share of fraud incidents never charged back (no label ever arrives).
    - `international_share` / `reversal_share`: of legitimate transactions.
    - `label_delay_days_median` / `label_delay_days_max`: chargeback delay after the last
      transaction of an incident (log-normal, at least one day).
    - `transactions_per_customer_day`: mean daily volume per customer, across all accounts.
    """

    seed: int = DEFAULT_SEED
    customers: int = DEFAULT_CUSTOMERS
    fraud_rate: float = 0.015
    unreported_share: float = 0.2
    international_share: float = 0.05
    reversal_share: float = 0.02
    label_delay_days_median: float = 12.0
    label_delay_days_max: float = 60.0
    transactions_per_customer_day: float = 1.65
    scenario_weights: dict[str, float] = field(
        default_factory=lambda: dict(DEFAULT_SCENARIO_WEIGHTS)
    )

    def __post_init__(self) -> None:
        """Reject options that would make a nonsense bank, with a message that says which."""
        _check(self.seed >= 0, "seed must be zero or positive")
        _check(self.customers >= 1, "customers must be at least 1")
        _check(0.0 <= self.fraud_rate < 0.5, "fraud rate must be in [0, 0.5)")
        _check(0.0 <= self.unreported_share <= 1.0, "unreported share must be in [0, 1]")
        _check(0.0 <= self.international_share <= 1.0, "international share must be in [0, 1]")
        _check(0.0 <= self.reversal_share <= 1.0, "reversal share must be in [0, 1]")
        _check(self.label_delay_days_median >= 1.0, "label delay median must be >= 1 day")
        _check(
            self.label_delay_days_max >= self.label_delay_days_median,
            "label delay max must be >= the median",
        )
        _check(self.transactions_per_customer_day > 0, "daily volume must be positive")
        unknown = set(self.scenario_weights) - set(DEFAULT_SCENARIO_WEIGHTS)
        _check(not unknown, f"unknown fraud scenarios: {', '.join(sorted(unknown))}")
        _check(
            all(w >= 0 for w in self.scenario_weights.values())
            and sum(self.scenario_weights.values()) > 0,
            "scenario weights must be non-negative and not all zero",
        )


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise OptionsError(message)
