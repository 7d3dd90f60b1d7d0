"""Packets pinctrl builds for `arp`, `icmp4`, `icmp4_error` and `tcp_reset`.

Each builder takes the packet-in's frame and returns the frame to send
back with the action's nested OpenFlow actions, which then rewrite its
addresses, as ovn-controller does:

* `arp { ... }` — an ARP request from the packet's Ethernet source and IPv4
  source for its IPv4 destination (the nested actions usually set the
  target to the next hop in reg0);
* `icmp4 { ... }` / `icmp4_error { ... }` — ICMP destination unreachable
  (type 3, code 1 unless the actions change it) quoting the original IPv4
  header and the first 8 bytes of its payload, TTL 255;
* `tcp_reset { ... }` — a TCP RST+ACK answering the segment (ports swapped
  here, since logical actions cannot swap them; addresses by the actions).
"""

from __future__ import annotations

import struct

from pyovn.controller.pinctrl.frames import (
    PROTO_ICMP,
    PROTO_TCP,
    Frame,
    arp_frame,
    icmp_message,
    ipv4_frame,
    tcp_segment,
)

__all__ = ["arp_request", "icmp4_unreachable", "tcp_reset"]

TCP_RST, TCP_SYN, TCP_FIN, TCP_ACK = 0x04, 0x02, 0x01, 0x10


def arp_request(data: bytes) -> bytes:
    """The ARP request for an IPv4 packet's destination."""
    frame = Frame.parse(data)
    header, _ = frame.ipv4()
    return arp_frame(frame, 1, frame.src, header[12:16], bytes(6), header[16:20])


def icmp4_unreachable(data: bytes) -> bytes:
    """ICMP host unreachable quoting the packet (header + 8 bytes)."""
    frame = Frame.parse(data)
    header, payload = frame.ipv4()
    quoted = header + payload[:8]
    message = icmp_message(3, 1, bytes(4), quoted)
    return ipv4_frame(frame, header[12:16], header[16:20], PROTO_ICMP, message)


def tcp_reset(data: bytes) -> bytes:
    """A RST answering a TCP segment (ports swapped, addresses as in the original)."""
    frame = Frame.parse(data)
    header, payload = frame.ipv4()
    sport, dport, seq, ack, offset, flags = struct.unpack_from("!HHIIBB", payload)
    length = len(payload) - (offset >> 4) * 4
    length += 1 if flags & TCP_SYN else 0
    length += 1 if flags & TCP_FIN else 0
    reply_seq = ack if flags & TCP_ACK else 0
    segment = tcp_segment(
        header[12:16], header[16:20], dport, sport, reply_seq, seq + length, TCP_RST | TCP_ACK
    )
    return ipv4_frame(frame, header[12:16], header[16:20], PROTO_TCP, segment)
