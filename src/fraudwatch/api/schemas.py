"""Request and response bodies of the API, named by role (`TransactionIn`, `ScoreOut`, …).

`TransactionIn` follows `fraudwatch.schemas.TRANSACTION_SCHEMA` and the ingest rules
(`fraudwatch.ingest.validate`): ids present and not empty, a finite amount, an ISO 8601 date-time
(an offset is converted to UTC, none means UTC), a known channel and type or 'unknown' (case and
spacing forgiven: 'MOBILE_APP' is 'Mobile App'), and the same defaults for optional fields.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from fraudwatch.ingest.parse import CHANNEL_ALIASES, TYPE_ALIASES
from fraudwatch.schemas import UNKNOWN

MAX_BATCH = 1_000
EARLIEST = datetime(1900, 1, 1)
YEARS_PATTERN = "^(19|20|21)[0-9]{2}-"  # in the spec, so generated clients and fuzzers know
LATEST = datetime(2199, 12, 31, 23, 59, 59, 999_999)

TransactionType = Literal[
    "DEBIT", "CREDIT", "TRANSFER", "WITHDRAWAL", "DEPOSIT", "PAYMENT", "unknown"
]
Channel = Literal["Online Banking", "Mobile App", "ATM", "Branch", "Point of Sale", "unknown"]
Decision = Literal["flag", "pass"]
# NUL is refused: PostgreSQL cannot take it in a text parameter.
NO_NUL = r"^[^\x00]*$"
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL)]


def _canonical(value: object, aliases: dict[str, str]) -> object:
    """Return the canonical spelling of a category; anything unknown is left for the enum check."""
    if not isinstance(value, str):
        return value
    key = "".join(ch for ch in value.lower() if ch.isalnum())
    return aliases.get(key, value)


def as_utc(moment: datetime) -> datetime:
    """Return `moment` as naive UTC: an offset is converted, a naive value is taken to be UTC.

    Raises ValueError outside `EARLIEST`..`LATEST` (history windows reach 31 days back, and a
    year-1 date-time has no "31 days before").
    """
    offset = moment.utcoffset() or timedelta(0)
    moment = moment.replace(tzinfo=None)
    # Bounds first, so that applying the offset cannot overflow.
    if EARLIEST <= moment <= LATEST and EARLIEST <= moment - offset <= LATEST:
        return moment - offset
    raise ValueError(f"must be between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)")


def aware(moment: datetime | None) -> datetime | None:
    """Return a stored (naive UTC) time marked as UTC, so JSON carries the offset."""
    return None if moment is None else moment.replace(tzinfo=UTC)


class TransactionIn(BaseModel):
    """One transaction to score, as the bank's system would write it to transaction_staging."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "transaction_id": "tx-000123",
                    "account_number": "AC000042",
                    "transaction_timestamp": "2026-01-31T14:05:00Z",
                    "transaction_amount": 129.99,
                    "transaction_type": "DEBIT",
                    "channel_name": "Point of Sale",
                    "merchant_name": "Corner Grocer",
                    "merchant_category_code": "5411",
                }
            ]
        },
    )

    transaction_id: Id
    account_number: Id
    transaction_timestamp: datetime = Field(
        description="ISO 8601; an offset is converted to UTC, none means UTC; 1900 to 2199.",
        json_schema_extra={"pattern": YEARS_PATTERN},
    )
    transaction_amount: float = Field(allow_inf_nan=False)
    transaction_type: TransactionType = UNKNOWN
    channel_name: Channel = UNKNOWN
    transaction_post_date: date | None = Field(
        default=None, description="Defaults to the date of transaction_timestamp."
    )
    transaction_description: str | None = Field(default=None, max_length=256, pattern=NO_NUL)
    merchant_name: str | None = Field(default=None, max_length=128, pattern=NO_NUL)
    merchant_category_code: str | None = Field(default=None, max_length=8, pattern=NO_NUL)
    is_international: bool = False
    reversal_flag: bool = False

    @field_validator("transaction_type", mode="before")
    @classmethod
    def _type_alias(cls, value: object) -> object:
        return _canonical(value, TYPE_ALIASES)

    @field_validator("channel_name", mode="before")
    @classmethod
    def _channel_alias(cls, value: object) -> object:
        return _canonical(value, CHANNEL_ALIASES)

    @field_validator("merchant_category_code", mode="before")
    @classmethod
    def _merchant_code(cls, value: object) -> object:
        # Integers are padded to four digits, as ingest does (742 is '0742').
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value).zfill(4)
        return value

    @field_validator("transaction_timestamp")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return as_utc(value)

    @field_validator("transaction_description", "merchant_name", "merchant_category_code")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None

    def row(self) -> dict[str, Any]:
        """Return the transaction as a `TRANSACTION_SCHEMA` row, with the ingest defaults."""
        values = self.model_dump()
        if values["transaction_post_date"] is None:
            values["transaction_post_date"] = self.transaction_timestamp.date()
        return values


