"""Match fields: parsing, normalisation and printing in dump-flows order."""

from __future__ import annotations

import pytest

from pyovn.dataplane import FlowSyntaxError, Match, Packet
from pyovn.dataplane.fields import FIELDS, find_field

# (input, what ovs-ofctl dump-flows prints). A case whose output is None must
# print back unchanged. Expected strings come from the real ovs-ofctl 3.1.
CASES = [
    ("in_port=1", None),
    ("in_port=LOCAL", None),
    ("metadata=0x5/0xf", None),
    ("reg0=1", "reg0=0x1"),
    ("reg3=0x10/0xf0", None),
    ("reg10=0/0x1", None),
    ("xreg4=0x7", "reg8=0,reg9=0x7"),
    ("xxreg1=0x5/0xff", "reg7=0x5/0xff"),
    ("xxreg0=0x1000000000000000000000000/0x1000000000000000000000000", "reg0=0x1/0x1"),
    ("dl_src=00:00:00:00:00:01", None),
    ("dl_dst=01:00:00:00:00:00/01:00:00:00:00:00", None),
    ("eth_dst=ff:ff:ff:ff:ff:ff", "dl_dst=ff:ff:ff:ff:ff:ff"),
    ("dl_type=0x1234", None),
    ("vlan_tci=0", "vlan_tci=0x0000"),
    ("vlan_tci=0x0000/0x1000", None),
    ("vlan_tci=0x1005/0x1fff", "dl_vlan=5"),
    ("dl_vlan=0x1005", "dl_vlan=5"),
    ("dl_vlan=5,dl_vlan_pcp=3", None),
    ("ip,nw_src=10.0.0.0/8,nw_dst=1.2.3.4", None),
    ("ip,nw_src=10.0.0.0/255.0.255.0", None),
    ("ip,nw_tos=16,nw_ecn=1,nw_ttl=5", None),
    ("ipv6,nw_tos=255", "ipv6,nw_tos=252"),
    ("icmp6,ip_dscp=3", "icmp6,nw_tos=12"),
    ("ip,nw_proto=89", None),
    ("ip,nw_frag=first", None),
    ("ip,nw_frag=not_later", None),
    ("ip,nw_frag=yes", None),
    ("tcp,tp_src=80,tp_dst=0x100/0xff00", None),
    ("tcp,tcp_flags=+syn-ack", None),
    ("tcp,tcp_flags=0x012/0x0ff", "tcp,tcp_flags=-fin+syn-rst-psh+ack-urg-ece-cwr"),
    ("udp,udp_src=5,udp_dst=6", "udp,tp_src=5,tp_dst=6"),
    ("sctp,sctp_src=5", "sctp,tp_src=5"),
    ("icmp,icmp_type=8,icmp_code=0", None),
    (
        "icmp6,icmpv6_type=135,nd_target=fe80::5,nd_sll=00:00:00:00:00:05",
        "icmp6,icmp_type=135,nd_target=fe80::5,nd_sll=00:00:00:00:00:05",
    ),
    ("icmp6,icmp_type=136,icmp_code=0,nd_tll=00:00:00:00:00:05", None),
    (
        "ipv6,ipv6_src=fe80::1,ipv6_dst=fe80::/64,ipv6_label=0x5",
        "ipv6,ipv6_src=fe80::1,ipv6_dst=fe80::/64,ipv6_label=0x00005",
    ),
    ("ipv6,ipv6_label=0x12345,nw_ttl=3", None),
    (
        "arp,arp_op=1,arp_spa=1.2.3.4,arp_tpa=1.2.3.0/24",
        "arp,arp_spa=1.2.3.4,arp_tpa=1.2.3.0/24,arp_op=1",
    ),
    ("arp,nw_proto=2", "arp,arp_op=2"),
    ("arp,arp_sha=00:00:00:00:00:09,arp_tha=00:00:00:00:00:0a", None),
    ("rarp", None),
    ("ct_state=+trk-new", "ct_state=-new+trk"),
    ("ct_state=-est+rpl+inv+rel+snat+dnat", "ct_state=-est+rel+rpl+inv+snat+dnat"),
    ("ct_zone=5,ct_mark=0x1/0x1,ct_label=0x5", None),
    ("ct_label=0x1/0x1,ct_mark=5", "ct_mark=0x5,ct_label=0x1/0x1"),
    ("pkt_mark=0x9,conj_id=7", "conj_id=7,pkt_mark=0x9"),
    ("tun_id=0x5/0xff,tun_flags=+oam", None),
    ("tun_id=0x5,tun_src=1.1.1.1,tun_dst=2.2.2.2", None),
    ("tun_metadata0=0x10002", None),
    ("recirc_id=0x3", None),
    (
        "tcp,in_port=3,metadata=0x5,reg0=1,dl_src=00:00:00:00:00:01,nw_src=10.0.0.0/8,"
        "nw_frag=no,tp_src=80,ct_state=+trk-new,ct_zone=5,pkt_mark=0x9,tun_id=0x5",
        "pkt_mark=0x9,ct_state=-new+trk,ct_zone=5,tcp,reg0=0x1,tun_id=0x5,metadata=0x5,"
        "in_port=3,dl_src=00:00:00:00:00:01,nw_src=10.0.0.0/8,nw_frag=no,tp_src=80",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_match_prints_like_ovs_ofctl(text: str, expected: str | None) -> None:
    match = Match.parse(text)
    assert str(match) == (expected or text)
    assert Match.parse(str(match)) == match


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nw_src=1.2.3.4", ""),
        ("tp_dst=80", ""),
        ("ip,tp_dst=80", "ip"),
        ("icmp_type=8", ""),
        ("ip,nw_frag=first,tp_src=5", "ip,nw_frag=first"),
        ("arp,nw_src=1.2.3.4", "arp,arp_spa=1.2.3.4"),
        ("reg0=0x1/0x3,reg0=0x1", "reg0=0x1"),
    ],
)
def test_fields_without_prerequisites_are_dropped(text: str, expected: str) -> None:
    """ovs-ofctl normalises these matches the same way (seen with ovs-ofctl 3.1)."""
    assert str(Match.parse(text)) == expected


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("foo=1", "foo"),
        ("reg0=zz", "zz"),
        ("in_port=ovr", "ovr"),
        ("nw_src=1.2.3", "1.2.3"),
        ("dl_src=00:00:00:00:00", "00:00:00:00:00"),
        ("ct_state=+bogus", "bogus"),
        ("reg0=0x100000000", "0x100000000"),
        ("ip,nw_frag=sometimes", "sometimes"),
        ("frob", "frob"),
    ],
)
def test_bad_match_names_the_offending_token(text: str, token: str) -> None:
    with pytest.raises(FlowSyntaxError) as caught:
        Match.parse(text)
    assert caught.value.token == token
    assert token in str(caught.value)


