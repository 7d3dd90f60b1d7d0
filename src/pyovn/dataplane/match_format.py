"""Printing matches and packet flows in Open vSwitch's canonical order.

`format_match` prints a `Match` the way `ovs-ofctl dump-flows` does
(metadata and conntrack fields, protocol shorthand, registers, tunnel,
`metadata`, `in_port`, VLAN, L2, L3, L4). `format_flow` prints a packet's
field map the way `ofproto/trace` prints its `Flow:` and `Final flow:` lines:
an exact match on every header field the packet's protocols define, with
zero-valued metadata left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pyovn.dataplane.field_syntax import format_masked
from pyovn.dataplane.fields import FIELDS, STORAGE_WIDTHS
from pyovn.dataplane.match import Match

__all__ = ["flow_match", "format_flow", "format_match", "protocol_name"]

Get = Callable[[str], tuple[int, int]]

_IPV4_SHORTHANDS = {1: "icmp", 2: "igmp", 6: "tcp", 17: "udp", 132: "sctp"}
_IPV6_SHORTHANDS = {58: "icmp6", 6: "tcp6", 17: "udp6", 132: "sctp6"}
_ETHERTYPE_SHORTHANDS = {0x0806: "arp", 0x8035: "rarp", 0x8847: "mpls", 0x8848: "mplsm"}
_METADATA_SLOTS = ("recirc_id", "dp_hash", "conj_id", "skb_priority", "actset_output", "pkt_mark")
_CT_FIELDS = (
    "ct_state",
    "ct_zone",
    "ct_mark",
    "ct_label",
    "ct_nw_src",
    "ct_nw_dst",
    "ct_ipv6_src",
    "ct_ipv6_dst",
    "ct_nw_proto",
    "ct_tp_src",
    "ct_tp_dst",
)
_TUNNEL_FIELDS = (
    "tun_id",
    "tun_src",
    "tun_dst",
    "tun_ipv6_src",
    "tun_ipv6_dst",
    "tun_gbp_id",
    "tun_gbp_flags",
    "tun_tos",
    "tun_ttl",
)


def _full(slot: str) -> int:
    return (1 << STORAGE_WIDTHS[slot]) - 1


def _put(parts: list[str], get: Get, slot: str, name: str, field_name: str | None = None) -> None:
    value, mask = get(slot)
    if mask:
        field = FIELDS[field_name or name]
        parts.append(f"{name}={format_masked(field, value, mask)}")


def _put_be16(parts: list[str], get: Get, slot: str, name: str, width_mask: int) -> None:
    value, mask = get(slot)
    if not mask:
        return
    if mask & width_mask == width_mask:
        parts.append(f"{name}={value & width_mask}")
    else:
        parts.append(f"{name}=0x{value:x}/0x{mask:x}")


def protocol_name(get: Get) -> tuple[str | None, bool]:
    """The protocol shorthand a match implies, and whether it covers nw_proto."""
    dl_type, dl_mask = get("dl_type")
    if dl_mask != 0xFFFF:
        return None, False
    proto, proto_mask = get("nw_proto")
    proto_known = proto_mask == 0xFF
    if dl_type == 0x0800:
        if proto_known and proto in _IPV4_SHORTHANDS:
            return _IPV4_SHORTHANDS[proto], True
        return "ip", False
    if dl_type == 0x86DD:
        if proto_known and proto in _IPV6_SHORTHANDS:
            return _IPV6_SHORTHANDS[proto], True
        return "ipv6", False
    return _ETHERTYPE_SHORTHANDS.get(dl_type), False


def format_match(match: Match, *, flow_mode: bool = False, eth: bool = False) -> str:
    """A match in dump-flows order (without priority); `flow_mode` for trace flows."""
    parts: list[str] = []
    get = match.get
    for slot in _METADATA_SLOTS:
        _put(parts, get, slot, slot)
    for name in _CT_FIELDS:
        _put(parts, get, name, name)
    if eth:
        parts.append("eth")
    shorthand, covers_proto = protocol_name(get)
    if shorthand:
        parts.append(shorthand)
    for index in range(16):
        _put(parts, get, f"reg{index}", f"reg{index}")
    _format_tunnel(parts, get, flow_mode)
    _put(parts, get, "metadata", "metadata")
    _put(parts, get, "in_port", "in_port")
    _format_vlan(parts, get, flow_mode)
    _put(parts, get, "dl_src", "dl_src")
    _put(parts, get, "dl_dst", "dl_dst")
    if shorthand is None:
        _put(parts, get, "dl_type", "dl_type")
    _format_l3(parts, get, covers_proto)
    _format_l4(parts, get)
    return ",".join(parts)


def _format_tunnel(parts: list[str], get: Get, flow_mode: bool) -> None:
    for name in _TUNNEL_FIELDS:
        _put(parts, get, name, name)
    if flow_mode and get("tun_src")[1]:
        parts.extend(("tun_erspan_ver=0", "gtpu_flags=0", "gtpu_msgtype=0"))
    _put(parts, get, "tun_flags", "tun_flags")
    for index in range(8):
        _put(parts, get, f"tun_metadata{index}", f"tun_metadata{index}")


def _format_vlan(parts: list[str], get: Get, flow_mode: bool) -> None:
    value, mask = get("vlan_tci")
    if not mask:
        return
    vid_mask, pcp_mask, cfi = mask & 0x0FFF, mask & 0xE000, mask & 0x1000
    if (
        cfi
        and value & 0x1000
        and vid_mask in (0, 0x0FFF)
        and pcp_mask in (0, 0xE000)
        and (vid_mask or pcp_mask)
    ):
        if vid_mask:
            parts.append(f"dl_vlan={value & 0x0FFF}")
        if pcp_mask:
            parts.append(f"dl_vlan_pcp={value >> 13}")
        if flow_mode:
            parts.append("vlan_tci1=0x0000")
    elif mask == 0xFFFF:
        parts.append(f"vlan_tci=0x{value:04x}")
    else:
        parts.append(f"vlan_tci=0x{value:04x}/0x{mask:04x}")


def _format_l3(parts: list[str], get: Get, covers_proto: bool) -> None:
    dl_type = get("dl_type")[0] if get("dl_type")[1] == 0xFFFF else None
    is_arp = dl_type in (0x0806, 0x8035)
    if dl_type == 0x86DD:
        _put(parts, get, "ipv6_src", "ipv6_src")
        _put(parts, get, "ipv6_dst", "ipv6_dst")
        _put(parts, get, "ipv6_label", "ipv6_label")
    elif is_arp:
        _put(parts, get, "nw_src", "arp_spa")
        _put(parts, get, "nw_dst", "arp_tpa")
    else:
        _put(parts, get, "nw_src", "nw_src")
        _put(parts, get, "nw_dst", "nw_dst")
    proto, proto_mask = get("nw_proto")
    if proto_mask and not covers_proto:
        parts.append(f"{'arp_op' if is_arp else 'nw_proto'}={proto}")
    if is_arp:
        _put(parts, get, "arp_sha", "arp_sha")
        _put(parts, get, "arp_tha", "arp_tha")
    tos, tos_mask = get("nw_tos")
    if tos_mask & 0xFC:
        parts.append(f"nw_tos={tos & 0xFC}")
    if tos_mask & 0x03:
        parts.append(f"nw_ecn={tos & 0x03}")
    _put(parts, get, "nw_ttl", "nw_ttl")
    _format_frag(parts, get)


def _format_frag(parts: list[str], get: Get) -> None:
    value, mask = get("nw_frag")
    if not mask:
        return
    if mask == 3:
        text = {0: "no", 1: "first", 3: "later"}.get(value, "later")
    elif mask == 1:
        text = "yes" if value else "no"
    else:
        text = "later" if value else "not_later"
    parts.append(f"nw_frag={text}")


def _format_l4(parts: list[str], get: Get) -> None:
    dl_type, dl_mask = get("dl_type")
    proto, proto_mask = get("nw_proto")
    if dl_mask != 0xFFFF or proto_mask != 0xFF or dl_type not in (0x0800, 0x86DD):
        return
    icmp = (dl_type, proto) in ((0x0800, 1), (0x86DD, 58))
    if icmp:
        _put_be16(parts, get, "tp_src", "icmp_type", 0xFF)
        _put_be16(parts, get, "tp_dst", "icmp_code", 0xFF)
        if proto == 58:
            _put(parts, get, "nd_target", "nd_target")
            _put(parts, get, "arp_sha", "nd_sll")
            _put(parts, get, "arp_tha", "nd_tll")
        return
    _put_be16(parts, get, "tp_src", "tp_src", 0xFFFF)
    _put_be16(parts, get, "tp_dst", "tp_dst", 0xFFFF)
    _put(parts, get, "tcp_flags", "tcp_flags")


# ------------------------------------------------------------------ packet flows

_FLOW_METADATA = (
    *_METADATA_SLOTS,
    *_CT_FIELDS,
    *(f"reg{i}" for i in range(16)),
    "metadata",
)


def flow_match(values: Mapping[str, int]) -> Match:
    """The exact match ofproto/trace prints for a packet's field map."""
    exact: dict[str, tuple[int, int]] = {}

    def take(*slots: str) -> None:
        for slot in slots:
            exact[slot] = (values.get(slot, 0), _full(slot))

    for slot in _FLOW_METADATA:
        if slot != "conj_id" and values.get(slot, 0):
            take(slot)
    if values.get("tun_src", 0) or values.get("tun_dst", 0):
        if values.get("tun_id", 0):
            take("tun_id")
        take(*_TUNNEL_FIELDS[1:], "tun_flags")
    for index in range(8):
        if values.get(f"tun_metadata{index}", 0):
            take(f"tun_metadata{index}")
    take("in_port", "vlan_tci", "dl_src", "dl_dst", "dl_type")
    _take_l3_l4(values, take)
    return Match.from_constraints(exact)


