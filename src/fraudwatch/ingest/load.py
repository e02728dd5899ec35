"""Loading a validated file into the warehouse, and the summary the user sees."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy.engine import Engine

from fraudwatch.ingest.files import read_table
from fraudwatch.ingest.labels import validate_labels
from fraudwatch.ingest.validate import Validation, validate_transactions
from fraudwatch.warehouse import insert_labels, insert_rejected, insert_transactions, utc_now


@dataclass(frozen=True)
class IngestSummary:
    """How the rows of one file were handled; read == loaded + already_present + rejected."""

    path: Path
    kind: str
    read: int
    loaded: int
    already_present: int
    rejected: int
    rejected_examples: pl.DataFrame

    def describe(self) -> str:
        """Return the one-line summary printed after an ingest."""
        return (
            f"{self.path.name}: read {self.read:,} {self.kind} rows; loaded {self.loaded:,}, "
            f"already present {self.already_present:,}, rejected {self.rejected:,}"
            + (" (kept in rejected_transactions)" if self.rejected else "")
        )


def _store(
    engine: Engine, validation: Validation, path: Path, kind: str, added: int
) -> IngestSummary:
    insert_rejected(engine, validation.rejected)
    return IngestSummary(
        path=path,
        kind=kind,
        read=validation.good.height + validation.rejected.height,
        loaded=added,
        already_present=validation.good.height - added,
        rejected=validation.rejected.height,
        rejected_examples=validation.rejected.select("source_row", "reason").head(10),
    )


def ingest_transactions(engine: Engine, path: Path, mapping: Mapping[str, str]) -> IngestSummary:
    """Validate a transaction file and load it: good rows to staging, bad rows to rejected.

    Idempotent: ingesting the same file again adds no transaction and no rejection twice.
    """
    raw = read_table(path)
    validation = validate_transactions(raw, mapping, source_name=f"ingest:{path.name}")
    added = insert_transactions(engine, validation.good)
    return _store(engine, validation, path, "transaction", added)


def ingest_labels(engine: Engine, path: Path, mapping: Mapping[str, str]) -> IngestSummary:
    """Validate a label file and load it into fraud_labels (labels already known are kept)."""
    raw = read_table(path)
    validation = validate_labels(raw, mapping, f"labels:{path.name}", imported_at=utc_now())
    added = insert_labels(engine, validation.good)
    return _store(engine, validation, path, "label", added)
