"""Helpers for tests that start and stop processes."""

from __future__ import annotations

from pathlib import Path


def alive(pid: int) -> bool:
    """Return True if `pid` is a live process (a zombie counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")