def _take_l3_l4(values: Mapping[str, int], take: Callable[..., None]) -> None:
    dl_type = values.get("dl_type", 0)
    if dl_type in (0x0806, 0x8035):
        take("nw_src", "nw_dst", "nw_proto", "arp_sha", "arp_tha")
        return
    if dl_type not in (0x0800, 0x86DD):
        return
    if dl_type == 0x0800:
        take("nw_src", "nw_dst")
    else:
        take("ipv6_src", "ipv6_dst", "ipv6_label")
    take("nw_proto", "nw_tos", "nw_ttl", "nw_frag")
    if values.get("nw_frag", 0) & 2:
        return
    proto = values.get("nw_proto", 0)
    if proto in (6, 17, 132) or (dl_type, proto) in ((0x0800, 1), (0x86DD, 58)):
        take("tp_src", "tp_dst")
    if proto == 6:
        take("tcp_flags")
    if dl_type == 0x86DD and proto == 58 and values.get("tp_src", 0) in (135, 136):
        take("nd_target", "arp_sha", "arp_tha")


def format_flow(values: Mapping[str, int]) -> str:
    """A packet's field map as ofproto/trace prints it (`Flow:` lines)."""
    return format_match(flow_match(values), flow_mode=True, eth=bool(values.get("recirc_id", 0)))
