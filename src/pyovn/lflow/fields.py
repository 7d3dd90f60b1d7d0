"""The symbol table: every field, subfield and predicate of OVN 23.03.

One declarative row per symbol.  A row is one of

* a **field**, stored in an Open vSwitch field (`storage`, see
  `of_fields.py`): `eth.src` is `eth_src`, `inport` is `reg14`;
* a **subfield**, a bit range of another symbol (`parent[offset..]`):
  `vlan.vid` is `vlan.tci[0..11]`, `reg0` is `xxreg0[96..127]`,
  `ct.est` is `ct_state[1]`;
* a **predicate**, a named match expression: `ip4` is `eth.type == 0x800`.

`prereq` is a match expression implied by any use of the symbol (`tcp.dst`
implies `tcp`, which expands to `ip.proto == 6`, which implies `ip`).
Levels of measurement follow ovn-sb(5): a field is *ordinal* when its OVS
field takes arbitrary bitwise masks, *nominal* otherwise; predicates over
nominal fields are nominal.  Register overlays and flag bits follow
ovn-architecture(7): flags live in reg10, inport in reg14, outport in reg15.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache

from pyovn.lflow.of_fields import OF_FIELDS

__all__ = [
    "SYMBOLS",
    "Kind",
    "Level",
    "Resolved",
    "Symbol",
    "lookup_symbol",
    "resolve_symbol",
    "symbol_level",
]


class Level(Enum):
    """Level of measurement (ovn-sb(5), "Level of Measurement")."""

    ORDINAL = "ordinal"
    NOMINAL = "nominal"
    BOOLEAN = "boolean"
    STRING = "string"


class Kind(Enum):
    FIELD = "field"
    SUBFIELD = "subfield"
    PREDICATE = "predicate"


@dataclass(frozen=True, slots=True)
class Symbol:
    """One row of the symbol table (see the module docstring)."""

    name: str
    kind: Kind
    width: int
    prereq: str | None = None
    storage: str | None = None
    parent: str | None = None
    offset: int = 0
    expansion: str | None = None
    writable: bool = True
    is_string: bool = False
    ovn_only: bool = False

    @property
    def is_predicate(self) -> bool:
        return self.kind is Kind.PREDICATE


def _field(name: str, storage: str, prereq: str | None = None) -> Symbol:
    row = OF_FIELDS[storage]
    return Symbol(name, Kind.FIELD, row.width, prereq, storage, writable=row.writable)


def _sub(name: str, parent: str, low: int, high: int, prereq: str | None = None) -> Symbol:
    return Symbol(name, Kind.SUBFIELD, high - low + 1, prereq, parent=parent, offset=low)


def _pred(name: str, expansion: str) -> Symbol:
    return Symbol(name, Kind.PREDICATE, 1, expansion=expansion, writable=False)


def _string(name: str, storage: str) -> Symbol:
    return Symbol(name, Kind.FIELD, 32, storage=storage, is_string=True)


def _ovn(name: str, width: int, prereq: str) -> Symbol:
    return Symbol(name, Kind.FIELD, width, prereq, ovn_only=True)


def _registers() -> list[Symbol]:
    rows = [_field(f"xxreg{i}", f"xxreg{i}") for i in range(2)]
    # xreg0..3 overlay xxreg0..1 (high half first); xreg4 is an OVS xreg.
    for i in range(4):
        low = 64 * (1 - i % 2)
        rows.append(_sub(f"xreg{i}", f"xxreg{i // 2}", low, low + 63))
    rows.append(_field("xreg4", "xreg4"))
    # reg0..7 overlay xxreg0..1 (reg0 = most significant); reg8/9 overlay xreg4.
    for i in range(8):
        low = 32 * (3 - i % 4)
        rows.append(_sub(f"reg{i}", f"xxreg{i // 4}", low, low + 31))
    rows.append(_sub("reg8", "xreg4", 32, 63))
    rows.append(_sub("reg9", "xreg4", 0, 31))
    return rows


def _conntrack() -> list[Symbol]:
    rows = [
        _field("ct_mark", "ct_mark"),
        _sub("ct_mark.blocked", "ct_mark", 0, 0),
        _sub("ct_mark.natted", "ct_mark", 1, 1),
        _sub("ct_mark.skip_snat", "ct_mark", 2, 2),
        _sub("ct_mark.force_snat", "ct_mark", 3, 3),
        _sub("ct_mark.ecmp_reply_port", "ct_mark", 16, 31),
        _field("ct_label", "ct_label"),
        _sub("ct_label.blocked", "ct_label", 0, 0),
        _sub("ct_label.natted", "ct_label", 1, 1),
        _sub("ct_label.skip_snat", "ct_label", 2, 2),
        _sub("ct_label.force_snat", "ct_label", 3, 3),
        _sub("ct_label.ecmp_reply_eth", "ct_label", 32, 79),
        _sub("ct_label.ecmp_reply_port", "ct_label", 80, 95),
        _sub("ct_label.label", "ct_label", 96, 127),
        _field("ct_state", "ct_state"),
        _sub("ct.trk", "ct_state", 5, 5),
    ]
    # OVS ct_state bits: new 0, est 1, rel 2, rpl 3, inv 4, trk 5, snat 6, dnat 7.
    for bit, name in (
        (0, "new"),
        (1, "est"),
        (2, "rel"),
        (3, "rpl"),
        (4, "inv"),
        (6, "snat"),
        (7, "dnat"),
    ):
        rows.append(_sub(f"ct.{name}", "ct_state", bit, bit, "ct.trk"))
    return rows


def _flags() -> list[Symbol]:
    rows = [_field("flags", "reg10")]
    # Logical flag bits OVN 23.03 names (MLF_* in ovn-controller).
    for bit, name in (
        (0, "loopback"),
        (2, "force_snat_for_dnat"),
        (3, "force_snat_for_lb"),
        (9, "skip_snat_for_lb"),
        (11, "use_snat_zone"),
    ):
        rows.append(_sub(f"flags.{name}", "flags", bit, bit))
    return rows


def _l2() -> list[Symbol]:
    return [
        _field("eth.src", "eth_src"),
        _field("eth.dst", "eth_dst"),
        _field("eth.type", "eth_type"),
        _pred("eth.bcast", "eth.dst == ff:ff:ff:ff:ff:ff"),
        _pred("eth.mcast", "eth.dst[40]"),
        _pred("eth.mcastv6", "eth.dst[32..47] == 0x3333"),
        _field("vlan.tci", "vlan_tci"),
        _pred("vlan.present", "vlan.tci[12]"),
        _sub("vlan.pcp", "vlan.tci", 13, 15, "vlan.present"),
        _sub("vlan.vid", "vlan.tci", 0, 11, "vlan.present"),
        _pred("arp", "eth.type == 0x806"),
        _pred("rarp", "eth.type == 0x8035"),
        *(
            _field(f"{proto}.{name}", f"arp_{name}", proto)
            for proto in ("arp", "rarp")
            for name in ("op", "spa", "tpa", "sha", "tha")
        ),
    ]


def _ip() -> list[Symbol]:
    return [
        _pred("ip4", "eth.type == 0x800"),
        _pred("ip6", "eth.type == 0x86dd"),
        _pred("ip", "ip4 || ip6"),
        _field("ip.proto", "nw_proto", "ip"),
        _field("ip.dscp", "ip_dscp", "ip"),
        _field("ip.ecn", "nw_ecn", "ip"),
        _field("ip.ttl", "nw_ttl", "ip"),
        _field("ip.frag", "ip_frag", "ip"),
        _pred("ip.is_frag", "ip.frag[0]"),
        _pred("ip.later_frag", "ip.frag[1]"),
        _pred("ip.first_frag", "ip.is_frag && !ip.later_frag"),
        _field("ip4.src", "ip_src", "ip4"),
        _field("ip4.dst", "ip_dst", "ip4"),
        _pred("ip4.src_mcast", "ip4.src[28..31] == 0xe"),
        _pred("ip4.mcast", "eth.mcast && ip4.dst[28..31] == 0xe"),
        _field("ip6.src", "ipv6_src", "ip6"),
        _field("ip6.dst", "ipv6_dst", "ip6"),
        _field("ip6.label", "ipv6_label", "ip6"),
        _pred("ip6.mcast_rsvd", "ip6.dst[116..127] == 0xff0 && ip6.dst[0..111] == 0x0"),
        _pred("ip6.mcast_all_nodes", "ip6.dst == ff01::1 || ip6.dst == ff02::1"),
        _pred(
            "ip6.mcast_all_rtrs", "ip6.dst == ff01::2 || ip6.dst == ff02::2 || ip6.dst == ff05::2"
        ),
        _pred("ip6.mcast_sol_node", "ip6.dst == ff02::1:ff00:0000/104"),
        _pred(
            "ip6.mcast_flood",
            "eth.mcastv6 && (ip6.mcast_rsvd || ip6.mcast_all_nodes || ip6.mcast_all_rtrs || "
            "ip6.mcast_sol_node)",
        ),
        _pred("ip6.mcast", "eth.mcastv6 && ip6.dst[120..127] == 0xff"),
    ]


def _l4() -> list[Symbol]:
    return [
        _pred("icmp4", "ip4 && ip.proto == 1"),
        _field("icmp4.type", "icmp_type", "icmp4"),
        _field("icmp4.code", "icmp_code", "icmp4"),
        _pred("igmp", "ip4 && ip.proto == 2"),
        _pred("icmp6", "ip6 && ip.proto == 58"),
        _field("icmp6.type", "icmpv6_type", "icmp6"),
        _field("icmp6.code", "icmpv6_code", "icmp6"),
        _pred("icmp", "icmp4 || icmp6"),
        _pred("nd", "icmp6.type == {135, 136} && icmp6.code == 0 && ip.ttl == 255"),
        _pred("nd_ns", "icmp6.type == 135 && icmp6.code == 0 && ip.ttl == 255"),
        _pred("nd_na", "icmp6.type == 136 && icmp6.code == 0 && ip.ttl == 255"),
        _pred("nd_rs", "icmp6.type == 133 && icmp6.code == 0 && ip.ttl == 255"),
        _pred("nd_ra", "icmp6.type == 134 && icmp6.code == 0 && ip.ttl == 255"),
        _field("nd.target", "nd_target", "nd"),
        _field("nd.sll", "nd_sll", "nd_ns"),
        _field("nd.tll", "nd_tll", "nd_na"),
        _pred("mldv1", "ip6.src == fe80::/10 && icmp6.type == {130, 131, 132}"),
        _pred("mldv2", "ip6.dst == ff02::16 && icmp6.type == 143"),
        _pred("tcp", "ip.proto == 6"),
        _field("tcp.src", "tcp_src", "tcp"),
        _field("tcp.dst", "tcp_dst", "tcp"),
        _field("tcp.flags", "tcp_flags", "tcp"),
        _pred("udp", "ip.proto == 17"),
        _field("udp.src", "udp_src", "udp"),
        _field("udp.dst", "udp_dst", "udp"),
        _pred("sctp", "ip.proto == 132"),
        _field("sctp.src", "sctp_src", "sctp"),
        _field("sctp.dst", "sctp_dst", "sctp"),
        _ovn("icmp4.frag_mtu", 16, "icmp4"),
        _ovn("icmp6.frag_mtu", 32, "icmp6"),
    ]


_ROWS: tuple[Symbol, ...] = (
    _string("inport", "reg14"),
    _string("outport", "reg15"),
    *_registers(),
    *_flags(),
    *_conntrack(),
    _field("pkt.mark", "pkt_mark"),
    *_l2(),
    *_ip(),
    *_l4(),
)

SYMBOLS: dict[str, Symbol] = {row.name: row for row in _ROWS}


@dataclass(frozen=True, slots=True)
class Resolved:
    """Where a symbol's bits live: OVS field, lowest bit, width, and every
    prerequisite met on the way up the subfield chain (innermost first)."""

    storage: str
    offset: int
    width: int
    prereqs: tuple[str, ...]
    maskable: bool
    writable: bool


def lookup_symbol(name: str) -> Symbol | None:
    """The row named `name`, or None."""
    return SYMBOLS.get(name)


@cache
def resolve_symbol(name: str) -> Resolved:
    """Resolve a field or subfield to its OVS storage (KeyError if unknown,
    ValueError for predicates and OVN-only fields, which have no storage)."""
    symbol = SYMBOLS[name]
    if symbol.is_predicate or symbol.ovn_only:
        raise ValueError(f"{name} is not stored in an OpenFlow field")
    prereqs = (symbol.prereq,) if symbol.prereq else ()
    if symbol.kind is Kind.FIELD:
        assert symbol.storage is not None
        row = OF_FIELDS[symbol.storage]
        return Resolved(symbol.storage, 0, symbol.width, prereqs, row.maskable, row.writable)
    assert symbol.parent is not None
    parent = resolve_symbol(symbol.parent)
    return Resolved(
        parent.storage,
        parent.offset + symbol.offset,
        symbol.width,
        prereqs + parent.prereqs,
        True,
        parent.writable,
    )


def symbol_level(name: str) -> Level:
    """Level of measurement of a symbol (predicates: from their expansion)."""
    symbol = SYMBOLS[name]
    if symbol.is_string:
        return Level.STRING
    if symbol.is_predicate:
        return Level.NOMINAL if _predicate_is_nominal(name) else Level.BOOLEAN
    if symbol.ovn_only:
        return Level.NOMINAL
    return Level.ORDINAL if resolve_symbol(name).maskable else Level.NOMINAL


@cache
def _predicate_is_nominal(name: str) -> bool:
    from pyovn.lflow.parser import referenced_fields

    expansion = SYMBOLS[name].expansion
    assert expansion is not None
    for ref in referenced_fields(expansion):
        if ref in SYMBOLS and symbol_level(ref) is Level.NOMINAL:
            return True
    return False
