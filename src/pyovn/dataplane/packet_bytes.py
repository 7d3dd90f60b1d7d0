"""Converting packets to and from real Ethernet frames, and pcap files.

Frames are built and dissected with scapy (Ethernet, 802.1Q, ARP, IPv4,
IPv6, ICMP, ICMPv6 echo and neighbour discovery, TCP, UDP, SCTP). Payloads
above L4 (DHCP, DNS, application data) are carried through as bytes, cut
from the frame by offset so they survive unchanged. Checksums are computed
by scapy on output, as a NIC would.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import (
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6NDOptDstLLAddr,
    ICMPv6NDOptSrcLLAddr,
    ICMPv6Unknown,
    IPv6,
)
from scapy.layers.l2 import ARP, Dot1Q, Ether
from scapy.layers.sctp import SCTP
from scapy.packet import Raw
from scapy.utils import PcapReader, PcapWriter

from pyovn.dataplane.errors import PacketError
from pyovn.dataplane.field_syntax import format_ipv4, format_ipv6, format_mac
from pyovn.dataplane.packet import Packet

__all__ = ["packet_from_bytes", "packet_to_bytes", "read_pcap", "write_pcap"]

_ECHO_TYPES_V4 = (0, 8, 13, 14, 15, 16)
_ECHO_TYPES_V6 = (128, 129)


def _mac(text: str) -> int:
    return int(text.replace(":", ""), 16)


def _ip4(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def _ip6(text: str) -> int:
    return int(ipaddress.IPv6Address(text))


# ------------------------------------------------------------------ bytes → packet


def packet_from_bytes(data: bytes, in_port: int = 0) -> Packet:
    """Dissect an Ethernet frame into a `Packet` received on `in_port`."""
    if len(data) < 14:
        raise PacketError(f"frame of {len(data)} bytes is shorter than an Ethernet header")
    fields: dict[str, int] = {"in_port": in_port}
    fields["dl_dst"] = int.from_bytes(data[0:6], "big")
    fields["dl_src"] = int.from_bytes(data[6:12], "big")
    (dl_type,) = struct.unpack("!H", data[12:14])
    offset = 14
    if dl_type == 0x8100 and len(data) >= 18:
        (tci, dl_type) = struct.unpack("!HH", data[14:18])
        fields["vlan_tci"] = (tci & 0xEFFF) | 0x1000
        offset = 18
    fields["dl_type"] = dl_type
    packet = Packet(fields)
    body = data[offset:]
    try:
        if dl_type in (0x0806, 0x8035):
            _from_arp(packet, body)
        elif dl_type == 0x0800:
            _from_ipv4(packet, body)
        elif dl_type == 0x86DD:
            _from_ipv6(packet, body)
        else:
            packet.payload = body
    except (IndexError, struct.error, ValueError) as error:
        raise PacketError(f"malformed frame: {error}") from error
    return packet


def _from_arp(packet: Packet, body: bytes) -> None:
    arp = ARP(body)
    packet.fields.update(
        nw_proto=arp.op,
        nw_src=_ip4(arp.psrc),
        nw_dst=_ip4(arp.pdst),
        arp_sha=_mac(arp.hwsrc),
        arp_tha=_mac(arp.hwdst),
    )


def _from_ipv4(packet: Packet, body: bytes) -> None:
    ip = IP(body[:20] + body[20 : (body[0] & 0x0F) * 4])
    header = (body[0] & 0x0F) * 4
    total = min(len(body), ip.len) if ip.len else len(body)
    frag = (1 if ip.flags.MF or ip.frag else 0) | (2 if ip.frag else 0)
    packet.fields.update(
        nw_src=_ip4(ip.src),
        nw_dst=_ip4(ip.dst),
        nw_proto=ip.proto,
        nw_tos=ip.tos,
        nw_ttl=ip.ttl,
        nw_frag=frag,
    )
    packet.extra.update(ip_id=ip.id, ip_df=1 if ip.flags.DF else 0)
    if ip.frag > 1:  # 1 is what a packet built without an offset gets
        packet.extra["ip_frag_offset"] = ip.frag
    _from_l4(packet, body[header:total], ip.proto, ipv6=False, later=bool(frag & 2))


def _from_ipv6(packet: Packet, body: bytes) -> None:
    ip = IPv6(body[:40])
    packet.fields.update(
        ipv6_src=_ip6(ip.src),
        ipv6_dst=_ip6(ip.dst),
        ipv6_label=ip.fl,
        nw_proto=ip.nh,
        nw_tos=ip.tc,
        nw_ttl=ip.hlim,
    )
    end = 40 + ip.plen if ip.plen else len(body)
    _from_l4(packet, body[40:end], ip.nh, ipv6=True, later=False)


def _from_l4(packet: Packet, body: bytes, proto: int, ipv6: bool, later: bool) -> None:
    fields, extra = packet.fields, packet.extra
    if later:
        packet.payload = body
    elif proto == 6:
        tcp = TCP(body[:20])
        data_offset = (body[12] >> 4) * 4
        fields.update(tp_src=tcp.sport, tp_dst=tcp.dport, tcp_flags=int(tcp.flags) & 0xFFF)
        extra.update(tcp_seq=tcp.seq, tcp_ack=tcp.ack, tcp_window=tcp.window)
        packet.payload = body[data_offset:]
    elif proto == 17:
        sport, dport, length = struct.unpack("!HHH", body[:6])
        fields.update(tp_src=sport, tp_dst=dport)
        packet.payload = body[8:length] if length >= 8 else body[8:]
    elif proto == 132:
        sport, dport = struct.unpack("!HH", body[:4])
        fields.update(tp_src=sport, tp_dst=dport)
        packet.payload = body[12:]
    elif (proto == 1 and not ipv6) or (proto == 58 and ipv6):
        _from_icmp(packet, body, ipv6)
    else:
        packet.payload = body


def _from_icmp(packet: Packet, body: bytes, ipv6: bool) -> None:
    icmp_type, code = body[0], body[1]
    packet.fields.update(tp_src=icmp_type, tp_dst=code)
    echo = _ECHO_TYPES_V6 if ipv6 else _ECHO_TYPES_V4
    if icmp_type in echo:
        identifier, sequence = struct.unpack("!HH", body[4:8])
        packet.extra.update(icmp_id=identifier, icmp_seq=sequence)
        packet.payload = body[8:]
    elif ipv6 and icmp_type in (135, 136):
        _from_nd(packet, body)
    else:
        packet.extra["icmp_rest"] = int.from_bytes(body[4:8], "big")
        packet.payload = body[8:]


def _from_nd(packet: Packet, body: bytes) -> None:
    packet.extra["nd_flags"] = body[4] >> 5
    packet.fields["nd_target"] = int.from_bytes(body[8:24], "big")
    position = 24
    while position + 8 <= len(body):
        option, length = body[position], body[position + 1] * 8
        if length == 0:
            break
        if option == 1 and packet.fields["tp_src"] == 135:
            packet.fields["arp_sha"] = int.from_bytes(body[position + 2 : position + 8], "big")
        elif option == 2 and packet.fields["tp_src"] == 136:
            packet.fields["arp_tha"] = int.from_bytes(body[position + 2 : position + 8], "big")
        position += length


# ------------------------------------------------------------------ packet → bytes


def packet_to_scapy(packet: Packet) -> Any:
    """The packet as a scapy layer stack."""
    get = packet.fields.get
    frame: Any = Ether(src=format_mac(get("dl_src", 0)), dst=format_mac(get("dl_dst", 0)))
    dl_type = get("dl_type", 0)
    tci = get("vlan_tci", 0)
    if tci & 0x1000:
        frame = frame / Dot1Q(prio=tci >> 13, vlan=tci & 0x0FFF, type=dl_type)
    else:
        frame.type = dl_type
    if dl_type in (0x0806, 0x8035):
        return frame / ARP(
            op=get("nw_proto", 0),
            hwsrc=format_mac(get("arp_sha", 0)),
            psrc=format_ipv4(get("nw_src", 0)),
            hwdst=format_mac(get("arp_tha", 0)),
            pdst=format_ipv4(get("nw_dst", 0)),
        )
    if dl_type == 0x0800:
        return frame / _ipv4_layer(packet) / _l4_layer(packet, ipv6=False)
    if dl_type == 0x86DD:
        ip6 = IPv6(
            src=format_ipv6(get("ipv6_src", 0)),
            dst=format_ipv6(get("ipv6_dst", 0)),
            nh=get("nw_proto", 0),
            tc=get("nw_tos", 0),
            fl=get("ipv6_label", 0),
            hlim=get("nw_ttl", 0),
        )
        return frame / ip6 / _l4_layer(packet, ipv6=True)
    return frame / Raw(packet.payload) if packet.payload else frame


def _ipv4_layer(packet: Packet) -> Any:
    get, extra = packet.fields.get, packet.extra
    frag = get("nw_frag", 0)
    flags = ("DF" if extra.get("ip_df") else 0) if not frag & 1 or frag & 2 else "MF"
    offset = extra.get("ip_frag_offset", 1) if frag & 2 else 0
    return IP(
        src=format_ipv4(get("nw_src", 0)),
        dst=format_ipv4(get("nw_dst", 0)),
        proto=get("nw_proto", 0),
        tos=get("nw_tos", 0),
        ttl=get("nw_ttl", 0),
        id=extra.get("ip_id", 0),
        flags=flags,
        frag=offset,
    )


def _l4_layer(packet: Packet, ipv6: bool) -> Any:
    get, extra, payload = packet.fields.get, packet.extra, packet.payload
    proto = get("nw_proto", 0)
    if get("nw_frag", 0) & 2:
        return Raw(payload)
    if proto == 6:
        tcp = TCP(
            sport=get("tp_src", 0),
            dport=get("tp_dst", 0),
            flags=get("tcp_flags", 0) & 0x1FF,
            seq=extra.get("tcp_seq", 0),
            ack=extra.get("tcp_ack", 0),
            window=extra.get("tcp_window", 0),
        )
        return tcp / Raw(payload) if payload else tcp
    if proto == 17:
        udp = UDP(sport=get("tp_src", 0), dport=get("tp_dst", 0))
        return udp / Raw(payload) if payload else udp
    if proto == 132:
        sctp = SCTP(sport=get("tp_src", 0), dport=get("tp_dst", 0))
        return sctp / Raw(payload) if payload else sctp
    if proto == 1 and not ipv6:
        return _icmp4_layer(packet)
    if proto == 58 and ipv6:
        return _icmp6_layer(packet)
    return Raw(payload)


def _checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\x00"
    total = int(sum(struct.unpack(f"!{len(data) // 2}H", data)))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _icmp4_layer(packet: Packet) -> Any:
    """ICMP, written out by hand: scapy drops id/seq or `unused` for some types."""
    get, extra = packet.fields.get, packet.extra
    icmp_type = get("tp_src", 0)
    if icmp_type in _ECHO_TYPES_V4:
        rest = (extra.get("icmp_id", 0) << 16) | extra.get("icmp_seq", 0)
    else:
        rest = extra.get("icmp_rest", 0)
    header = struct.pack("!BBHI", icmp_type, get("tp_dst", 0), 0, rest)
    checksum = _checksum(header + packet.payload)
    return Raw(header[:2] + struct.pack("!H", checksum) + header[4:] + packet.payload)


def _icmp6_layer(packet: Packet) -> Any:
    get, extra, payload = packet.fields.get, packet.extra, packet.payload
    icmp_type, code = get("tp_src", 0), get("tp_dst", 0)
    if icmp_type in _ECHO_TYPES_V6:
        layer = ICMPv6EchoRequest if icmp_type == 128 else ICMPv6EchoReply
        return layer(id=extra.get("icmp_id", 0), seq=extra.get("icmp_seq", 0), data=payload)
    if icmp_type == 135:
        ns = ICMPv6ND_NS(tgt=format_ipv6(get("nd_target", 0)), code=code)
        sll = get("arp_sha", 0)
        return ns / ICMPv6NDOptSrcLLAddr(lladdr=format_mac(sll)) if sll else ns
    if icmp_type == 136:
        flags = extra.get("nd_flags", 0)
        na = ICMPv6ND_NA(
            tgt=format_ipv6(get("nd_target", 0)),
            code=code,
            R=flags >> 2 & 1,
            S=flags >> 1 & 1,
            O=flags & 1,
        )
        tll = get("arp_tha", 0)
        return na / ICMPv6NDOptDstLLAddr(lladdr=format_mac(tll)) if tll else na
    rest = extra.get("icmp_rest", 0).to_bytes(4, "big")
    return ICMPv6Unknown(type=icmp_type, code=code, msgbody=rest + payload)


def packet_to_bytes(packet: Packet) -> bytes:
    """Serialise a packet to an Ethernet frame (checksums computed)."""
    try:
        return bytes(packet_to_scapy(packet))
    except (ValueError, struct.error, OverflowError) as error:
        raise PacketError(f"cannot build frame: {error}") from error


# ------------------------------------------------------------------ pcap


def write_pcap(path: str | Path, packets: Iterable[Packet | bytes], append: bool = False) -> None:
    """Write packets (or raw frames) to a pcap file readable by tcpdump/wireshark."""
    writer = PcapWriter(str(path), append=append, sync=True, linktype=1)
    try:
        for packet in packets:
            writer.write(Ether(packet if isinstance(packet, bytes) else packet.to_bytes()))
    finally:
        writer.close()


def read_pcap(path: str | Path, in_port: int = 0) -> list[Packet]:
    """Read every frame of a pcap file back as packets."""
    with PcapReader(str(path)) as reader:
        return [packet_from_bytes(bytes(frame), in_port) for frame in reader]
