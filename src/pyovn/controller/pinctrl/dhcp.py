"""`put_dhcp_opts`: answer a DHCPv4 request with the options of the flow.

The packet-in's userdata holds where to store the result (field header and
bit offset) and the options encoded by `pyovn.lflow`: the offered address
(4 bytes), then option TLVs. The request becomes the reply in place — same
Ethernet, IPv4 and UDP ports (the `ls_in_dhcp_response` flow then rewrites
addresses and ports) with a new BOOTP payload:

    DISCOVER → OFFER;  REQUEST for the offered address → ACK, for another
    address → NAK;  INFORM → ACK without a lease;  RELEASE / DECLINE → no
    reply (result bit 0).

The reply goes to the broadcast address when the client asked for it (or
has no address yet and sent to broadcast), else to the offered address.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pyovn.controller.errors import PinctrlError
from pyovn.controller.pinctrl.frames import PROTO_UDP, Frame, ipv4_frame, udp_segment

__all__ = ["DhcpAnswer", "answer_dhcp"]

MAGIC = b"\x63\x82\x53\x63"
DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM = 1, 2, 3, 4, 5, 6, 7, 8
_BOOTP_FIXED = 236
_BROADCAST_FLAG = 0x8000
_OPT_REQUESTED, _OPT_LEASE, _OPT_TYPE, _OPT_SERVER, _OPT_END, _OPT_PAD = 50, 51, 53, 54, 255, 0
_T1, _T2 = 58, 59


@dataclass(frozen=True)
class DhcpAnswer:
    """The reply frame (None: no reply) and the DHCP message type sent."""

    frame: bytes | None
    message_type: int


def _options(data: bytes) -> dict[int, bytes]:
    options: dict[int, bytes] = {}
    offset = 0
    while offset < len(data):
        code = data[offset]
        if code == _OPT_END:
            break
        if code == _OPT_PAD:
            offset += 1
            continue
        if offset + 1 >= len(data):
            break
        length = data[offset + 1]
        options.setdefault(code, data[offset + 2 : offset + 2 + length])
        offset += 2 + length
    return options


def _tlvs(data: bytes) -> list[tuple[int, bytes]]:
    """Options as the flow encoded them, in order."""
    found, offset = [], 0
    while offset + 2 <= len(data):
        code, length = data[offset], data[offset + 1]
        found.append((code, data[offset + 2 : offset + 2 + length]))
        offset += 2 + length
    return found


def answer_dhcp(frame_bytes: bytes, encoded: bytes) -> DhcpAnswer:
    """The reply to a DHCP request given the flow's encoded options."""
    if len(encoded) < 4:
        raise PinctrlError("put_dhcp_opts userdata has no offered address")
    offer, flow_options = encoded[:4], _tlvs(encoded[4:])
    frame = Frame.parse(frame_bytes)
    ip_header, l4 = frame.ipv4()
    if frame.ip_proto != PROTO_UDP or len(l4) < 8 + _BOOTP_FIXED + 4:
        raise PinctrlError("put_dhcp_opts on a packet that is not DHCP")
    bootp = l4[8:]
    if bootp[0] != 1 or bootp[_BOOTP_FIXED : _BOOTP_FIXED + 4] != MAGIC:
        raise PinctrlError("put_dhcp_opts on a packet that is not a DHCP request")
    request = _options(bootp[_BOOTP_FIXED + 4 :])
    kind = request.get(_OPT_TYPE, b"\0")[0]
    if kind == DISCOVER:
        reply = OFFER
    elif kind == REQUEST:
        wanted = request.get(_OPT_REQUESTED) or bootp[12:16]
        reply = ACK if wanted == offer else NAK
    elif kind == INFORM:
        reply = ACK
    else:
        return DhcpAnswer(None, 0)
    payload = _reply(bootp, reply, offer, flow_options, informed=kind == INFORM)
    (flags,) = struct.unpack_from("!H", bootp, 10)
    broadcast = flags & _BROADCAST_FLAG or (
        ip_header[16:20] == b"\xff" * 4 and bootp[12:16] == bytes(4)
    )
    destination = b"\xff" * 4 if broadcast or reply == NAK else offer
    sport, dport = struct.unpack_from("!HH", l4)
    segment = udp_segment(ip_header[12:16], destination, sport, dport, payload)
    return DhcpAnswer(
        ipv4_frame(frame, ip_header[12:16], destination, PROTO_UDP, segment, ttl=64), reply
    )


def _reply(
    request: bytes,
    kind: int,
    offer: bytes,
    flow_options: list[tuple[int, bytes]],
    *,
    informed: bool,
) -> bytes:
    your = bytes(4) if kind == NAK or informed else offer
    fixed = bytearray(request[:_BOOTP_FIXED])
    fixed[0] = 2  # BOOTREPLY
    fixed[16:20] = your
    options = bytearray([_OPT_TYPE, 1, kind])
    for code, value in flow_options:
        if kind == NAK and code != _OPT_SERVER:
            continue
        if informed and code in (_OPT_LEASE, _T1, _T2):
            continue
        options += bytes([code, len(value)]) + value
    options.append(_OPT_END)
    return bytes(fixed) + MAGIC + bytes(options)
