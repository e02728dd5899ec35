"""Large calls reuse freed memory; the features never depend on it."""

from __future__ import annotations

import numpy as np

from fraudwatch.features import memory
from fraudwatch.features.memory import reused_memory


def test_reused_memory_nests_and_releases() -> None:
    """Nested and disabled blocks run their body; the tuning is undone when the last one ends."""
    with reused_memory(), reused_memory(), reused_memory(enabled=False):
        assert memory._active == (2 if memory._glibc() is not None else 0)
        total = float(np.ones(2_000_000).sum())
    assert memory._active == 0
    assert total == 2_000_000.0


def test_reused_memory_releases_after_an_error() -> None:
    """A block that raises still undoes the tuning."""
    try:
        with reused_memory():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert memory._active == 0
