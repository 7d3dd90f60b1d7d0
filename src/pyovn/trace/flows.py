"""Logical flows indexed for lookup: (datapath, pipeline, table) -> flows.

A `FlowEntry` keeps the Logical_Flow row's text and parses it on first use
with `pyovn.lflow`; flows whose text does not parse are skipped, as
ovn-controller and ovn-trace skip them. `FlowTable.lookup()` returns the
highest-priority flow whose match holds for a packet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pyovn.lflow import ActionList, Packet, parse_actions, parse_match
from pyovn.lflow import actions as la
from pyovn.lflow import option_actions as oa
from pyovn.lflow.dhcp_options import DHCPV4_OPTIONS, DHCPV6_OPTIONS
from pyovn.lflow.errors import LflowError
from pyovn.lflow.evaluate import Environment, eval_node
from pyovn.lflow.expr import Expr
from pyovn.lflow.semantics import BoolNode, annotate

__all__ = ["FlowEntry", "FlowTable"]

_UNPARSED = object()


def _known_options(actions: Iterable[la.Action]) -> bool:
    """Whether every DHCP option is one ovn-controller knows (it rejects
    the whole flow otherwise, and so does ovn-trace)."""
    for action in actions:
        if isinstance(action, oa.PutDhcpOpts | oa.PutDhcpv6Opts):
            table = DHCPV4_OPTIONS if isinstance(action, oa.PutDhcpOpts) else DHCPV6_OPTIONS
            if any(option.key not in table for option in action.options):
                return False
        if isinstance(action, la.NestedAction) and not _known_options(action.body):
            return False
    return True


@dataclass(eq=False)
class FlowEntry:
    """One Logical_Flow row (shared by every datapath of its group)."""

    uuid: str
    pipeline: str
    table: int
    priority: int
    match: str
    actions: str
    stage: str
    source: str
    _expr: object = field(default=_UNPARSED, repr=False)
    _actions: object = field(default=_UNPARSED, repr=False)
    _nodes: dict[str, BoolNode | None] = field(default_factory=dict, repr=False)

    def expr(self) -> Expr | None:
        """The parsed match (None if it does not parse)."""
        if self._expr is _UNPARSED:
            try:
                self._expr = parse_match(self.match)
            except LflowError:
                self._expr = None
        return self._expr  # type: ignore[return-value]

    def action_list(self) -> ActionList | None:
        """The parsed actions (None if they do not parse)."""
        if self._actions is _UNPARSED:
            try:
                parsed = parse_actions(self.actions)
            except LflowError:
                parsed = None
            self._actions = parsed if parsed is not None and _known_options(parsed) else None
        return self._actions  # type: ignore[return-value]

    def node(self, scope: str, env: Environment) -> BoolNode | None:
        """The match annotated in `env` (cached per `scope`, a datapath UUID,
        when the match names port groups, which are per datapath)."""
        key = scope if "@" in self.match else ""
        if key not in self._nodes:
            expr = self.expr()
            try:
                self._nodes[key] = None if expr is None else annotate(expr, env)
            except LflowError:
                self._nodes[key] = None
        return self._nodes[key]

    @property
    def is_trivial(self) -> bool:
        """`1` / `next;`: ovn-trace leaves such flows out of its output."""
        return self.match.strip() == "1" and self.actions.strip() == "next;"


@dataclass
class FlowTable:
    """Flows by (datapath UUID, pipeline, table), highest priority first."""

    tables: dict[tuple[str, str, int], list[FlowEntry]] = field(default_factory=dict)

    def add(self, entry: FlowEntry, datapaths: Iterable[str]) -> None:
        for dp in datapaths:
            self.tables.setdefault((dp, entry.pipeline, entry.table), []).append(entry)

    def sort(self) -> None:
        for flows in self.tables.values():
            flows.sort(key=lambda f: (-f.priority, f.match, f.uuid))

    def __len__(self) -> int:
        return sum(len(flows) for flows in self.tables.values())

    def lookup(
        self,
        datapath: str,
        pipeline: str,
        table: int,
        packet: Packet,
        env: Environment,
        matches: Callable[[BoolNode, Packet, Environment], bool] = eval_node,
    ) -> FlowEntry | None:
        """The first flow, by priority, whose match `packet` satisfies."""
        for entry in self.tables.get((datapath, pipeline, table), ()):
            node = entry.node(datapath, env)
            if node is not None and entry.action_list() is not None and matches(node, packet, env):
                return entry
        return None
