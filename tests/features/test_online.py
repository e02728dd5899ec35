"""The API's per-transaction features (`OnlineHistory`) equal `compute_features`, row for row.

For any call, `history.features(rows, encoders)` must equal, to 1e-9 relative and absolute,
`compute_features` with the call's rows as transactions, every held row as history (a held row
with the id of a call row is ignored), the held profiles and the latest label of each id. The
pipeline is the oracle: a call of unchanged held rows is checked against one pipeline run over
all held rows, any other call (or a difference) against the pipeline run for exactly that call.
A failure names the feature, the row and both values.

The pipeline's sums of squares are centred on a key's first amount, so where that amount is far
from a window's amounts it loses digits; where the history is exact there (a brute-force sum in
exact arithmetic) and the pipeline is not, the difference is the pipeline's and is reported as a
`PipelineRoundingWarning`, not a failure. The history takes its moments in two passes over the
window, so it keeps those digits; the last section pins the cases down, including the one where
the pipeline's lost digits flip an anomaly (xfail).
"""

from __future__ import annotations

import math
import random
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any, Final

import polars as pl
import pytest

from fraudwatch.features import FEATURE_COLUMNS, Encoders, FeatureInputs, compute_features
from fraudwatch.features.inputs import FEATURE_LABEL_SCHEMA, PROFILE_SCHEMA, empty_profiles
from fraudwatch.features.online import OnlineHistory
from fraudwatch.features.spec import FEATURES_BY_NAME, STD_FLOOR
from fraudwatch.schemas import CHANNELS, TRANSACTION_SCHEMA, TRANSACTION_TYPES
from tests.features.scenario import make_scenario

Row = dict[str, Any]
Label = tuple[str, bool | None, datetime | None]

REL: Final = 1e-9
ABS: Final = 1e-9
START: Final = datetime(2026, 1, 5)  # a Monday
SLOT: Final = timedelta(minutes=15)  # a coarse grid: ties and exact window bounds are common
US: Final = timedelta(microseconds=1)
DAYS: Final = 40
# Encoders that leave out some channels and types (and never know "Telephone" or "FEE").
ENCODERS: Final = Encoders(
    channels=("ATM", "Mobile App", "Online Banking"),
    transaction_types=("CREDIT", "DEBIT", "PAYMENT", "TRANSFER"),
)
CONSTANT_AMOUNT: Final = 777.77  # every amount of customer CU-CONST: variance exactly 0
MERCHANTS: Final = tuple(f"M{i}" for i in range(8))


# --- what the history was given, read the way the contract reads it ---------------------------


def transaction_frame(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """Return `rows` as a `TRANSACTION_SCHEMA` frame."""
    return pl.DataFrame(
        [{name: row[name] for name in TRANSACTION_SCHEMA.names()} for row in rows],
        schema=TRANSACTION_SCHEMA,
        orient="row",
    )


@dataclass
class Bank:
    """An `OnlineHistory` and a plain record of what it holds: the first row of each id, the
    latest label of each id and the profiles."""

    history: OnlineHistory = field(default_factory=OnlineHistory)
    rows: dict[str, Row] = field(default_factory=dict)
    labels: dict[str, tuple[bool | None, datetime | None]] = field(default_factory=dict)
    profiles: pl.DataFrame = field(default_factory=empty_profiles)
    _frame: pl.DataFrame | None = None
    _all_at_once: dict[Encoders, dict[str, list[float]]] = field(default_factory=dict)

    def add_transactions(self, rows: Sequence[Row]) -> None:
        """Hand `rows` to the history; check it counts exactly the ids it did not hold."""
        new = {r["transaction_id"] for r in rows} - set(self.rows)
        for row in rows:
            self.rows.setdefault(row["transaction_id"], dict(row))
        assert self.history.add_transactions([dict(r) for r in rows]) == len(new)
        self._changed()

    def add_labels(self, labels: Sequence[Label]) -> None:
        """Hand `labels` to the history; a later label of an id replaces the earlier one."""
        for transaction_id, is_fraud, labeled_at in labels:
            self.labels[transaction_id] = (is_fraud, labeled_at)
        self.history.add_labels(list(labels))
        self._changed()

    def set_profiles(self, profiles: pl.DataFrame) -> None:
        """Replace the profiles of the history."""
        self.profiles = profiles
        self.history.set_profiles(profiles)
        self._changed()

    def _changed(self) -> None:
        self._frame = None
        self._all_at_once.clear()

    @property
    def frame(self) -> pl.DataFrame:
        """Return every held row as a frame."""
        if self._frame is None:
            self._frame = transaction_frame(self.rows.values())
        return self._frame

    def label_frame(self) -> pl.DataFrame:
        """Return the held labels, one row per id."""
        rows = [(i, fraud, at) for i, (fraud, at) in self.labels.items()]
        return pl.DataFrame(rows, schema=FEATURE_LABEL_SCHEMA, orient="row")

    def pipeline(self, rows: Sequence[Row], encoders: Encoders) -> list[list[float]]:
        """Return `compute_features` of a call of `rows` against everything held."""
        inputs = FeatureInputs(
            transaction_frame(rows), self.frame, self.profiles, self.label_frame()
        )
        frame = compute_features(inputs, encoders).select(FEATURE_COLUMNS)
        return [[float(v) for v in row] for row in frame.iter_rows()]

    def all_at_once(self, encoders: Encoders) -> dict[str, list[float]]:
        """Return every held row's features from one pipeline run over all held rows (a held
        row scored alone, or with other held rows, must get exactly these)."""
        if encoders not in self._all_at_once:
            ids = list(self.rows)
            features = self.pipeline(list(self.rows.values()), encoders)
            self._all_at_once[encoders] = dict(zip(ids, features, strict=True))
        return self._all_at_once[encoders]

    def held_unchanged(self, row: Mapping[str, Any]) -> bool:
        """Return whether `row` is exactly the held row of its id (NaN equal to NaN)."""
        held = self.rows.get(row["transaction_id"])
        return held is not None and all(_same(held[k], row[k]) for k in TRANSACTION_SCHEMA)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b) and type(a) is type(b)


# --- comparing ---------------------------------------------------------------------------------

# Features whose value is a float sum, mean, std or z-score: where rounding can show.
ROUNDED: Final = frozenset(
    {
        "account_amount_1h",
        "account_amount_24h",
        "customer_amount_mean_30d",
        "customer_amount_std_30d",
        "customer_amount_zscore_30d",
        "account_zscore_excl_fraud_30d",
    }
)


