"""Fraud scenarios: each one looks like the pattern fraud teams know, and fraud favours night."""

from __future__ import annotations

import polars as pl

from fraudwatch.simulate import SCENARIOS, SimulationOptions
from tests.simulate.histories import History, generate

AMOUNT = pl.col("transaction_amount")
HOUR = pl.col("transaction_timestamp").dt.hour()


def _fraud(history: History, scenario: str) -> pl.DataFrame:
    truth = history.truth.filter(pl.col("scenario") == scenario).drop("transaction_timestamp")
    return history.transactions.join(truth, on="transaction_id")


def _legit(history: History) -> pl.DataFrame:
    return history.transactions.join(history.truth, on="transaction_id", how="anti")


def test_every_scenario_occurs(big_fortnight: History) -> None:
    """All four scenarios are injected in a fortnight of a 3,000-customer bank."""
    assert set(big_fortnight.truth["scenario"]) == set(SCENARIOS)


def test_fraud_rate_is_about_one_and_a_half_percent(big_fortnight: History) -> None:
    """Fraud is between 1% and 2% of all transactions by default."""
    rate = big_fortnight.truth.height / big_fortnight.transactions.height
    assert 0.01 <= rate <= 0.02


def test_fraud_rate_is_configurable() -> None:
    """Asking for 5% fraud gives about 5%."""
    history = generate(SimulationOptions(seed=2, customers=2_000, fraud_rate=0.05), 7)
    rate = history.truth.height / history.transactions.height
    assert 0.04 <= rate <= 0.06


def test_fraud_concentrates_late_at_night(big_fortnight: History) -> None:
    """The fraud rate between 00:00 and 05:59 is many times the daytime fraud rate."""
    labelled = big_fortnight.transactions.join(
        big_fortnight.truth.select("transaction_id", pl.lit(True).alias("fraud")),
        on="transaction_id",
        how="left",
    ).with_columns(pl.col("fraud").fill_null(False), (HOUR < 6).alias("night"))
    rates = dict(labelled.group_by("night").agg(pl.col("fraud").mean()).iter_rows())
    assert rates[True] > 5 * rates[False]


def test_velocity_bursts_hit_several_merchants_within_minutes(big_fortnight: History) -> None:
    """A burst is 3+ card purchases on one account at 2+ merchants within half an hour."""
    bursts = (
        _fraud(big_fortnight, "velocity_burst")
        .group_by("incident")
        .agg(
            pl.len().alias("n"),
            pl.col("account_number").n_unique().alias("accounts"),
            pl.col("merchant_name").n_unique().alias("merchants"),
            (pl.col("transaction_timestamp").max() - pl.col("transaction_timestamp").min())
            .dt.total_minutes()
            .alias("minutes"),
            AMOUNT.sort_by("transaction_timestamp").first().alias("first_amount"),
        )
    )
    assert (bursts["n"] >= 3).all() and (bursts["accounts"] == 1).all()
    assert (bursts["merchants"] >= 2).mean() > 0.8  # type: ignore[operator]
    assert bursts["minutes"].median() < 30  # type: ignore[operator]
    assert (bursts["first_amount"] <= 5).all()  # the card is tested with a tiny charge first


def test_account_takeover_moves_large_sums_through_unusual_channels(
    big_fortnight: History,
) -> None:
    """Takeovers are transfers or withdrawals, large, often abroad, rarely via the usual channel."""
    takeovers = _fraud(big_fortnight, "account_takeover")
    assert set(takeovers["transaction_type"]) <= {"TRANSFER", "WITHDRAWAL"}
    assert takeovers["transaction_amount"].median() >= 500  # type: ignore[operator]
    assert 0.35 < takeovers["is_international"].mean() < 0.75  # type: ignore[operator]
    usual = (
        _legit(big_fortnight)
        .group_by("account_number", "channel_name")
        .len()
        .sort("len", descending=True)
        .group_by("account_number")
        .first()
        .select("account_number", pl.col("channel_name").alias("usual"))
    )
    joined = takeovers.join(usual, on="account_number")
    assert (joined["channel_name"] != joined["usual"]).mean() > 0.8  # type: ignore[operator]


def test_compromised_merchant_has_many_victims_over_days(big_fortnight: History) -> None:
    """A compromised merchant's fraud hits many distinct accounts, spread over several days."""
    per_merchant = (
        _fraud(big_fortnight, "compromised_merchant")
        .group_by("merchant_name")
        .agg(
            pl.col("account_number").n_unique().alias("victims"),
            pl.col("transaction_post_date").n_unique().alias("days"),
        )
        .sort("victims", descending=True)
    )
    assert per_merchant.height <= 3  # one merchant a week
    assert per_merchant["victims"][0] >= 20
    assert per_merchant["days"][0] >= 5


def test_amount_anomalies_are_far_above_habit(big_fortnight: History) -> None:
    """An anomalous amount is at least ten times the account's median legitimate amount."""
    habit = (
        _legit(big_fortnight)
        .filter(pl.col("channel_name").is_in(["Point of Sale", "Online Banking"]))
        .group_by("account_number")
        .agg(AMOUNT.median().alias("habit"), pl.len().alias("n"))
        .filter(pl.col("n") >= 5)
    )
    anomalies = _fraud(big_fortnight, "amount_anomaly").join(habit, on="account_number")
    ratio = anomalies["transaction_amount"] / anomalies["habit"]
    assert ratio.median() > 10  # type: ignore[operator]
