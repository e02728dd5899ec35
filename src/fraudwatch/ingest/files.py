"""Reading a bank's export: CSV (every value read as text, nothing coerced away) or Parquet."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from fraudwatch.ingest.validate import IngestError

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")


def read_table(path: Path) -> pl.DataFrame:
    """Return the file's rows; raise IngestError with one line saying what is wrong.

    CSV values stay text, so a malformed value reaches validation (and the rejected table)
    instead of failing the whole file or silently turning into null.
    """
    if not path.exists():
        raise IngestError(f"no such file: {path}")
    if path.is_dir():
        raise IngestError(f"{path} is a directory; give a CSV or Parquet file")
    suffix = path.suffix.lower()
    try:
        if suffix in PARQUET_SUFFIXES:
            return pl.read_parquet(path)
        if suffix in CSV_SUFFIXES:
            separator = "\t" if suffix == ".tsv" else ","
            return pl.read_csv(path, infer_schema=False, separator=separator)
    except PermissionError:
        raise IngestError(f"cannot read {path}: permission denied") from None
    except (pl.exceptions.PolarsError, OSError) as error:
        kind = "Parquet" if suffix in PARQUET_SUFFIXES else "CSV"
        first_line = (
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        )
        raise IngestError(f"cannot read {path} as {kind}: {first_line}") from None
    raise IngestError(
        f"{path}: unsupported file type {suffix or '(none)'}; use .csv, .tsv or .parquet"
    )
