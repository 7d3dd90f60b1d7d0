"""Errors raised by `pyovn.trace`.

Everything the tracer raises on purpose derives from `TraceError`::

    PyovnError
     └── TraceError
          ├── SouthboundError        the Southbound DB cannot be read or is inconsistent
          ├── UnknownDatapathError   no datapath has that name or UUID
          └── MicroflowError         the microflow is wrong (.position: 0-based offset or None)
               └── UnknownPortError  the microflow names a logical port that does not exist

A trace that loops is not an error: it ends with a "loop detected" step and
the verdict `loop` (see `logical.py`).
"""

from __future__ import annotations

from pyovn.errors import PyovnError

__all__ = [
    "MicroflowError",
    "SouthboundError",
    "TraceError",
    "UnknownDatapathError",
    "UnknownPortError",
]


class TraceError(PyovnError):
    """Base of every error of the tracer."""


class SouthboundError(TraceError):
    """The Southbound database cannot be reached, read or understood."""


class UnknownDatapathError(TraceError):
    """The datapath argument names no Datapath_Binding."""


class MicroflowError(TraceError):
    """The microflow does not describe one packet.

    `position` is the 0-based character offset in the microflow text of the
    offending token (None when the problem is the expression as a whole,
    e.g. ambiguous or contradictory constraints).
    """

    def __init__(self, message: str, *, position: int | None = None) -> None:
        where = "" if position is None else f" (at column {position + 1})"
        super().__init__(f"microflow: {message}{where}")
        self.reason = message
        self.position = position


class UnknownPortError(MicroflowError):
    """The microflow names a logical port the Southbound DB does not have."""
