"""The OpenFlow fields the simulator knows, as Open vSwitch names them.

A packet (and a flow match) is a map from *storage slots* to integers. The
slots follow Open vSwitch's own `struct flow`, including its sharing: ARP's
sender/target protocol addresses live in `nw_src`/`nw_dst`, the ARP opcode in
`nw_proto`, ICMP type and code in `tp_src`/`tp_dst`, ND's source/target link
layer addresses in `arp_sha`/`arp_tha`. Sharing the storage is what makes
`move:NXM_OF_ARP_SPA[]->NXM_OF_IP_SRC[]`-style tricks and field printing behave
exactly as in ovs-vswitchd.

A `Field` is one named view on that storage (ovs-fields(7)): its primary name
(used by `set_field` and in traces), the NXM/OXM name used in sub-field
syntax (`NXM_NX_REG0[0..15]`), its width, how its values are written, and its
prerequisites. Extended registers (`xreg`, `xxreg`) are composite views on
the 32-bit registers, most significant register first.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field

__all__ = [
    "FIELDS",
    "STORAGE_WIDTHS",
    "Field",
    "Prereq",
    "SlotLookup",
    "ValueKind",
    "find_field",
    "prereq_satisfied",
]


class ValueKind(enum.Enum):
    """How a field's values are written in ovs-ofctl syntax."""

    DECIMAL = "decimal"
    HEX = "hex"
    MAC = "mac"
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    CT_STATE = "ct_state"
    TCP_FLAGS = "tcp_flags"
    FRAG = "frag"
    TUN_FLAGS = "tun_flags"
    PORT = "port"
    ETHERTYPE = "ethertype"
    VLAN_TCI = "vlan_tci"
    LABEL = "label"


class Prereq(enum.Enum):
    """A field's prerequisite on the packet's protocols (ovs-fields(7))."""

    NONE = "none"
    ARP = "arp"
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    IP_ANY = "ip"
    TCP = "tcp"
    UDP = "udp"
    SCTP = "sctp"
    L4 = "l4"
    ICMPV4 = "icmp"
    ICMPV6 = "icmp6"
    ICMP_ANY = "icmp_any"
    ND = "nd"
    ND_SOLICIT = "nd_ns"
    ND_ADVERT = "nd_na"


ETH_TYPE_IP = 0x0800
ETH_TYPE_ARP = 0x0806
ETH_TYPE_RARP = 0x8035
ETH_TYPE_IPV6 = 0x86DD

# Storage slots and their widths in bits, in the order Open vSwitch's
# `struct flow` lists them (metadata first, then L2, L3, L4).
STORAGE_WIDTHS: dict[str, int] = {
    "recirc_id": 32,
    "dp_hash": 32,
    "conj_id": 32,
    "skb_priority": 32,
    "pkt_mark": 32,
    "actset_output": 16,
    "ct_state": 8,
    "ct_zone": 16,
    "ct_mark": 32,
    "ct_label": 128,
    "ct_nw_src": 32,
    "ct_nw_dst": 32,
    "ct_ipv6_src": 128,
    "ct_ipv6_dst": 128,
    "ct_nw_proto": 8,
    "ct_tp_src": 16,
    "ct_tp_dst": 16,
    **{f"reg{index}": 32 for index in range(16)},
    "tun_id": 64,
    "tun_src": 32,
    "tun_dst": 32,
    "tun_ipv6_src": 128,
    "tun_ipv6_dst": 128,
    "tun_tos": 8,
    "tun_ttl": 8,
    "tun_flags": 16,
    "tun_gbp_id": 16,
    "tun_gbp_flags": 8,
    **{f"tun_metadata{index}": 32 for index in range(8)},
    "metadata": 64,
    "in_port": 16,
    "vlan_tci": 16,
    "dl_src": 48,
    "dl_dst": 48,
    "dl_type": 16,
    "nw_src": 32,
    "nw_dst": 32,
    "ipv6_src": 128,
    "ipv6_dst": 128,
    "ipv6_label": 20,
    "nw_proto": 8,
    "nw_tos": 8,
    "nw_ttl": 8,
    "nw_frag": 2,
    "arp_sha": 48,
    "arp_tha": 48,
    "nd_target": 128,
    "tp_src": 16,
    "tp_dst": 16,
    "tcp_flags": 12,
}


