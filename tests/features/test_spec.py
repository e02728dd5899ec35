"""The declarations: unique names, bounded windows, documented, and what the builders produce."""

from __future__ import annotations

from pathlib import Path

from fraudwatch.features import FEATURE_COLUMNS, LOOKBACK
from fraudwatch.features.spec import FEATURES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "features.md"


def test_names_are_unique_and_in_declaration_order() -> None:
    """FEATURE_COLUMNS lists each declared feature once, in declaration order."""
    assert tuple(f.name for f in FEATURES) == FEATURE_COLUMNS
    assert len(set(FEATURE_COLUMNS)) == len(FEATURE_COLUMNS)


def test_every_window_fits_the_lookback() -> None:
    """No feature looks back further than LOOKBACK, so bounded history is always enough."""
    assert all(f.window is None or f.window <= LOOKBACK for f in FEATURES)


def test_every_feature_is_documented() -> None:
    """docs/features.md describes every feature by name."""
    text = DOCS.read_text()
    assert [name for name in FEATURE_COLUMNS if f"`{name}`" not in text] == []
