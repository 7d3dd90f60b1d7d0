"""`put_dhcpv6_opts`: answer a DHCPv6 client with the options of the flow.

The packet-in's userdata holds where to store the result (field header and
bit offset, handled by the caller) and the options `pyovn.lflow` encoded as
RFC 8415 TLVs (2-byte code and length): `server_id` (code 2, the server's
MAC), `ia_addr` (5, the offered address; absent for stateless service),
`dns_server` (23, addresses), `domain_search` (24, one domain as text) and
`fqdn` (39, text).

The request becomes the reply in place — same Ethernet and IPv6 addresses,
hop limit and UDP ports (`ls_in_dhcp_response` rewrites them after the
resume) with a new DHCPv6 payload, its UDP checksum over the addresses as
they are. As the real ovn-controller 23.03 answers on the wire:

    Solicit → Advertise (also with Rapid Commit: no two-message exchange);
    Request, Confirm, Decline, Information-request → Reply;
    Release and anything else → no reply (result bit 0).

Renew and Rebind are answered with a Reply as well (the real controller
23.03 ignores them; RFC 8415 has the server extend the lease).

The reply carries the request's transaction id, then the client's Client
Identifier, then the flow's options in the flow's order: `ia_addr` as an
IA_NA with the client's IAID (only when the request has an IA_NA), T1, T2
and both lifetimes infinite; `dns_server`; `domain_search` as DNS labels
(RFC 3646 — the real controller sends the name as one label, dots
included); `server_id` as a DUID-LL (hardware type Ethernet, the MAC). A
request without a Client Identifier is dropped silently by the real
controller; here it, a truncated option or a short header is malformed
(PinctrlError: the caller logs one line, no reply).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pyovn.controller.errors import PinctrlError
from pyovn.controller.pinctrl.frames import PROTO_UDP, Frame, checksum
from pyovn.controller.pinctrl.ipv6 import ETH_IPV6, ipv6_parts

__all__ = ["Dhcp6Answer", "answer_dhcpv6", "dhcpv6_options", "domain_labels"]

SOLICIT, ADVERTISE, REQUEST, CONFIRM, RENEW, REBIND, REPLY = 1, 2, 3, 4, 5, 6, 7
RELEASE, DECLINE, INFORMATION_REQUEST = 8, 9, 11
OPT_CLIENTID, OPT_SERVERID, OPT_IA_NA, OPT_IAADDR = 1, 2, 3, 5
OPT_DNS, OPT_DOMAINS, OPT_FQDN = 23, 24, 39
_DUID_LL, _HW_ETHERNET = 3, 1
_INFINITE = 0xFFFFFFFF

#: request type -> reply type.
_REPLIES = {
    SOLICIT: ADVERTISE,
    REQUEST: REPLY,
    CONFIRM: REPLY,
    RENEW: REPLY,
    REBIND: REPLY,
    DECLINE: REPLY,
    INFORMATION_REQUEST: REPLY,
}


@dataclass(frozen=True)
class Dhcp6Answer:
    """The reply frame (None: no reply) and the DHCPv6 message type sent."""

    frame: bytes | None
    message_type: int


def dhcpv6_options(data: bytes) -> list[tuple[int, bytes]]:
    """RFC 8415 option TLVs in order; PinctrlError if one overruns `data`."""
    found, offset = [], 0
    while offset < len(data):
        if offset + 4 > len(data):
            raise PinctrlError("truncated DHCPv6 option header")
        code, length = struct.unpack_from("!HH", data, offset)
        end = offset + 4 + length
        if end > len(data):
            raise PinctrlError(f"DHCPv6 option {code} overruns the message")
        found.append((code, data[offset + 4 : end]))
        offset = end
    return found


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("!HH", code, len(value)) + value


def domain_labels(text: str) -> bytes:
    """A domain (or several, comma separated) as DNS labels (RFC 1035 3.1)."""
    out = bytearray()
    for domain in text.split(","):
        labels = [label for label in domain.strip().strip('"').split(".") if label]
        for label in labels:
            raw = label.encode()
            if len(raw) > 63:
                raise PinctrlError(f"domain label {label!r} is longer than 63 bytes")
            out += bytes([len(raw)]) + raw
        out.append(0)
    return bytes(out)


def _fqdn(text: str) -> bytes:
    """The Client FQDN option value (RFC 4704): flags 0 (server updates nothing), name."""
    return b"\0" + domain_labels(text)


def _message(frame: Frame) -> tuple[bytes, bytes, bytes]:
    """(IPv6 header, UDP header, DHCPv6 message) of a request."""
    header, payload = ipv6_parts(frame)
    if header[6] != PROTO_UDP or len(payload) < 8:
        raise PinctrlError("put_dhcpv6_opts on a packet that is not UDP")
    (length,) = struct.unpack_from("!H", payload, 4)
    if length < 8 or length > len(payload):
        raise PinctrlError("UDP length does not match the packet")
    message = payload[8:length]
    if len(message) < 4:
        raise PinctrlError("DHCPv6 message shorter than its header")
    return header, payload[:8], message


def answer_dhcpv6(frame_bytes: bytes, encoded: bytes) -> Dhcp6Answer:
    """The reply to a DHCPv6 client message given the flow's encoded options."""
    flow = dhcpv6_options(encoded)
    servers = [value for code, value in flow if code == OPT_SERVERID]
    if not servers or len(servers[0]) != 6:
        raise PinctrlError("put_dhcpv6_opts userdata has no server MAC")
    frame = Frame.parse(frame_bytes)
    header, udp, message = _message(frame)
    request = dhcpv6_options(message[4:])
    kind = _REPLIES.get(message[0])
    if kind is None:
        return Dhcp6Answer(None, 0)
    codes = dict(reversed(request))
    if OPT_CLIENTID not in codes:
        raise PinctrlError("DHCPv6 message without a client identifier")
    body = bytearray(bytes([kind]) + message[1:4])
    body += _option(OPT_CLIENTID, codes[OPT_CLIENTID])
    body += _flow_options(flow, codes.get(OPT_IA_NA))
    sport, dport = struct.unpack_from("!HH", udp)
    datagram = _udp6(header[8:24], header[24:40], sport, dport, bytes(body))
    ip = header[:4] + struct.pack("!HBB", len(datagram), PROTO_UDP, header[7]) + header[8:40]
    return Dhcp6Answer(frame.ethernet(ETH_IPV6) + ip + datagram, kind)