@dataclass(frozen=True)
class Field:
    """One named OpenFlow field: a view on one or more storage slots.

    `parts` lists (slot, width) from the most significant part down; a simple
    field has one part. `offset` is the bit offset inside a single slot (for
    `ip_dscp` and `nw_ecn`, which share the TOS byte). `bits` limits which bits
    of the field's own value exist (`nw_tos` only has its top six bits).
    """

    name: str
    nxm: str
    parts: tuple[tuple[str, int], ...]
    kind: ValueKind
    prereq: Prereq = Prereq.NONE
    offset: int = 0
    bits: int | None = None
    writable: bool = True
    aliases: tuple[str, ...] = ()

    width: int = field(init=False, repr=False, compare=False)
    all_ones: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        width = sum(size for _, size in self.parts)
        object.__setattr__(self, "width", width)
        ones = self.bits if self.bits is not None else (1 << width) - 1
        object.__setattr__(self, "all_ones", ones)

    def read(self, values: Mapping[str, int]) -> int:
        """Current value of the field in a storage map (missing slots are zero)."""
        if len(self.parts) == 1:
            slot, width = self.parts[0]
            return (values.get(slot, 0) >> self.offset) & ((1 << width) - 1)
        result = 0
        for slot, width in self.parts:
            result = (result << width) | (values.get(slot, 0) & ((1 << width) - 1))
        return result

    def write(self, values: MutableMapping[str, int], value: int, mask: int | None = None) -> None:
        """Store `value` under `mask` (default: the whole field) into a storage map."""
        full = self.all_ones
        mask = full if mask is None else mask & full
        for slot, slot_value, slot_mask in self.to_storage(value & mask, mask):
            old = values.get(slot, 0)
            values[slot] = (old & ~slot_mask) | (slot_value & slot_mask)

    def to_storage(self, value: int, mask: int) -> list[tuple[str, int, int]]:
        """Split a (value, mask) of this field into per-slot (slot, value, mask)."""
        if len(self.parts) == 1:
            slot, width = self.parts[0]
            field_mask = (1 << width) - 1
            return [(slot, (value & field_mask) << self.offset, (mask & field_mask) << self.offset)]
        result: list[tuple[str, int, int]] = []
        shift = self.width
        for slot, width in self.parts:
            shift -= width
            part_mask = (1 << width) - 1
            part = ((value >> shift) & part_mask, (mask >> shift) & part_mask)
            if part[1]:
                result.append((slot, part[0], part[1]))
        return result


def _simple(
    name: str,
    nxm: str,
    slot: str,
    kind: ValueKind,
    prereq: Prereq = Prereq.NONE,
    *,
    width: int | None = None,
    offset: int = 0,
    bits: int | None = None,
    writable: bool = True,
    aliases: tuple[str, ...] = (),
) -> Field:
    size = STORAGE_WIDTHS[slot] if width is None else width
    return Field(name, nxm, ((slot, size),), kind, prereq, offset, bits, writable, aliases)


def _registers() -> list[Field]:
    fields = [_simple(f"reg{i}", f"NXM_NX_REG{i}", f"reg{i}", ValueKind.HEX) for i in range(16)]
    for i in range(8):
        pair = ((f"reg{2 * i}", 32), (f"reg{2 * i + 1}", 32))
        fields.append(Field(f"xreg{i}", f"OXM_OF_PKT_REG{i}", pair, ValueKind.HEX))
    for i in range(4):
        quad = tuple((f"reg{4 * i + k}", 32) for k in range(4))
        fields.append(Field(f"xxreg{i}", f"NXM_NX_XXREG{i}", quad, ValueKind.HEX))
    return fields


