"""The syntax tree of actions: one frozen dataclass per OVN 23.03 action.

This module holds the base class, `ActionList`, and the actions that move
packets along or change them in the datapath (next, output, assignments,
conntrack).  `controller_actions.py` holds those that involve
ovn-controller or its lookup tables (arp {}, put_dhcp_opts, lookup_arp,
check_in_port_sec, ...).  `ACTIONS` in `action_parser.py` maps every
keyword to how it is parsed.

Each class prints itself through `write(w, sep)` in OVN's canonical
spelling; a parsed list keeps its `Layout`, so real northd text reprints
byte for byte (see `layout.py`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import ClassVar, overload

from pyovn.lflow.expr import Constant, FieldRef, StringConst
from pyovn.lflow.layout import Layout, TokenWriter
from pyovn.lflow.printer import write_field

__all__ = [
    "Action",
    "ActionList",
    "Clone",
    "CtClear",
    "CtCommit",
    "CtCommitNat",
    "CtCommitV1",
    "CtDnat",
    "CtDnatInCzone",
    "CtLb",
    "CtLbBackend",
    "CtLbMark",
    "CtNat",
    "CtNext",
    "CtSnat",
    "CtSnatInCzone",
    "CtSnatToVip",
    "DecTtl",
    "Drop",
    "Exchange",
    "KeywordAction",
    "Load",
    "Move",
    "NestedAction",
    "Next",
    "Output",
    "Pop",
    "Push",
    "format_actions",
]


class Action:
    """Base of all actions.  `NAME` is the keyword (or "" for assignments)."""

    __slots__ = ()
    NAME: ClassVar[str] = ""

    def write(self, w: TokenWriter, sep: str) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class ActionList(Sequence[Action]):
    """The actions of a logical flow, in order (empty means drop).

    Behaves as a sequence of actions; `layout` (ignored by equality) keeps
    the parsed spelling for byte-exact printing.
    """

    actions: tuple[Action, ...] = ()
    layout: Layout | None = dataclass_field(default=None, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.actions)

    def __iter__(self) -> Iterator[Action]:
        return iter(self.actions)

    @overload
    def __getitem__(self, index: int) -> Action: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Action]: ...
    def __getitem__(self, index: int | slice) -> Action | Sequence[Action]:
        return self.actions[index]

    def write(self, w: TokenWriter, sep: str) -> None:
        for index, action in enumerate(self.actions):
            action.write(w, sep if index == 0 else " ")


def format_actions(actions: ActionList | Sequence[Action]) -> str:
    """The text of `actions` (its parsed spelling when it came from the parser)."""
    if not isinstance(actions, ActionList):
        actions = ActionList(tuple(actions))
    writer = TokenWriter()
    actions.write(writer, "")
    return writer.render(actions.layout)


def _end(w: TokenWriter) -> None:
    w.emit(";", "")


# ---- keywords without arguments ---------------------------------------------


@dataclass(frozen=True, slots=True)
class KeywordAction(Action):
    """An action that is just its keyword: `output;`, `ct_next;`, ..."""

    def write(self, w: TokenWriter, sep: str) -> None:
        w.emit(self.NAME, sep)
        _end(w)


@dataclass(frozen=True, slots=True)
class Output(KeywordAction):
    """`output;`: ingress runs egress for outport; egress delivers."""

    NAME = "output"


@dataclass(frozen=True, slots=True)
class Drop(KeywordAction):
    """`drop;`."""

    NAME = "drop"


@dataclass(frozen=True, slots=True)
class CtNext(KeywordAction):
    """`ct_next;`: send through conntrack, continue in the next table."""

    NAME = "ct_next"


@dataclass(frozen=True, slots=True)
class CtClear(KeywordAction):
    """`ct_clear;`: forget conntrack state."""

    NAME = "ct_clear"


@dataclass(frozen=True, slots=True)
class CtCommitNat(KeywordAction):
    """`ct_commit_nat;`: apply NAT of the related connection and commit."""

    NAME = "ct_commit_nat"


@dataclass(frozen=True, slots=True)
class CtSnatToVip(KeywordAction):
    """`ct_snat_to_vip;`: SNAT hairpinned LB traffic to the VIP."""

    NAME = "ct_snat_to_vip"


# ---- flow control -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Next(Action):
    """`next;`, `next(N);` or `next(pipeline=P, table=N);`.

    `table`/`pipeline` are None when omitted (next table, same pipeline).
    `keywords` records the order of a keyword-form argument list, () for
    the bare and positional forms.
    """

    NAME = "next"
    table: int | None = None
    pipeline: str | None = None
    keywords: tuple[str, ...] = ()

    def write(self, w: TokenWriter, sep: str) -> None:
        w.emit("next", sep)
        keywords = self.keywords
        if not keywords and self.pipeline is not None:
            keywords = ("pipeline", "table") if self.table is not None else ("pipeline",)
        if keywords:
            w.emit("(", "")
            for index, key in enumerate(keywords):
                if index:
                    w.emit(",", "")
                w.emit(key, " " if index else "")
                w.emit("=", "")
                w.emit(str(self.pipeline if key == "pipeline" else self.table), "")
            w.emit(")", "")
        elif self.table is not None:
            w.emit("(", "")
            w.emit(str(self.table), "")
            w.emit(")", "")
        _end(w)


# ---- assignments ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Load(Action):
    """`dst = constant;` (also OVN fields: `icmp4.frag_mtu = 1500;`)."""

    dst: FieldRef
    value: Constant | StringConst

    def write(self, w: TokenWriter, sep: str) -> None:
        write_field(w, self.dst, sep)
        w.emit("=")
        w.emit(str(self.value))
        _end(w)


@dataclass(frozen=True, slots=True)
class Move(Action):
    """`dst = src;` between fields of equal width (or both port strings)."""

    dst: FieldRef
    src: FieldRef

    def write(self, w: TokenWriter, sep: str) -> None:
        write_field(w, self.dst, sep)
        w.emit("=")
        write_field(w, self.src, " ")
        _end(w)


@dataclass(frozen=True, slots=True)
class Exchange(Action):
    """`a <-> b;`."""

    left: FieldRef
    right: FieldRef

    def write(self, w: TokenWriter, sep: str) -> None:
        write_field(w, self.left, sep)
        w.emit("<->")
        write_field(w, self.right, " ")
        _end(w)


@dataclass(frozen=True, slots=True)
class DecTtl(Action):
    """`ip.ttl--;`: decrement TTL, stop processing if it would reach 0."""

    NAME = "ip.ttl--"

    def write(self, w: TokenWriter, sep: str) -> None:
        w.emit("ip.ttl", sep)
        w.emit("--", "")
        _end(w)


@dataclass(frozen=True, slots=True)
class Push(Action):
    """`push(field);`."""

    NAME = "push"
    field: FieldRef

    def write(self, w: TokenWriter, sep: str) -> None:
        _write_call_on_field(w, sep, self.NAME, self.field)


@dataclass(frozen=True, slots=True)
class Pop(Action):
    """`pop(field);`."""

    NAME = "pop"
    field: FieldRef

    def write(self, w: TokenWriter, sep: str) -> None:
        _write_call_on_field(w, sep, self.NAME, self.field)


def _write_call_on_field(w: TokenWriter, sep: str, name: str, ref: FieldRef) -> None:
    w.emit(name, sep)
    w.emit("(", "")
    write_field(w, ref, "")
    w.emit(")", "")
    _end(w)


# ---- nested bodies ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NestedAction(Action):
    """`name { actions };`: the body runs on a copy or a generated packet."""

    body: ActionList = ActionList()

    def write(self, w: TokenWriter, sep: str) -> None:
        w.emit(self.NAME, sep)
        w.emit("{")
        self.body.write(w, " ")
        w.emit("}")
        _end(w)


@dataclass(frozen=True, slots=True)
class Clone(NestedAction):
    """`clone { ... };`: run the body on a copy; the original continues after."""

    NAME = "clone"


@dataclass(frozen=True, slots=True)
class CtCommit(NestedAction):
    """`ct_commit { ct_mark.x = ...; ct_label.y = ...; };` (also `ct_commit;`).

    `braces` is False for the bare `ct_commit;` form.
    """

    NAME = "ct_commit"
    braces: bool = True

    def write(self, w: TokenWriter, sep: str) -> None:
        if self.braces:
            NestedAction.write(self, w, sep)
        else:
            w.emit(self.NAME, sep)
            _end(w)


@dataclass(frozen=True, slots=True)
class CtCommitV1(Action):
    """`ct_commit(ct_mark=V[/M], ct_label=V[/M]);` (the older form)."""

    NAME = "ct_commit"
    mark: Constant | None = None
    label: Constant | None = None
    order: tuple[str, ...] = ("ct_mark", "ct_label")

    def write(self, w: TokenWriter, sep: str) -> None:
        w.emit(self.NAME, sep)
        w.emit("(", "")
        first = True
        for key in self.order:
            value = self.mark if key == "ct_mark" else self.label
            if value is None:
                continue
            if not first:
                w.emit(",", "")
            w.emit(key, "" if first else " ")
            w.emit("=", "")
            w.emit(str(value), "")
            first = False
        w.emit(")", "")
        _end(w)


# ---- NAT and load balancing -------------------------------------------------


@dataclass(frozen=True, slots=True)
class CtNat(Action):
    """`ct_dnat;`, `ct_snat(IP);`, `ct_dnat(IP,LOW-HIGH);` and the `_in_czone` forms.

    Without an address the packet is un-NATed; with one, NATed and committed.
    """

    ip: Constant | None = None
    port_range: tuple[int, int] | None = None

    @property
    def is_snat(self) -> bool:
        return "snat" in self.NAME

    @property
    def in_czone(self) -> bool:
        return self.NAME.endswith("_in_czone")

    def write(self, w: TokenWriter, sep: str) -> None:
        w.emit(self.NAME, sep)
        if self.ip is not None:
            w.emit("(", "")
            w.emit(str(self.ip), "")
            if self.port_range is not None:
                w.emit(",", "")
                w.emit(str(self.port_range[0]), "")
                w.emit("-", "")
                w.emit(str(self.port_range[1]), "")
            w.emit(")", "")
        _end(w)


@dataclass(frozen=True, slots=True)
class CtDnat(CtNat):
    NAME = "ct_dnat"


@dataclass(frozen=True, slots=True)
class CtSnat(CtNat):
    NAME = "ct_snat"


@dataclass(frozen=True, slots=True)
class CtDnatInCzone(CtNat):
    NAME = "ct_dnat_in_czone"


@dataclass(frozen=True, slots=True)
class CtSnatInCzone(CtNat):
    NAME = "ct_snat_in_czone"


@dataclass(frozen=True, slots=True)
class CtLbBackend:
    """One backend of ct_lb: an address and optional port (`[v6]:port`)."""

    ip: Constant
    port: int | None = None

    @property
    def is_ipv6(self) -> bool:
        return self.ip.number.width == 128

    def write(self, w: TokenWriter, sep: str) -> None:
        if self.is_ipv6 and self.port is not None:
            w.emit("[", sep)
            w.emit(str(self.ip), "")
            w.emit("]", "")
        else:
            w.emit(str(self.ip), sep)
        if self.port is not None:
            w.emit(":", "")
            w.emit(str(self.port), "")


@dataclass(frozen=True, slots=True)
class CtLb(Action):
    """`ct_lb;` or `ct_lb(backends=B1,B2; hash_fields="..."; skip_snat|force_snat);`.

    `legacy` is True for the old `ct_lb(B1, B2)` form without `backends=`.
    """

    NAME = "ct_lb"
    backends: tuple[CtLbBackend, ...] | None = None
    hash_fields: StringConst | None = None
    ct_flag: str | None = None
    legacy: bool = False

    def write(self, w: TokenWriter, sep: str) -> None:
        w.emit(self.NAME, sep)
        if self.backends is not None:
            w.emit("(", "")
            if not self.legacy:
                w.emit("backends", "")
                w.emit("=", "")
            for index, backend in enumerate(self.backends):
                if index:
                    w.emit(",", "")
                backend.write(w, " " if index and self.legacy else "")
            if self.hash_fields is not None:
                w.emit(";", "")
                w.emit("hash_fields")
                w.emit("=", "")
                w.emit(str(self.hash_fields), "")
            if self.ct_flag is not None:
                w.emit(";", "")
                w.emit(self.ct_flag)
            w.emit(")", "")
        _end(w)


@dataclass(frozen=True, slots=True)
class CtLbMark(CtLb):
    """`ct_lb_mark...`: as ct_lb, NAT flag kept in ct_mark instead of ct_label."""

    NAME = "ct_lb_mark"
