"""The microflow in OpenFlow syntax, as the first line of ovn-trace output.

Open vSwitch prints a packet's fields in a fixed order: conntrack state,
the protocol shorthand (`tcp`, `arp`, `icmp6`, ...), non-zero registers,
VLAN, Ethernet, then the layer 3 and layer 4 fields that the protocol
defines (`nw_src=...,nw_frag=no,tp_src=...,tcp_flags=0`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

__all__ = ["CT_FLAGS", "format_ct_state", "format_flow_line", "format_mac"]

#: ct_state bits in Open vSwitch's printing order.
CT_FLAGS = (
    (0x01, "new"),
    (0x02, "est"),
    (0x04, "rel"),
    (0x08, "rpl"),
    (0x10, "inv"),
    (0x20, "trk"),
    (0x40, "snat"),
    (0x80, "dnat"),
)
_TCP_FLAGS = ("fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns")
_V4_SHORT = {1: "icmp", 6: "tcp", 17: "udp", 132: "sctp"}
_V6_SHORT = {58: "icmp6", 6: "tcp6", 17: "udp6", 132: "sctp6"}
_L2_SHORT = {0x0806: "arp", 0x8035: "rarp"}
#: lflow storage of register bits -> (first 32-bit register, number of registers).
_REG_STORAGE = {"xxreg0": (0, 4), "xxreg1": (4, 4), "xreg4": (8, 2)}


def format_mac(value: int) -> str:
    raw = f"{value & ((1 << 48) - 1):012x}"
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


def format_ct_state(state: int) -> str:
    return "|".join(name for bit, name in CT_FLAGS if state & bit)


def _registers(values: Mapping[str, int]) -> list[int]:
    regs = [0] * 16
    for storage, (first, count) in _REG_STORAGE.items():
        value = values.get(storage, 0)
        for index in range(count):
            shift = 32 * (count - 1 - index)
            regs[first + index] |= (value >> shift) & 0xFFFFFFFF
    for index in range(10, 16):
        regs[index] |= values.get(f"reg{index}", 0) & 0xFFFFFFFF
    return regs


def _ipv6(value: int) -> str:
    return str(ipaddress.IPv6Address(value))


def _ipv4(value: int) -> str:
    return str(ipaddress.IPv4Address(value & 0xFFFFFFFF))


def _frag(value: int) -> str:
    if not value & 1:
        return "no"
    return "later" if value & 2 else "first"


def _tcp_flags(value: int) -> str:
    if not value:
        return "0"
    return "|".join(name for bit, name in enumerate(_TCP_FLAGS) if value & (1 << bit))


def _protocol(values: Mapping[str, int]) -> str | None:
    eth_type, proto = values.get("eth_type", 0), values.get("nw_proto", 0)
    if eth_type == 0x0800:
        return _V4_SHORT.get(proto, "ip")
    if eth_type == 0x86DD:
        return _V6_SHORT.get(proto, "ipv6")
    return _L2_SHORT.get(eth_type)


def _l2(parts: list[str], values: Mapping[str, int]) -> None:
    tci = values.get("vlan_tci", 0)
    if tci & 0x1000:
        parts += [f"dl_vlan={tci & 0xFFF}", f"dl_vlan_pcp={tci >> 13}", "vlan_tci1=0x0000"]
    else:
        parts.append(f"vlan_tci=0x{tci:04x}")
    parts.append(f"dl_src={format_mac(values.get('eth_src', 0))}")
    parts.append(f"dl_dst={format_mac(values.get('eth_dst', 0))}")


def _l4_ports(values: Mapping[str, int], proto: int) -> tuple[int, int]:
    prefix = {6: "tcp", 17: "udp", 132: "sctp"}.get(proto)
    if prefix is None:
        return 0, 0
    return values.get(f"{prefix}_src", 0), values.get(f"{prefix}_dst", 0)


def _l3_l4(parts: list[str], values: Mapping[str, int], shorthand: str | None) -> None:
    eth_type, proto = values.get("eth_type", 0), values.get("nw_proto", 0)
    if eth_type in (0x0806, 0x8035):
        parts += [
            f"arp_spa={_ipv4(values.get('arp_spa', 0))}",
            f"arp_tpa={_ipv4(values.get('arp_tpa', 0))}",
            f"arp_op={values.get('arp_op', 0)}",
            f"arp_sha={format_mac(values.get('arp_sha', 0))}",
            f"arp_tha={format_mac(values.get('arp_tha', 0))}",
        ]
        return
    if eth_type == 0x0800:
        parts += [f"nw_src={_ipv4(values.get('ip_src', 0))}"]
        parts += [f"nw_dst={_ipv4(values.get('ip_dst', 0))}"]
    elif eth_type == 0x86DD:
        parts += [f"ipv6_src={_ipv6(values.get('ipv6_src', 0))}"]
        parts += [f"ipv6_dst={_ipv6(values.get('ipv6_dst', 0))}"]
        parts += [f"ipv6_label=0x{values.get('ipv6_label', 0):05x}"]
    else:
        return
    if shorthand in ("ip", "ipv6"):
        parts.append(f"nw_proto={proto}")
    parts += [
        f"nw_tos={(values.get('ip_dscp', 0) << 2) & 0xFC}",
        f"nw_ecn={values.get('nw_ecn', 0)}",
    ]
    parts += [f"nw_ttl={values.get('nw_ttl', 0)}", f"nw_frag={_frag(values.get('ip_frag', 0))}"]
    if values.get("ip_frag", 0) & 2:
        return
    icmp = (eth_type, proto) in ((0x0800, 1), (0x86DD, 58))
    if icmp:
        kind = "icmp" if eth_type == 0x0800 else "icmpv6"
        icmp_type = values.get(f"{kind}_type", 0)
        parts += [f"icmp_type={icmp_type}", f"icmp_code={values.get(f'{kind}_code', 0)}"]
        if eth_type == 0x86DD and icmp_type in (135, 136):
            parts.append(f"nd_target={_ipv6(values.get('nd_target', 0))}")
            parts.append(f"nd_sll={format_mac(values.get('nd_sll', 0))}")
            parts.append(f"nd_tll={format_mac(values.get('nd_tll', 0))}")
    elif proto in (6, 17, 132, 2):
        src, dst = _l4_ports(values, proto)
        parts += [f"tp_src={src}", f"tp_dst={dst}"]
        if proto == 6:
            parts.append(f"tcp_flags={_tcp_flags(values.get('tcp_flags', 0))}")


def format_flow_line(values: Mapping[str, int]) -> str:
    """`values` (lflow storage fields) as Open vSwitch prints a flow."""
    parts: list[str] = []
    state = values.get("ct_state", 0)
    if state:
        parts.append(f"ct_state={format_ct_state(state)}")
    for name in ("ct_mark", "ct_label"):
        if values.get(name, 0):
            parts.append(f"{name}=0x{values[name]:x}")
    shorthand = _protocol(values)
    if shorthand:
        parts.append(shorthand)
    for index, reg in enumerate(_registers(values)):
        if reg:
            parts.append(f"reg{index}=0x{reg:x}")
    if values.get("pkt_mark", 0):
        parts.append(f"pkt_mark=0x{values['pkt_mark']:x}")
    _l2(parts, values)
    if shorthand is None:
        parts.append(f"dl_type=0x{values.get('eth_type', 0):04x}")
    _l3_l4(parts, values, shorthand)
    return ",".join(parts)