def _metadata_fields() -> list[Field]:
    k = ValueKind
    return [
        _simple("in_port", "NXM_OF_IN_PORT", "in_port", k.PORT),
        _simple("metadata", "OXM_OF_METADATA", "metadata", k.HEX),
        _simple("pkt_mark", "NXM_NX_PKT_MARK", "pkt_mark", k.HEX),
        _simple("recirc_id", "NXM_NX_RECIRC_ID", "recirc_id", k.HEX, writable=False),
        _simple("dp_hash", "NXM_NX_DP_HASH", "dp_hash", k.HEX, writable=False),
        _simple("conj_id", "NXM_NX_CONJ_ID", "conj_id", k.DECIMAL, writable=False),
        _simple("skb_priority", "NXM_NX_SKB_PRIORITY", "skb_priority", k.HEX, writable=False),
        _simple("actset_output", "ONFOXM_ET_ACTSET_OUTPUT", "actset_output", k.PORT),
        _simple("ct_state", "NXM_NX_CT_STATE", "ct_state", k.CT_STATE, writable=False),
        _simple("ct_zone", "NXM_NX_CT_ZONE", "ct_zone", k.DECIMAL, writable=False),
        _simple("ct_mark", "NXM_NX_CT_MARK", "ct_mark", k.HEX),
        _simple("ct_label", "NXM_NX_CT_LABEL", "ct_label", k.HEX),
        _simple("ct_nw_src", "NXM_NX_CT_NW_SRC", "ct_nw_src", k.IPV4, writable=False),
        _simple("ct_nw_dst", "NXM_NX_CT_NW_DST", "ct_nw_dst", k.IPV4, writable=False),
        _simple("ct_ipv6_src", "NXM_NX_CT_IPV6_SRC", "ct_ipv6_src", k.IPV6, writable=False),
        _simple("ct_ipv6_dst", "NXM_NX_CT_IPV6_DST", "ct_ipv6_dst", k.IPV6, writable=False),
        _simple("ct_nw_proto", "NXM_NX_CT_NW_PROTO", "ct_nw_proto", k.DECIMAL, writable=False),
        _simple("ct_tp_src", "NXM_NX_CT_TP_SRC", "ct_tp_src", k.DECIMAL, writable=False),
        _simple("ct_tp_dst", "NXM_NX_CT_TP_DST", "ct_tp_dst", k.DECIMAL, writable=False),
    ]


def _tunnel_fields() -> list[Field]:
    k = ValueKind
    fields = [
        _simple("tun_id", "NXM_NX_TUN_ID", "tun_id", k.HEX, aliases=("tunnel_id",)),
        _simple("tun_src", "NXM_NX_TUN_IPV4_SRC", "tun_src", k.IPV4),
        _simple("tun_dst", "NXM_NX_TUN_IPV4_DST", "tun_dst", k.IPV4),
        _simple("tun_ipv6_src", "NXM_NX_TUN_IPV6_SRC", "tun_ipv6_src", k.IPV6),
        _simple("tun_ipv6_dst", "NXM_NX_TUN_IPV6_DST", "tun_ipv6_dst", k.IPV6),
        _simple("tun_tos", "NXM_NX_TUN_TOS", "tun_tos", k.DECIMAL),
        _simple("tun_ttl", "NXM_NX_TUN_TTL", "tun_ttl", k.DECIMAL),
        _simple("tun_flags", "NXM_NX_TUN_FLAGS", "tun_flags", k.TUN_FLAGS),
        _simple("tun_gbp_id", "NXM_NX_TUN_GBP_ID", "tun_gbp_id", k.DECIMAL),
        _simple("tun_gbp_flags", "NXM_NX_TUN_GBP_FLAGS", "tun_gbp_flags", k.DECIMAL),
    ]
    for i in range(8):
        fields.append(
            _simple(f"tun_metadata{i}", f"NXM_NX_TUN_METADATA{i}", f"tun_metadata{i}", k.HEX)
        )
    return fields


def _l2_fields() -> list[Field]:
    k = ValueKind
    return [
        _simple("eth_src", "NXM_OF_ETH_SRC", "dl_src", k.MAC, aliases=("dl_src",)),
        _simple("eth_dst", "NXM_OF_ETH_DST", "dl_dst", k.MAC, aliases=("dl_dst",)),
        _simple(
            "eth_type",
            "NXM_OF_ETH_TYPE",
            "dl_type",
            k.ETHERTYPE,
            writable=False,
            aliases=("dl_type",),
        ),
        _simple("vlan_tci", "NXM_OF_VLAN_TCI", "vlan_tci", k.VLAN_TCI),
        _simple("vlan_vid", "OXM_OF_VLAN_VID", "vlan_tci", k.DECIMAL, width=13),
        _simple("dl_vlan", "", "vlan_tci", k.DECIMAL, width=12),
        _simple(
            "vlan_pcp",
            "OXM_OF_VLAN_PCP",
            "vlan_tci",
            k.DECIMAL,
            width=3,
            offset=13,
            aliases=("dl_vlan_pcp",),
        ),
    ]


