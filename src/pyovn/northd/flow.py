"""Logical flows as values, and the collection builders yield them into.

A builder returns `Lflow`s; it never writes to the database. `sync.py` turns
the set of all flows into Southbound rows (with datapath groups for flows
that several datapaths share) and writes only the difference.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import wraps
from typing import ParamSpec

from pyovn.northd.stages import Stage

__all__ = ["Lflow", "builder"]


@dataclass(frozen=True, slots=True)
class Lflow:
    """One logical flow of one datapath (`datapath` is its NB row UUID).

    `hint` is the NB row the flow comes from (stage-hint), `io_port` the
    logical port it is specific to (tags:in_out_port, which lets a chassis
    skip flows of ports it does not have), `source` the builder's name.
    """

    datapath: str
    stage: Stage
    priority: int
    match: str
    actions: str
    hint: str | None = None
    io_port: str | None = None
    source: str = ""

    def content_key(self) -> tuple[object, ...]:
        """Everything the SB row holds except the datapath (for DP groups)."""
        return (
            self.stage,
            self.priority,
            self.match,
            self.actions,
            self.hint,
            self.io_port,
            self.source,
        )


P = ParamSpec("P")


def builder(func: Callable[P, Iterator[Lflow]]) -> Callable[P, Iterator[Lflow]]:
    """Stamp every flow a builder yields with the builder's name as `source`."""
    name = func.__name__

    @wraps(func)
    def stamped(*args: P.args, **kwargs: P.kwargs) -> Iterator[Lflow]:
        for flow in func(*args, **kwargs):
            if not flow.source:
                # The flow was just made by the builder and nothing has seen
                # (or hashed) it yet: stamping in place saves a copy per flow.
                object.__setattr__(flow, "source", name)
            yield flow

    return stamped
