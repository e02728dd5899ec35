"""The dashboard's numbers equal direct SQL on the same data, on every backend."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fraudwatch.dashboard import data, drift, metrics, review_data
from fraudwatch.dashboard.window import LiveWindow
from fraudwatch.warehouse import insert_scores, insert_transactions, record_review, tables, utc_now
from tests.dashboard.conftest import recent_transactions, scores_for, seed
from tests.factories import make_transactions

staging, scores = tables.transaction_staging, tables.ml_fraud_scores


def sql_kpis(
    engine: Engine, start: datetime, end: datetime, channel: str | None, threshold: float
) -> dict[str, float]:
    """Return count, amount sum, scored, predicted, high-risk and mean probability by SQL."""
    joined = staging.outerjoin(scores, scores.c.transaction_key == staging.c.transaction_id)
    conditions = [staging.c.transaction_timestamp >= start, staging.c.transaction_timestamp < end]
    if channel:
        conditions.append(staging.c.channel_name == channel)
    statement = (
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(staging.c.transaction_amount), 0.0),
            sa.func.count(scores.c.transaction_key),
            sa.func.sum(sa.case((scores.c.fraud_prediction, 1), else_=0)),
            sa.func.sum(sa.case((scores.c.fraud_probability >= threshold, 1), else_=0)),
            sa.func.avg(scores.c.fraud_probability),
        )
        .select_from(joined)
        .where(*conditions)
    )
    with engine.connect() as conn:
        n, amount, scored, predicted, high, avg = conn.execute(statement).one()
    return {
        "n": n,
        "amount": float(amount),
        "scored": scored,
        "predicted": int(predicted or 0),
        "high": int(high or 0),
        "avg": avg,
    }


@pytest.mark.parametrize(("window", "channel"), [("24h", None), ("1h", None), ("7d", "ATM")])
def test_kpis_equal_sql(engine: Engine, window: str, channel: str | None) -> None:
    """Count, amount, scored share, predicted fraud, high risk and mean score match SQL."""
    seed(engine)
    live = LiveWindow(engine)
    live.sync()
    filters = metrics.Filters(now=utc_now(), window=window, channel=channel, threshold=0.7)
    got = metrics.kpis(metrics.select(live.frame, filters), 0.7)
    want = sql_kpis(engine, filters.start, filters.now, channel, 0.7)
    assert got.transactions == want["n"]
    assert got.total_amount == pytest.approx(want["amount"])
    assert got.scored == want["scored"]
    assert got.predicted_fraud == want["predicted"]
    assert got.high_risk == want["high"]
    if want["avg"] is not None:
        assert got.average_probability == pytest.approx(float(want["avg"]))


def test_deltas_add_new_transactions_and_scores(engine: Engine) -> None:
    """After one full read, new rows and later scores arrive through the deltas only."""
    transactions, _ = seed(engine)
    live = LiveWindow(engine)
    live.sync(data.probe(engine))
    later = make_transactions(5, seed=8, start=utc_now() - timedelta(minutes=30), id_prefix="late")
    insert_transactions(engine, later)
    assert live.sync(data.probe(engine))
    assert live.frame.height == transactions.height + 5
    assert (
        live.frame.filter(pl.col("transaction_id").str.starts_with("late"))[
            "fraud_probability"
        ].null_count()
        == 5
    )
    insert_scores(engine, scores_for(later, every_unscored=1000))
    assert live.sync(data.probe(engine))
    assert (
        live.frame.filter(pl.col("transaction_id").str.starts_with("late"))[
            "fraud_probability"
        ].null_count()
        == 0
    )
    assert live.frame["transaction_id"].n_unique() == live.frame.height
    assert not live.sync(data.probe(engine))


def test_deltas_skip_overlap_already_held(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows and scores written just before the marks are not read again by the next deltas
    (the counts match); a score stamped inside the overlap but committed later still arrives
    with the next refresh that reads scores."""
    transactions, _ = seed(engine)  # scored moments ago: all inside the 2-minute overlap
    live = LiveWindow(engine)
    live.sync(data.probe(engine))
    reads: list[int] = []
    for name in ("new_transactions", "new_scores"):
        original = getattr(data, name)

        def counted(*args: object, _original: object = original, **kwargs: object) -> object:
            frame = _original(*args, **kwargs)  # type: ignore[operator]
            reads.append(frame.height)
            return frame

        monkeypatch.setattr(data, name, counted)
    later = make_transactions(3, seed=9, start=utc_now() - timedelta(minutes=20), id_prefix="ovl")
    insert_transactions(engine, later)
    insert_scores(engine, scores_for(later, every_unscored=1000))
    assert live.sync(data.probe(engine))
    assert reads == [3, 3]  # only what is new, not the seeded rows and scores again
    # A score stamped before the mark but committed after the last read: counts disagree.
    last = make_transactions(1, seed=10, start=utc_now() - timedelta(minutes=10), id_prefix="lc")
    insert_transactions(engine, last)
    live.sync(data.probe(engine))
    stamped = scores_for(last, every_unscored=1000).with_columns(
        pl.lit(live.frame["scored_at"].max() - timedelta(seconds=30)).alias("scored_at")
    )
    insert_scores(engine, stamped)
    # It arrives with the next score that moves the probe, as the overlap is then re-read.
    newest = make_transactions(1, seed=11, start=utc_now() - timedelta(minutes=5), id_prefix="nw")
    insert_transactions(engine, newest)
    insert_scores(engine, scores_for(newest, every_unscored=1000))
    assert live.sync(data.probe(engine))
    scored = live.frame.filter(pl.col("transaction_id").str.contains("^(lc|nw)"))
    assert scored.height == 2 and scored["fraud_probability"].null_count() == 0
    assert live.frame.height == transactions.height + 5


