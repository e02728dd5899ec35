"""Batch scoring end to end, and freshness of the continuous scorer, on SQLite and PostgreSQL.

- End to end: `run_scoring` over 1,000,000 unscored transactions of a simulated bank (read,
  history, features, predict, write, reason codes for flagged rows), at the default batch size
  and in one batch, in transactions/s; the baseline, measured on the same rows in the same run,
  is XGBoost's predict alone (target: at least 40 % of it, and at least 100,000 tx/s).
- Freshness: a continuous scorer (thread) while `fraudwatch simulate stream --rate 500` inserts
  transactions (subprocess); per transaction, scored_at - record_created_ts; p50 / p99
  (target p99 < 2 s). Its baseline, measured the same way in the same run: the same scorer with
  every poll's features from the pipeline (`ONLINE_ROWS` = 0) instead of one transaction at a
  time from the run's kept window.

The model is trained once on a small simulated bank and registered into each warehouse.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import numpy as np
import polars as pl
import sqlalchemy as sa
from common import Result, scratch_postgres_url, scratch_sqlite_url, timed

from fraudwatch.features import Encoders, compute_features, load_training_inputs
from fraudwatch.features import inputs as inputs_module
from fraudwatch.model import load_champion
from fraudwatch.model.predict import feature_matrix
from fraudwatch.scoring import run_scoring
from fraudwatch.scoring.loop import Stopper, run_continuous
from fraudwatch.scoring.run import DEFAULT_BATCH_SIZE
from fraudwatch.warehouse import (
    create_warehouse_engine,
    list_models,
    promote_model,
    register_model,
    tables,
)

ROWS = 1_000_000
CUSTOMERS_PER_MILLION = 20_000  # about 1.6 transactions a customer a day, 30 days: ~1M rows
STREAM_SECONDS = 40.0
STREAM_RATE = 500.0


def fraudwatch(url: str, *args: str) -> None:
    """Run a fraudwatch command on the warehouse at `url`."""
    command = [sys.executable, "-m", "fraudwatch", "--database-url", url, *args]
    subprocess.run(command, check=True, capture_output=True)


def train_once(model_dir: Path) -> dict[str, object]:
    """Train a champion on a small simulated bank; return its registry row."""
    with scratch_sqlite_url() as url:
        fraudwatch(url, "init")
        fraudwatch(
            url, "simulate", "backfill", "--days", "40", "--customers", "3000", "--seed", "1"
        )
        fraudwatch(url, "train", "--model-dir", str(model_dir))
        entry = list_models(create_warehouse_engine(url))[0]
    return entry


def install_model(url: str, entry: dict[str, object]) -> None:
    """Register the trained model in the warehouse at `url` and make it champion."""
    engine = create_warehouse_engine(url)
    register_model(engine, {k: v for k, v in entry.items()})
    promote_model(engine, str(entry["model_version"]))


def predict_only(url: str, model_dir: Path) -> float:
    """Return XGBoost predict's rows/s on every stored transaction's features (best of 2)."""
    engine = create_warehouse_engine(url)
    model = load_champion(engine, model_dir)
    features = compute_features(
        load_training_inputs(engine, None, None), Encoders.from_dict(model.encoders)
    )
    matrix = feature_matrix(features, model.feature_list)
    best = min(timed(lambda: model.booster.inplace_predict(matrix))[1] for _ in range(2))
    return matrix.shape[0] / best


def end_to_end(url: str, model_dir: Path, batch_size: int) -> tuple[int, float]:
    """Return (rows scored, seconds) of one run over every unscored transaction."""
    engine = create_warehouse_engine(url)
    with engine.begin() as conn:
        conn.execute(tables.ml_fraud_scores.delete())
    result, seconds = timed(lambda: run_scoring(engine, model_dir, batch_size=batch_size))
    assert result.status == "succeeded", result.error
    return result.n_scored, seconds


def freshness(url: str, model_dir: Path, entry: dict[str, object]) -> tuple[float, float, int]:
    """Return p50 and p99 seconds from insert to score, and rows, under a 500 tx/s stream."""
    fraudwatch(url, "init")
    fraudwatch(url, "simulate", "backfill", "--days", "31", "--customers", "5000", "--seed", "3")
    install_model(url, entry)
    engine = create_warehouse_engine(url)
    run_scoring(engine, model_dir)  # the backfill is scored; the stream is what is measured
    stop = Stopper()
    scorer = threading.Thread(target=run_continuous, args=(engine, model_dir, stop, print))
    scorer.start()
    stream = [
        "simulate", "stream", "--rate", str(STREAM_RATE), "--duration", str(STREAM_SECONDS),
        "--customers", "5000", "--seed", "3", "--quiet",
    ]  # fmt: skip
    fraudwatch(url, *stream)
    time.sleep(3.0)
    stop.set()
    scorer.join()
    staging, scores = tables.transaction_staging, tables.ml_fraud_scores
    statement = sa.select(staging.c.record_created_ts, scores.c.scored_at).select_from(
        staging.join(scores, scores.c.transaction_key == staging.c.transaction_id)
    )
    with engine.connect() as conn:
        rows = pl.DataFrame(
            conn.execute(statement).all(), schema=["created", "scored"], orient="row"
        )
    live = rows.sort("created").tail(int(STREAM_RATE * STREAM_SECONDS * 0.98))
    lag = (live["scored"] - live["created"]).dt.total_microseconds().to_numpy() / 1e6
    return float(np.percentile(lag, 50)), float(np.percentile(lag, 99)), len(lag)


@contextmanager
def _poll_features(one_at_a_time: bool) -> Iterator[None]:
    """Within, a scoring run's small batches get features one transaction at a time (the
    default) or, for the baseline, from the pipeline like every other batch."""
    default = inputs_module.ONLINE_ROWS
    inputs_module.ONLINE_ROWS = default if one_at_a_time else 0
    try:
        yield
    finally:
        inputs_module.ONLINE_ROWS = default


def _backend(
    name: str, url: str, model_dir: Path, entry: dict[str, object], scale: float
) -> list[Result]:
    customers = max(int(CUSTOMERS_PER_MILLION * scale * ROWS / 1_000_000), 200)
    fraudwatch(url, "init")
    fraudwatch(
        url, "simulate", "backfill", "--days", "30", "--customers", str(customers), "--seed", "7"
    )
    install_model(url, entry)
    baseline = predict_only(url, model_dir)
    out = []
    for label, batch_size in (
        ("default batch 500,000", DEFAULT_BATCH_SIZE),
        ("one batch", 2_000_000),
    ):
        n, seconds = end_to_end(url, model_dir, batch_size)
        out.append(
            Result(
                f"{name}: score end to end, {n:,} tx, {label}",
                n / seconds,
                "tx/s",
                ">= 100,000; >= 0.4x",
                baseline,
                "XGBoost predict alone",
            )
        )
    return out


def run(scale: float = 1.0) -> list[Result]:
    """Return end-to-end and freshness figures on SQLite and PostgreSQL."""
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="fwbench-models-") as directory:
        model_dir = Path(directory)
        entry = train_once(model_dir)
        with scratch_sqlite_url() as url:
            results += _backend("SQLite", url, model_dir, entry, scale)
        with scratch_postgres_url("fw_bench_scoring") as url:
            if url is not None:
                results += _backend("PostgreSQL", url, model_dir, entry, scale)
        scratches: dict[str, Callable[[], AbstractContextManager[str | None]]] = {
            "SQLite": scratch_sqlite_url,
            "PostgreSQL": lambda: scratch_postgres_url("fw_bench_fresh"),
        }
        for name, scratch in scratches.items():
            figures = []
            for one_at_a_time in (True, False):  # the baseline: the pipeline for every poll
                with scratch() as url, _poll_features(one_at_a_time):
                    if url is None:
                        break
                    figures.append(freshness(url, model_dir, entry))
            if len(figures) < 2:
                continue
            (p50, p99, n), (base50, base99, _) = figures
            results += [
                Result(
                    f"{name}: freshness p50, 500 tx/s stream ({n:,} tx)",
                    p50, "s", "", base50, "pipeline per poll",
                ),
                Result(
                    f"{name}: freshness p99, 500 tx/s stream",
                    p99, "s", "< 2 s", base99, "pipeline per poll",
                ),
            ]  # fmt: skip
    return results


if __name__ == "__main__":
    for result in run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0):
        ratio = (
            f" ({result.ratio:.2f}x {result.baseline_name} {result.baseline:,.0f})"
            if result.ratio
            else ""
        )
        print(f"{result.name}: {result.value:,.2f} {result.unit}{ratio}")