class PipelineRoundingWarning(UserWarning):
    """The history was exact where the pipeline's prefix sums were not (see `check_calls`)."""


def close(got: float, expected: float) -> bool:
    """Return whether `got` equals `expected` to 1e-9 relative or absolute (never NaN)."""
    return math.isclose(got, expected, rel_tol=REL, abs_tol=ABS)


@dataclass(frozen=True)
class Difference:
    """One feature of one row of one call that differs from what was expected."""

    label: str
    row: Row
    column: str
    got: Any
    expected: float

    def __str__(self) -> str:
        row = self.row
        where = f"{self.label}, row {row['transaction_id']} at {row['transaction_timestamp']}"
        return f"{where}: {self.column} got {self.got!r}, expected {self.expected!r}"


def differences(
    label: str, rows: Sequence[Row], got: Sequence[Sequence[float]], expected: list[list[float]]
) -> list[Difference]:
    """Return every value of `got` that differs from `expected` (a wrong shape fails at once)."""
    assert len(got) == len(rows), f"{label}: {len(got)} feature lists for {len(rows)} rows"
    out = []
    for row, values, wanted in zip(rows, got, expected, strict=True):
        assert len(values) == len(FEATURE_COLUMNS), f"{label}: {len(values)} values in a row"
        for name, value, want in zip(FEATURE_COLUMNS, values, wanted, strict=True):
            if not isinstance(value, int | float) or not close(float(value), want):
                out.append(Difference(label, row, name, value, want))
    return out


def normalised(row: Mapping[str, Any]) -> Row:
    """Return `row` as the pipeline reads it: amount null or NaN 0, flags null False."""
    amount = row["transaction_amount"]
    missing = amount is None or math.isnan(amount)
    flags = {c: bool(row[c]) for c in ("is_international", "reversal_flag")}
    return {**row, "transaction_amount": 0.0 if missing else float(amount), **flags}


def _moments(amounts: Sequence[float], own: float) -> tuple[float, float, float]:
    """Return the exact mean, sample std and z-score (std floor 1; fewer than 2: std and z 0;
    none: mean 0), each rounded once."""
    if not amounts:
        return 0.0, 0.0, 0.0
    exact = [Fraction(a) for a in amounts]
    mean = sum(exact, Fraction(0)) / len(exact)
    if len(exact) < 2:
        return float(mean), 0.0, 0.0
    std = math.sqrt(sum(((a - mean) ** 2 for a in exact), Fraction(0)) / (len(exact) - 1))
    return float(mean), std, float((Fraction(own) - mean) / Fraction(max(std, STD_FLOOR)))


def _window(rows: Sequence[Row], t: datetime, width: timedelta, keys: set[str]) -> list[Row]:
    """Return the rows of accounts `keys` in [t - width, t)."""
    return [
        r
        for r in rows
        if r["account_number"] in keys and t - width <= r["transaction_timestamp"] < t
    ]


def exact_features(bank: Bank, call: Sequence[Row]) -> dict[str, dict[str, float]]:
    """Return, by id, the `ROUNDED` features of each row of `call` against everything held,
    by brute force in exact arithmetic (each value rounded once)."""
    ids = {r["transaction_id"] for r in call}
    union = [normalised(r) for r in [*call, *(r for i, r in bank.rows.items() if i not in ids)]]
    keys: dict[str, str | None] = {}
    for account, key in bank.profiles.select("account_number", "customer_key").iter_rows():
        keys.setdefault(account, key)  # the first profile row of an account counts
    frauds = {i: at for i, (fraud, at) in bank.labels.items() if fraud and at is not None}
    out = {}
    for row in map(normalised, call):
        t, own, mine = (
            row["transaction_timestamp"],
            row["transaction_amount"],
            row["account_number"],
        )
        key = keys.get(mine)
        ours = {mine} if key is None else {a for a, k in keys.items() if k == key}
        values = {}
        for label, width in (("1h", timedelta(hours=1)), ("24h", timedelta(days=1))):
            past = (Fraction(r["transaction_amount"]) for r in _window(union, t, width, {mine}))
            values[f"account_amount_{label}"] = float(sum(past, Fraction(0)))
        month = timedelta(days=30)
        customer = [r["transaction_amount"] for r in _window(union, t, month, ours)]
        mean, std, z = _moments(customer, own)
        values |= {
            "customer_amount_mean_30d": mean,
            "customer_amount_std_30d": std,
            "customer_amount_zscore_30d": z,
        }
        honest = [
            r["transaction_amount"]
            for r in _window(union, t, month, {mine})
            if not frauds.get(r["transaction_id"], t) < t
        ]
        values["account_zscore_excl_fraud_30d"] = _moments(honest, own)[2]
        out[row["transaction_id"]] = values
    return out


def pipeline_rounding(difference: Difference, exact: dict[str, dict[str, float]]) -> bool:
    """Return whether `difference` is the pipeline's rounding: a float sum or moment where the
    history equals the exact value and the pipeline is off from it by no more than rounding
    (its sums of squares, centred on a far amount, can lose half their digits under a sqrt)."""
    if difference.column not in ROUNDED or not isinstance(difference.got, float):
        return False
    truth = float(exact[difference.row["transaction_id"]][difference.column])
    rounding = math.isclose(difference.expected, truth, rel_tol=1e-6, abs_tol=1e-3)
    return close(difference.got, truth) and not close(difference.expected, truth) and rounding


def check_calls(
    bank: Bank, calls: Sequence[Sequence[Row]], encoders: Encoders = ENCODERS
) -> list[Difference]:
    """Score each call with the history and return every difference from the pipeline.

    A call of held rows, unchanged, is checked against one pipeline run over all held rows;
    only where they differ is the pipeline asked for exactly that call. A difference in a float
    sum or moment where the history is exact (`exact_features`) and the pipeline is not
    is the pipeline's rounding, not the history's: it is reported as a
    `PipelineRoundingWarning`, not as a failure.
    """
    problems: list[Difference] = []
    for number, call in enumerate(calls):
        got = bank.history.features([dict(r) for r in call], encoders)
        label = f"call {number} of {len(call)} row(s)"
        bad = None
        if all(bank.held_unchanged(r) for r in call):
            known = bank.all_at_once(encoders)
            bad = differences(label, call, got, [known[r["transaction_id"]] for r in call])
        if bad is None or bad:
            bad = differences(label, call, got, bank.pipeline(call, encoders))
        if bad:
            exact = exact_features(bank, call)
            for difference in bad:
                if pipeline_rounding(difference, exact):
                    truth = exact[difference.row["transaction_id"]][difference.column]
                    warnings.warn(
                        f"{difference}; exact {truth!r}", PipelineRoundingWarning, stacklevel=2
                    )
                else:
                    problems.append(difference)
    return problems