def _l3_fields() -> list[Field]:
    k, p = ValueKind, Prereq
    return [
        _simple("ip_src", "NXM_OF_IP_SRC", "nw_src", k.IPV4, p.IPV4, aliases=("nw_src",)),
        _simple("ip_dst", "NXM_OF_IP_DST", "nw_dst", k.IPV4, p.IPV4, aliases=("nw_dst",)),
        _simple("ipv6_src", "NXM_NX_IPV6_SRC", "ipv6_src", k.IPV6, p.IPV6),
        _simple("ipv6_dst", "NXM_NX_IPV6_DST", "ipv6_dst", k.IPV6, p.IPV6),
        _simple("ipv6_label", "NXM_NX_IPV6_LABEL", "ipv6_label", k.LABEL, p.IPV6),
        _simple(
            "nw_proto",
            "NXM_OF_IP_PROTO",
            "nw_proto",
            k.DECIMAL,
            p.IP_ANY,
            writable=False,
            aliases=("ip_proto",),
        ),
        _simple("nw_tos", "NXM_OF_IP_TOS", "nw_tos", k.DECIMAL, p.IP_ANY, bits=0xFC),
        _simple("ip_dscp", "OXM_OF_IP_DSCP", "nw_tos", k.DECIMAL, p.IP_ANY, width=6, offset=2),
        _simple(
            "nw_ecn", "NXM_NX_IP_ECN", "nw_tos", k.DECIMAL, p.IP_ANY, width=2, aliases=("ip_ecn",)
        ),
        _simple("nw_ttl", "NXM_NX_IP_TTL", "nw_ttl", k.DECIMAL, p.IP_ANY, aliases=("ip_ttl",)),
        _simple(
            "ip_frag",
            "NXM_NX_IP_FRAG",
            "nw_frag",
            k.FRAG,
            p.IP_ANY,
            writable=False,
            aliases=("nw_frag",),
        ),
        _simple("arp_op", "NXM_OF_ARP_OP", "nw_proto", k.DECIMAL, p.ARP, width=16),
        _simple("arp_spa", "NXM_OF_ARP_SPA", "nw_src", k.IPV4, p.ARP),
        _simple("arp_tpa", "NXM_OF_ARP_TPA", "nw_dst", k.IPV4, p.ARP),
        _simple("arp_sha", "NXM_NX_ARP_SHA", "arp_sha", k.MAC, p.ARP),
        _simple("arp_tha", "NXM_NX_ARP_THA", "arp_tha", k.MAC, p.ARP),
    ]


def _l4_fields() -> list[Field]:
    k, p = ValueKind, Prereq
    return [
        _simple("tcp_src", "NXM_OF_TCP_SRC", "tp_src", k.DECIMAL, p.TCP),
        _simple("tcp_dst", "NXM_OF_TCP_DST", "tp_dst", k.DECIMAL, p.TCP),
        _simple("udp_src", "NXM_OF_UDP_SRC", "tp_src", k.DECIMAL, p.UDP),
        _simple("udp_dst", "NXM_OF_UDP_DST", "tp_dst", k.DECIMAL, p.UDP),
        _simple("sctp_src", "OXM_OF_SCTP_SRC", "tp_src", k.DECIMAL, p.SCTP),
        _simple("sctp_dst", "OXM_OF_SCTP_DST", "tp_dst", k.DECIMAL, p.SCTP),
        _simple("tp_src", "", "tp_src", k.DECIMAL, p.L4),
        _simple("tp_dst", "", "tp_dst", k.DECIMAL, p.L4),
        _simple("tcp_flags", "NXM_NX_TCP_FLAGS", "tcp_flags", k.TCP_FLAGS, p.TCP, writable=False),
        _simple("icmp_type", "NXM_OF_ICMP_TYPE", "tp_src", k.DECIMAL, p.ICMP_ANY, width=8),
        _simple("icmp_code", "NXM_OF_ICMP_CODE", "tp_dst", k.DECIMAL, p.ICMP_ANY, width=8),
        _simple("icmpv6_type", "NXM_NX_ICMPV6_TYPE", "tp_src", k.DECIMAL, p.ICMPV6, width=8),
        _simple("icmpv6_code", "NXM_NX_ICMPV6_CODE", "tp_dst", k.DECIMAL, p.ICMPV6, width=8),
        _simple("nd_target", "NXM_NX_ND_TARGET", "nd_target", k.IPV6, p.ND),
        _simple("nd_sll", "NXM_NX_ND_SLL", "arp_sha", k.MAC, p.ND_SOLICIT),
        _simple("nd_tll", "NXM_NX_ND_TLL", "arp_tha", k.MAC, p.ND_ADVERT),
    ]


