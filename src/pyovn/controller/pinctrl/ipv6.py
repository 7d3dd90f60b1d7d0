"""IPv6 and ICMPv6 framing for pinctrl (the IPv4 side is in frames.py).

`ipv6_parts` splits an IPv6 packet into its fixed header and payload,
checking the lengths; `icmp6_frame` builds an IPv6 packet carrying one
ICMPv6 message, with the checksum over the IPv6 pseudo-header. Extension
headers are not walked: pinctrl only gets ICMPv6 directly after the fixed
header, or quotes the packet whole.
"""

from __future__ import annotations

import struct

from pyovn.controller.errors import PinctrlError
from pyovn.controller.pinctrl.frames import Frame, checksum

__all__ = ["ETH_IPV6", "PROTO_ICMP6", "icmp6_checksum", "icmp6_frame", "ipv6_parts"]

ETH_IPV6 = 0x86DD
PROTO_ICMP6 = 58
IPV6_HEADER = 40


def ipv6_parts(frame: Frame) -> tuple[bytes, bytes]:
    """(IPv6 fixed header, payload); PinctrlError if not a whole IPv6 packet."""
    if frame.ethertype != ETH_IPV6 or len(frame.l3) < IPV6_HEADER:
        raise PinctrlError("not an IPv6 packet")
    if frame.l3[0] >> 4 != 6:
        raise PinctrlError("IPv6 ethertype with a different IP version")
    (length,) = struct.unpack_from("!H", frame.l3, 4)
    payload = frame.l3[IPV6_HEADER : IPV6_HEADER + length]
    if len(payload) < length:
        raise PinctrlError("IPv6 payload shorter than its header says")
    return frame.l3[:IPV6_HEADER], payload


def icmp6_checksum(src: bytes, dst: bytes, message: bytes) -> int:
    """The ICMPv6 checksum of `message` (its checksum field zero)."""
    pseudo = src + dst + struct.pack("!I3xB", len(message), PROTO_ICMP6)
    return checksum(pseudo + message)


def icmp6_frame(
    frame: Frame,
    src: bytes,
    dst: bytes,
    kind: int,
    code: int,
    body: bytes,
    *,
    hop_limit: int = 255,
) -> bytes:
    """An IPv6 packet with one ICMPv6 message in `frame`'s Ethernet header
    (`body` is everything after the type, code and checksum)."""
    message = struct.pack("!BBH", kind, code, 0) + body
    value = icmp6_checksum(src, dst, message)
    message = message[:2] + struct.pack("!H", value) + message[4:]
    header = struct.pack("!IHBB16s16s", 6 << 28, len(message), PROTO_ICMP6, hop_limit, src, dst)
    return frame.ethernet(ETH_IPV6) + header + message
