"""Just enough Ethernet / ARP / IPv4 / UDP / TCP / ICMP for pinctrl.

`Frame.parse` splits a frame into its headers (keeping an 802.1Q tag);
the builders produce frames with correct lengths and checksums. pinctrl
builds ARP requests, DHCP replies, ICMP errors and TCP resets with these;
the packet's addresses are then rewritten by the logical actions that come
back with it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pyovn.controller.errors import PinctrlError

__all__ = ["Frame", "arp_frame", "checksum", "ipv4_frame"]

ETH_IPV4, ETH_ARP, ETH_VLAN = 0x0800, 0x0806, 0x8100
PROTO_ICMP, PROTO_TCP, PROTO_UDP = 1, 6, 17


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return int(~total & 0xFFFF)


@dataclass
class Frame:
    """An Ethernet frame split at its headers."""

    dst: bytes
    src: bytes
    vlan: bytes  # the 4-byte 802.1Q tag, or b""
    ethertype: int
    l3: bytes  # everything after the Ethernet header

    @classmethod
    def parse(cls, data: bytes) -> Frame:
        if len(data) < 14:
            raise PinctrlError("frame shorter than an Ethernet header")
        dst, src = data[0:6], data[6:12]
        (ethertype,) = struct.unpack_from("!H", data, 12)
        vlan, offset = b"", 14
        if ethertype == ETH_VLAN and len(data) >= 18:
            vlan = data[12:16]
            (ethertype,) = struct.unpack_from("!H", data, 16)
            offset = 18
        return cls(dst, src, vlan, ethertype, data[offset:])

    def ethernet(self, ethertype: int | None = None) -> bytes:
        """The Ethernet header (with the VLAN tag, if any)."""
        kind = self.ethertype if ethertype is None else ethertype
        return self.dst + self.src + self.vlan + struct.pack("!H", kind)

    # -- IPv4 --------------------------------------------------------------

    def ipv4(self) -> tuple[bytes, bytes]:
        """(IPv4 header, IPv4 payload); PinctrlError if not IPv4."""
        if self.ethertype != ETH_IPV4 or len(self.l3) < 20:
            raise PinctrlError("not an IPv4 packet")
        ihl = (self.l3[0] & 0x0F) * 4
        (total,) = struct.unpack_from("!H", self.l3, 2)
        return self.l3[:ihl], self.l3[ihl : max(total, ihl)]

    @property
    def ip_src(self) -> bytes:
        return self.ipv4()[0][12:16]

    @property
    def ip_dst(self) -> bytes:
        return self.ipv4()[0][16:20]

    @property
    def ip_proto(self) -> int:
        return self.ipv4()[0][9]


def ipv4_frame(
    frame: Frame, src: bytes, dst: bytes, proto: int, payload: bytes, *, ttl: int = 255
) -> bytes:
    """A new IPv4 packet in `frame`'s Ethernet header."""
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, ttl, proto, 0, src, dst)
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return frame.ethernet(ETH_IPV4) + header + payload


def udp_segment(src: bytes, dst: bytes, sport: int, dport: int, data: bytes) -> bytes:
    """A UDP datagram with its checksum (over the IPv4 pseudo-header)."""
    length = 8 + len(data)
    pseudo = src + dst + struct.pack("!BBH", 0, PROTO_UDP, length)
    head = struct.pack("!HHHH", sport, dport, length, 0)
    value = checksum(pseudo + head + data) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, value) + data


def tcp_segment(
    src: bytes, dst: bytes, sport: int, dport: int, seq: int, ack: int, flags: int
) -> bytes:
    """A bare TCP header (no options, no data) with its checksum."""
    head = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 0, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, PROTO_TCP, len(head))
    value = checksum(pseudo + head)
    return head[:16] + struct.pack("!H", value) + head[18:]


def icmp_message(kind: int, code: int, rest: bytes, data: bytes) -> bytes:
    """An ICMP message (`rest` is the 4 bytes after the checksum)."""
    head = struct.pack("!BBH", kind, code, 0) + rest
    value = checksum(head + data)
    return struct.pack("!BBH", kind, code, value) + rest + data


def arp_frame(frame: Frame, op: int, sha: bytes, spa: bytes, tha: bytes, tpa: bytes) -> bytes:
    """An ARP packet in `frame`'s Ethernet header."""
    body = struct.pack("!HHBBH6s4s6s4s", 1, ETH_IPV4, 6, 4, op, sha, spa, tha, tpa)
    return frame.ethernet(ETH_ARP) + body