class TransactionBatchIn(BaseModel):
    """Several transactions to score in one request (ids unique, at most `MAX_BATCH`)."""

    model_config = ConfigDict(extra="forbid")

    transactions: list[TransactionIn] = Field(min_length=1, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _unique_ids(self) -> TransactionBatchIn:
        first: dict[str, int] = {}
        for index, transaction in enumerate(self.transactions):
            seen = first.setdefault(transaction.transaction_id, index)
            if seen != index:
                raise ValueError(
                    f"transactions[{index}].transaction_id: duplicate "
                    f"{transaction.transaction_id!r} (first at transactions[{seen}])"
                )
        return self


def _body_kind(value: Any) -> str:
    return "batch" if isinstance(value, dict) and "transactions" in value else "single"


ScoreIn = Annotated[
    Annotated[TransactionIn, Tag("single")] | Annotated[TransactionBatchIn, Tag("batch")],
    Discriminator(_body_kind),
]


class ReasonOut(BaseModel):
    """A feature that pushed the score up, and by how much (SHAP, log-odds)."""

    feature: str
    contribution: float


class ScoreOut(BaseModel):
    """The model's verdict on one transaction."""

    transaction_id: str
    fraud_probability: float = Field(ge=0.0, le=1.0)
    fraud_prediction: bool = Field(description="True when fraud_probability >= threshold.")
    decision: Decision = Field(description="'flag' for review, or 'pass'.")
    threshold: float
    model_version: str
    reasons: list[ReasonOut] | None = Field(
        description="Top contributions; null when reasons were not asked for this decision."
    )
    scored_at: datetime
    latency_ms: float | None = None


class ScoreBatchOut(BaseModel):
    """The verdicts on a batch, in the order the transactions were sent."""

    model_version: str
    scores: list[ScoreOut]


class StoredScoreOut(BaseModel):
    """A score as the scoring job (or another scorer) stored it in ml_fraud_scores."""

    fraud_probability: float
    fraud_prediction: bool
    model_version: str
    scored_at: datetime
    reasons: list[ReasonOut] | None
    latency_ms: float | None


class LabelOut(BaseModel):
    """What is known about a transaction's truth: a chargeback, an analyst's word or an import."""

    is_fraud: bool
    source: str
    labeled_at: datetime


class TransactionOut(BaseModel):
    """A stored transaction with its score and label, when it has them."""

    transaction_id: str
    account_number: str
    transaction_timestamp: datetime
    transaction_post_date: date | None
    transaction_amount: float
    transaction_type: str
    transaction_description: str | None
    channel_name: str
    merchant_name: str | None
    merchant_category_code: str | None
    is_international: bool
    reversal_flag: bool
    record_created_ts: datetime
    score: StoredScoreOut | None
    label: LabelOut | None


class RunOut(BaseModel):
    """One scoring run from the run log."""

    run_id: str
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    n_scored: int
    n_rejected: int
    model_version: str | None
    error: str | None


class ModelOut(BaseModel):
    """One registered model version."""

    model_version: str
    status: str
    created_at: datetime
    threshold: float
    train_start: datetime | None
    train_end: datetime | None
    test_start: datetime | None
    test_end: datetime | None
    feature_list: list[str]
    metrics: dict[str, Any]
    serving: bool = Field(description="True for the version this API process is scoring with.")


class ComponentHealth(BaseModel):
    """One dependency's state."""

    ok: bool
    detail: str


class HealthOut(BaseModel):
    """The service's readiness: the warehouse answers and a champion model is loaded."""

    status: Literal["ok", "degraded"]
    database: ComponentHealth
    model: ComponentHealth
    model_version: str | None


class ErrorOut(BaseModel):
    """An error that is not a validation error (401, 404, 503)."""

    detail: str
