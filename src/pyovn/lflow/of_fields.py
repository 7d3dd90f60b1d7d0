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

__all__ = ["OF_FIELDS", "OfField", "ValueFormat"]


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
    `NXM_*`/`OXM_*` name ovs-ofctl prints in load/move/push/pop, `oxm` and
    `nxm` the (class, field number) headers used for binary encoding.
    """

    name: str
    width: int
    match_name: str
    action_name: str
    fmt: ValueFormat
    maskable: bool
    writable: bool
    oxm: tuple[int, int] | None
    nxm: tuple[int, int] | None

    @property
    def n_bytes(self) -> int:
        return (self.width + 7) // 8


def _f(
    name: str,
    width: int,
    match_name: str,
    action_name: str,
    fmt: ValueFormat,
    oxm: tuple[int, int] | None,
    nxm: tuple[int, int] | None,
    *,
    maskable: bool = True,
    writable: bool = True,
) -> OfField:
    return OfField(name, width, match_name, action_name, fmt, maskable, writable, oxm, nxm)


_H, _D, _E = ValueFormat.HEX, ValueFormat.DECIMAL, ValueFormat.ETHERNET
_V4, _V6 = ValueFormat.IPV4, ValueFormat.IPV6

_ROWS: tuple[OfField, ...] = (
    _f("metadata", 64, "metadata", "OXM_OF_METADATA", _H, (OXM_OF_BASIC, 2), None),
    *(_f(f"reg{i}", 32, f"reg{i}", f"NXM_NX_REG{i}", _H, None, (NXM_NX, i)) for i in range(16)),
    *(
        _f(f"xreg{i}", 64, f"xreg{i}", f"OXM_OF_PKT_REG{i}", _H, (0x8001, i), None)
        for i in range(8)
    ),
    *(
        _f(f"xxreg{i}", 128, f"xxreg{i}", f"NXM_NX_XXREG{i}", _H, None, (NXM_NX, 111 + i))
        for i in range(4)
    ),
    _f(
        "conj_id",
        32,
        "conj_id",
        "NXM_NX_CONJ_ID",
        _D,
        None,
        (NXM_NX, 37),
        maskable=False,
        writable=False,
    ),
    _f("in_port", 16, "in_port", "NXM_OF_IN_PORT", _D, None, (NXM_OF, 0), maskable=False),
    _f("pkt_mark", 32, "pkt_mark", "NXM_NX_PKT_MARK", _H, None, (NXM_NX, 33)),
    _f(
        "ct_state",
        32,
        "ct_state",
        "NXM_NX_CT_STATE",
        ValueFormat.CT_STATE,
        None,
        (NXM_NX, 105),
        writable=False,
    ),
    _f("ct_mark", 32, "ct_mark", "NXM_NX_CT_MARK", _H, None, (NXM_NX, 107)),
    _f("ct_label", 128, "ct_label", "NXM_NX_CT_LABEL", _H, None, (NXM_NX, 108)),
    _f("eth_src", 48, "dl_src", "NXM_OF_ETH_SRC", _E, (OXM_OF_BASIC, 4), (NXM_OF, 2)),
    _f("eth_dst", 48, "dl_dst", "NXM_OF_ETH_DST", _E, (OXM_OF_BASIC, 3), (NXM_OF, 1)),
    _f(
        "eth_type",
        16,
        "dl_type",
        "NXM_OF_ETH_TYPE",
        _H,
        (OXM_OF_BASIC, 5),
        (NXM_OF, 3),
        maskable=False,
        writable=False,
    ),
    _f("vlan_tci", 16, "vlan_tci", "NXM_OF_VLAN_TCI", _H, None, (NXM_OF, 4)),
    _f(
        "nw_proto",
        8,
        "nw_proto",
        "NXM_OF_IP_PROTO",
        _D,
        (OXM_OF_BASIC, 10),
        (NXM_OF, 6),
        maskable=False,
        writable=False,
    ),
    _f("ip_dscp", 8, "ip_dscp", "OXM_OF_IP_DSCP", _D, (OXM_OF_BASIC, 8), None, maskable=False),
    _f("nw_ecn", 8, "nw_ecn", "NXM_NX_IP_ECN", _D, (OXM_OF_BASIC, 9), (NXM_NX, 28), maskable=False),
    _f("nw_ttl", 8, "nw_ttl", "NXM_NX_IP_TTL", _D, None, (NXM_NX, 29), maskable=False),
    _f(
        "ip_frag",
        8,
        "nw_frag",
        "NXM_NX_IP_FRAG",
        ValueFormat.FRAG,
        None,
        (NXM_NX, 26),
        writable=False,
    ),
    _f("ip_src", 32, "nw_src", "NXM_OF_IP_SRC", _V4, (OXM_OF_BASIC, 11), (NXM_OF, 7)),
    _f("ip_dst", 32, "nw_dst", "NXM_OF_IP_DST", _V4, (OXM_OF_BASIC, 12), (NXM_OF, 8)),
    _f("ipv6_src", 128, "ipv6_src", "NXM_NX_IPV6_SRC", _V6, (OXM_OF_BASIC, 26), (NXM_NX, 19)),
    _f("ipv6_dst", 128, "ipv6_dst", "NXM_NX_IPV6_DST", _V6, (OXM_OF_BASIC, 27), (NXM_NX, 20)),
    _f("ipv6_label", 32, "ipv6_label", "NXM_NX_IPV6_LABEL", _H, (OXM_OF_BASIC, 28), (NXM_NX, 27)),
    _f(
        "arp_op",
        16,
        "arp_op",
        "NXM_OF_ARP_OP",
        _D,
        (OXM_OF_BASIC, 21),
        (NXM_OF, 15),
        maskable=False,
    ),
    _f("arp_spa", 32, "arp_spa", "NXM_OF_ARP_SPA", _V4, (OXM_OF_BASIC, 22), (NXM_OF, 16)),
    _f("arp_tpa", 32, "arp_tpa", "NXM_OF_ARP_TPA", _V4, (OXM_OF_BASIC, 23), (NXM_OF, 17)),
    _f("arp_sha", 48, "arp_sha", "NXM_NX_ARP_SHA", _E, (OXM_OF_BASIC, 24), (NXM_NX, 17)),
    _f("arp_tha", 48, "arp_tha", "NXM_NX_ARP_THA", _E, (OXM_OF_BASIC, 25), (NXM_NX, 18)),
    _f("tcp_src", 16, "tp_src", "NXM_OF_TCP_SRC", _D, (OXM_OF_BASIC, 13), (NXM_OF, 9)),
    _f("tcp_dst", 16, "tp_dst", "NXM_OF_TCP_DST", _D, (OXM_OF_BASIC, 14), (NXM_OF, 10)),
    _f(
        "tcp_flags",
        16,
        "tcp_flags",
        "NXM_NX_TCP_FLAGS",
        ValueFormat.TCP_FLAGS,
        (OXM_OF_BASIC, 42),
        (NXM_NX, 34),
        writable=False,
    ),
    _f("udp_src", 16, "tp_src", "NXM_OF_UDP_SRC", _D, (OXM_OF_BASIC, 15), (NXM_OF, 11)),
    _f("udp_dst", 16, "tp_dst", "NXM_OF_UDP_DST", _D, (OXM_OF_BASIC, 16), (NXM_OF, 12)),
    _f("sctp_src", 16, "tp_src", "OXM_OF_SCTP_SRC", _D, (OXM_OF_BASIC, 17), None),
    _f("sctp_dst", 16, "tp_dst", "OXM_OF_SCTP_DST", _D, (OXM_OF_BASIC, 18), None),
    _f(
        "icmp_type",
        8,
        "icmp_type",
        "NXM_OF_ICMP_TYPE",
        _D,
        (OXM_OF_BASIC, 19),
        (NXM_OF, 13),
        maskable=False,
    ),
    _f(
        "icmp_code",
        8,
        "icmp_code",
        "NXM_OF_ICMP_CODE",
        _D,
        (OXM_OF_BASIC, 20),
        (NXM_OF, 14),
        maskable=False,
    ),
    _f(
        "icmpv6_type",
        8,
        "icmp_type",
        "NXM_NX_ICMPV6_TYPE",
        _D,
        (OXM_OF_BASIC, 29),
        (NXM_NX, 21),
        maskable=False,
    ),
    _f(
        "icmpv6_code",
        8,
        "icmp_code",
        "NXM_NX_ICMPV6_CODE",
        _D,
        (OXM_OF_BASIC, 30),
        (NXM_NX, 22),
        maskable=False,
    ),
    _f("nd_target", 128, "nd_target", "NXM_NX_ND_TARGET", _V6, (OXM_OF_BASIC, 31), (NXM_NX, 23)),
    _f("nd_sll", 48, "nd_sll", "NXM_NX_ND_SLL", _E, (OXM_OF_BASIC, 32), (NXM_NX, 24)),
    _f("nd_tll", 48, "nd_tll", "NXM_NX_ND_TLL", _E, (OXM_OF_BASIC, 33), (NXM_NX, 25)),
)

OF_FIELDS: dict[str, OfField] = {row.name: row for row in _ROWS}
