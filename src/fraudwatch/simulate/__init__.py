"""The simulated bank: a seeded population, its habits, injected fraud and delayed chargebacks.

`backfill` writes history fast; `run_stream` (stream.py) inserts live transactions batch by
batch. Raw transactions carry no fraud indicator: the truth is returned to the caller, and only
chargebacks that have arrived reach `fraud_labels`.
"""

from fraudwatch.simulate.backfill import (
    BackfillReport,
    Day,
    backfill,
    generate_day,
    generate_history,
    window_start,
)
from fraudwatch.simulate.labels import chargebacks, split_arrived
from fraudwatch.simulate.live import LiveBank, LiveBatch
from fraudwatch.simulate.merchants import MERCHANTS, Merchant
from fraudwatch.simulate.options import OptionsError, SimulationOptions
from fraudwatch.simulate.population import Population, build_population, write_population
from fraudwatch.simulate.records import SCENARIOS, TRUTH_SCHEMA
from fraudwatch.simulate.stream import StreamPlan, StreamReport, commit_until_done, run_stream

__all__ = [
    "MERCHANTS",
    "SCENARIOS",
    "TRUTH_SCHEMA",
    "BackfillReport",
    "Day",
    "LiveBank",
    "LiveBatch",
    "Merchant",
    "OptionsError",
    "Population",
    "SimulationOptions",
    "StreamPlan",
    "StreamReport",
    "backfill",
    "build_population",
    "chargebacks",
    "commit_until_done",
    "generate_day",
    "generate_history",
    "run_stream",
    "split_arrived",
    "window_start",
    "write_population",
]