def assert_no_problems(problems: Sequence[Difference]) -> None:
    """Fail with the number of differences per feature and the first of them."""
    if problems:
        per_feature = Counter(p.column for p in problems)
        listed = "\n".join(map(str, problems[:30]))
        raise AssertionError(
            f"{len(problems)} difference(s) from the pipeline; per feature "
            f"{dict(per_feature.most_common())}; first ones:\n{listed}"
        )


def features_by_name(values: Sequence[float]) -> dict[str, float]:
    """Return one row's features by name."""
    return dict(zip(FEATURE_COLUMNS, values, strict=True))


# --- a random bank -----------------------------------------------------------------------------


def make_row(
    rng: random.Random,
    transaction_id: str,
    account: str,
    at: datetime,
    merchant: str | None,
    amount: float | None = None,
) -> Row:
    """Return one transaction; optional fields sometimes null or outside the encoders."""
    if amount is None and account not in ("AC020", "AC021"):
        amount = _amount(rng)
    elif amount is None:
        amount = CONSTANT_AMOUNT
    return {
        "transaction_id": transaction_id,
        "account_number": account,
        "transaction_post_date": at.date(),
        "transaction_timestamp": at,
        "transaction_type": _pick(rng, (*TRANSACTION_TYPES, "FEE"), 0.05),
        "transaction_description": None if rng.random() < 0.5 else "purchase",
        "transaction_amount": amount,
        "channel_name": _pick(rng, (*CHANNELS, "Telephone"), 0.06),
        "merchant_name": merchant,
        "merchant_category_code": None if rng.random() < 0.5 else "5411",
        "is_international": None if rng.random() < 0.03 else rng.random() < 0.12,
        "reversal_flag": None if rng.random() < 0.03 else rng.random() < 0.04,
    }


def _pick(rng: random.Random, values: Sequence[str], null: float) -> str | None:
    return None if rng.random() < null else rng.choice(values)


def _amount(rng: random.Random) -> float | None:
    draw = rng.random()
    if draw < 0.03:
        return None
    if draw < 0.06:
        return math.nan
    if draw < 0.10:
        return round(rng.uniform(5_000.01, 25_000), 2)
    if draw < 0.11:
        return 5_000.0  # not high value: the bound is strict
    if draw < 0.14:
        return -round(rng.uniform(1, 300), 2)
    return round(rng.uniform(1, 600), 2)


ACCOUNTS: Final = tuple(f"AC{i:03d}" for i in range(34))


def bank_profiles() -> pl.DataFrame:
    """Return profiles: shared customers, a duplicate account row (the first counts), a
    profile without a customer key, customers without fields, and AC028-AC033 without any.
    AC099 belongs to CU00 but never transacts."""
    rows: list[tuple[Any, ...]] = [
        ("AC000", "CU00", 720, date(2012, 5, 1), "LOW", "US"),
        ("AC001", "CU00", 720, date(2012, 5, 1), "LOW", "US"),
        ("AC002", "CU00", 720, date(2012, 5, 1), "LOW", "US"),
        ("AC003", "CU01", 610, date(2026, 1, 20), " medium", "GB"),
        ("AC004", "CU01", 610, date(2026, 1, 20), " medium", "GB"),
        ("AC005", "CU02", None, date(2019, 1, 1), "High ", None),
        ("AC006", "CU02", None, date(2019, 1, 1), "High ", None),
        ("AC007", "CU03", 800, None, "weird", "US"),
        ("AC008", "CU04", None, None, None, None),
        ("AC009", "CU04", None, None, None, None),
        ("AC010", "CU05", 500, date(2020, 2, 29), "low", "FR"),
        ("AC010", "CU00", 999, date(2001, 1, 1), "HIGH", "US"),  # ignored: not the first
        ("AC011", "CU05", 500, date(2020, 2, 29), "low", "FR"),
        ("AC012", None, 650, date(2018, 7, 7), "MEDIUM", "DE"),
        ("AC020", "CU-CONST", 700, date(2010, 1, 1), "LOW", "US"),
        ("AC021", "CU-CONST", 700, date(2010, 1, 1), "LOW", "US"),
        ("AC099", "CU00", 720, date(2012, 5, 1), "LOW", "US"),
    ]
    ratings = ("LOW", "MEDIUM", "HIGH", "", "low", None)
    for i in range(13, 28):
        if i in (20, 21):
            continue
        customer = f"CU{10 + i // 2}"  # pairs of accounts share a customer
        rows.append((f"AC{i:03d}", customer, 400 + 10 * i, date(2015, 1, i), ratings[i % 6], "US"))
    return pl.DataFrame(rows, schema=PROFILE_SCHEMA, orient="row")


def bank_transactions(rng: random.Random, sessions: int) -> list[Row]:
    """Return sessions of 1-5 transactions of one account, in no particular order.

    Sessions tie (same instant, account and merchant), step by exact window widths, and
    sometimes echo an earlier row exactly 1 h, 24 h, 7 d or 30 d later (or a microsecond off).
    """
    rows: list[Row] = []
    for s in range(sessions):
        if rows and rng.random() < 0.15:
            echoed = rng.choice(rows)
            width = rng.choice([timedelta(hours=1), timedelta(days=1), timedelta(7), timedelta(30)])
            at = echoed["transaction_timestamp"] + width + rng.choice([-US, 0 * US, US])
            account, merchant = echoed["account_number"], echoed["merchant_name"]
        else:
            at = START + rng.randrange(DAYS * 96) * SLOT
            if rng.random() < 0.3:
                at += timedelta(microseconds=rng.randrange(1, 900_000_000))
            account = rng.choice(ACCOUNTS)
            merchant = None if rng.random() < 0.08 else rng.choice(MERCHANTS)
        for k in range(rng.choice([1, 1, 1, 2, 3, 5])):
            if k and rng.random() > 0.3:  # else: a tie with the previous row
                at += rng.choice([SLOT, 4 * SLOT, timedelta(minutes=rng.randrange(1, 50))])
                merchant = merchant if rng.random() < 0.5 else rng.choice(MERCHANTS)
            rows.append(make_row(rng, f"tx{s:05d}-{k}", account, at, merchant))
    return rows


