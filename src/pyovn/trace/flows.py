"""Logical flows indexed for lookup: (datapath, pipeline, table) -> flows.

A `FlowEntry` keeps the Logical_Flow row's text and parses it on first use
with `pyovn.lflow`; flows whose text does not parse are skipped, as
ovn-controller and ovn-trace skip them. `FlowTable.lookup()` returns the
highest-priority flow whose match holds for a packet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from pyovn.lflow import ActionList, Packet, parse_actions, parse_match
from pyovn.lflow import actions as la
from pyovn.lflow import option_actions as oa
from pyovn.lflow.dhcp_options import DHCPV4_OPTIONS, DHCPV6_OPTIONS
from pyovn.lflow.errors import LflowError
from pyovn.lflow.evaluate import Environment, eval_node
from pyovn.lflow.expr import Expr, FieldRef
from pyovn.lflow.packet import locate, parse_value_text
from pyovn.lflow.semantics import BoolNode, annotate

__all__ = ["FlowEntry", "FlowTable"]

_UNPARSED = object()


@lru_cache(maxsize=65536)
def _parsed_match(text: str) -> Expr | None:
    """Parse trees are immutable, so flows with the same text share one."""
    try:
        return parse_match(text)
    except LflowError:
        return None


@lru_cache(maxsize=65536)
def _parsed_actions(text: str) -> ActionList | None:
    try:
        parsed = parse_actions(text)
    except LflowError:
        return None
    return parsed if _known_options(parsed) else None


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


_QUICK_FIELDS = ("inport", "outport", "eth.dst", "eth.src", "ip4.dst", "ip4.src", "reg0")
_CONJUNCT = re.compile(r'^\(?\s*([a-z0-9.]+) == ("[^"]*"|[0-9a-fA-F:.]+)\s*\)?$')


def _top_level_conjuncts(text: str) -> list[str]:
    """`a && (b || c) && d` -> ["a", "(b || c)", "d"]; [] if `||` is at the top."""
    parts: list[str] = []
    depth, start, quoted = 0, 0, False
    index = 0
    while index < len(text):
        char = text[index]
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "({":
            depth += 1
        elif not quoted and char in ")}":
            depth -= 1
        elif not quoted and depth == 0 and text.startswith("||", index):
            return []
        elif not quoted and depth == 0 and text.startswith("&&", index):
            parts.append(text[start:index].strip())
            start = index + 2
        index += 1
    parts.append(text[start:].strip())
    return parts


def quick_tests(match: str) -> tuple[tuple[str, int | str, int, int], ...]:
    """Equalities every packet matching `match` satisfies, read from the text
    without parsing: (storage, value or port name, offset, width)."""
    tests: list[tuple[str, int | str, int, int]] = []
    for part in _top_level_conjuncts(match):
        found = _CONJUNCT.match(part)
        if found is None or found.group(1) not in _QUICK_FIELDS:
            continue
        name, constant = found.groups()
        if name in ("inport", "outport"):
            if constant.startswith('"'):
                tests.append(("reg14" if name == "inport" else "reg15", constant[1:-1], 0, 32))
            continue
        try:
            value = parse_value_text(constant)
        except LflowError:
            continue
        storage, offset, width = locate(FieldRef(name))
        tests.append((storage, value, offset, width))
    return tuple(tests)


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
    _quick: tuple[tuple[str, int | str, int, int], ...] | None = field(default=None, repr=False)

    def may_match(self, packet: Packet, env: Environment) -> bool:
        """False if a top-level equality of the match already fails."""
        if self._quick is None:
            self._quick = quick_tests(self.match)
        values = packet.values
        for storage, value, offset, width in self._quick:
            if isinstance(value, str):
                if values.get(storage, 0) != env.port_keys.get(value, -1):
                    return False
            elif (values.get(storage, 0) >> offset) & ((1 << width) - 1) != value:
                return False
        return True

    def expr(self) -> Expr | None:
        """The parsed match (None if it does not parse)."""
        if self._expr is _UNPARSED:
            self._expr = _parsed_match(self.match)
        return self._expr  # type: ignore[return-value]

    def action_list(self) -> ActionList | None:
        """The parsed actions (None if they do not parse)."""
        if self._actions is _UNPARSED:
            self._actions = _parsed_actions(self.actions)
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
            if not entry.may_match(packet, env):
                continue
            node = entry.node(datapath, env)
            if node is not None and matches(node, packet, env) and entry.action_list() is not None:
                return entry
        return None
