"""Port security: `check_in_port_sec()` and `check_out_port_sec()`.

Both read Port_Binding.port_security: entries of a MAC followed by the IPv4
and IPv6 addresses (or prefixes) the port may use. A result of 1 means the
packet violates port security (northd then drops it).

* ingress: `eth.src` must be one of the MACs; with addresses listed, an
  ARP must carry that MAC as `arp.sha` and a listed `arp.spa`, an IPv4
  packet a listed source (or be a DHCP discover from 0.0.0.0), an IPv6
  packet a listed or link-local source (or :: for duplicate address
  detection);
* egress: `eth.dst` must be one of the MACs; with addresses listed, an IPv4
  packet must go to a listed address, a broadcast or multicast address,
  an IPv6 packet to a listed, link-local or multicast address.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from pyovn.lflow import Packet

__all__ = ["PortSecurity", "check_in", "check_out"]

_Net = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class PortSecurity:
    """One port_security entry: a MAC and the networks it may use."""

    mac: int
    ipv4: tuple[ipaddress.IPv4Network, ...]
    ipv6: tuple[ipaddress.IPv6Network, ...]

    @classmethod
    def parse(cls, text: str) -> PortSecurity | None:
        words = text.split()
        if not words:
            return None
        try:
            mac = int(words[0].replace(":", ""), 16)
            nets = [ipaddress.ip_network(w, strict=False) for w in words[1:]]
        except ValueError:
            return None
        v4 = tuple(n for n in nets if isinstance(n, ipaddress.IPv4Network))
        v6 = tuple(n for n in nets if isinstance(n, ipaddress.IPv6Network))
        return cls(mac, v4, v6)


def _entries(port_security: tuple[str, ...]) -> list[PortSecurity]:
    return [e for e in map(PortSecurity.parse, port_security) if e is not None]


def _in(nets: tuple[_Net, ...], value: int, version: int) -> bool:
    address = ipaddress.ip_address(value) if version == 4 else ipaddress.IPv6Address(value)
    return any(address in net for net in nets)


def _link_local(mac: int) -> int:
    eui = ((mac >> 24) << 40) | (0xFFFE << 24) | (mac & 0xFFFFFF)
    return (0xFE80 << 112) | (eui ^ (0x02 << 56))


def _is_dhcp_discover(packet: Packet) -> bool:
    return (
        packet.values.get("ip_src", 0) == 0
        and packet.values.get("ip_dst", 0) == 0xFFFFFFFF
        and packet.values.get("nw_proto", 0) == 17
        and packet.values.get("udp_src", 0) == 68
        and packet.values.get("udp_dst", 0) == 67
    )


def _in_allowed(entry: PortSecurity, packet: Packet) -> bool:
    eth_type = packet.values.get("eth_type", 0)
    if not entry.ipv4 and not entry.ipv6:
        return True
    if eth_type == 0x0806:
        if packet.values.get("arp_sha", 0) != entry.mac:
            return False
        return not entry.ipv4 or _in(entry.ipv4, packet.values.get("arp_spa", 0), 4)
    if eth_type == 0x0800:
        src = packet.values.get("ip_src", 0)
        return _in(entry.ipv4, src, 4) or _is_dhcp_discover(packet)
    if eth_type == 0x86DD:
        src = packet.values.get("ipv6_src", 0)
        return src in (0, _link_local(entry.mac)) or _in(entry.ipv6, src, 6)
    return True


def check_in(port_security: tuple[str, ...], packet: Packet) -> int:
    """1 if `packet` may not enter through a port with `port_security`."""
    entries = _entries(port_security)
    if not entries:
        return 0
    src = packet.values.get("eth_src", 0)
    mine = [e for e in entries if e.mac == src]
    return 0 if any(_in_allowed(e, packet) for e in mine) else 1


def _out_allowed(entry: PortSecurity, packet: Packet) -> bool:
    eth_type = packet.values.get("eth_type", 0)
    if eth_type == 0x0800 and entry.ipv4:
        dst = packet.values.get("ip_dst", 0)
        if dst == 0xFFFFFFFF or (dst >> 28) == 0xE:
            return True
        broadcasts = {int(n.broadcast_address) for n in entry.ipv4 if n.prefixlen < 32}
        return dst in broadcasts or _in(entry.ipv4, dst, 4)
    if eth_type == 0x86DD and (entry.ipv4 or entry.ipv6):
        dst = packet.values.get("ipv6_dst", 0)
        if dst >> 120 == 0xFF or dst == _link_local(entry.mac):
            return True
        return _in(entry.ipv6, dst, 6)
    if eth_type == 0x0800:
        return not entry.ipv6
    return True


def check_out(port_security: tuple[str, ...], packet: Packet) -> int:
    """1 if `packet` may not leave through a port with `port_security`."""
    entries = _entries(port_security)
    if not entries:
        return 0
    dst = packet.values.get("eth_dst", 0)
    mine = [e for e in entries if e.mac == dst]
    return 0 if any(_out_allowed(e, packet) for e in mine) else 1
