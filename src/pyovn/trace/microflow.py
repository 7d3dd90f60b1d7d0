"""From a microflow (an OVN match expression) to the one packet it describes.

The expression is parsed and annotated by `pyovn.lflow` (prerequisites
included: `tcp.dst == 22` brings `ip.proto == 6` and an Ethernet type), then
solved: every test must fix bits of a field. A disjunction is settled when
the fixed bits already decide it (`ip4 && tcp.dst == 22` picks IPv4); one
that stays open makes the microflow ambiguous (`tcp.dst == 22` alone), and
tests that disagree make it contradictory (`ip4 && ip6`). Ports are named
and become tunnel keys in `reg14`/`reg15`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyovn.lflow import Packet, parse_match
from pyovn.lflow.errors import LflowError, LflowParseError
from pyovn.lflow.evaluate import Environment
from pyovn.lflow.semantics import BoolNode, Const, NodeAnd, NodeOr, PortTest, Test, annotate
from pyovn.trace.errors import MicroflowError, UnknownPortError

__all__ = ["MicroflowPorts", "check_syntax", "solve_microflow"]

_PORT_STORAGE = {"reg14": "inport", "reg15": "outport"}


@dataclass(frozen=True, slots=True)
class MicroflowPorts:
    """Port names the microflow fixes (None when it does not)."""

    inport: str | None
    outport: str | None


class _Contradiction(Exception):
    pass


class _Ambiguous(Exception):
    pass


class _Constraints:
    """Known bits per storage field, and port names."""

    def __init__(self) -> None:
        self.bits: dict[str, tuple[int, int]] = {}
        self.ports: dict[str, str] = {}

    def add_test(self, test: Test) -> None:
        value, mask = self.bits.get(test.storage, (0, 0))
        both = mask & test.mask
        if (value ^ test.value) & both:
            raise _Contradiction
        self.bits[test.storage] = (value | test.value, mask | test.mask)

    def add_port(self, test: PortTest) -> None:
        if self.ports.get(test.storage, test.name) != test.name:
            raise _Contradiction
        self.ports[test.storage] = test.name

    def decide(self, node: BoolNode) -> bool | None:
        """True/False if the known bits decide `node`, None if they do not."""
        if isinstance(node, Const):
            return node.value
        if isinstance(node, Test):
            value, mask = self.bits.get(node.storage, (0, 0))
            if (value ^ node.value) & mask & node.mask:
                return False
            return True if node.mask & ~mask == 0 else None
        if isinstance(node, PortTest):
            known = self.ports.get(node.storage)
            return None if known is None else known == node.name
        results = [self.decide(child) for child in node.children]
        if isinstance(node, NodeAnd):
            return False if False in results else (None if None in results else True)
        return True if True in results else (None if None in results else False)


def _absorb(node: BoolNode, constraints: _Constraints, open_ors: list[NodeOr]) -> None:
    if isinstance(node, Test):
        constraints.add_test(node)
    elif isinstance(node, PortTest):
        constraints.add_port(node)
    elif isinstance(node, Const):
        if not node.value:
            raise _Contradiction
    elif isinstance(node, NodeAnd):
        for child in node.children:
            _absorb(child, constraints, open_ors)
    else:
        open_ors.append(node)


def _solve(node: BoolNode) -> _Constraints:
    constraints = _Constraints()
    pending: list[NodeOr] = []
    _absorb(node, constraints, pending)
    while pending:
        still_open: list[NodeOr] = []
        progressed = False
        for disjunction in pending:
            verdicts = [constraints.decide(child) for child in disjunction.children]
            if True in verdicts:
                progressed = True
            elif verdicts.count(None) == 1:
                _absorb(disjunction.children[verdicts.index(None)], constraints, still_open)
                progressed = True
            elif None not in verdicts:
                raise _Contradiction
            else:
                still_open.append(disjunction)
        if not progressed:
            raise _Ambiguous
        pending = still_open
    return constraints


def _port_position(text: str, name: str) -> int | None:
    found = re.search(r'"' + re.escape(name) + r'"', text)
    return found.start() if found else None


def check_syntax(text: str) -> None:
    """Raise MicroflowError if `text` is not an expression (no SB needed)."""
    try:
        parse_match(text)
    except LflowParseError as exc:
        raise MicroflowError(exc.message, position=exc.position) from exc


def solve_microflow(
    text: str, env: Environment, port_keys: dict[str, int]
) -> tuple[Packet, MicroflowPorts]:
    """The packet `text` describes; ports become keys from `port_keys`."""
    try:
        node = annotate(parse_match(text), env)
    except LflowParseError as exc:
        raise MicroflowError(exc.message, position=exc.position) from exc
    except LflowError as exc:
        raise MicroflowError(str(exc)) from exc
    try:
        constraints = _solve(node)
    except _Contradiction:
        raise MicroflowError("constraints are contradictory") from None
    except _Ambiguous:
        raise MicroflowError(
            "constraints are ambiguous (each field must be fixed to one value)"
        ) from None
    packet = Packet()
    for storage, (value, _mask) in constraints.bits.items():
        packet.values[storage] = value
    names: dict[str, str | None] = {"inport": None, "outport": None}
    for storage, name in constraints.ports.items():
        if name not in port_keys:
            raise UnknownPortError(
                f'unknown logical port "{name}"', position=_port_position(text, name)
            )
        packet.values[storage] = port_keys[name]
        names[_PORT_STORAGE[storage]] = name
    packet.values.setdefault("reg14", 0)
    packet.values.setdefault("reg15", 0)
    return packet, MicroflowPorts(names["inport"], names["outport"])
