"""How `features.online` holds history: per-key logs, held rows, profiles.

Rows are kept as plain lists and tuples of numbers and strings (times in microseconds since the
epoch, naive UTC), which the cyclic garbage collector does not track.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

import polars as pl

from fraudwatch.features.spec import RISK_RATINGS

_EPOCH: Final = datetime(1970, 1, 1)
# Unicode's White_Space, which Polars' strip_chars trims (str.strip would also trim \x1c-\x1f).
_WHITE_SPACE: Final = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_RISK_CODES: Final = {rating: float(code) for code, rating in enumerate(RISK_RATINGS)}


def micros_of(moment: datetime | date) -> int:
    """Return a naive UTC time (a date is its midnight) as microseconds since the epoch."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass
class Log:
    """One key's rows in time order (ties in arrival order), as parallel lists."""

    times: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    amounts: list[float] = field(default_factory=list)
    merchants: list[str | None] = field(default_factory=list)
    channels: list[str | None] = field(default_factory=list)
    international: list[bool] = field(default_factory=list)

    def insert(
        self,
        time: int,
        key: str,
        amount: float,
        merchant: str | None,
        channel: str | None,
        international: bool,
    ) -> None:
        """Insert a row after every held row at or before `time` (an append, in time order)."""
        at = len(self.times)
        if at and self.times[-1] > time:
            at = bisect.bisect_right(self.times, time)
        self.times.insert(at, time)
        self.ids.insert(at, key)
        self.amounts.insert(at, amount)
        self.merchants.insert(at, merchant)
        self.channels.insert(at, channel)
        self.international.insert(at, international)

    def extend(
        self,
        times: list[int],
        ids: list[str],
        amounts: list[float],
        merchants: list[str | None],
        channels: list[str | None],
        international: list[bool],
    ) -> None:
        """Add rows given in time order: appended when none is before a held row, else
        inserted one by one."""
        if self.times and self.times[-1] > times[0]:
            for row in zip(times, ids, amounts, merchants, channels, international, strict=True):
                self.insert(*row)
            return
        columns: tuple[list[Any], ...] = (times, ids, amounts, merchants, channels, international)
        for held, given in zip(self._columns(), columns, strict=True):
            held.extend(given)

    def without(self, ids: set[str]) -> Log:
        """Return a copy without the rows of `ids`."""
        kept = [i for i, key in enumerate(self.ids) if key not in ids]
        return Log(*([values[i] for i in kept] for values in self._columns()))

    def drop_before(self, start: int) -> list[str]:
        """Forget the rows older than `start`; return their ids."""
        cut = bisect.bisect_left(self.times, start)
        dropped = self.ids[:cut]
        for values in self._columns():
            del values[:cut]
        return dropped

    def _columns(self) -> list[list[Any]]:
        return [
            self.times,
            self.ids,
            self.amounts,
            self.merchants,
            self.channels,
            self.international,
        ]


@dataclass(frozen=True)
class Row:
    """One transaction as the features read it: times in microseconds, nulls resolved."""

    id: str
    account: str
    time: int
    amount: float
    merchant: str | None
    channel: str | None
    transaction_type: str | None
    international: bool
    reversal: bool


def row_of(values: Mapping[str, Any]) -> Row:
    """Return a `TRANSACTION_SCHEMA` mapping as a `Row` (amount null or NaN -> 0, flags null ->
    False, as `rows.normalise_transactions` does)."""
    amount = values.get("transaction_amount")
    if amount is None or math.isnan(amount):
        amount = 0.0
    return Row(
        id=values["transaction_id"],
        account=values["account_number"],
        time=micros_of(values["transaction_timestamp"]),
        amount=float(amount),
        merchant=values.get("merchant_name"),
        channel=values.get("channel_name"),
        transaction_type=values.get("transaction_type"),
        international=bool(values.get("is_international")),
        reversal=bool(values.get("reversal_flag")),
    )


@dataclass(frozen=True)
class Profile:
    """An account's profile fields as the features read them (NaN where missing)."""

    customer: str | None
    credit_score: float
    customer_since: float
    risk_rating: float

    @property
    def missing(self) -> bool:
        """Return True when every profile field is missing."""
        return all(
            math.isnan(v) for v in (self.credit_score, self.customer_since, self.risk_rating)
        )


# What is held of a row: (time, merchant, account, amount, channel, international).
Held = tuple[int, str | None, str, float, str | None, bool]


def held_form(row: Row) -> Held:
    """Return what `OnlineHistory` holds of `row`."""
    return (row.time, row.merchant, row.account, row.amount, row.channel, row.international)


def merge_sorted(times: list[int], more: list[int]) -> None:
    """Add sorted `more` to sorted `times` (an append when it comes after; else one sort,
    which merges two sorted runs in linear time)."""
    late = bool(times) and times[-1] > more[0]
    times.extend(more)
    if late:
        times.sort()


def profiles_of(profiles: pl.DataFrame) -> dict[str, Profile]:
    """Return each account's profile from a `PROFILE_SCHEMA` frame (its first row counts)."""
    found: dict[str, Profile] = {}
    columns = ("account_number", "customer_key", "credit_score", "customer_since", "risk_rating")
    for account, customer, credit, since, rating in profiles.select(columns).iter_rows():
        if account is None or account in found:
            continue
        since_us = math.nan if since is None else float(micros_of(since))
        found[account] = Profile(customer, number_or_nan(credit), since_us, risk_code(rating))
    return found


def members_of(profiles: dict[str, Profile]) -> dict[str, list[str]]:
    """Return the accounts of each customer key."""
    members: defaultdict[str, list[str]] = defaultdict(list)
    for account, profile in profiles.items():
        if profile.customer is not None:
            members[profile.customer].append(account)
    return dict(members)


def risk_code(rating: str | None) -> float:
    """Return LOW / MEDIUM / HIGH (trimmed, any case) as 0 / 1 / 2, NaN for anything else."""
    if rating is None:
        return math.nan
    return _RISK_CODES.get(rating.strip(_WHITE_SPACE).upper(), math.nan)


def number_or_nan(value: Any) -> float:
    """Return `value` as a float, NaN for None."""
    return math.nan if value is None else float(value)
