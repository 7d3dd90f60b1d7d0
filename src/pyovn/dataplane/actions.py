"""OpenFlow actions as typed values, printed exactly as ovs-ofctl prints them.

One frozen dataclass per action of ovs-actions(7) that ovn-controller 23.03
uses (plus the common OpenFlow 1.0 ones). Each knows its own text through
`text()`; parsing lives in `action_parser.py` and execution in `xlate.py`.

`SetField` covers every action that writes a constant into a field. Open
vSwitch keeps the spelling the flow was installed with: flows added over
OpenFlow 1.0 (`ovs-ofctl add-flow`) show `load:`/`mod_dl_src:`, flows that
ovn-controller installs over OpenFlow 1.5 show `set_field:` in `ofproto/trace`
(and `load:` again in an OpenFlow 1.0 `dump-flows`). `SetField.spelling`
records which one; `spelling.py` converts between the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

from pyovn.dataplane.field_syntax import (
    format_ipv4,
    format_ipv6,
    format_mac,
    format_port,
    format_value,
)
from pyovn.dataplane.fields import Field

__all__ = [
    "Action",
    "CheckPktLarger",
    "Clone",
    "Conjunction",
    "Controller",
    "Ct",
    "CtClear",
    "DecTtl",
    "Exit",
    "GotoTable",
    "Group",
    "Meter",
    "ModVlanPcp",
    "ModVlanVid",
    "Move",
    "Nat",
    "Note",
    "Output",
    "OutputReg",
    "Pop",
    "PopVlan",
    "Push",
    "PushVlan",
    "Resubmit",
    "Sample",
    "SetField",
    "SetQueue",
    "Subfield",
    "format_actions",
]

OFPP_IN_PORT = 0xFFF8
OFPP_CONTROLLER = 0xFFFD
SPELLING_FIELDS = {
    "mod_dl_src": "eth_src",
    "mod_dl_dst": "eth_dst",
    "mod_nw_src": "ip_src",
    "mod_nw_dst": "ip_dst",
    "mod_nw_tos": "nw_tos",
    "mod_nw_ecn": "nw_ecn",
    "mod_nw_ttl": "nw_ttl",
    "mod_tp_src": "tp_src",
    "mod_tp_dst": "tp_dst",
    "set_tunnel": "tun_id",
    "set_tunnel64": "tun_id",
}


@dataclass(frozen=True)
class Subfield:
    """A bit range of a field, `NXM_NX_REG13[0..15]`."""

    field: Field
    offset: int
    n_bits: int

    @classmethod
    def whole(cls, field: Field) -> Subfield:
        """The entire field, `NXM_NX_REG13[]`."""
        return cls(field, 0, field.width)

    @property
    def mask(self) -> int:
        """The bits of the field this subfield covers."""
        return ((1 << self.n_bits) - 1) << self.offset

    def text(self) -> str:
        """`NAME[]`, `NAME[n]` or `NAME[a..b]`, with the NXM/OXM name when it has one."""
        name = self.field.nxm or self.field.name
        if self.offset == 0 and self.n_bits == self.field.width:
            return f"{name}[]"
        if self.n_bits == 1:
            return f"{name}[{self.offset}]"
        return f"{name}[{self.offset}..{self.offset + self.n_bits - 1}]"


class Action:
    """Base class of all actions."""

    def text(self) -> str:
        """The action in ovs-ofctl syntax."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.text()


def format_actions(actions: tuple[Action, ...] | list[Action]) -> str:
    """An action list in ovs-ofctl syntax; the empty list prints as `drop`."""
    return ",".join(action.text() for action in actions) if actions else "drop"


@dataclass(frozen=True)
class Output(Action):
    """`output:N` or a reserved port (`IN_PORT`, `LOCAL`, `NORMAL`, …)."""

    port: int
    max_len: int | None = None

    def text(self) -> str:
        if self.max_len is not None:
            return f"output(port={format_port(self.port)},max_len={self.max_len})"
        if self.port >= 0xFFF8:
            if self.port == OFPP_CONTROLLER:
                return "CONTROLLER:65535"
            return format_port(self.port)
        return f"output:{self.port}"


@dataclass(frozen=True)
class OutputReg(Action):
    """`output:NXM_NX_REG15[]`: output to the port held in a field."""

    source: Subfield
    max_len: int | None = None

    def text(self) -> str:
        if self.max_len is not None:
            return f"output(port={self.source.text()},max_len={self.max_len})"
        return f"output:{self.source.text()}"


