"""The feature matrix the booster sees is the same whichever way it is built."""

from __future__ import annotations

import numpy as np
import polars as pl

from fraudwatch.model.predict import _FEW_ROWS, feature_matrix


def test_small_and_large_frames_give_the_same_matrix() -> None:
    """A few rows are gathered column by column in NumPy, many rows by Polars: the float32
    matrix is identical, in the model's column order, whatever the frame's own order."""
    rng = np.random.default_rng(3)
    n = _FEW_ROWS + 10
    frame = pl.DataFrame(
        {
            "count": rng.integers(0, 1_000, n).astype(np.int32),
            "amount": rng.lognormal(4.0, 2.0, n),
            "flag": rng.integers(0, 2, n).astype(np.int32),
            "extra": rng.random(n),
        }
    )
    order = ["amount", "flag", "count"]
    large = feature_matrix(frame, order)
    small = feature_matrix(frame.head(50), order)
    assert large.dtype == small.dtype == np.float32
    assert np.array_equal(small, large[:50])
    assert np.array_equal(large[:, 0], frame["amount"].cast(pl.Float32).to_numpy())
