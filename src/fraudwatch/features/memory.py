"""Large calls reuse freed memory instead of asking the kernel for fresh, zeroed pages.

On a million rows every NumPy temporary is an 8 MB block. glibc's malloc hands blocks that large
out by `mmap` and gives them back on free (or trims its heap as soon as a few such blocks are
free at its top), so nearly every temporary is a fresh mapping the kernel must zero page by page
on first touch: about a fifth of a large call's CPU time. Inside `reused_memory` glibc keeps
blocks up to `_KEEP_BELOW` on its heap and does not trim it, so a freed temporary's pages serve
the next one; on the way out the heap is trimmed once, so the process does not hold on to the
call's peak. Elsewhere than glibc (musl, macOS, Windows) nothing changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Final

# mallopt parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD: Final = -1
_M_MMAP_THRESHOLD: Final = -3
# Blocks below this come from the heap: far above one column of a large call.
_KEEP_BELOW: Final = 256 << 20
# glibc's own defaults once its dynamic threshold has settled (DEFAULT_MMAP_THRESHOLD_MAX for
# 64-bit, and twice that for trimming), restored after a call.
_SETTLED_MMAP_THRESHOLD: Final = 32 << 20
_SETTLED_TRIM_THRESHOLD: Final = 64 << 20
_NEVER_TRIM: Final = (1 << 31) - 1  # the largest int mallopt accepts

_lock = threading.Lock()
_active = 0  # calls inside `reused_memory` now (threads may run several at once)


@cache
def _glibc() -> ctypes.CDLL | None:
    """Return the C library when it is glibc (whose `mallopt` this module tunes), else None."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("c")
    return None if name is None else ctypes.CDLL(name)


def _tune(libc: ctypes.CDLL, mmap_threshold: int, trim_threshold: int) -> None:
    libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold)
    libc.mallopt(_M_TRIM_THRESHOLD, trim_threshold)


@contextmanager
def reused_memory(enabled: bool = True) -> Iterator[None]:
    """Within the block, let freed large arrays' memory serve the next ones (glibc only).

    On leaving the last active block, glibc's settled thresholds are restored and its heap is
    trimmed once, returning the block's peak to the system.
    """
    global _active
    libc = _glibc() if enabled else None
    if libc is None:
        yield
        return
    with _lock:
        if _active == 0:
            _tune(libc, _KEEP_BELOW, _NEVER_TRIM)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                _tune(libc, _SETTLED_MMAP_THRESHOLD, _SETTLED_TRIM_THRESHOLD)
                libc.malloc_trim(0)
