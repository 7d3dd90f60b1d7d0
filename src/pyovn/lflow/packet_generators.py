"""How nested-action packet generators transform the packet they start from.

`arp { ... }`, `nd_ns { ... }`, `nd_na { ... }`, `icmp4 { ... }`, ... run
their body on a new packet derived from the current one; ovn-sb(5) lists
the initial values each sets (the body usually overrides some).  These
functions build that packet from a copy.
"""

from __future__ import annotations

from collections.abc import Callable

from pyovn.lflow.packet import Packet

__all__ = ["GENERATORS", "solicited_node"]

_ETH_ARP = 0x0806
_ETH_IP6 = 0x86DD
_TCP_RST = 0x04
_TCP_ACK = 0x10


def solicited_node(address: int) -> tuple[int, int]:
    """(IPv6 solicited-node multicast address, its Ethernet multicast MAC)."""
    ip = (0xFF02 << 112) | (0x1FF << 24) | (address & 0xFFFFFF)
    mac = (0x3333 << 32) | (ip & 0xFFFFFFFF)
    return ip, mac


def _swap(packet: Packet, a: str, b: str) -> None:
    first, second = packet.get(a), packet.get(b)
    packet.set(a, second)
    packet.set(b, first)


def arp_request(packet: Packet) -> Packet:
    out = packet.copy()
    spa, tpa = packet.get("ip4.src"), packet.get("ip4.dst")
    for storage in ("ip_src", "ip_dst", "nw_proto", "nw_ttl", "ip_frag", "ip_dscp", "nw_ecn"):
        out.values.pop(storage, None)
    out.set("eth.type", _ETH_ARP)
    out.set("arp.op", 1)
    out.set("arp.sha", packet.get("eth.src"))
    out.set("arp.spa", spa)
    out.set("arp.tha", 0)
    out.set("arp.tpa", tpa)
    return out


def neighbor_solicitation(packet: Packet) -> Packet:
    out = packet.copy()
    target = packet.get("ip6.dst")
    ip, mac = solicited_node(target)
    out.set("eth.dst", mac)
    out.set("eth.type", _ETH_IP6)
    out.set("ip.proto", 58)
    out.set("ip.ttl", 255)
    out.set("ip6.dst", ip)
    out.set("icmp6.type", 135)
    out.set("icmp6.code", 0)
    out.set("nd.target", target)
    return out


def neighbor_advertisement(packet: Packet) -> Packet:
    out = packet.copy()
    _swap(out, "eth.src", "eth.dst")
    out.set("eth.type", _ETH_IP6)
    out.set("ip6.dst", packet.get("ip6.src"))
    out.set("ip6.src", packet.get("nd.target"))
    out.set("icmp6.type", 136)
    out.set("icmp6.code", 0)
    out.set("nd.sll", 0)
    out.set("nd.tll", out.get("eth.src"))
    return out


def icmp4(packet: Packet) -> Packet:
    out = packet.copy()
    out.set("ip.proto", 1)
    out.set("ip.frag", 0)
    out.set("ip.ttl", 255)
    out.set("icmp4.type", 3)
    out.set("icmp4.code", 1)
    return out


def icmp6(packet: Packet) -> Packet:
    out = packet.copy()
    out.set("ip.proto", 58)
    out.set("ip.ttl", 255)
    out.set("icmp6.type", 1)
    out.set("icmp6.code", 1)
    return out


def tcp_reset(packet: Packet) -> Packet:
    out = packet.copy()
    acked = packet.get("tcp.flags") & _TCP_ACK
    out.set("tcp.flags", _TCP_RST | (0 if acked else _TCP_ACK))
    out.set("ip.ttl", 255)
    return out


def sctp_abort(packet: Packet) -> Packet:
    out = packet.copy()
    out.set("ip.ttl", 255)
    return out


def reject(packet: Packet) -> Packet:
    """TCP RST for TCP, ICMP unreachable otherwise; addresses swapped."""
    is_ip6 = packet.get("eth.type") == _ETH_IP6
    if packet.get("ip.proto") == 6:
        out = tcp_reset(packet)
    else:
        out = icmp6(packet) if is_ip6 else icmp4(packet)
    _swap(out, "eth.src", "eth.dst")
    if is_ip6:
        _swap(out, "ip6.src", "ip6.dst")
    else:
        _swap(out, "ip4.src", "ip4.dst")
    return out


def clone(packet: Packet) -> Packet:
    return packet.copy()


#: action keyword -> how its packet is derived from the current one.
GENERATORS: dict[str, Callable[[Packet], Packet]] = {
    "clone": clone,
    "arp": arp_request,
    "nd_ns": neighbor_solicitation,
    "nd_na": neighbor_advertisement,
    "nd_na_router": neighbor_advertisement,
    "icmp4": icmp4,
    "icmp4_error": icmp4,
    "icmp6": icmp6,
    "icmp6_error": icmp6,
    "tcp_reset": tcp_reset,
    "sctp_abort": sctp_abort,
    "reject": reject,
}
