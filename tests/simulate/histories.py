"""Generated histories held in memory, for tests to inspect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from fraudwatch.simulate import Population, SimulationOptions, generate_history

END = datetime(2026, 3, 2)  # a Monday midnight: the window is whole days


@dataclass(frozen=True)
class History:
    """A generated history held in memory: population, transactions, truth and all labels."""

    population: Population
    transactions: pl.DataFrame
    truth: pl.DataFrame
    labels: pl.DataFrame


def generate(options: SimulationOptions, days: int, end: datetime = END) -> History:
    """Generate `days` days before `end` and gather them into one History."""
    population, days_iter = generate_history(options, days, end)
    generated = list(days_iter)
    return History(
        population,
        pl.concat([d.transactions for d in generated]),
        pl.concat([d.truth for d in generated]),
        pl.concat([d.labels for d in generated]),
    )