@dataclass(frozen=True)
class Controller(Action):
    """`controller(...)`: send a packet-in (optionally pausing the pipeline)."""

    max_len: int = 0xFFFF
    controller_id: int = 0
    reason: str = "action"
    userdata: bytes = b""
    pause: bool = False
    meter_id: int | None = None

    def text(self) -> str:
        plain = (
            self.reason == "action"
            and self.controller_id == 0
            and not self.userdata
            and not self.pause
            and self.meter_id is None
        )
        if plain:
            return f"CONTROLLER:{self.max_len}"
        args: list[str] = []
        if self.reason != "action":
            args.append(f"reason={self.reason}")
        if self.max_len != 0xFFFF:
            args.append(f"max_len={self.max_len}")
        if self.controller_id:
            args.append(f"id={self.controller_id}")
        if self.userdata:
            args.append("userdata=" + ".".join(f"{byte:02x}" for byte in self.userdata))
        if self.pause:
            args.append("pause")
        if self.meter_id is not None:
            args.append(f"meter_id={self.meter_id}")
        return f"controller({','.join(args)})"


@dataclass(frozen=True)
class Resubmit(Action):
    """`resubmit(port,table[,ct])` or `resubmit:port`."""

    port: int | None = None
    table: int | None = None
    with_ct_orig: bool = False

    def text(self) -> str:
        if self.table is None and not self.with_ct_orig and self.port is not None:
            return f"resubmit:{format_port(self.port)}"
        port = "" if self.port in (None, OFPP_IN_PORT) else format_port(self.port)
        table = "" if self.table is None else str(self.table)
        return f"resubmit({port},{table}{',ct' if self.with_ct_orig else ''})"


@dataclass(frozen=True)
class GotoTable(Action):
    """`goto_table:N` (an OpenFlow 1.1+ instruction)."""

    table: int

    def text(self) -> str:
        return f"goto_table:{self.table}"


@dataclass(frozen=True)
class SetField(Action):
    """Write a constant (under a mask) into a field; see the module docstring."""

    field: Field
    value: int
    mask: int
    spelling: str = "set_field"
    writes: tuple[tuple[str, int, int], ...] = dataclass_field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        # Per-slot (slot, value, mask) computed once: translation applies them per packet.
        mask = self.mask & self.field.all_ones
        writes = tuple(
            (slot, value & slot_mask, slot_mask)
            for slot, value, slot_mask in self.field.to_storage(self.value & mask, mask)
        )
        object.__setattr__(self, "writes", writes)

    def _load_subfield(self) -> Subfield | None:
        mask = self.mask
        if not mask:
            return None
        offset = (mask & -mask).bit_length() - 1
        n_bits = (mask >> offset).bit_length()
        if (mask >> offset) != (1 << n_bits) - 1:
            return None
        return Subfield(self.field, offset, n_bits)

    def text(self) -> str:
        spelling = self.spelling
        if spelling == "load":
            subfield = self._load_subfield()
            if subfield is not None:
                value = self.value >> subfield.offset
                return f"load:{hex(value) if value else '0'}->{subfield.text()}"
            spelling = "set_field"
        if spelling in SPELLING_FIELDS:
            return f"{spelling}:{self._plain_value()}"
        text = format_value(self.field, self.value)
        if self.mask != self.field.all_ones:
            numeric = self.field.kind.name in ("DECIMAL", "PORT")
            text += "/" + (hex(self.mask) if numeric else format_value(self.field, self.mask))
        return f"set_field:{text}->{self.field.name}"

    def _plain_value(self) -> str:
        kind = self.field.kind.name
        if kind == "MAC":
            return format_mac(self.value)
        if kind == "IPV4":
            return format_ipv4(self.value)
        if kind == "IPV6":
            return format_ipv6(self.value)
        if self.spelling.startswith("set_tunnel"):
            return hex(self.value)
        return str(self.value)


@dataclass(frozen=True)
class Move(Action):
    """`move:SRC[..]->DST[..]`."""

    source: Subfield
    destination: Subfield

    def text(self) -> str:
        return f"move:{self.source.text()}->{self.destination.text()}"


@dataclass(frozen=True)
class Push(Action):
    """`push:FIELD[..]` onto the OpenFlow stack."""

    source: Subfield

    def text(self) -> str:
        return f"push:{self.source.text()}"


@dataclass(frozen=True)
class Pop(Action):
    """`pop:FIELD[..]` from the OpenFlow stack."""

    destination: Subfield

    def text(self) -> str:
        return f"pop:{self.destination.text()}"


@dataclass(frozen=True)
class DecTtl(Action):
    """`dec_ttl` or `dec_ttl(id,...)` (OVN writes `dec_ttl()`)."""

    controller_ids: tuple[int, ...] | None = None

    def text(self) -> str:
        if self.controller_ids is None:
            return "dec_ttl"
        return f"dec_ttl({','.join(str(i) for i in self.controller_ids)})"


@dataclass(frozen=True)
class Nat(Action):
    """`nat(src=ADDR[-ADDR][:PORT[-PORT]],persistent,hash|random)`."""

    kind: str | None = None
    address_min: int | None = None
    address_max: int | None = None
    port_min: int | None = None
    port_max: int | None = None
    ipv6: bool = False
    persistent: bool = False
    hash: bool = False
    random: bool = False

    def _address(self, value: int) -> str:
        return f"[{format_ipv6(value)}]" if self.ipv6 else format_ipv4(value)

    def text(self) -> str:
        if self.kind is None and not (self.persistent or self.hash or self.random):
            return "nat"
        text = self.kind or ""
        if self.address_min is not None:
            text += "=" + self._address(self.address_min)
            if self.address_max is not None and self.address_max != self.address_min:
                text += "-" + self._address(self.address_max)
            if self.port_min is not None:
                text += f":{self.port_min}"
                if self.port_max is not None and self.port_max != self.port_min:
                    text += f"-{self.port_max}"
        flags = [name for name in ("persistent", "hash", "random") if getattr(self, name)]
        return f"nat({','.join([text, *flags] if text else flags)})"


