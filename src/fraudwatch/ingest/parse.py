"""Lenient, vectorized parsers from a file's raw values to the warehouse's types.

Each parser is a Polars expression that yields null where a value cannot be parsed; the
validator compares that null against the raw value to tell "missing" from "malformed".
"""

from __future__ import annotations

from typing import Final

import polars as pl

from fraudwatch.schemas import CHANNELS, TRANSACTION_TYPES, UNKNOWN

# Offsets are converted to UTC; values without an offset are taken to be UTC already.
_AWARE_FORMATS: Final = ("%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%:z")
_NAIVE_FORMATS: Final = (
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)
TIMESTAMP_HINT: Final = "use ISO 8601, e.g. 2026-01-31T14:05:00Z"

_TRUE: Final = ("true", "t", "yes", "y", "1", "1.0")
_FALSE: Final = ("false", "f", "no", "n", "0", "0.0")


def _canonical_key(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch.isalnum())


# Channel spellings seen in bank exports, folded to the canonical names.
CHANNEL_ALIASES: Final = {
    **{_canonical_key(name): name for name in CHANNELS},
    "pos": "Point of Sale",
    "online": "Online Banking",
    "web": "Online Banking",
    "mobile": "Mobile App",
    UNKNOWN: UNKNOWN,
}
TYPE_ALIASES: Final = {
    **{_canonical_key(name): name for name in TRANSACTION_TYPES},
    UNKNOWN: UNKNOWN,
}


def as_text(column: str) -> pl.Expr:
    """Return the column as stripped text, with empty strings as null."""
    text = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(text.str.len_chars() > 0).then(text).otherwise(None)


def is_blank(column: str, dtype: pl.DataType) -> pl.Expr:
    """Return True where the value is missing: null, or (for text) empty after stripping."""
    if dtype == pl.String:
        return as_text(column).is_null()
    return pl.col(column).is_null()


def parse_timestamp(column: str, dtype: pl.DataType) -> pl.Expr:
    """Return the column as naive UTC timestamps (null where it cannot be parsed)."""
    col = pl.col(column)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            col = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return col.cast(pl.Datetime("us"))
    if dtype == pl.Date:
        return col.cast(pl.Datetime("us"))
    text = as_text(column).str.replace(r"[zZ]$", "+00:00")
    aware = [
        text.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False) for fmt in _AWARE_FORMATS
    ]
    naive = [text.str.strptime(pl.Datetime("us"), fmt, strict=False) for fmt in _NAIVE_FORMATS]
    return pl.coalesce(pl.coalesce(aware).dt.replace_time_zone(None), pl.coalesce(naive)).cast(
        pl.Datetime("us")
    )


def parse_float(column: str, dtype: pl.DataType) -> pl.Expr:
    """Return the column as Float64 (null where it is not a number; NaN and inf kept)."""
    if dtype.is_numeric():
        return pl.col(column).cast(pl.Float64)
    return as_text(column).str.replace_all(",", "").cast(pl.Float64, strict=False)


def parse_bool(column: str, dtype: pl.DataType) -> pl.Expr:
    """Return the column as Boolean from true/false, yes/no, 1/0, t/f (null otherwise)."""
    if dtype == pl.Boolean:
        return pl.col(column)
    text = as_text(column).str.to_lowercase()
    return (
        pl.when(text.is_in(_TRUE))
        .then(pl.lit(True))
        .when(text.is_in(_FALSE))
        .then(pl.lit(False))
        .otherwise(pl.lit(None, dtype=pl.Boolean))
    )


def parse_category(column: str, aliases: dict[str, str]) -> pl.Expr:
    """Return the canonical spelling of a category (null where it is not a known one).

    Matching ignores case, spaces and punctuation: 'MOBILE_APP' and 'mobile app' are 'Mobile App'.
    """
    key = as_text(column).str.to_lowercase().str.replace_all(r"[^0-9a-z]", "")
    return key.replace_strict(aliases, default=None, return_dtype=pl.String)


def parse_merchant_code(column: str, dtype: pl.DataType) -> pl.Expr:
    """Return merchant category codes as text, integers padded to four digits (5411, 0742)."""
    if dtype.is_integer():
        return pl.col(column).cast(pl.String).str.zfill(4)
    return as_text(column)
