"""Legitimate behaviour and the overall shape of the data, checked on seeded histories."""

from __future__ import annotations

import polars as pl

from fraudwatch.schemas import CHANNELS, TRANSACTION_SCHEMA, TRANSACTION_TYPES
from fraudwatch.simulate import SimulationOptions, merchants
from tests.simulate.histories import History, generate

AMOUNT = pl.col("transaction_amount")
HOUR = pl.col("transaction_timestamp").dt.hour()


def test_same_seed_gives_identical_transactions(small_options: SimulationOptions) -> None:
    """Generating the same history twice from one seed gives identical frames."""
    first, second = generate(small_options, 3), generate(small_options, 3)
    assert first.transactions.equals(second.transactions)
    assert first.truth.equals(second.truth)
    assert first.labels.equals(second.labels)


def test_a_different_seed_gives_different_transactions(small_week: History) -> None:
    """Another seed gives another history."""
    other = generate(SimulationOptions(seed=8, customers=300), 7)
    assert not other.transactions.equals(small_week.transactions)


def test_frame_has_the_schema_and_no_fraud_indicator(small_week: History) -> None:
    """Transactions have exactly the transaction schema: nothing reveals which are fraud."""
    assert small_week.transactions.schema == TRANSACTION_SCHEMA
    assert small_week.transactions["transaction_id"].is_unique().all()


def test_every_type_and_channel_occurs_with_a_description(big_fortnight: History) -> None:
    """All six types and five channels occur, and every transaction has a description."""
    tx = big_fortnight.transactions
    assert set(tx["transaction_type"]) == set(TRANSACTION_TYPES)
    assert set(tx["channel_name"]) == set(CHANNELS)
    assert tx["transaction_description"].null_count() == 0
    purchases = tx.filter(pl.col("transaction_type") == "DEBIT")
    assert purchases["merchant_name"].null_count() == 0
    assert set(purchases["merchant_category_code"]) <= set(merchants.MCCS)


def test_amounts_are_log_normal_with_a_long_tail(big_fortnight: History) -> None:
    """Most amounts are under $100, yet some reach several thousand dollars."""
    stats = big_fortnight.transactions.select(
        (AMOUNT < 100).mean().alias("under_100"), (AMOUNT > 3_000).sum().alias("over_3000")
    )
    assert stats["under_100"][0] > 0.6
    assert stats["over_3000"][0] > 50


def test_international_and_reversal_shares(big_fortnight: History) -> None:
    """About 5% of transactions are international and about 2% are reversals."""
    shares = big_fortnight.transactions.select(
        pl.col("is_international").mean(), pl.col("reversal_flag").mean()
    )
    assert 0.035 < shares["is_international"][0] < 0.07
    assert 0.013 < shares["reversal_flag"][0] < 0.028


def test_channel_averages_follow_a_bank(big_fortnight: History) -> None:
    """Branch averages most, then Online Banking, with Mobile App and ATM far below."""
    means = dict(big_fortnight.transactions.group_by("channel_name").agg(AMOUNT.mean()).iter_rows())
    assert means["Branch"] > means["Online Banking"]
    assert means["Online Banking"] > 2 * max(means["Mobile App"], means["ATM"])


def test_volume_peaks_in_working_hours(big_fortnight: History) -> None:
    """The busiest hour is between 9:00 and 17:00, and night is far quieter than the day."""
    by_hour = big_fortnight.transactions.group_by(HOUR.alias("hour")).len().sort("hour")
    busiest = by_hour.sort("len")[-1, "hour"]
    assert 9 <= busiest < 17
    night = by_hour.filter(pl.col("hour") < 6)["len"].mean()
    day = by_hour.filter(pl.col("hour").is_between(9, 16))["len"].mean()
    assert night < day / 4  # type: ignore[operator]


def test_customers_have_habits(big_fortnight: History) -> None:
    """Accounts differ in their typical amount far more than chance within one account allows."""
    legit = big_fortnight.transactions.join(
        big_fortnight.truth, on="transaction_id", how="anti"
    ).filter(pl.col("channel_name") == "Point of Sale")
    per_account = legit.group_by("account_number").agg(
        AMOUNT.log().median().alias("typical"), pl.len().alias("n")
    )
    spread = per_account.filter(pl.col("n") >= 10)["typical"]
    assert spread.quantile(0.9) - spread.quantile(0.1) > 1.0  # type: ignore[operator]