@dataclass(frozen=True)
class Ct(Action):
    """`ct(commit,force,table=N,zone=Z,nat(...),exec(...),alg=P)`."""

    commit: bool = False
    force: bool = False
    table: int | None = None
    zone: int | Subfield = 0
    nat: Nat | None = None
    actions: tuple[Action, ...] = ()
    alg: int | None = None

    def text(self) -> str:
        args: list[str] = []
        if self.commit:
            args.append("commit")
        if self.force:
            args.append("force")
        if self.table is not None:
            args.append(f"table={self.table}")
        if isinstance(self.zone, Subfield):
            args.append(f"zone={self.zone.text()}")
        elif self.zone:
            args.append(f"zone={self.zone}")
        if self.nat is not None:
            args.append(self.nat.text())
        if self.actions:
            args.append(f"exec({','.join(action.text() for action in self.actions)})")
        if self.alg is not None:
            args.append(f"alg={_ALG_NAMES.get(self.alg, str(self.alg))}")
        return f"ct({','.join(args)})"


_ALG_NAMES = {21: "ftp", 69: "tftp"}


@dataclass(frozen=True)
class CtClear(Action):
    """`ct_clear`: forget the packet's connection-tracking state."""

    def text(self) -> str:
        return "ct_clear"


@dataclass(frozen=True)
class Conjunction(Action):
    """`conjunction(id,k/n)`: clause k of n of conjunctive match `id`."""

    conjunction_id: int
    clause: int
    n_clauses: int

    def text(self) -> str:
        return f"conjunction({self.conjunction_id},{self.clause}/{self.n_clauses})"


@dataclass(frozen=True)
class Clone(Action):
    """`clone(actions)`: run actions on a copy, then carry on unchanged."""

    actions: tuple[Action, ...]

    def text(self) -> str:
        return f"clone({','.join(action.text() for action in self.actions)})"


@dataclass(frozen=True)
class Note(Action):
    """`note:hex.bytes` (padded like ovs-vswitchd pads it)."""

    data: bytes

    def text(self) -> str:
        return "note:" + ".".join(f"{byte:02x}" for byte in self.data)


@dataclass(frozen=True)
class Group(Action):
    """`group:N`."""

    group_id: int

    def text(self) -> str:
        return f"group:{self.group_id}"


@dataclass(frozen=True)
class CheckPktLarger(Action):
    """`check_pkt_larger(N)->DST[bit]`: 1 if the packet is longer than N bytes."""

    length: int
    destination: Subfield

    def text(self) -> str:
        return f"check_pkt_larger({self.length})->{self.destination.text()}"


@dataclass(frozen=True)
class Meter(Action):
    """`meter:N` (rate limiting is not simulated; the action is accepted)."""

    meter_id: int

    def text(self) -> str:
        return f"meter:{self.meter_id}"


@dataclass(frozen=True)
class PopVlan(Action):
    """`strip_vlan` (OpenFlow 1.0 spelling) or `pop_vlan`."""

    spelling: str = "strip_vlan"

    def text(self) -> str:
        return self.spelling


@dataclass(frozen=True)
class PushVlan(Action):
    """`push_vlan:0x8100`."""

    ethertype: int = 0x8100

    def text(self) -> str:
        return f"push_vlan:0x{self.ethertype:04x}"


@dataclass(frozen=True)
class ModVlanVid(Action):
    """`mod_vlan_vid:N`: set the VLAN ID, adding a tag if there is none."""

    vid: int

    def text(self) -> str:
        return f"mod_vlan_vid:{self.vid}"


@dataclass(frozen=True)
class ModVlanPcp(Action):
    """`mod_vlan_pcp:N`: set the VLAN priority, adding a tag if there is none."""

    pcp: int

    def text(self) -> str:
        return f"mod_vlan_pcp:{self.pcp}"


@dataclass(frozen=True)
class Exit(Action):
    """`exit`: stop executing actions altogether."""

    def text(self) -> str:
        return "exit"


@dataclass(frozen=True)
class Sample(Action):
    """`sample(...)`: sFlow/IPFIX sampling; accepted and ignored."""

    arguments: str

    def text(self) -> str:
        return f"sample({self.arguments})"


@dataclass(frozen=True)
class SetQueue(Action):
    """`set_queue:N` / `pop_queue` (QoS queues are not simulated)."""

    queue: int | None

    def text(self) -> str:
        return "pop_queue" if self.queue is None else f"set_queue:{self.queue}"
