"""The population: customers and accounts drawn from a seed."""

from __future__ import annotations

from datetime import date

import polars as pl

from fraudwatch.simulate import SimulationOptions, build_population
from fraudwatch.simulate.population import ACCOUNT_TYPES, SEGMENTS
from fraudwatch.warehouse import tables

AS_OF = date(2026, 1, 1)


def test_same_seed_gives_identical_population() -> None:
    """Two populations from the same seed have identical customers, accounts and habits."""
    a = build_population(SimulationOptions(seed=3, customers=200), AS_OF)
    b = build_population(SimulationOptions(seed=3, customers=200), AS_OF)
    assert a.customers.equals(b.customers)
    assert a.accounts.equals(b.accounts)
    assert (a.spend_mu == b.spend_mu).all()


def test_different_seeds_give_different_keys() -> None:
    """Populations of different seeds never share a customer key or an account number."""
    a = build_population(SimulationOptions(seed=1, customers=200), AS_OF)
    b = build_population(SimulationOptions(seed=12, customers=200), AS_OF)
    assert not set(a.customers["customer_key"]) & set(b.customers["customer_key"])
    assert not set(a.accounts["account_number"]) & set(b.accounts["account_number"])


def test_profile_frames_match_the_warehouse_tables() -> None:
    """Customer and account frames have exactly the dim_customer and dim_account columns."""
    population = build_population(SimulationOptions(seed=1, customers=50), AS_OF)
    assert population.customers.columns == [c.name for c in tables.dim_customer.columns]
    assert population.accounts.columns == [c.name for c in tables.dim_account.columns]


def test_profiles_are_plausible() -> None:
    """Credit scores lie in 300–850, tenure ends before the as-of date, accounts have owners."""
    population = build_population(SimulationOptions(seed=5, customers=1_000), AS_OF)
    customers, accounts = population.customers, population.accounts
    assert customers["credit_score"].is_between(300, 850).all()
    assert (customers["customer_since"] < AS_OF).all()
    assert set(customers["customer_segment"]) <= set(SEGMENTS)
    assert set(customers["risk_rating"]) == {"Low", "Medium", "High"}
    assert customers["home_country"].value_counts().sort("count")[-1, "home_country"] == "US"
    assert set(accounts["account_type"]) == set(ACCOUNT_TYPES)
    assert accounts["customer_key"].is_in(customers["customer_key"].implode()).all()
    joined = accounts.join(customers, on="customer_key")
    assert (joined["opened_date"] >= joined["customer_since"]).all()
    assert customers.group_by("customer_key").len()["len"].max() == 1
    assert pl.Series(population.daily_rate).min() > 0  # type: ignore[operator]
