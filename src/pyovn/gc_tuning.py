"""Garbage-collector and allocator settings for pyovn's long-running daemons.

The daemons hold millions of small objects (rows, flows, index entries)
that live for the whole process. With CPython's default thresholds the
collector keeps re-scanning them while a compile allocates, which costs
more than the compile itself on large databases. Objects allocated at
start-up are frozen out of collection, and collections run less often;
reference cycles are rare in pyovn's data, so memory use stays flat.

A large compile also leaves glibc's heap with free pages that it keeps
for later; `release_free_memory` hands them back to the system, so the
resident size reflects what the daemon holds, not what it once needed.
"""

import ctypes
import ctypes.util
import gc
from collections.abc import Callable

__all__ = ["release_free_memory", "tune_for_daemon"]


def tune_for_daemon() -> None:
    gc.freeze()
    gc.set_threshold(200_000, 50, 1_000)


def _load_malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None
    return trim


_malloc_trim = _load_malloc_trim()


def release_free_memory() -> None:
    """Return the allocator's free heap pages to the system (glibc only)."""
    if _malloc_trim is not None:
        _malloc_trim(0)
