"""Reports: the data exploration report and the weekly management report, as HTML.

Each report is computed into plain data first (frozen dataclasses of numbers), then rendered.
"""

from fraudwatch.explore.analysis import ExploreReport, analyse
from fraudwatch.explore.load import (
    Dataset,
    ExploreInputError,
    Source,
    load_file,
    load_window,
)
from fraudwatch.explore.render import render_explore
from fraudwatch.explore.weekly import ModelPerformance, WeeklyReport, week_window, weekly_report
from fraudwatch.explore.weekly_render import render_weekly

__all__ = [
    "Dataset",
    "ExploreInputError",
    "ExploreReport",
    "ModelPerformance",
    "Source",
    "WeeklyReport",
    "analyse",
    "load_file",
    "load_window",
    "render_explore",
    "render_weekly",
    "week_window",
    "weekly_report",
]
