"""Compile a logical flow to OpenFlow, as ovn-controller does.

`compile_flow(match, actions, priority=..., ctx=...)` returns the OpenFlow
flows (and the groups and meters they use) for one logical flow on one
datapath, in `ovs-ofctl add-flow` syntax::

    table=11, priority=90, icmp,metadata=0x4,nw_dst=10.0.0.1,icmp_type=8,icmp_code=0 \
        actions=push:NXM_OF_IP_SRC[],...,resubmit(,12)

`CompileContext` says where the flow lives (datapath tunnel key, pipeline,
logical table, switch or router), what names mean (logical port and
multicast group keys, address sets, port groups, chassis residency) and the
OpenFlow table layout of ovn-architecture(7) (`TableLayout`).  The match
gets the prerequisites of the fields the actions use, as in OVN.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from pyovn.lflow import actions as la
from pyovn.lflow import controller_actions as ca
from pyovn.lflow.action_parser import parse_action_list
from pyovn.lflow.errors import LflowCompileError
from pyovn.lflow.expr import Expr, FieldRef
from pyovn.lflow.normalize import Alt, Clause, normalize
from pyovn.lflow.of_actions import ActionCompiler
from pyovn.lflow.of_ir import Conjunction, OfAction, render_actions
from pyovn.lflow.of_match import render_match
from pyovn.lflow.parser import parse_expression
from pyovn.lflow.semantics import BoolNode, annotate, conj, field_prereqs, predicate_node

__all__ = [
    "CompileContext",
    "CompiledFlows",
    "IdAllocator",
    "OpenFlowFlow",
    "TableLayout",
    "action_prereqs",
    "compile_actions",
    "compile_flow",
]


@dataclass(frozen=True, slots=True)
class TableLayout:
    """OpenFlow table numbers used by ovn-controller 23.03."""

    ingress: int = 8
    egress: int = 42
    output: int = 37
    save_inport: int = 64
    mac_binding: int = 66
    mac_lookup: int = 67
    chk_lb_hairpin: int = 68
    chk_lb_hairpin_reply: int = 69
    ct_snat_hairpin: int = 70
    get_fdb: int = 71
    lookup_fdb: int = 72
    chk_in_port_sec: int = 73
    chk_in_port_sec_nd: int = 74
    chk_out_port_sec: int = 75
    ecmp_nh_mac: int = 76
    ecmp_nh: int = 77
    chk_lb_affinity: int = 78


class IdAllocator:
    """Hands out ids for groups or meters, one per distinct spec, from 1."""

    def __init__(self) -> None:
        self.specs: dict[str, int] = {}

    def allocate(self, spec: str) -> int:
        return self.specs.setdefault(spec, len(self.specs) + 1)


@dataclass
class CompileContext:
    """Everything the translation of one logical flow depends on."""

    datapath_key: int
    pipeline: str = "ingress"
    table_id: int = 0
    ports: Mapping[str, int] = field(default_factory=dict)
    address_sets: Mapping[str, Sequence[str]] = field(default_factory=dict)
    port_groups: Mapping[str, Sequence[str]] = field(default_factory=dict)
    resident_ports: Collection[str] = frozenset()
    is_switch: bool = True
    tables: TableLayout = TableLayout()
    ct_zero_snat: bool = True
    controller_meter_id: int | None = None
    dp_meters: bool = True
    conj_id_base: int = 1
    groups: IdAllocator = field(default_factory=IdAllocator)
    meters: IdAllocator = field(default_factory=IdAllocator)

    def first_table(self, pipeline: str) -> int:
        if pipeline not in ("ingress", "egress"):
            raise LflowCompileError(f"unknown pipeline {pipeline!r}")
        return self.tables.ingress if pipeline == "ingress" else self.tables.egress

    def port_key(self, name: str) -> int:
        """Tunnel key of logical port or multicast group `name` (0 if unknown)."""
        return self.ports.get(name, 0)

    def lookup_port(self, name: str) -> int | None:
        """Tunnel key for a match on `name`; "none" is key 0, as in OVN."""
        if name == "none":
            return 0
        return self.ports.get(name)

    # Resolver protocol (semantics.py)
    def address_set(self, name: str) -> Sequence[str] | None:
        return self.address_sets.get(name)

    def port_group(self, name: str) -> Sequence[str] | None:
        return self.port_groups.get(name)

    def is_chassis_resident(self, port: str) -> bool:
        return port in self.resident_ports


@dataclass(frozen=True, slots=True)
class OpenFlowFlow:
    """One OpenFlow flow; `str()` is `ovs-ofctl add-flow` syntax."""

    table: int
    priority: int
    match: str
    actions: str
    cookie: int | None = None

    def __str__(self) -> str:
        head = f"table={self.table}, priority={self.priority}"
        if self.cookie is not None:
            head = f"cookie={self.cookie:#x}, " + head
        match = f", {self.match}" if self.match else ""
        return f"{head}{match} actions={self.actions}"


@dataclass(frozen=True, slots=True)
class CompiledFlows:
    """The flows of one logical flow, plus the groups/meters they reference
    (`ovs-ofctl add-group` / `add-meter` specs, keyed by id)."""

    flows: tuple[OpenFlowFlow, ...]
    groups: Mapping[int, str]
    meters: Mapping[int, str]
    conj_ids_used: int


def compile_flow(
    match: Expr | str,
    actions: la.ActionList | str,
    *,
    priority: int,
    ctx: CompileContext,
    cookie: int | None = None,
) -> CompiledFlows:
    """Translate one logical flow (match, actions, priority) in `ctx`."""
    if isinstance(match, str):
        match = parse_expression(match, layout=False)
    if isinstance(actions, str):
        actions = parse_action_list(actions, layout=False)
    node = conj([annotate(match, ctx), action_prereqs(actions)])
    clauses = normalize(node)
    of_actions = ActionCompiler(ctx).compile(actions)
    action_text = render_actions(of_actions)
    table = ctx.first_table(ctx.pipeline) + ctx.table_id
    builder = _FlowBuilder(ctx, table, priority, cookie)
    for clause in clauses:
        builder.add_clause(clause, action_text)
    return CompiledFlows(
        tuple(builder.flows),
        {gid: spec for spec, gid in ctx.groups.specs.items()},
        {mid: spec for spec, mid in ctx.meters.specs.items()},
        builder.next_conj - ctx.conj_id_base,
    )


# Prerequisites an action adds to the match (beyond those of its fields).
_ACTION_PREREQS: dict[type[la.Action], str] = {
    la.DecTtl: "ip",
    la.CtNext: "ip",
    la.CtCommit: "ip",
    la.CtCommitV1: "ip",
    la.CtCommitNat: "ip",
    la.CtDnat: "ip",
    la.CtSnat: "ip",
    la.CtDnatInCzone: "ip",
    la.CtSnatInCzone: "ip",
    la.CtLb: "ip",
    la.CtLbMark: "ip",
    ca.Arp: "ip4",
    ca.NdNs: "ip6",
    ca.NdNa: "nd_ns",
    ca.NdNaRouter: "nd_ns",
    ca.Icmp4: "ip4",
    ca.Icmp4Error: "ip4",
    ca.Icmp6: "ip6",
    ca.Icmp6Error: "ip6",
    ca.TcpReset: "tcp",
    ca.SctpAbort: "sctp",
    ca.DnsLookup: "udp",
}


def action_prereqs(actions: la.ActionList | Sequence[la.Action]) -> BoolNode:
    """What the actions require of the packet: the prerequisites of every
    field they mention (not inside nested bodies) and of the actions."""
    parts: list[BoolNode] = []
    for action in actions:
        name = _ACTION_PREREQS.get(type(action))
        if name is not None:
            parts.append(predicate_node(name))
        for ref in _action_fields(action):
            if ref.name in _FIELD_NAMES:
                parts.append(field_prereqs(ref.name))
    return conj(parts)


def _action_fields(action: la.Action) -> list[FieldRef]:
    if isinstance(action, la.NestedAction):
        return []
    found = []
    for value in _dataclass_values(action):
        if isinstance(value, FieldRef):
            found.append(value)
        elif isinstance(value, tuple):
            found.extend(v for v in value if isinstance(v, FieldRef))
    return found


def _dataclass_values(action: la.Action) -> list[object]:
    return [getattr(action, name) for name in getattr(action, "__dataclass_fields__", {})]


def _field_names() -> frozenset[str]:
    from pyovn.lflow.fields import SYMBOLS

    return frozenset(n for n, s in SYMBOLS.items() if not s.is_predicate)


_FIELD_NAMES = _field_names()


def _symbol_of_storage() -> dict[str, str]:
    """OVS field -> the logical field stored in it, which is how OVN orders
    the dimensions of a conjunctive match (by symbol name)."""
    from pyovn.lflow.fields import SYMBOLS, Kind

    names: dict[str, str] = {}
    for name, symbol in SYMBOLS.items():
        if symbol.kind is Kind.FIELD and symbol.storage and not name.startswith("rarp."):
            names.setdefault(symbol.storage, name)
    return names


_SYMBOL_OF_STORAGE = _symbol_of_storage()


# OVS only accepts e.g. nw_ttl next to dl_type in the same flow, so values of
# these prerequisite fields are multiplied out instead of conjunctive-matched.
_MUST_CROSSPRODUCT = frozenset({"eth_type", "nw_proto"})


class _FlowBuilder:
    """Turns clauses into flows, with conjunctive matches where needed."""

    def __init__(self, ctx: CompileContext, table: int, priority: int, cookie: int | None) -> None:
        self.ctx = ctx
        self.table = table
        self.priority = priority
        self.cookie = cookie
        self.flows: list[OpenFlowFlow] = []
        self.seen: set[tuple[str, str]] = set()
        self.next_conj = ctx.conj_id_base

    def emit(self, fields: Mapping[str, Alt], actions: str) -> None:
        match = render_match(fields)
        if (match, actions) not in self.seen:
            self.seen.add((match, actions))
            self.flows.append(OpenFlowFlow(self.table, self.priority, match, actions, self.cookie))

    def add_clause(self, clause: Clause, actions: str) -> None:
        dims = self.dimensions(clause)
        if dims is None:
            return
        common: dict[str, Alt] = {"metadata": (self.ctx.datapath_key, (1 << 64) - 1)}
        multi: list[tuple[str, list[Alt]]] = []
        crossed: list[tuple[str, list[Alt]]] = []
        for storage, alts in dims:
            if len(alts) == 1:
                common[storage] = alts[0]
            elif storage in _MUST_CROSSPRODUCT:
                crossed.append((storage, alts))
            else:
                multi.append((storage, alts))
        for combination in itertools.product(*(alts for _, alts in crossed)):
            fields = dict(common)
            fields.update(zip((s for s, _ in crossed), combination, strict=True))
            self.add_product(fields, multi, actions)

    def add_product(
        self, common: dict[str, Alt], multi: list[tuple[str, list[Alt]]], actions: str
    ) -> None:
        multi = sorted(multi, key=lambda dim: _SYMBOL_OF_STORAGE.get(dim[0], dim[0]))
        if len(multi) <= 1:
            for storage, alts in multi or [("", [(0, 0)])]:
                for alt in alts:
                    fields = dict(common)
                    if storage:
                        fields[storage] = alt
                    self.emit(fields, actions)
            return
        self.add_conjunction(common, multi, actions)

    def add_conjunction(
        self, common: dict[str, Alt], multi: list[tuple[str, list[Alt]]], actions: str
    ) -> None:
        conj_id = self.next_conj
        self.next_conj += 1
        for index, (storage, alts) in enumerate(multi, start=1):
            marker = render_actions([Conjunction(conj_id, index, len(multi))])
            for alt in alts:
                self.emit({**common, storage: alt}, marker)
        self.emit({**common, "conj_id": (conj_id, 0xFFFFFFFF)}, actions)

    def dimensions(self, clause: Clause) -> list[tuple[str, list[Alt]]] | None:
        """Clause constraints as OVS field -> alternatives; None if impossible
        (e.g. only unknown port names)."""
        dims: list[tuple[str, list[Alt]]] = [
            (storage, sorted(alts)) for storage, alts in clause.ints
        ]
        for storage, names in clause.ports:
            found = (self.ctx.lookup_port(n) for n in names)
            keys = sorted({key for key in found if key is not None})
            if not keys:
                return None
            alts = [(key, 0xFFFFFFFF) for key in keys]
            existing = next((i for i, (s, _) in enumerate(dims) if s == storage), None)
            if existing is None:
                dims.append((storage, alts))
            else:
                merged = [a for a in dims[existing][1] if (a[0] & 0xFFFFFFFF) in keys]
                if not merged:
                    return None
                dims[existing] = (storage, merged)
        return dims


def compile_actions(actions: la.ActionList | str, ctx: CompileContext) -> list[OfAction]:
    """Just the OpenFlow actions of a logical action list."""
    if isinstance(actions, str):
        actions = parse_action_list(actions, layout=False)
    return ActionCompiler(ctx).compile(actions)
