"""The warehouse: tables, engines per backend, and the operations on them.

This package is the only importer of SQLAlchemy.
"""

from fraudwatch.warehouse import tables
from fraudwatch.warehouse.bulk import indexes_deferred, insert_ignoring_duplicates, utc_now
from fraudwatch.warehouse.engines import (
    Backend,
    WarehouseConfigError,
    backend_of,
    backend_of_engine,
    create_warehouse_engine,
    with_retry,
    write_transaction,
)
from fraudwatch.warehouse.fastread import read_arrow_frame
from fraudwatch.warehouse.queries import (
    QUARANTINE_SOURCE,
    SCORE_SCHEMA,
    Review,
    champion_model,
    count_rows,
    existing_transaction_ids,
    finish_run,
    insert_labels,
    insert_rejected,
    insert_scores,
    insert_transactions,
    list_models,
    promote_model,
    quarantined_exists,
    queue_chargebacks,
    read_frame,
    record_review,
    register_model,
    release_due_chargebacks,
    scored_exists,
    start_run,
    unscored_select,
    unscored_transactions,
)
from fraudwatch.warehouse.runs import RunningRun, abandon_run, record_heartbeat, running_runs
from fraudwatch.warehouse.schema import SchemaReport, create_schema

__all__ = [
    "QUARANTINE_SOURCE",
    "SCORE_SCHEMA",
    "Backend",
    "Review",
    "RunningRun",
    "SchemaReport",
    "WarehouseConfigError",
    "abandon_run",
    "backend_of",
    "backend_of_engine",
    "champion_model",
    "count_rows",
    "create_schema",
    "create_warehouse_engine",
    "existing_transaction_ids",
    "finish_run",
    "indexes_deferred",
    "insert_ignoring_duplicates",
    "insert_labels",
    "insert_rejected",
    "insert_scores",
    "insert_transactions",
    "list_models",
    "promote_model",
    "quarantined_exists",
    "queue_chargebacks",
    "read_arrow_frame",
    "read_frame",
    "record_heartbeat",
    "record_review",
    "register_model",
    "release_due_chargebacks",
    "running_runs",
    "scored_exists",
    "start_run",
    "tables",
    "unscored_select",
    "unscored_transactions",
    "utc_now",
    "with_retry",
    "write_transaction",
]
