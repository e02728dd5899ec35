"""Validation of raw rows: every malformed row is rejected with a readable reason, none dropped."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from fraudwatch.ingest import IngestError, validate_transactions
from fraudwatch.schemas import TRANSACTION_SCHEMA
from tests.ingest.conftest import BANK_MAPPING, BankExport


def _raw(**columns: list[object]) -> pl.DataFrame:
    return pl.DataFrame({k: pl.Series(v, dtype=pl.String) for k, v in columns.items()})


def _one(**overrides: object) -> pl.DataFrame:
    row: dict[str, object] = {
        "transaction_id": "t1",
        "account_number": "a1",
        "transaction_timestamp": "2026-03-01T10:00:00Z",
        "transaction_amount": "12.50",
    }
    row.update(overrides)
    return _raw(**{k: [v] for k, v in row.items()})


def test_bank_export_splits_into_950_good_and_50_rejected(bank_export: BankExport) -> None:
    """Of 1,000 rows with 50 malformed in six ways, 950 are good and exactly the 50 are rejected."""
    raw = pl.read_csv(bank_export.path, infer_schema=False)
    result = validate_transactions(raw, BANK_MAPPING, "test")
    assert result.good.height == 950
    assert result.rejected.height == 50
    assert set(result.rejected["source_row"].to_list()) == set(bank_export.bad_rows)
    assert result.good.schema == TRANSACTION_SCHEMA
    assert result.rejected["reason"].null_count() == 0


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"transaction_id": ""}, "transaction_id is empty"),
        ({"transaction_amount": "abc"}, "transaction_amount 'abc' is not a number"),
        ({"transaction_amount": "NaN"}, "transaction_amount NaN is not a finite number"),
        ({"transaction_amount": "inf"}, "transaction_amount inf is not a finite number"),
        (
            {"transaction_timestamp": "yesterday"},
            "transaction_timestamp 'yesterday' is not a date-time",
        ),
        ({"channel_name": "Fax"}, "channel_name 'Fax' is not one of"),
        ({"transaction_type": "REFUND"}, "transaction_type 'REFUND' is not one of"),
        ({"is_international": "maybe"}, "is_international 'maybe' is not true/false"),
    ],
)
def test_each_malformation_gets_a_reason_naming_the_field(
    override: dict[str, str], expected: str
) -> None:
    """A single malformed field rejects the row with a reason that names the field and value."""
    result = validate_transactions(_one(**override), {}, "test")
    assert result.good.is_empty()
    assert expected in result.rejected["reason"][0]


def test_several_problems_in_one_row_are_all_reported() -> None:
    """A row with two problems lists both in its reason."""
    result = validate_transactions(_one(transaction_id="", transaction_amount="x"), {}, "t")
    reason = result.rejected["reason"][0]
    assert "transaction_id is empty" in reason and "transaction_amount 'x'" in reason


def test_timestamps_are_converted_to_utc() -> None:
    """An offset is converted to UTC and a timestamp without one is taken as UTC."""
    raw = _raw(
        transaction_id=["a", "b", "c"],
        account_number=["x", "x", "x"],
        transaction_timestamp=["2026-03-01T10:00:00+02:00", "2026-03-01 10:00:00.5", "2026-03-01"],
        transaction_amount=["1", "2", "3"],
    )
    good = validate_transactions(raw, {}, "t").good
    assert good["transaction_timestamp"].to_list() == [
        datetime(2026, 3, 1, 8, 0),
        datetime(2026, 3, 1, 10, 0, 0, 500_000),
        datetime(2026, 3, 1),
    ]


def test_missing_optional_columns_take_documented_defaults() -> None:
    """Without optional columns, type and channel are 'unknown', flags false, post date = date."""
    good = validate_transactions(_one(), {}, "t").good
    row = good.row(0, named=True)
    assert row["transaction_type"] == "unknown"
    assert row["channel_name"] == "unknown"
    assert row["is_international"] is False and row["reversal_flag"] is False
    assert row["transaction_post_date"] == datetime(2026, 3, 1).date()


def test_categories_are_matched_forgiving_case_and_spacing() -> None:
    """'MOBILE_APP', 'pos' and 'debit' are read as Mobile App, Point of Sale and DEBIT."""
    raw = pl.concat(
        [
            _one(transaction_id="a", channel_name="MOBILE_APP", transaction_type="debit"),
            _one(transaction_id="b", channel_name="pos", transaction_type="Unknown"),
        ]
    )
    good = validate_transactions(raw, {}, "t").good
    assert good["channel_name"].to_list() == ["Mobile App", "Point of Sale"]
    assert good["transaction_type"].to_list() == ["DEBIT", "unknown"]


def test_duplicate_id_keeps_the_first_and_rejects_the_later_one() -> None:
    """The first row with an id loads; a later one with that id is rejected, naming the first."""
    raw = pl.concat([_one(transaction_amount="1"), _one(transaction_amount="2")])
    result = validate_transactions(raw, {}, "t")
    assert result.good["transaction_amount"].to_list() == [1.0]
    assert result.rejected["reason"].to_list() == ["duplicate transaction_id 't1' (first at row 1)"]


def test_a_missing_required_column_is_a_file_level_error() -> None:
    """A file without an amount column fails as a whole, saying how to map one."""
    with pytest.raises(IngestError, match="--map transaction_amount=COLUMN"):
        validate_transactions(_one().drop("transaction_amount"), {}, "t")


def test_a_mapping_to_a_column_the_file_lacks_is_an_error() -> None:
    """--map naming a source column that does not exist says so and lists the file's columns."""
    with pytest.raises(IngestError, match="has no column 'AMOUNT'"):
        validate_transactions(_one(), {"transaction_amount": "AMOUNT"}, "t")


def test_rejected_rows_keep_their_raw_values() -> None:
    """The raw record of a rejected row is its original values, under the file's column names."""
    result = validate_transactions(_one(transaction_amount="twelve"), {}, "t")
    assert '"transaction_amount":"twelve"' in result.rejected["raw_record"][0]


def test_parquet_types_are_accepted_as_they_are() -> None:
    """Typed columns (float amount, tz-aware datetime, bool flag) need no parsing."""
    raw = pl.DataFrame(
        {
            "transaction_id": ["a"],
            "account_number": ["x"],
            "transaction_timestamp": [datetime(2026, 3, 1, 12)],
            "transaction_amount": [9.5],
            "is_international": [True],
            "merchant_category_code": [742],
        }
    ).with_columns(pl.col("transaction_timestamp").dt.replace_time_zone("Europe/Paris"))
    good = validate_transactions(raw, {}, "t").good
    row = good.row(0, named=True)
    assert row["transaction_timestamp"] == datetime(2026, 3, 1, 11)
    assert row["is_international"] is True
    assert row["merchant_category_code"] == "0742"
