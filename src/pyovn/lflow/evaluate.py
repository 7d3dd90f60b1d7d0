"""Evaluating matches and executing actions on a packet.

`match_packet(expr, packet, env)` decides a match: the expression is
annotated (prerequisites and predicates expanded, names resolved through
`env`) and its tests are checked against the packet's OVS fields.

`execute_actions(actions, packet, env, ...)` applies actions to the packet
in place and returns `events` (see `events.py`).  `next`, `output` and the
conntrack actions that continue in the next table are *subroutine calls*
in OVN: pass `on_transfer` to run them synchronously (the tracer recurses
into the next table there, so actions after `next` see its effects);
without it, they are only recorded.  Lookups and controller results come
from the `Environment`, whose methods a tracer or simulator may override.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from pyovn.lflow import actions as la
from pyovn.lflow import controller_actions as ca
from pyovn.lflow.errors import LflowEvalError
from pyovn.lflow.events import (
    CtEvent,
    DropEvent,
    Event,
    FieldSetEvent,
    LookupEvent,
    NestedEvent,
    NextEvent,
    OutputEvent,
    StopEvent,
)
from pyovn.lflow.expr import Constant, Expr, FieldRef, StringConst
from pyovn.lflow.packet import Packet, locate
from pyovn.lflow.packet_generators import GENERATORS
from pyovn.lflow.semantics import BoolNode, Const, NodeAnd, NodeOr, PortTest, Test, annotate

__all__ = ["Environment", "eval_node", "execute_actions", "match_packet"]

CT_TRK, CT_NEW = 0x20, 0x01


@dataclass
class Environment:
    """Names, bindings and controller answers for evaluation.

    Subclass and override the hook methods to model more (conntrack,
    port security, load balancing); the defaults are ovn-trace's: lookups
    miss, DHCP/ND-RA succeed, conntrack reports a new tracked connection.
    `port_keys` (port name -> tunnel key) lets `inport == "vm1"` match a
    packet that carries only the key in reg14, as an OpenFlow packet does.
    """

    address_sets: Mapping[str, Sequence[str]] = field(default_factory=dict)
    port_groups: Mapping[str, Sequence[str]] = field(default_factory=dict)
    resident_ports: Collection[str] = frozenset()
    mac_bindings: Mapping[tuple[str, int], int] = field(default_factory=dict)
    fdb: Mapping[int, str] = field(default_factory=dict)
    port_keys: Mapping[str, int] = field(default_factory=dict)

    # -- Resolver (semantics.py) --
    def address_set(self, name: str) -> Sequence[str] | None:
        return self.address_sets.get(name)

    def port_group(self, name: str) -> Sequence[str] | None:
        return self.port_groups.get(name)

    def is_chassis_resident(self, port: str) -> bool:
        return port in self.resident_ports

    # -- hooks --
    def ct_state_after(self, event: CtEvent, packet: Packet) -> int:
        """ct_state to set after a conntrack lookup (default: new, tracked)."""
        return CT_TRK | CT_NEW

    def check_result(self, name: str, packet: Packet) -> int:
        """Result of a boolean controller/table check (`check_in_port_sec`,
        `chk_lb_hairpin`, `put_dhcp_opts`, ...)."""
        return 1 if name in ("put_dhcp_opts", "put_dhcpv6_opts", "put_nd_ra_opts") else 0

    def select(self, choices: Sequence[int], packet: Packet) -> int:
        """The value `select()` picks (default: the first)."""
        return choices[0]


def match_packet(expr: Expr, packet: Packet, env: Environment) -> bool:
    """Whether `packet` satisfies match `expr`."""
    return eval_node(annotate(expr, env), packet, env)


def eval_node(node: BoolNode, packet: Packet, env: Environment | None = None) -> bool:
    """Evaluate an annotated match (see `semantics.annotate`)."""
    if isinstance(node, Test):
        return packet.values.get(node.storage, 0) & node.mask == node.value
    if isinstance(node, PortTest):
        name = packet.ports.get(node.storage)
        if name is None and env is not None and node.name in env.port_keys:
            return packet.values.get(node.storage) == env.port_keys[node.name]
        return name == node.name
    if isinstance(node, Const):
        return node.value
    if isinstance(node, NodeAnd):
        return all(eval_node(child, packet, env) for child in node.children)
    assert isinstance(node, NodeOr)
    return any(eval_node(child, packet, env) for child in node.children)


Transfer = Callable[[Event, Packet], None]


def execute_actions(
    actions: la.ActionList | Sequence[la.Action],
    packet: Packet,
    env: Environment,
    *,
    pipeline: str = "ingress",
    table_id: int = 0,
    on_transfer: Transfer | None = None,
) -> list[Event]:
    """Apply `actions` to `packet` (in place); return what happened."""
    executor = _Executor(env, pipeline, table_id, on_transfer)
    executor.run(actions, packet)
    return executor.events


class _Stop(Exception):
    """Processing of this action list ends (drop, TTL underflow)."""


class _Executor:
    def __init__(
        self, env: Environment, pipeline: str, table_id: int, hook: Transfer | None
    ) -> None:
        self.env = env
        self.pipeline = pipeline
        self.table_id = table_id
        self.hook = hook
        self.events: list[Event] = []
        self.stack: list[int] = []

    def run(self, actions: la.ActionList | Sequence[la.Action], packet: Packet) -> None:
        if not actions:
            self.events.append(DropEvent(None))
            return
        try:
            for action in actions:
                self.execute(action, packet)
        except _Stop:
            pass

    def emit(self, event: Event, packet: Packet | None = None) -> None:
        self.events.append(event)
        if packet is not None and self.hook is not None:
            self.hook(event, packet)

    def next_event(self, action: la.Action | None) -> NextEvent:
        return NextEvent(action, self.pipeline, self.table_id + 1)

    def execute(self, action: la.Action, packet: Packet) -> None:
        handler = _HANDLERS.get(type(action))
        if handler is not None:
            handler(self, action, packet)
        elif isinstance(action, la.NestedAction):
            self.nested(action, packet)
        elif isinstance(action, ca.ResultCall | ca.ResultOptionsCall | ca.Select):
            self.result(action, packet)
        else:
            self.controller(action, packet)

    # ---- flow control and assignments ----------------------------------------

    def output(self, action: la.Action, packet: Packet) -> None:
        self.emit(OutputEvent(action, self.pipeline, packet.get_port("outport")), packet)

    def next(self, action: la.Action, packet: Packet) -> None:
        assert isinstance(action, la.Next)
        pipeline = action.pipeline or self.pipeline
        table = self.table_id + 1 if action.table is None else action.table
        self.emit(NextEvent(action, pipeline, table), packet)

    def drop(self, action: la.Action, packet: Packet) -> None:
        self.events.append(DropEvent(action))
        raise _Stop

    def write(self, action: la.Action, ref: FieldRef, value: int | str, packet: Packet) -> None:
        packet.set(ref, value)
        self.events.append(FieldSetEvent(action, str(ref), value))

    def read(self, ref: FieldRef, packet: Packet) -> int | str:
        if ref.name in ("inport", "outport"):
            return packet.get_port(ref.name) or ""
        return packet.get(ref)

    def load(self, action: la.Action, packet: Packet) -> None:
        assert isinstance(action, la.Load)
        value = action.value
        if isinstance(value, StringConst) or value.mask is None:
            self.write(action, action.dst, value.value, packet)
        else:
            old = packet.get(action.dst)
            self.write(action, action.dst, (old & ~value.mask) | (value.value & value.mask), packet)

    def move(self, action: la.Action, packet: Packet) -> None:
        assert isinstance(action, la.Move)
        self.write(action, action.dst, self.read(action.src, packet), packet)

    def exchange(self, action: la.Action, packet: Packet) -> None:
        assert isinstance(action, la.Exchange)
        left, right = self.read(action.left, packet), self.read(action.right, packet)
        self.write(action, action.left, right, packet)
        self.write(action, action.right, left, packet)

    def dec_ttl(self, action: la.Action, packet: Packet) -> None:
        ttl = packet.get("ip.ttl")
        if ttl <= 1:
            self.events.append(StopEvent(action, "TTL underflow"))
            raise _Stop
        self.write(action, FieldRef("ip.ttl"), ttl - 1, packet)

    def push(self, action: la.Action, packet: Packet) -> None:
        assert isinstance(action, la.Push)
        self.stack.append(packet.get(action.field))

    def pop(self, action: la.Action, packet: Packet) -> None:
        assert isinstance(action, la.Pop)
        if not self.stack:
            raise LflowEvalError("pop from an empty stack")
        self.write(action, action.field, self.stack.pop(), packet)

    # ---- conntrack ---------------------------------------------------------------

    def conntrack(self, action: la.Action, packet: Packet) -> None:
        event = _ct_event(action, self.next_event(action))
        self.events.append(event)
        if self.hook is not None:
            self.hook(event, packet)
            return
        if isinstance(action, la.CtClear):
            for storage in ("ct_state", "ct_mark", "ct_label"):
                packet.values.pop(storage, None)
            return
        if event.commit and not event.then:
            for name, value in event.sets:
                packet.set(name, value)
            return
        _apply_nat(action, packet)
        packet.set("ct_state", self.env.ct_state_after(event, packet))
        if event.then is not None:
            self.events.append(event.then)

    # ---- nested bodies, lookups, controller ------------------------------------

    def nested(self, action: la.NestedAction, packet: Packet) -> None:
        if isinstance(action, la.CtCommit):
            self.conntrack(action, packet)
            return
        generated = GENERATORS[action.NAME](packet)
        inner = _Executor(self.env, self.pipeline, self.table_id, self.hook)
        inner.run(action.body, generated)
        self.events.append(NestedEvent(action, action.NAME, generated, tuple(inner.events)))

    def result(self, action: la.Action, packet: Packet) -> None:
        from pyovn.lflow.evaluate_lookups import lookup_result

        dst = getattr(action, "dst", None)
        assert isinstance(dst, FieldRef)
        value = lookup_result(self.env, action, packet)
        packet.set(dst, value)
        self.events.append(LookupEvent(action, action.NAME, str(dst), value))
        if isinstance(action, ca.Select):
            self.emit(self.next_event(action), packet)

    def controller(self, action: la.Action, packet: Packet) -> None:
        from pyovn.lflow.evaluate_lookups import controller_action

        controller_action(self, action, packet)


def _ct_event(action: la.Action, then: NextEvent) -> CtEvent:
    if isinstance(action, la.CtCommit | la.CtCommitV1):
        return CtEvent(action, "ct_commit", "ct", commit=True, sets=_commit_sets(action))
    if isinstance(action, la.CtClear):
        return CtEvent(action, "ct_clear", "ct")
    if isinstance(action, la.CtSnatToVip):
        return CtEvent(action, "ct_snat_to_vip", "snat", commit=True)
    if isinstance(action, la.CtCommitNat):
        return CtEvent(action, "ct_commit_nat", "ct", commit=True, nat="", then=then)
    if isinstance(action, la.CtNat):
        zone = "snat" if action.is_snat and not action.in_czone else "dnat"
        nat = "" if action.ip is None else str(action.ip)
        return CtEvent(action, action.NAME, zone, commit=action.ip is not None, nat=nat, then=then)
    if isinstance(action, la.CtLb):
        nat = "" if not action.backends else str(action.backends[0].ip)
        return CtEvent(
            action, action.NAME, "dnat", commit=bool(action.backends), nat=nat, then=then
        )
    return CtEvent(action, action.NAME, "ct", then=then)


def _commit_sets(action: la.Action) -> tuple[tuple[str, int], ...]:
    if isinstance(action, la.CtCommitV1):
        pairs = (("ct_mark", action.mark), ("ct_label", action.label))
        return tuple((name, c.value) for name, c in pairs if isinstance(c, Constant))
    assert isinstance(action, la.CtCommit)
    return tuple(
        (str(a.dst), a.value.value)
        for a in action.body
        if isinstance(a, la.Load) and isinstance(a.value, Constant)
    )


def _apply_nat(action: la.Action, packet: Packet) -> None:
    """Rewrite addresses for NAT with an explicit target."""
    if isinstance(action, la.CtNat) and action.ip is not None:
        six = action.ip.number.width == 128
        side = "src" if action.is_snat else "dst"
        packet.set(f"ip{'6' if six else '4'}.{side}", action.ip.value)
    elif isinstance(action, la.CtLb) and action.backends:
        backend = action.backends[0]
        packet.set("ip6.dst" if backend.is_ipv6 else "ip4.dst", backend.ip.value)
        if backend.port is not None:
            proto = {6: "tcp", 17: "udp", 132: "sctp"}.get(packet.get("ip.proto"))
            if proto:
                storage, offset, width = locate(FieldRef(f"{proto}.dst"))
                packet.write_bits(storage, offset, width, backend.port)


Handler = Callable[[_Executor, la.Action, Packet], None]

_HANDLERS: dict[type[la.Action], Handler] = {
    la.Output: _Executor.output,
    la.Next: _Executor.next,
    la.Drop: _Executor.drop,
    la.Load: _Executor.load,
    la.Move: _Executor.move,
    la.Exchange: _Executor.exchange,
    la.DecTtl: _Executor.dec_ttl,
    la.Push: _Executor.push,
    la.Pop: _Executor.pop,
    **{
        cls: _Executor.conntrack
        for cls in (
            la.CtNext,
            la.CtClear,
            la.CtCommitNat,
            la.CtCommitV1,
            la.CtDnat,
            la.CtSnat,
            la.CtDnatInCzone,
            la.CtSnatInCzone,
            la.CtLb,
            la.CtLbMark,
            la.CtSnatToVip,
        )
    },
}
