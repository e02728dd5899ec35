"""The Timeline primitive: positions, window sums and interval sums, on both sort paths."""

from __future__ import annotations

import numpy as np
import pytest

from fraudwatch.features import compute_features, fit_encoders, windows
from fraudwatch.features.windows import Timeline
from tests.features.oracle import oracle_features
from tests.features.scenario import assert_features_equal, make_scenario


def brute_window(keys, times, values, key, t, width):  # type: ignore[no-untyped-def]
    """Sum of values of `key` with time in [t - width, t), by a loop."""
    rows = zip(keys, times, values, strict=True)
    return sum(v for k, s, v in rows if k == key and t - width <= s < t)


@pytest.fixture(params=["composite", "lexical"])
def sort_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test on the one-int64 sort and, with the limit forced to 0, on the lexical sort."""
    if request.param == "lexical":
        monkeypatch.setattr(windows, "_COMPOSITE_LIMIT", 0)
    return str(request.param)


def test_window_sums_match_a_loop(sort_path: str) -> None:
    """Window counts and sums per sorted row equal a brute-force loop, ties excluded."""
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 5, 400)
    times = rng.integers(0, 50, 400) * 10  # coarse: many ties and exact boundaries
    values = rng.normal(100, 30, 400)
    timeline = Timeline(keys, times)
    ordered = timeline.sort(values)
    lo, hi = timeline.since(40), timeline.before
    sums = timeline.window_sum(timeline.prefix(ordered), 40)
    for i in range(0, 400, 7):
        k, t = timeline.keys[i], timeline.times[i]
        assert np.isclose(sums[i], brute_window(keys, times, values, k, t, 40))
        assert hi[i] - lo[i] == brute_window(keys, times, np.ones(400), k, t, 40)


def test_interval_sums_match_a_loop(sort_path: str) -> None:
    """Intervals (opened, closed] add their weight to exactly the rows of their key inside."""
    rng = np.random.default_rng(2)
    keys, times = rng.integers(0, 4, 300), rng.integers(0, 100, 300)
    timeline = Timeline(keys, times)
    ev_keys, opened = rng.integers(0, 5, 40), rng.integers(-10, 100, 40)
    closed = opened + rng.integers(0, 30, 40)
    weight = rng.normal(0, 1, 40)
    (sums,) = timeline.interval_sums(ev_keys, opened, closed, [weight])
    for i in range(300):
        k, t = timeline.keys[i], timeline.times[i]
        inside = (ev_keys == k) & (opened < t) & (t <= closed)
        assert np.isclose(sums[i], weight[inside].sum())


def test_running_max_restarts_per_key() -> None:
    """The running max never carries a value over from another key."""
    timeline = Timeline(np.array([0, 0, 1, 1, 1]), np.array([1, 2, 1, 2, 3]))
    assert timeline.running_max(np.array([5, 3, 1, 4, 2])).tolist() == [5, 5, 1, 4, 4]


def test_pipeline_on_the_lexical_path_equals_the_oracle(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the fast composite sort disabled, the pipeline still equals the oracle."""
    monkeypatch.setattr(windows, "_COMPOSITE_LIMIT", 0)
    world = make_scenario(n=150, days=10, seed=4)
    inputs = world.inputs()
    encoders = fit_encoders(inputs)
    expected = oracle_features(
        world.transactions, world.transactions, world.profiles, world.labels, encoders
    )
    assert_features_equal(compute_features(inputs, encoders), expected)
