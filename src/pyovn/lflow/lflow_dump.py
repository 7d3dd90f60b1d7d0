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

__all__ = ["DumpedFlow", "read_lflow_dump"]

_DATAPATH_RE = re.compile(r'^Datapath: "(?P<name>[^"]*)" \((?P<uuid>[^)]*)\)\s+Pipeline: (?P<pipeline>\w+)')
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
