"""OpenFlow actions as values, printed in `ovs-ofctl` syntax.

Logical actions compile to these (`of_actions.py`); each renders the way
`ovs-ofctl dump-flows` prints it (OpenFlow 1.0 + Nicira extensions, as in
the reference dumps): whole-field sets of Ethernet/IPv4/L4 addresses as
`mod_dl_src:...`, other sets as `load:0x..->NXM_...[a..b]`, moves, stack
operations, `ct(...)`, `controller(userdata=...)`.  `of_binary.py` encodes
the same values as OpenFlow 1.5 bytes for controller userdata.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from pyovn.lflow.of_fields import OF_FIELDS, OfField
from pyovn.lflow.of_match import format_value

__all__ = [
    "CheckPktLarger",
    "Clone",
    "Conjunction",
    "Controller",
    "Ct",
    "CtClearOf",
    "DecTtlOf",
    "GroupOf",
    "MeterOf",
    "MoveOf",
    "OfAction",
    "PopOf",
    "PushOf",
    "RawOf",
    "Resubmit",
    "SetField",
    "SetQueueOf",
    "Sub",
    "render_actions",
]


@dataclass(frozen=True, slots=True)
class Sub:
    """Bits `offset .. offset+n_bits-1` of OVS field `storage`."""

    storage: str
    offset: int
    n_bits: int

    @property
    def field(self) -> OfField:
        return OF_FIELDS[self.storage]

    @property
    def is_whole(self) -> bool:
        return self.offset == 0 and self.n_bits == self.field.width

    def __str__(self) -> str:
        name = self.field.action_name
        if self.is_whole:
            return f"{name}[]"
        if self.n_bits == 1:
            return f"{name}[{self.offset}]"
        return f"{name}[{self.offset}..{self.offset + self.n_bits - 1}]"


@dataclass(frozen=True, slots=True)
class SetField:
    """Set bits `mask` of `storage` to `value` (both already in place)."""

    storage: str
    value: int
    mask: int


@dataclass(frozen=True, slots=True)
class MoveOf:
    src: Sub
    dst: Sub


@dataclass(frozen=True, slots=True)
class PushOf:
    sub: Sub


@dataclass(frozen=True, slots=True)
class PopOf:
    sub: Sub


@dataclass(frozen=True, slots=True)
class Resubmit:
    table: int


@dataclass(frozen=True, slots=True)
class DecTtlOf:
    pass


@dataclass(frozen=True, slots=True)
class CtClearOf:
    pass


@dataclass(frozen=True, slots=True)
class Ct:
    """`ct(...)`: `nat` is None (no nat), "" (bare `nat`) or its argument text."""

    zone: Sub
    commit: bool = False
    table: int | None = None
    nat: str | None = None
    exec_actions: tuple[OfAction, ...] = ()


@dataclass(frozen=True, slots=True)
class Clone:
    actions: tuple[OfAction, ...]


@dataclass(frozen=True, slots=True)
class Controller:
    """`controller(userdata=...)` carrying an ovn-controller opcode."""

    userdata: bytes
    pause: bool = False
    meter_id: int | None = None


@dataclass(frozen=True, slots=True)
class GroupOf:
    group_id: int


@dataclass(frozen=True, slots=True)
class MeterOf:
    meter_id: int


@dataclass(frozen=True, slots=True)
class SetQueueOf:
    queue: int


@dataclass(frozen=True, slots=True)
class CheckPktLarger:
    length: int
    dst: Sub


@dataclass(frozen=True, slots=True)
class Conjunction:
    conj_id: int
    clause: int
    n_clauses: int


@dataclass(frozen=True, slots=True)
class RawOf:
    """An action written directly in ovs-ofctl syntax (learn, sample, ...)."""

    text: str


OfAction: TypeAlias = (
    SetField
    | MoveOf
    | PushOf
    | PopOf
    | Resubmit
    | DecTtlOf
    | CtClearOf
    | Ct
    | Clone
    | Controller
    | GroupOf
    | MeterOf
    | SetQueueOf
    | CheckPktLarger
    | Conjunction
    | RawOf
)

_OF10_SETTERS = {
    "eth_src": "mod_dl_src",
    "eth_dst": "mod_dl_dst",
    "ip_src": "mod_nw_src",
    "ip_dst": "mod_nw_dst",
    "tcp_src": "mod_tp_src",
    "tcp_dst": "mod_tp_dst",
    "udp_src": "mod_tp_src",
    "udp_dst": "mod_tp_dst",
}


def render_actions(actions: tuple[OfAction, ...] | list[OfAction]) -> str:
    """`ovs-ofctl` text of an action list (`drop` when empty)."""
    return ",".join(render_action(a) for a in actions) or "drop"


def render_action(action: OfAction) -> str:
    if isinstance(action, SetField):
        return _render_set_field(action)
    if isinstance(action, MoveOf):
        return f"move:{action.src}->{action.dst}"
    if isinstance(action, PushOf):
        return f"push:{action.sub}"
    if isinstance(action, PopOf):
        return f"pop:{action.sub}"
    if isinstance(action, Resubmit):
        return f"resubmit(,{action.table})"
    if isinstance(action, DecTtlOf):
        return "dec_ttl()"
    if isinstance(action, CtClearOf):
        return "ct_clear"
    if isinstance(action, Ct):
        return _render_ct(action)
    if isinstance(action, Clone):
        return f"clone({render_actions(action.actions)})"
    if isinstance(action, Controller):
        return _render_controller(action)
    return _render_simple(action)


def _render_simple(action: OfAction) -> str:
    if isinstance(action, GroupOf):
        return f"group:{action.group_id}"
    if isinstance(action, MeterOf):
        return f"meter:{action.meter_id}"
    if isinstance(action, SetQueueOf):
        return f"set_queue:{action.queue}"
    if isinstance(action, CheckPktLarger):
        return f"check_pkt_larger({action.length})->{action.dst}"
    if isinstance(action, Conjunction):
        return f"conjunction({action.conj_id},{action.clause}/{action.n_clauses})"
    assert isinstance(action, RawOf)
    return action.text


def _hex(value: int) -> str:
    return "0" if value == 0 else hex(value)


def _render_set_field(action: SetField) -> str:
    row = OF_FIELDS[action.storage]
    full = (1 << row.width) - 1
    if action.mask == full and action.storage == "ip_dscp":
        return f"mod_nw_tos:{action.value << 2}"
    if action.mask == full and action.storage in _OF10_SETTERS:
        text = format_value(row.fmt, row.width, action.value, full)
        return f"{_OF10_SETTERS[action.storage]}:{text}"
    # OpenFlow 1.0 carries sets as Nicira register loads of at most 64 bits,
    # one per contiguous run of the mask, which is how OVS prints them.
    loads = []
    for low, n_bits in _load_chunks(action.mask):
        sub = Sub(action.storage, low, n_bits)
        loads.append(f"load:{_hex((action.value >> low) & ((1 << n_bits) - 1))}->{sub}")
    return ",".join(loads)


def _load_chunks(mask: int) -> list[tuple[int, int]]:
    """(offset, n_bits) of each contiguous run of `mask`, split at 64 bits."""
    chunks = []
    bit = 0
    while mask >> bit:
        if not mask >> bit & 1:
            bit += 1
            continue
        start = bit
        while mask >> bit & 1:
            bit += 1
        for low in range(start, bit, 64):
            chunks.append((low, min(64, bit - low)))
    return chunks


def _render_ct(action: Ct) -> str:
    parts = []
    if action.commit:
        parts.append("commit")
    if action.table is not None:
        parts.append(f"table={action.table}")
    parts.append(f"zone={action.zone}")
    if action.nat is not None:
        parts.append(f"nat({action.nat})" if action.nat else "nat")
    if action.exec_actions:
        parts.append(f"exec({render_actions(action.exec_actions)})")
    return f"ct({','.join(parts)})"


def _render_controller(action: Controller) -> str:
    parts = [f"userdata={'.'.join(f'{b:02x}' for b in action.userdata)}"]
    if action.pause:
        parts.append("pause")
    if action.meter_id is not None:
        parts.append(f"meter_id={action.meter_id}")
    return f"controller({','.join(parts)})"
