"""Runtime test fixtures: Debian's Chromium for the end-to-end browser check."""

from __future__ import annotations

import pytest

from tests.browser import require_browser


@pytest.fixture
def chromium_available() -> None:
    """Skip without Chromium, or fail when CI is set (the end-to-end test must run there)."""
    require_browser()