def bank_labels(rng: random.Random, rows: Sequence[Row]) -> tuple[list[Label], list[Label]]:
    """Return labels (and later replacements) for about a fifth of `rows` and for ids never held.

    labeled_at lies before, exactly at, or after the transaction time, or at another row's
    time; some labels have no labeled_at or no is_fraud; replacements clear frauds, make
    frauds of cleared rows and move labeled_at.
    """
    times = sorted(r["transaction_timestamp"] for r in rows)
    labels: list[Label] = []
    for row in rng.sample(list(rows), len(rows) // 5):
        t = row["transaction_timestamp"]
        when = rng.random()
        labeled: datetime | None
        if when < 0.15:
            labeled = t - timedelta(hours=rng.uniform(0.1, 48))
        elif when < 0.3:
            labeled = t
        elif when < 0.45:
            labeled = rng.choice(times)
        elif when < 0.5:
            labeled = None
        else:
            labeled = t + timedelta(hours=rng.uniform(0.01, 24 * 12))
        fraud = None if rng.random() < 0.05 else rng.random() < 0.7
        labels.append((row["transaction_id"], fraud, labeled))
    labels += [(f"ghost{i}", True, rng.choice(times)) for i in range(10)]
    replacements: list[Label] = []
    for transaction_id, fraud, labeled in rng.sample(labels, len(labels) // 4):
        later = (labeled or START) + timedelta(hours=rng.uniform(1, 100))
        if fraud:
            replacements.append((transaction_id, False, later))  # cleared
        elif rng.random() < 0.5:
            replacements.append((transaction_id, True, later))
        else:
            replacements.append((transaction_id, True, None))
    return labels, replacements


def random_bank(seed: int, sessions: int = 600) -> Bank:
    """Return a history of a few dozen accounts over 40 days, loaded in pieces as the API
    would: labels before and after their transactions, batches out of time order, repeats."""
    rng = random.Random(seed)
    rows = bank_transactions(rng, sessions)
    labels, replacements = bank_labels(rng, rows)
    bank = Bank()
    bank.set_profiles(bank_profiles().head(5))  # replaced below
    bank.add_labels(labels[: len(labels) // 2])
    rng.shuffle(rows)
    third = len(rows) // 3
    bank.add_transactions(rows[:third])
    repeated = [{**r, "transaction_amount": 1.0} for r in rows[:20]]  # ignored: ids held
    bank.add_transactions(rows[third : 2 * third] + repeated)
    bank.add_labels(labels[len(labels) // 2 :])
    last = rows[2 * third :]
    bank.add_transactions([*last, {**last[0], "transaction_amount": 2.0}])  # the first counts
    bank.add_labels(replacements)
    bank.set_profiles(bank_profiles())
    return bank


def scenario_bank() -> Bank:
    """Return the dense 3-day world of the pipeline's own tests (busy 1 h windows)."""
    world = make_scenario(n=300, days=3, seed=5)
    bank = Bank()
    bank.set_profiles(world.profiles)
    bank.add_transactions(world.transactions.to_dicts())
    bank.add_labels(list(world.labels.iter_rows()))
    return bank


@pytest.fixture(scope="module", params=["random-bank", "dense-world"])
def bank(request: pytest.FixtureRequest) -> Bank:
    """A loaded history (only read by the tests that take it)."""
    return random_bank(seed=2026) if request.param == "random-bank" else scenario_bank()


# --- held rows ---------------------------------------------------------------------------------


def test_random_bank_has_every_awkward_case() -> None:
    """The random bank holds what the tests claim to cover: ties, nulls, NaN, large amounts,
    unknown categories, flags and every kind of label."""
    bank = random_bank(seed=2026)
    frame = bank.frame
    ties = frame.group_by("transaction_timestamp", "account_number", "merchant_name").len()
    assert ties.filter(pl.col("len") >= 3).height > 0
    amounts = frame.get_column("transaction_amount")
    assert amounts.null_count() > 0 and amounts.is_nan().sum() > 0 and (amounts > 5_000).sum() > 0
    for column in ("merchant_name", "channel_name", "transaction_type", "is_international"):
        assert frame.get_column(column).null_count() > 0, column
    assert frame.filter(pl.col("channel_name") == "Telephone").height > 0
    assert frame.filter(pl.col("transaction_type") == "FEE").height > 0
    assert frame.get_column("is_international").sum() > 0
    assert frame.get_column("reversal_flag").sum() > 0
    assert not set(frame.get_column("account_number")) & {"AC099"}
    constant = frame.filter(pl.col("account_number").is_in(["AC020", "AC021"]))
    assert constant.height >= 3 and constant.get_column("transaction_amount").n_unique() == 1
    labels = list(bank.labels.values())
    assert {fraud for fraud, _ in labels} == {True, False, None}
    assert any(at is None for _, at in labels) and any(i.startswith("ghost") for i in bank.labels)


def test_every_held_row_scored_alone_equals_the_pipeline(bank: Bank) -> None:
    """Each held row, scored on its own, gets exactly the features the pipeline gives it."""
    assert_no_problems(check_calls(bank, [[row] for row in bank.rows.values()]))


def test_calls_of_held_rows_sharing_accounts_and_merchants_equal_the_pipeline(bank: Bank) -> None:
    """Held rows scored together (ties, same account, same merchant, in any order) each get
    their own point-in-time features: earlier rows of the call count, later ones do not."""
    rng = random.Random(11)
    rows = list(bank.rows.values())
    calls: list[list[Row]] = []
    ties: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        key = (row["transaction_timestamp"], row["account_number"], row["merchant_name"])
        ties.setdefault(key, []).append(row)
    calls += [group[::-1] for group in ties.values() if len(group) > 1]
    for _ in range(150):
        anchor = rng.choice(rows)
        t = anchor["transaction_timestamp"]
        near = [
            r
            for r in rows
            if abs(r["transaction_timestamp"] - t) <= timedelta(days=1)
            and r is not anchor
            and (
                r["account_number"] == anchor["account_number"]
                or r["merchant_name"] == anchor["merchant_name"]
            )
        ]
        call = [anchor, *rng.sample(near, min(len(near), rng.randrange(1, 6)))]
        rng.shuffle(call)
        calls.append(call)
    assert any(len(c) >= 3 for c in calls)
    assert_no_problems(check_calls(bank, calls))


def test_scoring_with_empty_encoders_codes_every_category_zero(bank: Bank) -> None:
    """Without vocabularies every channel and type is unseen (code 0); the rest is unchanged."""
    rows = list(bank.rows.values())[::7]
    empty = Encoders()
    assert_no_problems(check_calls(bank, [[row] for row in rows], empty))
    for row in rows[:20]:
        got = features_by_name(bank.history.features([row], empty)[0])
        assert got["channel_code"] == 0 and got["transaction_type_code"] == 0


# --- rows the history does not hold ------------------------------------------------------------


def new_calls(bank: Bank, rng: random.Random, count: int) -> list[list[Row]]:
    """Return calls of 1-5 rows near held rows: new ids, held ids with another time and
    amount, ids with a label but no row; rows of a call share accounts and merchants, tie, and
    come before or after each other."""
    rows = list(bank.rows.values())
    accounts = sorted({r["account_number"] for r in rows} | {"AC099", "ZZ-NEW"})
    merchants = sorted({r["merchant_name"] for r in rows if r["merchant_name"] is not None})
    ghosts = [i for i in bank.labels if i not in bank.rows]
    calls = []
    for c in range(count):
        anchor = rng.choice(rows)
        account, merchant = anchor["account_number"], anchor["merchant_name"]
        at = anchor["transaction_timestamp"]
        call: list[Row] = []
        used: set[str] = set()
        for k in range(rng.choice([1, 2, 2, 3, 5])):
            at += rng.choice([0 * US, US, -SLOT, SLOT, timedelta(hours=1), -timedelta(days=1)])
            if rng.random() < 0.2:
                account = rng.choice(accounts)
            if rng.random() < 0.2:
                merchant = None if rng.random() < 0.3 else rng.choice(merchants)
            draw = rng.random()
            if draw < 0.15:
                transaction_id = rng.choice(rows)["transaction_id"]  # held: the call's row wins
            elif draw < 0.25 and ghosts:
                transaction_id = rng.choice(ghosts)  # labelled before it arrives
            else:
                transaction_id = f"new{c:04d}-{k}"
            if transaction_id in used:
                continue
            used.add(transaction_id)
            call.append(make_row(rng, transaction_id, account, at, merchant))
        calls.append(call)
    return calls


def test_calls_of_new_rows_equal_the_pipeline(bank: Bank) -> None:
    """Calls of rows the history does not hold (or holds with another time and amount) equal
    the pipeline with the call as transactions and everything held as history."""
    calls = new_calls(bank, random.Random(5), 120)
    assert any(r["transaction_id"] in bank.rows for c in calls for r in c)
    assert_no_problems(check_calls(bank, calls))


def test_a_row_replacing_a_held_row_is_seen_at_its_new_time(bank: Bank) -> None:
    """A call row with a held id replaces the held row: a later row of its account and
    merchant, in the same call, sees the new time and amount, and not the old ones."""
    rows = list(bank.rows.values())
    labelled = [r for r in rows if bank.labels.get(r["transaction_id"], (None, None))[0]]
    calls = []
    for held in labelled[:15] + rows[:15]:
        t = held["transaction_timestamp"]
        for shift, amount in ((-timedelta(hours=3), 9_999.5), (timedelta(minutes=30), 1.25)):
            moved = {**held, "transaction_timestamp": t + shift, "transaction_amount": amount}
            later = {
                **held,
                "transaction_id": f"after-{held['transaction_id']}",
                "transaction_timestamp": t + timedelta(minutes=40),
            }
            calls += [[moved, later], [later, moved], [later]]
    assert_no_problems(check_calls(bank, calls))


def test_a_row_after_every_held_row_sees_empty_windows(bank: Bank) -> None:
    """A row 60 days after the last held row of a busy account and merchant has empty windows:
    zero counts and sums, capped gaps and new merchant, channel and international use."""
    frame = bank.frame
    busiest = frame.get_column("account_number").mode().sort()[0]
    merchant = frame.drop_nulls("merchant_name").get_column("merchant_name").mode().sort()[0]
    last = frame.get_column("transaction_timestamp").max()
    assert isinstance(last, datetime)
    row = make_row(random.Random(1), "far-future", busiest, last + timedelta(days=60), merchant)
    row |= {"channel_name": "ATM", "is_international": True, "transaction_amount": 12.5}
    (got,) = bank.history.features([row], ENCODERS)
    assert_no_problems(check_calls(bank, [[row]]))
    values = features_by_name(got)
    for name in FEATURE_COLUMNS:
        feature = FEATURES_BY_NAME[name]
        if feature.window is not None and not name.startswith("new_"):
            assert values[name] == feature.fill, name
    assert values["new_merchant_30d"] == values["new_channel_30d"] == 1
    assert values["new_international_30d"] == 1


def test_an_account_without_history_gets_its_customers_history_only(bank: Bank) -> None:
    """An unknown account without a profile starts from nothing; an account that never
    transacted but shares a customer sees that customer's amounts (when it has a profile)."""
    frame = bank.frame
    middle = frame.get_column("transaction_timestamp").sort()[frame.height // 2]
    rng = random.Random(3)
    stranger = make_row(rng, "stranger", "ZZ-NEW", middle, "M1", 42.0)
    sibling = make_row(rng, "sibling", "AC099", middle, "M1", 42.0)
    assert_no_problems(check_calls(bank, [[stranger], [sibling], [stranger, sibling]]))
    (alone,) = bank.history.features([stranger], ENCODERS)
    values = features_by_name(alone)
    assert values["profile_missing"] == 1 and values["customer_tx_count_30d"] == 0
    assert values["account_tx_count_24h"] == 0 and values["seconds_since_prev_tx"] == 2_592_000
    if "AC099" in bank.profiles.get_column("account_number").to_list():
        (shared,) = bank.history.features([sibling], ENCODERS)
        assert features_by_name(shared)["customer_tx_count_30d"] > 0
        assert features_by_name(shared)["account_tx_count_24h"] == 0


# --- labels, profiles and what a call leaves behind --------------------------------------------

T0: Final = datetime(2026, 3, 2, 10, 0, 0)


def small_row(transaction_id: str, account: str, at: datetime, amount: float, **extra: Any) -> Row:
    """Return a plain transaction at merchant M (channel ATM, domestic) unless `extra` says."""
    row = make_row(random.Random(0), transaction_id, account, at, "M", amount)
    row |= {"channel_name": "ATM", "transaction_type": "DEBIT", "is_international": False}
    row |= {"reversal_flag": False}
    return row | extra


def test_labels_count_only_once_known_and_the_latest_label_wins() -> None:
    """A fraud counts for t only when labelled strictly before t; clearing it, or replacing it
    with a label without labeled_at, removes it; labelled before its own transaction it counts
    from the transaction's time on."""
    bank = Bank()
    bank.add_transactions(
        [small_row("f1", "A", T0, 100.0), small_row("n1", "B", T0 + timedelta(hours=1), 50.0)]
    )
    labeled = T0 + timedelta(hours=2)
    at_label = small_row("q1", "C", labeled, 10.0)
    after_label = small_row("q2", "C", labeled + US, 10.0)
    account_later = small_row("q3", "A", labeled + US, 10.0)
    calls = [[at_label], [after_label], [account_later]]

    def known(call: int) -> float:
        return features_by_name(bank.history.features(calls[call], ENCODERS)[0])[
            "merchant_known_frauds_7d"
        ]

    bank.add_labels([("f1", True, labeled)])
    assert (known(0), known(1)) == (0, 1)
    after = features_by_name(bank.history.features([after_label], ENCODERS)[0])
    assert after["merchant_fraud_rate_7d"] == 0.5
    assert math.isclose(after["merchant_days_since_fraud"], (2 * 3600 + 1e-6) / 86_400)
    assert (
        features_by_name(bank.history.features([account_later], ENCODERS)[0])[
            "account_known_frauds_30d"
        ]
        == 1
    )
    assert_no_problems(check_calls(bank, calls))
    bank.add_labels([("f1", False, labeled)])  # cleared
    assert known(1) == 0
    assert_no_problems(check_calls(bank, calls))
    bank.add_labels([("f1", True, None)])  # no labeled_at: not usable
    assert known(1) == 0
    bank.add_labels([("f1", None, T0)])  # no verdict: not usable
    assert known(1) == 0
    bank.add_labels([("f1", True, T0 - timedelta(hours=5))])  # before its transaction
    assert (known(0), known(1)) == (1, 1)
    assert_no_problems(check_calls(bank, calls))


def test_a_label_that_arrives_before_its_transaction_counts_once_the_row_is_there() -> None:
    """A label for an id the history does not hold counts for a later row of the same call
    that carries the id, and for every call once the row is added; never before."""
    bank = Bank()
    bank.add_transactions([small_row("h1", "A", T0, 20.0)])
    bank.add_labels([("g1", True, T0)])
    ghost = small_row("g1", "B", T0 + timedelta(minutes=30), 300.0)
    later = small_row("l1", "C", T0 + timedelta(hours=3), 5.0)
    assert (
        features_by_name(bank.history.features([later], ENCODERS)[0])["merchant_known_frauds_30d"]
        == 0
    )
    together = bank.history.features([ghost, later], ENCODERS)
    assert features_by_name(together[1])["merchant_known_frauds_30d"] == 1
    assert_no_problems(check_calls(bank, [[ghost, later], [later, ghost], [later]]))
    bank.add_transactions([ghost])
    assert (
        features_by_name(bank.history.features([later], ENCODERS)[0])["merchant_known_frauds_30d"]
        == 1
    )
    assert_no_problems(check_calls(bank, [[later], [ghost, later]]))


def test_scoring_leaves_the_history_unchanged() -> None:
    """Rows of a call are not held afterwards: a later call does not see them."""
    bank = Bank()
    bank.add_transactions([small_row("h1", "A", T0, 20.0)])
    scored = small_row("s1", "A", T0 + timedelta(minutes=5), 70.0)
    probe = small_row("p1", "A", T0 + timedelta(minutes=10), 30.0)
    before = bank.history.features([probe], ENCODERS)
    bank.history.features([scored], ENCODERS)
    assert bank.history.features([probe], ENCODERS) == before
    assert features_by_name(before[0])["account_tx_count_1h"] == 1
    assert_no_problems(check_calls(bank, [[probe], [scored, probe]]))


def test_a_frame_loaded_in_bulk_gives_the_features_of_rows_added_one_by_one(bank: Bank) -> None:
    """`add_frame` (the bulk load) holds what `add_transactions` holds, ties in arrival order:
    every held row scores the same, and ids already held are skipped."""
    bulk = OnlineHistory()
    rows = list(bank.rows.values())
    frame = pl.DataFrame(rows, schema=TRANSACTION_SCHEMA, orient="row")
    assert bulk.add_frame(frame.head(len(rows) // 2)) == len(rows) // 2
    assert bulk.add_frame(frame) == len(rows) - len(rows) // 2
    bulk.add_labels([(key, *label) for key, label in bank.labels.items()])
    bulk.set_profiles(bank.profiles)
    for row in rows:
        assert bulk.features([row], ENCODERS) == bank.history.features([row], ENCODERS), row


def test_dropping_rows_older_than_the_lookback_changes_no_feature() -> None:
    """`drop_before` forgets rows (and their merchant marks and frauds) older than a start, and
    a transaction whose lookback begins after that start gets the same features as before."""
    bank = Bank()
    rows = [
        small_row(
            f"h{i}", "A" if i % 2 else "B", T0 + timedelta(days=i), 10.0 + i, merchant_name="M"
        )
        for i in range(40)
    ]
    bank.add_transactions(rows)
    bank.history.add_labels(
        [("h3", True, T0 + timedelta(days=4)), ("h35", True, T0 + timedelta(days=36))]
    )
    probe = small_row("p", "A", T0 + timedelta(days=40, hours=1), 55.0, merchant_name="M")
    before = bank.history.features([probe], ENCODERS)
    bank.history.drop_before(T0 + timedelta(days=8))
    assert len(bank.history) == 32
    assert bank.history.features([probe], ENCODERS) == before
    assert features_by_name(before[0])["merchant_known_frauds_30d"] == 1


def test_constant_amounts_give_a_variance_of_exactly_zero() -> None:
    """A customer whose every amount is the same has std 0 and z-scores 0, exactly."""
    bank = Bank()
    rows = [
        small_row(f"c{i}", "AC020" if i % 2 else "AC021", T0 + i * SLOT, CONSTANT_AMOUNT)
        for i in range(40)
    ]
    bank.set_profiles(bank_profiles())
    bank.add_transactions(rows)
    probe = small_row("probe", "AC020", T0 + 40 * SLOT, CONSTANT_AMOUNT)
    values = features_by_name(bank.history.features([probe], ENCODERS)[0])
    assert values["customer_tx_count_30d"] == 40
    assert values["customer_amount_std_30d"] == 0.0
    assert values["customer_amount_zscore_30d"] == 0.0
    assert values["account_zscore_excl_fraud_30d"] == 0.0
    assert_no_problems(check_calls(bank, [[probe], *([r] for r in rows)]))


def test_an_account_number_equal_to_a_customer_key_is_still_its_own_customer() -> None:
    """Customers are keyed by customer_key, accounts without one by themselves: an account
    whose number happens to equal another account's customer key is not that customer."""
    bank = Bank()
    profiles = [
        ("X1", "K", 700, date(2020, 1, 1), "LOW", "US"),
        ("X2", "X3", 600, None, None, None),
    ]
    bank.set_profiles(pl.DataFrame(profiles, schema=PROFILE_SCHEMA, orient="row"))
    bank.add_transactions(
        [
            small_row("a", "K", T0, 10.0),
            small_row("b", "X3", T0 + SLOT, 20.0),
            small_row("c", "X2", T0 + 2 * SLOT, 30.0),
            small_row("d", "X1", T0 + 3 * SLOT, 40.0),
        ]
    )
    probes = [small_row(f"p{a}", a, T0 + 4 * SLOT, 1.0) for a in ("K", "X1", "X2", "X3")]
    counts = [
        features_by_name(v)["customer_tx_count_30d"]
        for v in (bank.history.features([p], ENCODERS)[0] for p in probes)
    ]
    assert counts == [1, 1, 1, 1]
    assert_no_problems(check_calls(bank, [[p] for p in probes]))


def regrouped_profiles(profiles: pl.DataFrame) -> pl.DataFrame:
    """Return `profiles` with AC001, AC003 and AC005 moved to a new customer and every credit
    score one higher."""
    return profiles.with_columns(
        pl.when(pl.col("account_number").is_in(["AC001", "AC003", "AC005"]))
        .then(pl.lit("CU-NEW"))
        .otherwise(pl.col("customer_key"))
        .alias("customer_key"),
        pl.col("credit_score") + 1,
    )


def test_new_profiles_replace_the_old_ones() -> None:
    """set_profiles replaces every profile (the first row of an account counts): customers,
    credit score, tenure and risk follow the latest profiles; none at all means all missing."""
    rng = random.Random(9)
    bank = Bank()
    rows = [
        make_row(rng, f"r{i}", rng.choice(ACCOUNTS[:6]), T0 + i * SLOT, rng.choice(MERCHANTS))
        for i in range(60)
    ]
    bank.add_transactions(rows)
    probes = [make_row(rng, f"p{a}", a, T0 + 61 * SLOT, "M0", 300.0) for a in ACCOUNTS[:6]]
    calls = [[p] for p in probes] + [probes]
    first = bank_profiles()
    bank.set_profiles(first)
    assert_no_problems(check_calls(bank, calls))
    regrouped = regrouped_profiles(first)
    bank.set_profiles(regrouped)
    assert_no_problems(check_calls(bank, calls))
    bank.set_profiles(empty_profiles())
    assert_no_problems(check_calls(bank, calls))
    for values in bank.history.features(probes, ENCODERS):
        assert features_by_name(values)["profile_missing"] == 1


def test_profile_updates_per_customer_equal_the_full_new_profiles() -> None:
    """update_profiles with every account of a customer (as a scoring batch reads them) gives
    that customer's accounts the features of the full new profiles, also when accounts moved
    between customers (an account no longer of a named customer leaves it)."""
    rng = random.Random(11)
    rows = [
        make_row(rng, f"r{i}", rng.choice(ACCOUNTS[:6]), T0 + i * SLOT, rng.choice(MERCHANTS))
        for i in range(60)
    ]
    first = bank_profiles()
    regrouped = regrouped_profiles(first)
    full, updated = OnlineHistory(), OnlineHistory()
    for history, profiles in ((full, regrouped), (updated, first)):
        history.add_transactions([dict(r) for r in rows])
        history.set_profiles(profiles)
    customer = dict(zip(regrouped["account_number"], regrouped["customer_key"], strict=True))
    for account in ACCOUNTS[:6]:
        key = customer.get(account)
        named = pl.col("customer_key") == key if key is not None else pl.lit(False)
        updated.update_profiles(regrouped.filter(named | (pl.col("account_number") == account)))
        probe = make_row(rng, f"p{account}", account, T0 + 61 * SLOT, "M0", 300.0)
        assert updated.features([probe], ENCODERS) == full.features([probe], ENCODERS), account


# --- many small, dense banks -------------------------------------------------------------------


def small_bank(seed: int) -> tuple[Bank, random.Random]:
    """Return a bank of 1-5 accounts, 1-3 merchants and up to 120 rows on a 1 h, 6 h or 24 h
    grid (ties and exact window bounds everywhere), each row within 3, 35 or 70 days of the
    start, and its random source."""
    rng = random.Random(seed)
    grid = timedelta(hours=rng.choice([1, 6, 24]))
    accounts = [f"S{i}" for i in range(rng.randrange(1, 6))]
    merchants = [f"M{i}" for i in range(rng.randrange(1, 4))]
    rows = []
    for i in range(rng.randrange(5, 120)):
        at = START + rng.randrange(timedelta(days=rng.choice([3, 35, 70])) // grid) * grid
        if rng.random() < 0.1:
            at += rng.choice([US, -US])
        account = rng.choice(accounts)
        merchant = None if rng.random() < 0.1 else rng.choice(merchants)
        rows.append(make_row(rng, f"s{i}", account, at, merchant))
    times = [r["transaction_timestamp"] for r in rows]
    labels: list[Label] = []
    for row in rng.sample(rows, len(rows) // 3):
        t = row["transaction_timestamp"]
        fraud = rng.random() < 0.8 if rng.random() > 0.05 else None
        labeled = rng.choice([rng.choice(times), t, t + grid * rng.randrange(-3, 40), None])
        labels.append((row["transaction_id"], fraud, labeled))
    profiles = []
    for account in accounts:
        if rng.random() < 0.7:
            key, credit = rng.choice(["K1", "K2", None]), rng.choice([None, 600])
            since, rating = rng.choice([None, date(2026, 1, 20)]), rng.choice(["LOW", None, "x"])
            profiles.append((account, key, credit, since, rating, None))
    bank = Bank()
    bank.set_profiles(pl.DataFrame(profiles, schema=PROFILE_SCHEMA, orient="row"))
    rng.shuffle(rows)
    bank.add_labels(labels[: len(labels) // 2])
    bank.add_transactions(rows)
    bank.add_labels(labels[len(labels) // 2 :])
    return bank, rng


@pytest.mark.parametrize("seed", [*range(30), 71, 86])
def test_small_dense_banks_equal_the_pipeline(seed: int) -> None:
    """In small banks where almost every row ties with another or sits exactly on a window's
    bound, held rows alone and calls of new rows equal the pipeline (seeds 71 and 86 hold
    windows whose amounts sit far from the key's first: the pipeline's sums lose digits there)."""
    bank, rng = small_bank(seed)
    calls = [[row] for row in bank.rows.values()] + new_calls(bank, rng, 15)
    assert_no_problems(check_calls(bank, calls))


# --- amounts far from the amount sums are centred on ----------------------------------------
#
# Both paths take sums of squares of amounts centred on one amount of the key: the pipeline on
# the key's first amount among all the rows it is given, the history on the first of the
# 31-day lookback. When that amount is far from a window's amounts and the window's amounts are
# close together, the variance loses digits (under a square root: ~1e-4 where it is 0), and a
# z-score of exactly 3 can land on either side of the |z| > 3 threshold. Each case below puts
# the far amount where only one of the two paths centres on it.

BEFORE_LOOKBACK: Final = "far-amount-first-of-all"  # the pipeline centres on it
IN_LOOKBACK: Final = "far-amount-in-the-lookback-not-the-window"  # the history centres on it


def far_amount_bank(where: str, far: float, amounts: Sequence[float]) -> tuple[Bank, Row]:
    """Return a bank of account A: `amounts` hourly from T0 + 40 d, and `far` either first of
    all (at T0) or 30.5 days before the probe (after a first row of amounts[0] at T0); and the
    probe (amount 1.0), an hour after the last amount."""
    probe_at = T0 + timedelta(days=40, hours=len(amounts))
    rows = [
        small_row(f"a{i}", "A", T0 + timedelta(days=40, hours=i), a) for i, a in enumerate(amounts)
    ]
    if where == BEFORE_LOOKBACK:
        rows.append(small_row("far", "A", T0, far))
    else:
        rows.append(small_row("far", "A", probe_at - timedelta(days=30.5), far))
        rows.append(small_row("first", "A", T0, amounts[0]))
    bank = Bank()
    bank.add_transactions(rows)
    return bank, small_row("probe", "A", probe_at, 1.0)


def _far(where: str, reason: str | None = None) -> Any:
    marks = [] if reason is None else [pytest.mark.xfail(strict=True, reason=reason)]
    return pytest.param(where, id=where, marks=marks)


@pytest.mark.parametrize(
    "where",
    [
        _far(BEFORE_LOOKBACK),  # the pipeline's std is 0.000244: a PipelineRoundingWarning
        _far(IN_LOOKBACK),
    ],
)
def test_equal_amounts_in_the_window_have_a_std_of_exactly_zero(where: str) -> None:
    """Five equal amounts in [t - 30d, t) have a sample std of exactly 0, whatever different
    amount the account had before the window."""
    bank, probe = far_amount_bank(where, 15_569.07, [1_042.36] * 5)
    values = features_by_name(bank.history.features([probe], ENCODERS)[0])
    assert values["customer_tx_count_30d"] == 5
    assert values["customer_amount_std_30d"] == 0.0
    assert_no_problems(check_calls(bank, [[probe]]))


@pytest.mark.parametrize(
    "where",
    [
        _far(BEFORE_LOOKBACK),
        _far(IN_LOOKBACK),
    ],
)
def test_close_amounts_after_a_far_amount_keep_their_exact_std(where: str) -> None:
    """100, 100, 100 and 103 have a sample std of exactly 1.5, and 1.0 a z-score of -66.5,
    whatever different amount the account had before the window."""
    bank, probe = far_amount_bank(where, 18_930.1, [100.0, 100.0, 100.0, 103.0])
    values = features_by_name(bank.history.features([probe], ENCODERS)[0])
    assert values["customer_amount_std_30d"] == pytest.approx(1.5, rel=REL, abs=ABS)
    assert values["customer_amount_zscore_30d"] == pytest.approx(-66.5, rel=REL, abs=ABS)
    assert_no_problems(check_calls(bank, [[probe]]))


@pytest.mark.parametrize(
    ("where", "far"),
    [
        pytest.param(
            BEFORE_LOOKBACK,
            14_605.84,
            id=BEFORE_LOOKBACK,
            marks=pytest.mark.xfail(
                strict=True,
                reason="the pipeline (not online.py): account_anomalous_share_24h 0.25 for 100, "
                "100, 100, 103 after 14605.84 first of all: its z of 103 rounds above 3; exact "
                "z 3.0, not anomalous, share 0.0 (online.py: 0.0)",
            ),
        ),
        pytest.param(IN_LOOKBACK, 6_487.17, id=IN_LOOKBACK),
    ],
)
def test_a_z_score_of_exactly_3_is_not_anomalous(where: str, far: float) -> None:
    """103 after 100, 100, 100 (std 0, floored at 1) has a z-score of exactly 3, which is not
    |z| > 3: the account's anomalous share over them is 0."""
    bank, probe = far_amount_bank(where, far, [100.0, 100.0, 100.0, 103.0])
    values = features_by_name(bank.history.features([probe], ENCODERS)[0])
    assert values["account_anomalous_share_24h"] == 0.0
    assert_no_problems(check_calls(bank, [[probe]]))


def test_an_empty_call_gets_no_rows() -> None:
    """A call without rows returns no features, as the pipeline returns an empty frame."""
    bank = Bank()
    bank.add_transactions([small_row("h1", "A", T0, 20.0)])
    assert bank.pipeline([], ENCODERS) == []
    assert bank.history.features([], ENCODERS) == []


@pytest.mark.parametrize(
    "rating",
    [
        " low",
        "\tMEDIUM\n",
        "hıgh",
        "\u00a0high\u2003",
        "\x1cLOW\x1c",
        "Ｌow",
        "",
        "\x85low",
        "\x1cLOW\u00a0",
    ],
)
def test_risk_ratings_are_trimmed_and_cased_as_the_pipeline_does(rating: str) -> None:
    """A risk rating with any surrounding whitespace or case gets the pipeline's code."""
    bank = Bank()
    profile = [("A", "K", 700, date(2020, 1, 1), rating, "US")]
    bank.set_profiles(pl.DataFrame(profile, schema=PROFILE_SCHEMA, orient="row"))
    assert_no_problems(check_calls(bank, [[small_row("r", "A", T0, 10.0)]]))
