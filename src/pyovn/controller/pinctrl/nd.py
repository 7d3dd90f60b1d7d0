"""Packets pinctrl builds for `nd_na`, `nd_na_router`, `nd_ns` and `icmp6`.

Each builder takes the packet-in's frame and returns the frame to send
back with the action's nested OpenFlow actions (which then set the
addresses the logical flow chose), as `man ovn-sb` describes the defaults:

* `nd_na { ... }` — answering a Neighbor Solicitation: a Neighbor
  Advertisement from the packet's Ethernet destination to its source, from
  the NS target to the NS sender, flags Solicited and Override, a target
  link-layer address option holding the Ethernet destination;
* `nd_na_router { ... }` — the same with the Router flag set as well;
* `nd_ns { ... }` — for an IPv6 packet whose next hop is not known: a
  Neighbor Solicitation for its destination, sent to the destination's
  solicited-node multicast group (and MAC), from the link-local address of
  the Ethernet source (the router port's MAC by then; this is what the real
  ovn-controller 23.03 puts on the wire, where ovn-sb(5) says the packet's
  own source), with a source link-layer address option holding that MAC;
* `put_nd_ra_opts(...)` — a Router Solicitation replaced by the Router
  Advertisement encoded in the flow (`router_advertisement`);
* `icmp6 { ... }` / `icmp6_error { ... }` — ICMPv6 destination unreachable
  (type 1, code 1 unless the actions change them), hop limit 255, quoting
  as much of the packet as lets the whole frame, Ethernet header included,
  fit in the IPv6 minimum MTU of 1280 bytes (1218 bytes of quote, as the
  real ovn-controller sends it).

ND messages always go out with hop limit 255 (RFC 4861 receivers drop
anything else).
"""

from __future__ import annotations

import dataclasses
import struct

from pyovn.controller.errors import PinctrlError
from pyovn.controller.pinctrl.frames import ETH_IPV4, Frame
from pyovn.controller.pinctrl.ipv6 import PROTO_ICMP6, icmp6_frame, ipv6_parts
from pyovn.controller.pinctrl.packets import icmp4_unreachable

__all__ = [
    "ND_NA",
    "ND_NS",
    "icmp6_unreachable",
    "icmp_unreachable",
    "link_local",
    "nd_na",
    "nd_na_router",
    "nd_ns",
    "nd_options",
    "router_advertisement",
]

ND_RS, ND_RA, ND_NS, ND_NA = 133, 134, 135, 136
OPT_SLL, OPT_TLL = 1, 2
FLAG_ROUTER, FLAG_SOLICITED, FLAG_OVERRIDE = 0x80000000, 0x40000000, 0x20000000
MIN_MTU = 1280


def nd_options(message: bytes) -> dict[int, bytes]:
    """The options after an NS/NA's 24 fixed bytes, by type (first wins);
    PinctrlError on a zero or overrunning option length."""
    options: dict[int, bytes] = {}
    position = 24
    while position < len(message):
        if position + 2 > len(message):
            raise PinctrlError("truncated ND option")
        kind, units = message[position], message[position + 1]
        end = position + units * 8
        if units == 0 or end > len(message):
            raise PinctrlError(f"ND option {kind} has a bad length")
        options.setdefault(kind, message[position + 2 : end])
        position = end
    return options


def _solicitation(data: bytes) -> tuple[Frame, bytes, bytes]:
    """(frame, IPv6 header, ICMPv6 message) of a well-formed NS."""
    frame = Frame.parse(data)
    header, message = ipv6_parts(frame)
    if header[6] != PROTO_ICMP6 or len(message) < 24 or message[0] != ND_NS:
        raise PinctrlError("nd_na on a packet that is not a neighbor solicitation")
    nd_options(message)
    return frame, header, message


def _advertisement(data: bytes, flags: int) -> bytes:
    frame, header, message = _solicitation(data)
    target = message[8:24]
    reply = dataclasses.replace(frame, dst=frame.src, src=frame.dst)
    body = struct.pack("!I16sBB6s", flags, target, OPT_TLL, 1, frame.dst)
    return icmp6_frame(reply, target, header[8:24], ND_NA, 0, body)


def nd_na(data: bytes) -> bytes:
    """The Neighbor Advertisement answering a Neighbor Solicitation."""
    return _advertisement(data, FLAG_SOLICITED | FLAG_OVERRIDE)


def nd_na_router(data: bytes) -> bytes:
    """The same, from a router (Router flag set)."""
    return _advertisement(data, FLAG_ROUTER | FLAG_SOLICITED | FLAG_OVERRIDE)


def nd_ns(data: bytes) -> bytes:
    """The Neighbor Solicitation for an IPv6 packet's destination."""
    frame = Frame.parse(data)
    header, _ = ipv6_parts(frame)
    target = header[24:40]
    group = bytes.fromhex("ff02" + "00" * 9 + "01ff") + target[13:]
    solicit = dataclasses.replace(frame, dst=b"\x33\x33" + group[12:])
    body = struct.pack("!4x16sBB6s", target, OPT_SLL, 1, frame.src)
    return icmp6_frame(solicit, link_local(frame.src), group, ND_NS, 0, body)


def link_local(mac: bytes) -> bytes:
    """The EUI-64 link-local address of `mac` (fe80::, U/L bit flipped)."""
    eui = bytes([mac[0] ^ 0x02]) + mac[1:3] + b"\xff\xfe" + mac[3:6]
    return bytes.fromhex("fe80" + "00" * 6) + eui


def icmp6_unreachable(data: bytes) -> bytes:
    """ICMPv6 destination unreachable quoting the packet (up to the minimum MTU)."""
    frame = Frame.parse(data)
    header, payload = ipv6_parts(frame)
    quoted = (header + payload)[: MIN_MTU - 14 - 40 - 8]
    return icmp6_frame(frame, header[8:24], header[24:40], 1, 1, bytes(4) + quoted)


def icmp_unreachable(data: bytes) -> bytes:
    """`icmp4`/`icmp6` share an opcode: the packet's family decides."""
    frame = Frame.parse(data)
    if frame.ethertype == ETH_IPV4:
        return icmp4_unreachable(data)
    return icmp6_unreachable(data)


def router_advertisement(data: bytes, template: bytes) -> bytes:
    """`put_nd_ra_opts`: the Router Solicitation replaced by the Router
    Advertisement the flow encoded (`template`: the ICMPv6 message, RA header
    and options, checksum zero), in the same Ethernet and IPv6 addresses —
    lr_in_nd_ra_response sets the reply's addresses after the resume."""
    frame = Frame.parse(data)
    header, message = ipv6_parts(frame)
    if header[6] != PROTO_ICMP6 or len(message) < 8 or message[0] != ND_RS:
        raise PinctrlError("put_nd_ra_opts on a packet that is not a router solicitation")
    if len(template) < 16 or template[0] != ND_RA:
        raise PinctrlError("put_nd_ra_opts userdata is not a router advertisement")
    return icmp6_frame(frame, header[8:24], header[24:40], ND_RA, template[1], template[4:])
