"""What a trace is made of: a tree of nodes, the steps they record, the verdict.

The tree has ovn-trace's shape. A `PIPELINE` node (`ingress(dp=...)`,
`egress(...)`, `multicast(...)`) holds the `TABLE` node of the first flow
it matched; a table node holds one `ACTION` node per action of the flow and,
because `next;` is a subroutine call, the table node of the next flow. A
`TRANSFORMATION` (`ct_next(...)`, `clone`, `icmp4`, NAT) holds what ran on
the transformed packet; `OUTPUT` and `ERROR` nodes are comments on what
happened; `MODIFY` nodes record each change to packet data and each final
output, reduced to constants (`eth.dst = 0a:00:00:00:00:fe`), for the
minimal view.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = ["Delivery", "NodeKind", "Step", "Trace", "TraceNode"]


class NodeKind(Enum):
    PIPELINE = "pipeline"
    TABLE = "table"
    ACTION = "action"
    OUTPUT = "output"
    MODIFY = "modify"
    ERROR = "error"
    TRANSFORMATION = "transformation"


@dataclass(frozen=True, slots=True)
class Step:
    """One logical flow the packet matched (or a table where none did)."""

    datapath: str
    pipeline: str
    table: int
    stage: str
    priority: int | None
    match: str
    actions: str
    uuid: str
    source: str

    @property
    def matched(self) -> bool:
        return self.priority is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "datapath": self.datapath,
            "pipeline": self.pipeline,
            "table": self.table,
            "stage": self.stage,
            "priority": self.priority,
            "match": self.match,
            "actions": self.actions,
            "uuid": self.uuid,
            "source": self.source,
        }


@dataclass(eq=False, slots=True)
class TraceNode:
    kind: NodeKind
    text: str
    children: list[TraceNode] = field(default_factory=list)
    always_indent: bool = False
    step: Step | None = None

    def walk(self) -> Iterator[TraceNode]:
        yield self
        for child in self.children:
            yield from child.walk()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value, "text": self.text}
        if self.step is not None:
            out["step"] = self.step.to_json()
        if self.children:
            out["children"] = [child.to_json() for child in self.children]
        return out


@dataclass(frozen=True, slots=True)
class Delivery:
    """The packet left the logical network through `port` with these headers.

    `flow` is the final packet in OpenFlow syntax (as the trace's first
    line prints the initial one) and `fields` the same as a mapping
    (`{"nw_src": "172.16.0.100", "nw_ttl": "63", ...}`).
    """

    datapath: str
    port: str
    port_type: str
    flow: str

    @property
    def fields(self) -> dict[str, str]:
        pairs = (part.split("=", 1) for part in self.flow.split(",") if "=" in part)
        return {key: value for key, value in pairs}

    def to_json(self) -> dict[str, Any]:
        return {
            "datapath": self.datapath,
            "port": self.port,
            "type": self.port_type,
            "flow": self.flow,
            "fields": self.fields,
        }


@dataclass
class Trace:
    """The result of tracing one microflow."""

    datapath: str
    microflow: str
    flow_line: str
    nodes: list[TraceNode]
    deliveries: list[Delivery] = field(default_factory=list)
    loop_detected: bool = False

    @property
    def verdict(self) -> str:
        """`output` (delivered somewhere), `loop` or `drop`."""
        if self.deliveries:
            return "output"
        return "loop" if self.loop_detected else "drop"

    def walk(self) -> Iterator[TraceNode]:
        for node in self.nodes:
            yield from node.walk()

    def steps(self) -> list[Step]:
        """Every flow visited, in the order the trace met them."""
        return [node.step for node in self.walk() if node.step is not None]

    def to_json(self) -> dict[str, Any]:
        return {
            "datapath": self.datapath,
            "microflow": self.microflow,
            "flow": self.flow_line,
            "verdict": self.verdict,
            "outputs": [d.to_json() for d in self.deliveries],
            "steps": [step.to_json() for step in self.steps()],
            "tree": [node.to_json() for node in self.nodes],
        }
