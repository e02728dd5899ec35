"""Ingesting a bank's own export (CSV or Parquet): mapping, validation, loading."""

from fraudwatch.ingest.load import IngestSummary, ingest_labels, ingest_transactions
from fraudwatch.ingest.mapping import build_mapping
from fraudwatch.ingest.validate import (
    OPTIONAL_DEFAULTS,
    IngestError,
    Validation,
    validate_transactions,
)

__all__ = [
    "OPTIONAL_DEFAULTS",
    "IngestError",
    "IngestSummary",
    "Validation",
    "build_mapping",
    "ingest_labels",
    "ingest_transactions",
    "validate_transactions",
]