def test_match_evaluates_masked_fields() -> None:
    match = Match.parse("ip,reg14=0x1,metadata=0x1,nw_dst=10.0.1.0/24,ct_state=+trk-est")
    packet = Packet.from_flow_text("ip,reg14=1,metadata=1,nw_dst=10.0.1.14,ct_state=trk|new")
    assert match.matches(packet.fields)
    packet["nw_dst"] = "10.0.2.14"
    assert not match.matches(packet.fields)
    packet["nw_dst"] = "10.0.1.1"
    packet["ct_state"] = "trk|est"
    assert not match.matches(packet.fields)


def test_composite_registers_share_storage_with_32_bit_registers() -> None:
    packet = Packet()
    packet["xxreg0"] = (0xA << 96) | (0xB << 64) | (0xC << 32) | 0xD
    assert [packet[f"reg{i}"] for i in range(4)] == [0xA, 0xB, 0xC, 0xD]
    assert packet["xreg1"] == (0xC << 32) | 0xD
    packet["reg1"] = 0x7
    assert packet["xxreg0"] >> 64 == (0xA << 32) | 0x7


def test_shared_storage_follows_ovs_struct_flow() -> None:
    """ARP addresses share nw_src/nw_dst, ICMP type/code share tp_src/tp_dst."""
    arp = Packet.from_flow_text("arp,arp_spa=10.0.0.1,arp_op=2")
    assert arp["nw_src"] == arp["arp_spa"] and arp.get("nw_proto") == 2
    icmp = Packet.from_flow_text("icmp,icmp_type=8,icmp_code=3")
    assert (icmp.get("tp_src"), icmp.get("tp_dst")) == (8, 3)


def test_every_field_has_a_unique_primary_name() -> None:
    primaries = {field.name for field in FIELDS.values()}
    for name in primaries:
        found = find_field(name)
        assert found is not None and found.name == name
    assert find_field("NXM_NX_REG13").name == "reg13"  # type: ignore[union-attr]
    assert find_field("OXM_OF_PKT_REG4").name == "xreg4"  # type: ignore[union-attr]
