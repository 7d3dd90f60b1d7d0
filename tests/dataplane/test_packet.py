"""Packets: field maps, real bytes (scapy), pcap files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import ARP, Dot1Q, Ether

from pyovn.dataplane import Packet, PacketError, read_pcap, write_pcap

FLOWS = [
    "icmp,dl_src=50:54:00:00:01:11,dl_dst=00:00:00:00:ff:01,nw_src=10.0.0.11,nw_dst=10.0.1.14,"
    "nw_ttl=64,icmp_type=8",
    "arp,dl_src=00:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=10.0.0.1,"
    "arp_tpa=10.0.0.2,arp_sha=00:00:00:00:00:01",
    "tcp,nw_src=1.1.1.1,nw_dst=2.2.2.2,tcp_src=1000,tcp_dst=80,tcp_flags=0x012,nw_ttl=63,nw_tos=16",
    "udp,nw_src=0.0.0.0,nw_dst=255.255.255.255,udp_src=68,udp_dst=67,nw_ttl=64",
    "sctp,nw_src=1.1.1.1,nw_dst=2.2.2.2,sctp_src=5,sctp_dst=6,nw_ttl=9",
    "icmp6,ipv6_src=fe80::1,ipv6_dst=ff02::1:ff00:2,icmpv6_type=135,nd_target=fe80::2,"
    "nd_sll=00:00:00:00:00:01,nw_ttl=255",
    "icmp6,ipv6_src=fe80::2,ipv6_dst=fe80::1,icmpv6_type=136,nd_target=fe80::2,"
    "nd_tll=00:00:00:00:00:02,nw_ttl=255",
    "icmp6,ipv6_src=fe80::1,ipv6_dst=fe80::2,icmpv6_type=128,nw_ttl=64",
    "udp6,ipv6_src=fe80::1,ipv6_dst=fe80::2,ipv6_label=0x12345,udp_src=546,udp_dst=547,dl_vlan=5",
    "ip,nw_src=1.1.1.1,nw_dst=2.2.2.2,nw_proto=89,nw_ttl=1",
    "ip,nw_src=1.1.1.1,nw_dst=2.2.2.2,nw_proto=6,nw_frag=later,nw_ttl=3",
    "dl_type=0x88cc,dl_src=00:00:00:00:00:01,dl_dst=01:80:c2:00:00:0e",
]


@pytest.mark.parametrize("text", FLOWS)
def test_packet_bytes_round_trip(text: str) -> None:
    no_payload = text.startswith("arp") or "nd_target" in text
    packet = Packet.from_flow_text(text, payload=b"" if no_payload else b"payload")
    frame = packet.to_bytes()
    assert len(frame) == packet.length
    again = Packet.from_bytes(frame)
    assert again == packet
    assert again.to_bytes() == frame


def test_bytes_are_what_scapy_reads() -> None:
    packet = Packet.from_flow_text(
        "tcp,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,"
        "nw_dst=10.0.0.2,nw_ttl=61,tcp_src=1234,tcp_dst=22,tcp_flags=0x002,dl_vlan=7",
        payload=b"hi",
    )
    frame = Ether(packet.to_bytes())
    assert frame[Dot1Q].vlan == 7 and frame[IP].ttl == 61 and frame[IP].src == "10.0.0.1"
    assert (frame[TCP].sport, frame[TCP].dport, str(frame[TCP].flags)) == (1234, 22, "S")
    assert bytes(frame[TCP].payload) == b"hi"
    assert IP(bytes(frame[IP])).chksum == frame[IP].chksum


def test_scapy_frames_become_field_maps() -> None:
    echo = (
        Ether(src="00:00:00:00:00:01", dst="00:00:00:00:00:02")
        / IP(src="10.0.0.1", dst="10.0.0.2", ttl=7)
        / ICMP(type=8, id=0x1234, seq=3)
        / b"data"
    )
    packet = Packet.from_bytes(bytes(echo), in_port=3)
    assert packet["in_port"] == 3 and packet["nw_ttl"] == 7 and packet["icmp_type"] == 8
    assert (packet.extra["icmp_id"], packet.extra["icmp_seq"]) == (0x1234, 3)
    assert packet.payload == b"data"
    request = Ether() / ARP(op=1, psrc="10.0.0.1", pdst="10.0.0.9", hwsrc="00:00:00:00:00:01")
    arp = Packet.from_bytes(bytes(request))
    assert arp["arp_op"] == 1 and arp["arp_tpa"] == Packet.build(arp_tpa="10.0.0.9")["arp_tpa"]
    dhcp = Ether() / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67)
    dhcp = dhcp / (b"x" * 9)
    assert Packet.from_bytes(bytes(dhcp)).payload == b"x" * 9


def test_pcap_files_round_trip(tmp_path: Path) -> None:
    packets = [Packet.from_flow_text(text, payload=b"abc") for text in FLOWS[2:5]]
    path = tmp_path / "capture.pcap"
    write_pcap(path, packets)
    assert read_pcap(path) == packets


def test_short_frames_are_rejected() -> None:
    with pytest.raises(PacketError):
        Packet.from_bytes(b"\x00" * 6)


def test_packet_fields_by_name() -> None:
    packet = Packet.build(ip_src="10.0.0.1", eth_dst="ff:ff:ff:ff:ff:ff", reg14=5)
    assert packet["nw_src"] == 0x0A000001 and packet["dl_dst"] == 0xFFFFFFFFFFFF
    assert packet["xxreg3"] == 5 << 32
    with pytest.raises(PacketError):
        packet["no_such_field"] = 1


_MAC = st.integers(0, (1 << 48) - 1)
_IP4 = st.integers(0, (1 << 32) - 1)
_PORT = st.integers(0, 0xFFFF)


@st.composite
def _packets(draw: st.DrawFn) -> Packet:
    kind = draw(st.sampled_from(["tcp", "udp", "icmp", "arp", "ipv6", "other"]))
    fields = {"dl_src": draw(_MAC), "dl_dst": draw(_MAC)}
    if draw(st.booleans()):
        fields["vlan_tci"] = 0x1000 | draw(st.integers(0, 0xFFF)) | draw(st.integers(0, 7)) << 13
    extra: dict[str, int] = {}
    if kind == "arp":
        fields.update(
            dl_type=0x0806,
            nw_proto=draw(st.integers(1, 2)),
            nw_src=draw(_IP4),
            nw_dst=draw(_IP4),
            arp_sha=draw(_MAC),
            arp_tha=draw(_MAC),
        )
    elif kind == "other":
        fields["dl_type"] = draw(st.sampled_from([0x88CC, 0x1234, 0x9000]))
    elif kind == "ipv6":
        fields.update(
            dl_type=0x86DD,
            ipv6_src=draw(st.integers(0, (1 << 128) - 1)),
            ipv6_dst=draw(st.integers(0, (1 << 128) - 1)),
            nw_proto=17,
            ipv6_label=draw(st.integers(0, 0xFFFFF)),
            nw_ttl=draw(st.integers(0, 255)),
            tp_src=draw(_PORT),
            tp_dst=draw(_PORT),
        )
    else:
        proto = {"tcp": 6, "udp": 17, "icmp": 1}[kind]
        fields.update(
            dl_type=0x0800,
            nw_src=draw(_IP4),
            nw_dst=draw(_IP4),
            nw_proto=proto,
            nw_ttl=draw(st.integers(0, 255)),
            nw_tos=draw(st.integers(0, 255)),
        )
        extra["ip_id"] = draw(_PORT)
        if kind == "icmp":
            fields.update(tp_src=8, tp_dst=0)
            extra.update(icmp_id=draw(_PORT), icmp_seq=draw(_PORT))
        else:
            fields.update(tp_src=draw(_PORT), tp_dst=draw(_PORT))
        if kind == "tcp":
            fields["tcp_flags"] = draw(st.integers(0, 0x1FF))
            extra.update(tcp_seq=draw(_IP4), tcp_ack=draw(_IP4), tcp_window=draw(_PORT))
    payload = b"" if kind == "arp" else draw(st.binary(max_size=40))
    return Packet(fields, payload, extra)


@settings(max_examples=150, deadline=None)
@given(_packets())
def test_field_maps_and_bytes_round_trip(packet: Packet) -> None:
    frame = packet.to_bytes()
    again = Packet.from_bytes(frame)
    assert again == packet
    assert again.to_bytes() == frame


@settings(max_examples=150, deadline=None)
@given(st.binary(min_size=14, max_size=120))
def test_arbitrary_bytes_parse_or_raise_packet_error(data: bytes) -> None:
    try:
        packet = Packet.from_bytes(data)
    except PacketError:
        return
    assert packet.get("dl_type") == int.from_bytes(data[12:14], "big") or packet.get("vlan_tci")
