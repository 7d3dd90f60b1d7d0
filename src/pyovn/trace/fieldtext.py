"""Which fields count as packet data, and how their values print.

The minimal view shows writes to packet headers only, never to registers,
flags, conntrack or port metadata; values print the way Open vSwitch prints
the field they came from (a MAC as a MAC, an IPv4 address dotted, a register
in hexadecimal: `eth.src = xreg0[0..47]` shows as `eth.src = 0xff03`).
"""

from __future__ import annotations

import ipaddress

from pyovn.lflow.expr import FieldRef
from pyovn.lflow.packet import locate
from pyovn.trace.flowline import format_mac

__all__ = ["format_value", "is_packet_data"]

_METADATA = frozenset(
    {"xxreg0", "xxreg1", "xreg4", "reg10", "reg11", "reg12", "reg13", "reg14", "reg15"}
    | {"ct_state", "ct_mark", "ct_label", "metadata", "pkt_mark", "in_port"}
)
_MACS = frozenset({"eth_src", "eth_dst", "arp_sha", "arp_tha", "nd_sll", "nd_tll"})
_IPV4 = frozenset({"ip_src", "ip_dst", "arp_spa", "arp_tpa"})
_IPV6 = frozenset({"ipv6_src", "ipv6_dst", "nd_target"})
_HEX = _METADATA


def _storage(ref: FieldRef) -> tuple[str, bool]:
    """(storage field, whether `ref` covers all of it)."""
    if ref.name in ("inport", "outport"):
        return ("reg14" if ref.name == "inport" else "reg15"), True
    storage, offset, width = locate(ref)
    full = ref.start is None and offset == 0
    return storage, full and width >= _WIDTHS.get(storage, width)


_WIDTHS = {"eth_src": 48, "eth_dst": 48, "arp_sha": 48, "arp_tha": 48, "nd_sll": 48, "nd_tll": 48}


def is_packet_data(ref: FieldRef) -> bool:
    """Whether writing `ref` changes the packet itself (not metadata)."""
    return _storage(ref)[0] not in _METADATA


def format_value(ref: FieldRef, value: int) -> str:
    """`value` as Open vSwitch prints field `ref`."""
    storage, full = _storage(ref)
    if storage in _HEX or not full:
        return f"0x{value:x}" if (storage in _HEX or value > 9) else str(value)
    if storage in _MACS:
        return format_mac(value)
    if storage in _IPV4:
        return str(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    if storage in _IPV6:
        return str(ipaddress.IPv6Address(value))
    return str(value)
