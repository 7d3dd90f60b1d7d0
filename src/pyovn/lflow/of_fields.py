"""Open vSwitch fields that logical fields are stored in.

One row per OVS field that OVN's logical fields map to, with what the
OpenFlow side needs: the name `ovs-ofctl` uses in a match (`dl_src`), the
name it uses in actions (`NXM_OF_ETH_SRC`), how values are written, whether
the field accepts arbitrary masks, and its OXM/NXM header for encoding
actions in binary (controller `userdata`).  Facts come from ovs-fields(7).

Logical registers live in the widest OVS register that holds them
(`xxreg0` holds reg0..reg3), as in ovn-controller, so subfield arithmetic is
done once on the wide register and split back into 32-bit `regN` when a
match is printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["OF_FIELDS", "OfField", "ValueFormat", "of_field"]


class ValueFormat(Enum):
    """How ovs-ofctl writes values of a field in a match."""

    HEX = "hex"
    DECIMAL = "decimal"
    ETHERNET = "ethernet"
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    CT_STATE = "ct_state"
    FRAG = "frag"
    TCP_FLAGS = "tcp_flags"


# OXM/NXM classes (ovs-fields(7), "OXM and NXM").
NXM_OF = 0x0000
NXM_NX = 0x0001
OXM_OF_BASIC = 0x8000


@dataclass(frozen=True, slots=True)
class OfField:
    """An Open vSwitch field.

    `match_name` is the ovs-ofctl match keyword, `action_name` the
    `NXM_*`/`OXM_*` name ovs-ofctl prints in load/move/push/pop, `header`
    the (class, field number) used for binary OpenFlow 1.5 encoding.
    """

    name: str
    width: int
    match_name: str
    action_name: str
    fmt: ValueFormat
    maskable: bool
    writable: bool
    header: tuple[int, int]
    ethertype_prereq: tuple[int, ...] = ()


def _f(
    name: str,
    width: int,
    match_name: str,
    action_name: str,
    fmt: ValueFormat,
    header: tuple[int, int],
    *,
    maskable: bool = True,
    writable: bool = True,
) -> OfField:
    return OfField(name, width, match_name, action_name, fmt, maskable, writable, header)


_H, _D, _E = ValueFormat.HEX, ValueFormat.DECIMAL, ValueFormat.ETHERNET
_V4, _V6 = ValueFormat.IPV4, ValueFormat.IPV6

_ROWS: tuple[OfField, ...] = (
    _f("metadata", 64, "metadata", "OXM_OF_METADATA", _H, (OXM_OF_BASIC, 2)),
    *(_f(f"reg{i}", 32, f"reg{i}", f"NXM_NX_REG{i}", _H, (NXM_NX, i)) for i in range(16)),
    *(_f(f"xreg{i}", 64, f"xreg{i}", f"OXM_OF_PKT_REG{i}", _H, (0x8001, i)) for i in range(8)),
    *(_f(f"xxreg{i}", 128, f"xxreg{i}", f"NXM_NX_XXREG{i}", _H, (NXM_NX, 111 + i)) for i in range(4)),
    _f("in_port", 16, "in_port", "NXM_OF_IN_PORT", _D, (NXM_OF, 0), maskable=False),
    _f("pkt_mark", 32, "pkt_mark", "NXM_NX_PKT_MARK", _H, (NXM_NX, 33)),
    _f("ct_state", 32, "ct_state", "NXM_NX_CT_STATE", ValueFormat.CT_STATE, (NXM_NX, 105),
       writable=False),
    _f("ct_mark", 32, "ct_mark", "NXM_NX_CT_MARK", _H, (NXM_NX, 107)),
    _f("ct_label", 128, "ct_label", "NXM_NX_CT_LABEL", _H, (NXM_NX, 108)),
    _f("eth_src", 48, "dl_src", "NXM_OF_ETH_SRC", _E, (OXM_OF_BASIC, 4)),
    _f("eth_dst", 48, "dl_dst", "NXM_OF_ETH_DST", _E, (OXM_OF_BASIC, 3)),
    _f("eth_type", 16, "dl_type", "NXM_OF_ETH_TYPE", _H, (OXM_OF_BASIC, 5), maskable=False,
       writable=False),
    _f("vlan_tci", 16, "vlan_tci", "NXM_OF_VLAN_TCI", _H, (NXM_OF, 4)),
    _f("nw_proto", 8, "nw_proto", "NXM_OF_IP_PROTO", _D, (OXM_OF_BASIC, 10), maskable=False,
       writable=False),
    _f("ip_dscp", 8, "ip_dscp", "OXM_OF_IP_DSCP", _D, (OXM_OF_BASIC, 8), maskable=False),
    _f("nw_ecn", 8, "nw_ecn", "NXM_NX_IP_ECN", _D, (OXM_OF_BASIC, 9), maskable=False),
    _f("nw_ttl", 8, "nw_ttl", "NXM_NX_IP_TTL", _D, (NXM_NX, 29), maskable=False),
    _f("ip_frag", 8, "nw_frag", "NXM_NX_IP_FRAG", ValueFormat.FRAG, (NXM_NX, 26),
       writable=False),
    _f("ip_src", 32, "nw_src", "NXM_OF_IP_SRC", _V4, (OXM_OF_BASIC, 11)),
    _f("ip_dst", 32, "nw_dst", "NXM_OF_IP_DST", _V4, (OXM_OF_BASIC, 12)),
    _f("ipv6_src", 128, "ipv6_src", "NXM_NX_IPV6_SRC", _V6, (OXM_OF_BASIC, 26)),
    _f("ipv6_dst", 128, "ipv6_dst", "NXM_NX_IPV6_DST", _V6, (OXM_OF_BASIC, 27)),
    _f("ipv6_label", 32, "ipv6_label", "NXM_NX_IPV6_LABEL", _H, (OXM_OF_BASIC, 28)),
    _f("arp_op", 16, "arp_op", "NXM_OF_ARP_OP", _D, (OXM_OF_BASIC, 21), maskable=False),
    _f("arp_spa", 32, "arp_spa", "NXM_OF_ARP_SPA", _V4, (OXM_OF_BASIC, 22)),
    _f("arp_tpa", 32, "arp_tpa", "NXM_OF_ARP_TPA", _V4, (OXM_OF_BASIC, 23)),
    _f("arp_sha", 48, "arp_sha", "NXM_NX_ARP_SHA", _E, (OXM_OF_BASIC, 24)),
    _f("arp_tha", 48, "arp_tha", "NXM_NX_ARP_THA", _E, (OXM_OF_BASIC, 25)),
    _f("tcp_src", 16, "tp_src", "NXM_OF_TCP_SRC", _D, (OXM_OF_BASIC, 13)),
    _f("tcp_dst", 16, "tp_dst", "NXM_OF_TCP_DST", _D, (OXM_OF_BASIC, 14)),
    _f("tcp_flags", 16, "tcp_flags", "NXM_NX_TCP_FLAGS", ValueFormat.TCP_FLAGS,
       (OXM_OF_BASIC, 42), writable=False),
    _f("udp_src", 16, "tp_src", "NXM_OF_UDP_SRC", _D, (OXM_OF_BASIC, 15)),
    _f("udp_dst", 16, "tp_dst", "NXM_OF_UDP_DST", _D, (OXM_OF_BASIC, 16)),
    _f("sctp_src", 16, "tp_src", "OXM_OF_SCTP_SRC", _D, (OXM_OF_BASIC, 17)),
    _f("sctp_dst", 16, "tp_dst", "OXM_OF_SCTP_DST", _D, (OXM_OF_BASIC, 18)),
    _f("icmp_type", 8, "icmp_type", "NXM_OF_ICMP_TYPE", _D, (OXM_OF_BASIC, 19), maskable=False),
    _f("icmp_code", 8, "icmp_code", "NXM_OF_ICMP_CODE", _D, (OXM_OF_BASIC, 20), maskable=False),
    _f("icmpv6_type", 8, "icmp_type", "NXM_NX_ICMPV6_TYPE", _D, (OXM_OF_BASIC, 29),
       maskable=False),
    _f("icmpv6_code", 8, "icmp_code", "NXM_NX_ICMPV6_CODE", _D, (OXM_OF_BASIC, 30),
       maskable=False),
    _f("nd_target", 128, "nd_target", "NXM_NX_ND_TARGET", _V6, (OXM_OF_BASIC, 31)),
    _f("nd_sll", 48, "nd_sll", "NXM_NX_ND_SLL", _E, (OXM_OF_BASIC, 32)),
    _f("nd_tll", 48, "nd_tll", "NXM_NX_ND_TLL", _E, (OXM_OF_BASIC, 33)),
)

OF_FIELDS: dict[str, OfField] = {row.name: row for row in _ROWS}


def of_field(name: str) -> OfField:
    """The OVS field called `name` (KeyError if the table lacks it)."""
    return OF_FIELDS[name]
