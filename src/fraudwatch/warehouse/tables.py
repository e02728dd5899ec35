"""Every table of the warehouse, declared once with SQLAlchemy Core.

Column names follow the seed's Snowflake tables (lower-case, unquoted). Timestamps are stored as
naive UTC (`TIMESTAMP WITHOUT TIME ZONE` / `TIMESTAMP_NTZ`): every writer converts to UTC first,
so no session time zone can shift them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# Named primary keys, so a bulk load can drop and re-add one by name.
metadata = sa.MetaData(naming_convention={"pk": "pk_%(table_name)s"})

# Identifiers compare byte-wise on PostgreSQL: a "C" collation makes key lookups and COPY into a
# keyed table about a third faster than the database's locale collation.
ID = sa.String(64).with_variant(postgresql.VARCHAR(64, collation="C"), "postgresql")
NAME = sa.String(128)
TEXT = sa.Text()

transaction_staging = sa.Table(
    "transaction_staging",
    metadata,
    sa.Column("transaction_id", ID, primary_key=True),
    sa.Column("account_number", ID, nullable=False),
    sa.Column("transaction_post_date", sa.Date),
    sa.Column("transaction_timestamp", sa.DateTime, nullable=False),
    sa.Column("transaction_type", sa.String(16), nullable=False),
    sa.Column("transaction_description", sa.String(256)),
    sa.Column("transaction_amount", sa.Float, nullable=False),
    sa.Column("channel_name", sa.String(32), nullable=False),
    sa.Column("merchant_name", NAME),
    sa.Column("merchant_category_code", sa.String(8)),
    sa.Column("is_international", sa.Boolean, nullable=False),
    sa.Column("reversal_flag", sa.Boolean, nullable=False),
    sa.Column("record_created_ts", sa.DateTime, nullable=False),
)
# The indexes the scorer's oldest-first read and the per-account history reads need. Bulk loads
# of many rows drop and rebuild them (see warehouse.bulk), which is far cheaper than keeping them
# up to date row by row.
sa.Index("ix_staging_timestamp", transaction_staging.c.transaction_timestamp)
sa.Index(
    "ix_staging_account_time",
    transaction_staging.c.account_number,
    transaction_staging.c.transaction_timestamp,
)
# A merchant's recent transactions (the merchant features when scoring).
sa.Index(
    "ix_staging_merchant_time",
    transaction_staging.c.merchant_name,
    transaction_staging.c.transaction_timestamp,
)
# What arrived since the last look (the dashboard's probe and its incremental reads).
sa.Index("ix_staging_created", transaction_staging.c.record_created_ts)

dim_customer = sa.Table(
    "dim_customer",
    metadata,
    sa.Column("customer_key", ID, primary_key=True),
    sa.Column("cif_number", ID),
    sa.Column("customer_segment", sa.String(32)),
    sa.Column("credit_score", sa.Integer),
    sa.Column("customer_since", sa.Date),
    sa.Column("risk_rating", sa.String(16)),
    sa.Column("home_country", sa.String(8)),
)

dim_account = sa.Table(
    "dim_account",
    metadata,
    sa.Column("account_number", ID, primary_key=True),
    sa.Column("customer_key", ID, nullable=False),
    sa.Column("account_type", sa.String(32)),
    sa.Column("opened_date", sa.Date),
)
sa.Index("ix_account_customer", dim_account.c.customer_key)

ml_fraud_scores = sa.Table(
    "ml_fraud_scores",
    metadata,
    # The key is the transaction: a transaction is scored once, whoever scores it.
    sa.Column("transaction_key", ID, primary_key=True),
    sa.Column("fraud_probability", sa.Float, nullable=False),
    sa.Column("fraud_prediction", sa.Boolean, nullable=False),
    sa.Column("model_version", NAME, nullable=False),
    sa.Column("scored_at", sa.DateTime, nullable=False),
    sa.Column("reasons", TEXT),
    sa.Column("latency_ms", sa.Float),
)
sa.Index("ix_scores_scored_at", ml_fraud_scores.c.scored_at)

fraud_labels = sa.Table(
    "fraud_labels",
    metadata,
    sa.Column("transaction_id", ID, primary_key=True),
    sa.Column("is_fraud", sa.Boolean, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    # When the label became known: features may use only labels known before the event.
    sa.Column("labeled_at", sa.DateTime, nullable=False),
)
sa.Index("ix_labels_labeled_at", fraud_labels.c.labeled_at)

# The simulated bank's back office: chargebacks already decided but not yet arrived. They move
# into fraud_labels when their labeled_at passes (`release_due_chargebacks`); nothing else reads
# this table, so no feature or model can see a label before it arrives.
pending_chargebacks = sa.Table(
    "pending_chargebacks",
    metadata,
    sa.Column("transaction_id", ID, primary_key=True),
    sa.Column("is_fraud", sa.Boolean, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("labeled_at", sa.DateTime, nullable=False),
)
sa.Index("ix_pending_chargebacks_due", pending_chargebacks.c.labeled_at)

analyst_reviews = sa.Table(
    "analyst_reviews",
    metadata,
    sa.Column("review_id", ID, primary_key=True),
    sa.Column("transaction_id", ID, nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("analyst", NAME, nullable=False),
    sa.Column("note", TEXT),
    sa.Column("decided_at", sa.DateTime, nullable=False),
)
sa.Index("ix_reviews_transaction", analyst_reviews.c.transaction_id)

scoring_runs = sa.Table(
    "scoring_runs",
    metadata,
    sa.Column("run_id", ID, primary_key=True),
    sa.Column("trigger", sa.String(32), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("n_scored", sa.Integer, nullable=False),
    sa.Column("n_rejected", sa.Integer, nullable=False),
    sa.Column("model_version", NAME),
    sa.Column("error", TEXT),
)
sa.Index("ix_runs_started_at", scoring_runs.c.started_at)

# Which process runs a scoring run, and when it last showed life: a scorer killed mid-run leaves
# its run 'running'; the next scorer marks it 'abandoned' once its process is gone (same host)
# or its heartbeat is stale (another host). A table of its own, so existing warehouses gain it
# from `fraudwatch init` without altering scoring_runs.
scoring_heartbeats = sa.Table(
    "scoring_heartbeats",
    metadata,
    sa.Column("run_id", ID, primary_key=True),
    sa.Column("host", NAME, nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("heartbeat_at", sa.DateTime, nullable=False),
)

rejected_transactions = sa.Table(
    "rejected_transactions",
    metadata,
    # A digest of where the record came from and what it held: re-ingesting the same file
    # rejects the same rows under the same keys, so nothing is stored twice.
    sa.Column("rejection_id", ID, primary_key=True),
    sa.Column("source", sa.String(512), nullable=False),
    sa.Column("source_row", sa.Integer),
    sa.Column("transaction_id", ID),
    sa.Column("raw_record", TEXT, nullable=False),
    sa.Column("reason", TEXT, nullable=False),
    sa.Column("rejected_at", sa.DateTime, nullable=False),
)
# The scorer's anti-join skips transactions it quarantined (source 'scoring') by id.
sa.Index("ix_rejected_transaction", rejected_transactions.c.transaction_id)

model_registry = sa.Table(
    "model_registry",
    metadata,
    sa.Column("model_version", NAME, primary_key=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("train_start", sa.DateTime),
    sa.Column("train_end", sa.DateTime),
    sa.Column("test_start", sa.DateTime),
    sa.Column("test_end", sa.DateTime),
    sa.Column("feature_list", TEXT, nullable=False),
    sa.Column("metrics", TEXT, nullable=False),
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("artifact_path", sa.String(1024), nullable=False),
    sa.Column("artifact_sha256", sa.String(64), nullable=False),
)

ALL_TABLES = tuple(metadata.sorted_tables)