def _build_index(fields: list[Field]) -> dict[str, Field]:
    index: dict[str, Field] = {}
    for entry in fields:
        for name in (entry.name, *entry.aliases):
            index[name.lower()] = entry
        if entry.nxm:
            index[entry.nxm.lower()] = entry
    return index


ALL_FIELDS: tuple[Field, ...] = tuple(
    _metadata_fields()
    + _registers()
    + _tunnel_fields()
    + _l2_fields()
    + _l3_fields()
    + _l4_fields()
)
FIELDS: dict[str, Field] = _build_index(list(ALL_FIELDS))


def find_field(name: str) -> Field | None:
    """The field called `name` (primary name, alias, or NXM/OXM name), if any."""
    return FIELDS.get(name.lower())


# ---------------------------------------------------------------- prerequisites

# A lookup returns (value, mask) of a storage slot; for a packet the mask is
# all ones, for a match it is what the match constrains.
SlotLookup = Callable[[str], tuple[int, int]]


def _fixed(lookup: SlotLookup, slot: str) -> int | None:
    value, mask = lookup(slot)
    full = (1 << STORAGE_WIDTHS[slot]) - 1
    return value if mask & full == full else None


def _ethertype_in(lookup: SlotLookup, *types: int) -> bool:
    return _fixed(lookup, "dl_type") in types


def _ip_proto_is(lookup: SlotLookup, proto: int, *types: int) -> bool:
    return _ethertype_in(lookup, *types) and _fixed(lookup, "nw_proto") == proto


def _nd_type_in(lookup: SlotLookup, *icmp_types: int) -> bool:
    if not _ip_proto_is(lookup, 58, ETH_TYPE_IPV6):
        return False
    value, mask = lookup("tp_src")
    return mask & 0xFF == 0xFF and (value & 0xFF) in icmp_types


def prereq_satisfied(prereq: Prereq, lookup: SlotLookup) -> bool:
    """Whether the constraints visible through `lookup` satisfy `prereq`."""
    ip_any = (ETH_TYPE_IP, ETH_TYPE_IPV6)
    match prereq:
        case Prereq.NONE:
            return True
        case Prereq.ARP:
            return _ethertype_in(lookup, ETH_TYPE_ARP, ETH_TYPE_RARP)
        case Prereq.IPV4:
            return _ethertype_in(lookup, ETH_TYPE_IP)
        case Prereq.IPV6:
            return _ethertype_in(lookup, ETH_TYPE_IPV6)
        case Prereq.IP_ANY:
            return _ethertype_in(lookup, *ip_any)
        case Prereq.TCP:
            return _ip_proto_is(lookup, 6, *ip_any)
        case Prereq.UDP:
            return _ip_proto_is(lookup, 17, *ip_any)
        case Prereq.SCTP:
            return _ip_proto_is(lookup, 132, *ip_any)
        case Prereq.L4:
            return any(_ip_proto_is(lookup, proto, *ip_any) for proto in (6, 17, 132))
        case Prereq.ICMPV4:
            return _ip_proto_is(lookup, 1, ETH_TYPE_IP)
        case Prereq.ICMPV6:
            return _ip_proto_is(lookup, 58, ETH_TYPE_IPV6)
        case Prereq.ICMP_ANY:
            return _ip_proto_is(lookup, 1, ETH_TYPE_IP) or _ip_proto_is(lookup, 58, ETH_TYPE_IPV6)
        case Prereq.ND:
            return _nd_type_in(lookup, 135, 136)
        case Prereq.ND_SOLICIT:
            return _nd_type_in(lookup, 135)
        case Prereq.ND_ADVERT:
            return _nd_type_in(lookup, 136)
    return False  # pragma: no cover - every member is handled above
