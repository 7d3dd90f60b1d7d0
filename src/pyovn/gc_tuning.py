"""Garbage-collector settings for pyovn's long-running daemons.

The daemons hold millions of small objects (rows, flows, index entries)
that live for the whole process. With CPython's default thresholds the
collector keeps re-scanning them while a compile allocates, which costs
more than the compile itself on large databases. Objects allocated at
start-up are frozen out of collection, and collections run less often;
reference cycles are rare in pyovn's data, so memory use stays flat.
"""

import gc

__all__ = ["tune_for_daemon"]


def tune_for_daemon() -> None:
    gc.freeze()
    gc.set_threshold(200_000, 50, 1_000)
