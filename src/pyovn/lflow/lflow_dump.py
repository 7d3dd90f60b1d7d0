"""Reading `ovn-sbctl lflow-list` output.

The dump lists, per datapath and pipeline, lines like::

    Datapath: "sw1" (47a0...)  Pipeline: ingress
      table=8 (ls_in_acl          ), priority=2002 , match=(...), action=(...)

`read_lflow_dump()` returns one `DumpedFlow` per flow line, with the line
number so that checkers can point at it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["DumpCheck", "DumpFailure", "DumpedFlow", "check_lflow_dump", "read_lflow_dump"]

_DATAPATH_RE = re.compile(
    r'^Datapath: "(?P<name>[^"]*)" \((?P<uuid>[^)]*)\)\s+Pipeline: (?P<pipeline>\w+)'
)
_FLOW_RE = re.compile(
    r"^\s+(?:uuid=0x(?P<uuid>[0-9a-f]+), )?table=\s*(?P<table>\d+)\s*\((?P<stage>[^)]*)\),"
    r" priority=(?P<priority>\d+)\s*, match=\((?P<match>.*)\), action=\((?P<actions>.*)\)$"
)


@dataclass(frozen=True, slots=True)
class DumpedFlow:
    """One logical flow of a dump (`match`/`actions` exactly as printed)."""

    line: int
    datapath: str
    datapath_uuid: str
    pipeline: str
    table_id: int
    stage: str
    priority: int
    match: str
    actions: str


def read_lflow_dump(lines: Iterable[str]) -> Iterator[DumpedFlow]:
    """Flows of an lflow-list dump, in order; other lines are skipped."""
    datapath, uuid, pipeline = "", "", "ingress"
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")
        header = _DATAPATH_RE.match(line)
        if header:
            datapath, uuid, pipeline = header["name"], header["uuid"], header["pipeline"]
            continue
        flow = _FLOW_RE.match(line)
        if flow:
            yield DumpedFlow(
                number,
                datapath,
                uuid,
                pipeline,
                int(flow["table"]),
                flow["stage"].strip(),
                int(flow["priority"]),
                flow["match"],
                flow["actions"],
            )


@dataclass(frozen=True, slots=True)
class DumpFailure:
    """One problem in a dump: which flow, which column, where, and why."""

    flow: DumpedFlow
    column: str
    position: int
    reason: str

    def __str__(self) -> str:
        text = self.flow.match if self.column == "match" else self.flow.actions
        return (
            f"line {self.flow.line}: {self.column} at offset {self.position}: {self.reason}\n"
            f"    {self.column}=({text})"
        )


@dataclass(frozen=True, slots=True)
class DumpCheck:
    """Outcome of checking a dump: flows read and the failures found."""

    parsed: int
    failures: tuple[DumpFailure, ...]

    @property
    def failed(self) -> int:
        return len({id(f.flow) for f in self.failures})


def check_lflow_dump(lines: Iterable[str], *, roundtrip: bool = True) -> DumpCheck:
    """Parse every match and action of a dump (and, with `roundtrip`,
    require that each prints back exactly as written)."""
    from pyovn.lflow.action_parser import parse_action_list
    from pyovn.lflow.actions import format_actions
    from pyovn.lflow.errors import LflowParseError
    from pyovn.lflow.parser import parse_expression
    from pyovn.lflow.printer import format_match

    failures: list[DumpFailure] = []
    count = 0
    for flow in read_lflow_dump(lines):
        count += 1
        for column, text in (("match", flow.match), ("actions", flow.actions)):
            try:
                if column == "match":
                    printed = format_match(parse_expression(text))
                else:
                    printed = format_actions(parse_action_list(text))
            except LflowParseError as exc:
                failures.append(DumpFailure(flow, column, exc.position, exc.message))
                continue
            if roundtrip and printed != text:
                where = next(
                    (i for i, (a, b) in enumerate(zip(text, printed, strict=False)) if a != b), 0
                )
                failures.append(
                    DumpFailure(flow, column, where, f"prints back differently: {printed!r}")
                )
    return DumpCheck(count, tuple(failures))