def _flow_options(flow: list[tuple[int, bytes]], ia_na: bytes | None) -> bytes:
    out = bytearray()
    for code, value in flow:
        if code == OPT_SERVERID:
            out += _option(OPT_SERVERID, struct.pack("!HH", _DUID_LL, _HW_ETHERNET) + value)
        elif code == OPT_IAADDR:
            if ia_na is None or len(ia_na) < 4 or len(value) != 16:
                continue
            address = _option(OPT_IAADDR, value + struct.pack("!II", _INFINITE, _INFINITE))
            out += _option(
                OPT_IA_NA, ia_na[:4] + struct.pack("!II", _INFINITE, _INFINITE) + address
            )
        elif code == OPT_DNS:
            out += _option(OPT_DNS, value)
        elif code == OPT_DOMAINS:
            out += _option(OPT_DOMAINS, domain_labels(value.decode(errors="replace")))
        elif code == OPT_FQDN:
            out += _option(OPT_FQDN, _fqdn(value.decode(errors="replace")))
    return bytes(out)


def _udp6(src: bytes, dst: bytes, sport: int, dport: int, data: bytes) -> bytes:
    """A UDP datagram with its checksum over the IPv6 pseudo-header."""
    length = 8 + len(data)
    pseudo = src + dst + struct.pack("!I3xB", length, PROTO_UDP)
    head = struct.pack("!HHHH", sport, dport, length, 0)
    value = checksum(pseudo + head + data) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, value) + data
