"""`fraudwatch train` on 1,000,000 simulated transactions, end to end (target < 60 s).

The simulator backfills 120 days of a bank sized to give the row count (about 5,000 customers at
full scale) into a scratch SQLite warehouse; that set-up is not timed. The timed run is what
`fraudwatch train` does: read the warehouse, compute point-in-time features, plan the split,
fit XGBoost with early stopping, choose the threshold, evaluate model and seed-demo baseline,
write the HTML report and register the model.

Baseline in the same run: reading the warehouse and computing the features alone, so the ratio
shows what the model part (fit, evaluation, report, registry) adds on top of the data work.
Also shown: the booster fit alone, on the train window's rows.
"""

from __future__ import annotations

import tempfile
import time
from datetime import datetime
from pathlib import Path

from common import Result, scratch_sqlite_url, timed

from fraudwatch.features import compute_features, fit_encoders
from fraudwatch.model import TrainOptions, Windows, fit_and_evaluate, publish
from fraudwatch.model.trainer import load_dataset, load_inputs
from fraudwatch.simulate import SimulationOptions, backfill
from fraudwatch.warehouse import create_schema, create_warehouse_engine

ROWS = 1_000_000
DAYS = 120
PER_CUSTOMER_DAY = 1.65  # the simulator's default volume
END = datetime(2026, 6, 1)


def run(scale: float) -> list[Result]:
    """Measure end-to-end training on the simulator's output, with data work as the baseline."""
    customers = max(200, round(ROWS * scale / (DAYS * PER_CUSTOMER_DAY)))
    with scratch_sqlite_url() as url, tempfile.TemporaryDirectory(prefix="fwbench-models-") as md:
        engine = create_warehouse_engine(url)
        create_schema(engine)
        report = backfill(engine, SimulationOptions(seed=7, customers=customers), DAYS, END)
        rows = report.transactions

        def data_only() -> int:
            inputs, _ = load_inputs(engine, Windows())
            return compute_features(inputs, fit_encoders(inputs)).height

        _, data_seconds = timed(data_only)

        def train() -> tuple[str, float, dict[str, float]]:
            dataset = load_dataset(engine, Windows())
            trained = fit_and_evaluate(dataset, TrainOptions())
            published = publish(engine, Path(md), trained)
            return published.version, trained.metrics["training"]["fit_seconds"], trained.metrics

        (_, fit_seconds, metrics), seconds = timed(train)
        engine.dispose()
    test, base = metrics["test"], metrics["baseline"]["test"]
    training = metrics["training"]
    print(
        f"    {rows:,} transactions; test PR-AUC {test['pr_auc']:.3f} vs seed-demo baseline "
        f"{base['pr_auc']:.3f}; recall at budget {test['recall_at_budget']:.3f} vs "
        f"{base['recall_at_budget']:.3f}; rows {training['rows']}, "
        f"{training['rounds_tried']} rounds, {training['threads']} threads",
        flush=True,
    )
    return [
        Result(
            name=f"train end to end on {rows:,} simulated transactions",
            value=seconds,
            unit="s",
            target="< 60 s",
            baseline=data_seconds,
            baseline_name="read+features only",
        ),
        Result(
            name=f"  of which XGBoost fit ({metrics['training']['rows']['train']:,} train rows)",
            value=fit_seconds,
            unit="s",
        ),
    ]


if __name__ == "__main__":
    started = time.perf_counter()
    for result in run(1.0):
        print(result)
    print(f"{time.perf_counter() - started:.1f} s in all")