def test_time_series_and_groups_equal_sql(engine: Engine) -> None:
    """Per-channel counts and amounts and the histogram's total match SQL."""
    seed(engine)
    live = LiveWindow(engine)
    live.sync()
    filters = metrics.Filters(now=utc_now(), window="24h")
    rows = metrics.select(live.frame, filters)
    got = {
        r["channel_name"]: (r["count"], r["amount"])
        for r in metrics.by_dimension(rows, "channel_name").iter_rows(named=True)
    }
    statement = (
        sa.select(
            staging.c.channel_name, sa.func.count(), sa.func.sum(staging.c.transaction_amount)
        )
        .where(
            staging.c.transaction_timestamp >= filters.start,
            staging.c.transaction_timestamp < filters.now,
        )
        .group_by(staging.c.channel_name)
    )
    with engine.connect() as conn:
        want = {c: (n, float(a)) for c, n, a in conn.execute(statement).all()}
    assert got.keys() == want.keys()
    for key, (n, amount) in want.items():
        assert got[key][0] == n and got[key][1] == pytest.approx(amount)
    assert metrics.probability_histogram(rows)["count"].sum() == metrics.kpis(rows, 0.7).scored
    assert (
        metrics.volume_series(rows, filters)
        .select(pl.col("scored") + pl.col("pending"))
        .to_series()
        .sum()
        == rows.height
    )


def test_review_closes_queue_item_and_labels(engine: Engine) -> None:
    """A confirmed transaction leaves the open queue; an escalated one stays, marked escalated."""
    seed(engine)
    live = LiveWindow(engine)
    live.sync()
    rows = metrics.select(live.frame, metrics.Filters(now=utc_now(), window="24h"))
    queue = review_data.open_queue(rows, data.reviews(engine), 0.7)
    first, second = queue["transaction_id"][0], queue["transaction_id"][1]
    record_review(engine, first, "confirm_fraud", "ana", "card stolen")
    record_review(engine, second, "escalate", "bo", None)
    after = review_data.open_queue(rows, data.reviews(engine), 0.7)
    assert first not in after["transaction_id"].to_list()
    assert after.filter(pl.col("transaction_id") == second)["status"][0] == "escalated by bo"
    assert after.height == queue.height - 1


def test_drift_reference_equals_sql_bins(engine: Engine) -> None:
    """The reference counts per amount bin and channel add up to the window's row count."""
    transactions = recent_transactions(200, seed=5, hours_ago=48)
    insert_transactions(engine, transactions)
    start, end = utc_now() - timedelta(hours=49), utc_now()
    counts = drift.reference(engine, start, end)
    assert sum(counts["amount"].values()) == 200
    assert sum(counts["channel"].values()) == 200
    assert counts["score"] == {}
    live = LiveWindow(engine)
    live.sync()
    table = drift.drift_table(counts, drift.current(live.frame))
    assert table.filter(pl.col("name") == "amount")["psi"][0] == pytest.approx(0.0)
