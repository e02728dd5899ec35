"""Profiles and labels held in memory, looked up by key for one scoring batch.

`ProfileIndex` is immutable (a refresh builds a new one); `LabelIndex` takes new labels as they
arrive. Both answer what the scoring path's queries would: `customer_accounts` is
`features.inputs._customer_accounts`, `ProfileIndex.rows_of` the profile read, and
`LabelIndex.known_before` the label read of a batch's history.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import polars as pl

from fraudwatch.features.inputs import FEATURE_LABEL_SCHEMA


class ProfileIndex:
    """Every account's profile (`PROFILE_SCHEMA`), by account and by customer."""

    def __init__(self, profiles: pl.DataFrame) -> None:
        self.frame = profiles.unique("account_number", keep="first").sort("account_number")
        accounts = self.frame["account_number"].to_list()
        customers = self.frame["customer_key"].to_list()
        self._position = {account: i for i, account in enumerate(accounts)}
        self._customer = dict(zip(accounts, customers, strict=True))
        members: defaultdict[str, list[str]] = defaultdict(list)
        for account, customer in zip(accounts, customers, strict=True):
            if customer is not None:
                members[customer].append(account)
        self._members = dict(members)

    @property
    def height(self) -> int:
        """Return how many accounts have a profile."""
        return self.frame.height

    def owner(self, account: str) -> str:
        """Return a key shared by exactly the accounts whose histories mix in features: the
        account's customer ("c:" + customer_key), or the account itself ("a:" + number) when it
        has none (the pipeline's customer code makes the same choice)."""
        customer = self._customer.get(account)
        return f"a:{account}" if customer is None else f"c:{customer}"

    def customer_accounts(self, accounts: Iterable[str]) -> list[str]:
        """Return `accounts` plus every other account of the same customers, sorted."""
        found = set(accounts)
        for account in list(found):
            customer = self._customer.get(account)
            if customer is not None:
                found.update(self._members[customer])
        return sorted(found)

    def rows_of(self, accounts: Iterable[str]) -> pl.DataFrame:
        """Return the profiles of those of `accounts` that have one."""
        positions = [p for p in (self._position.get(a) for a in accounts) if p is not None]
        return self.frame[pl.Series(positions, dtype=pl.Int64)]


class LabelIndex:
    """Fraud labels by transaction id (the latest known for each), thread-safe."""

    def __init__(self, labels: pl.DataFrame) -> None:
        self._labels: dict[str, tuple[bool, datetime]] = {}
        self._keys: set[str] = set()  # the ids labelled (a set intersects in C)
        self._latest: datetime | None = None
        self._lock = threading.Lock()
        self.add(labels)

    def __len__(self) -> int:
        """Return how many transactions have a label."""
        return len(self._labels)

    def latest(self) -> datetime | None:
        """Return the latest labeled_at held, or None when no label is held."""
        return self._latest

    def add(self, labels: pl.DataFrame) -> None:
        """Take labels (`FEATURE_LABEL_SCHEMA`); a label read later replaces an earlier one."""
        rows = labels.select(FEATURE_LABEL_SCHEMA.names()).iter_rows()
        with self._lock:
            for transaction_id, is_fraud, labeled_at in rows:
                self._labels[transaction_id] = (is_fraud, labeled_at)
                self._keys.add(transaction_id)
                if self._latest is None or labeled_at > self._latest:
                    self._latest = labeled_at

    def known_before(self, ids: Iterable[str], before: datetime) -> pl.DataFrame:
        """Return the labels of `ids` with labeled_at < `before` (`FEATURE_LABEL_SCHEMA`)."""
        labels = self._labels
        # Few transactions have a label: find those first, in one pass in C.
        found = [(key, *labels[key]) for key in self._keys.intersection(ids)]
        found = [row for row in found if row[2] < before]
        return pl.DataFrame(found, schema=FEATURE_LABEL_SCHEMA, orient="row")
