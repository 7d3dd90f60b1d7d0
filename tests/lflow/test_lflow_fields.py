"""Table-driven tests of the symbol table: one row per OVN 23.03 symbol.

Each row compiles a typical use of the symbol on datapath 1 and lists the
OpenFlow matches expected (metadata left out).  The rows were checked by
hand against ovs-fields(7), ovn-sb(5) and the reference OpenFlow of the
seed topology (e.g. `reg0[15]` is `reg0=0x8000/0x8000`, `nd_ns` is
`icmp6,nw_ttl=255,icmp_type=135,icmp_code=0`).
"""

from __future__ import annotations

import pytest

from pyovn.lflow import SYMBOLS, CompileContext, Packet, compile_flow, parse_match
from pyovn.lflow.evaluate import Environment, match_packet
from pyovn.lflow.fields import Level, resolve_symbol, symbol_level
from pyovn.lflow.normalize import normalize
from pyovn.lflow.semantics import field_prereqs

FIELD_MATCHES: list[tuple[str, list[str]]] = [
    ('inport == "p1"', ["reg14=0x7"]),
    ('outport == "p1"', ["reg15=0x7"]),
    ("xxreg0 == 1", ["reg0=0,reg1=0,reg2=0,reg3=0x1"]),
    ("xxreg1 == 1", ["reg4=0,reg5=0,reg6=0,reg7=0x1"]),
    ("xreg0 == 1", ["reg0=0,reg1=0x1"]),
    ("xreg1 == 1", ["reg2=0,reg3=0x1"]),
    ("xreg2 == 1", ["reg4=0,reg5=0x1"]),
    ("xreg3 == 1", ["reg6=0,reg7=0x1"]),
    ("xreg4 == 1", ["reg8=0,reg9=0x1"]),
    ("reg0 == 1", ["reg0=0x1"]),
    ("reg1 == 1", ["reg1=0x1"]),
    ("reg2 == 1", ["reg2=0x1"]),
    ("reg3 == 1", ["reg3=0x1"]),
    ("reg4 == 1", ["reg4=0x1"]),
    ("reg5 == 1", ["reg5=0x1"]),
    ("reg6 == 1", ["reg6=0x1"]),
    ("reg7 == 1", ["reg7=0x1"]),
    ("reg8 == 1", ["reg8=0x1"]),
    ("reg9 == 1", ["reg9=0x1"]),
    ("flags == 1", ["reg10=0x1"]),
    ("flags.loopback == 1", ["reg10=0x1/0x1"]),
    ("flags.force_snat_for_dnat == 1", ["reg10=0x4/0x4"]),
    ("flags.force_snat_for_lb == 1", ["reg10=0x8/0x8"]),
    ("flags.skip_snat_for_lb == 1", ["reg10=0x200/0x200"]),
    ("flags.use_snat_zone == 1", ["reg10=0x800/0x800"]),
    ("ct_mark == 1", ["ct_mark=0x1"]),
    ("ct_mark.blocked == 1", ["ct_mark=0x1/0x1"]),
    ("ct_mark.natted == 1", ["ct_mark=0x2/0x2"]),
    ("ct_mark.skip_snat == 1", ["ct_mark=0x4/0x4"]),
    ("ct_mark.force_snat == 1", ["ct_mark=0x8/0x8"]),
    ("ct_mark.ecmp_reply_port == 1", ["ct_mark=0x10000/0xffff0000"]),
    ("ct_label == 1", ["ct_label=0x1"]),
    ("ct_label.blocked == 1", ["ct_label=0x1/0x1"]),
    ("ct_label.natted == 1", ["ct_label=0x2/0x2"]),
    ("ct_label.skip_snat == 1", ["ct_label=0x4/0x4"]),
    ("ct_label.force_snat == 1", ["ct_label=0x8/0x8"]),
    ("ct_label.ecmp_reply_eth == 1", ["ct_label=0x100000000/0xffffffffffff00000000"]),
    (
        "ct_label.ecmp_reply_port == 1",
        ["ct_label=0x100000000000000000000/0xffff00000000000000000000"],
    ),
    (
        "ct_label.label == 1",
        ["ct_label=0x1000000000000000000000000/0xffffffff000000000000000000000000"],
    ),
    ("ct_state[1] == 1", ["ct_state=+est"]),
    ("ct.trk == 1", ["ct_state=+trk"]),
    ("ct.new == 1", ["ct_state=+new+trk"]),
    ("ct.est == 1", ["ct_state=+est+trk"]),
    ("ct.rel == 1", ["ct_state=+rel+trk"]),
    ("ct.rpl == 1", ["ct_state=+rpl+trk"]),
    ("ct.inv == 1", ["ct_state=+inv+trk"]),
    ("ct.snat == 1", ["ct_state=+trk+snat"]),
    ("ct.dnat == 1", ["ct_state=+trk+dnat"]),
    ("pkt.mark == 1", ["pkt_mark=0x1"]),
    ("eth.src == 1", ["dl_src=00:00:00:00:00:01"]),
    ("eth.dst == 1", ["dl_dst=00:00:00:00:00:01"]),
    ("eth.type == 1", ["dl_type=0x1"]),
    ("eth.bcast", ["dl_dst=ff:ff:ff:ff:ff:ff"]),
    ("eth.mcast", ["dl_dst=01:00:00:00:00:00/01:00:00:00:00:00"]),
    ("eth.mcastv6", ["dl_dst=33:33:00:00:00:00/ff:ff:00:00:00:00"]),
    ("vlan.tci == 1", ["vlan_tci=0x0001"]),
    ("vlan.present", ["vlan_tci=0x1000/0x1000"]),
    ("vlan.pcp == 1", ["vlan_tci=0x3000/0xf000"]),
    ("vlan.vid == 1", ["vlan_tci=0x1001/0x1fff"]),
    ("arp", ["arp"]),
    ("rarp", ["rarp"]),
    ("arp.op == 1", ["arp,arp_op=1"]),
    ("arp.spa == 1", ["arp,arp_spa=0.0.0.1"]),
    ("arp.tpa == 1", ["arp,arp_tpa=0.0.0.1"]),
    ("arp.sha == 1", ["arp,arp_sha=00:00:00:00:00:01"]),
    ("arp.tha == 1", ["arp,arp_tha=00:00:00:00:00:01"]),
    ("rarp.op == 1", ["rarp,arp_op=1"]),
    ("rarp.spa == 1", ["rarp,arp_spa=0.0.0.1"]),
    ("rarp.tpa == 1", ["rarp,arp_tpa=0.0.0.1"]),
    ("rarp.sha == 1", ["rarp,arp_sha=00:00:00:00:00:01"]),
    ("rarp.tha == 1", ["rarp,arp_tha=00:00:00:00:00:01"]),
    ("ip4", ["ip"]),
    ("ip6", ["ipv6"]),
    ("ip", ["ip", "ipv6"]),
    ("ip.proto == 1", ["icmp", "ipv6,nw_proto=1"]),
    ("ip.dscp == 1", ["ip,nw_tos=4", "ipv6,nw_tos=4"]),
    ("ip.ecn == 1", ["ip,nw_ecn=1", "ipv6,nw_ecn=1"]),
    ("ip.ttl == 1", ["ip,nw_ttl=1", "ipv6,nw_ttl=1"]),
    ("ip.frag == 1", ["ip,nw_frag=first", "ipv6,nw_frag=first"]),
    ("ip.is_frag", ["ip,nw_frag=yes", "ipv6,nw_frag=yes"]),
    ("ip.later_frag", ["ip,nw_frag=later", "ipv6,nw_frag=later"]),
    ("ip.first_frag", ["ip,nw_frag=first", "ipv6,nw_frag=first"]),
    ("ip4.src == 1", ["ip,nw_src=0.0.0.1"]),
    ("ip4.dst == 1", ["ip,nw_dst=0.0.0.1"]),
    ("ip4.src_mcast", ["ip,nw_src=224.0.0.0/4"]),
    ("ip4.mcast", ["ip,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,nw_dst=224.0.0.0/4"]),
    ("ip6.src == 1", ["ipv6,ipv6_src=::1"]),
    ("ip6.dst == 1", ["ipv6,ipv6_dst=::1"]),
    ("ip6.label == 1", ["ipv6,ipv6_label=0x1"]),
    ("ip6.mcast_rsvd", ["ipv6,ipv6_dst=ff00::/fff0:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]),
    ("ip6.mcast_all_nodes", ["ipv6,ipv6_dst=ff01::1", "ipv6,ipv6_dst=ff02::1"]),
    (
        "ip6.mcast_all_rtrs",
        ["ipv6,ipv6_dst=ff01::2", "ipv6,ipv6_dst=ff02::2", "ipv6,ipv6_dst=ff05::2"],
    ),
    ("ip6.mcast_sol_node", ["ipv6,ipv6_dst=ff02::1:ff00:0/104"]),
    (
        "ip6.mcast_flood",
        [
            "ipv6,dl_dst=33:33:00:00:00:00/ff:ff:00:00:00:00,ipv6_dst=ff00::/fff0:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "ipv6,dl_dst=33:33:00:00:00:00/ff:ff:00:00:00:00,ipv6_dst=ff01::1",
            "ipv6,dl_dst=33:33:00:00:00:00/ff:ff:00:00:00:00,ipv6_dst=ff02::1",
            "ipv6,dl_dst=33:33:00:00:00:00/ff:ff:00:00:00:00,ipv6_dst=ff01::2",
            "ipv6,dl_dst=33:33:00:00:00:00/ff:ff:00:00:00:00,ipv6_dst=ff02::2",
            "ipv6,dl_dst=33:33:00:00:00:00/ff:ff:00:00:00:00,ipv6_dst=ff05::2",
            "ipv6,dl_dst=33:33:00:00:00:00/ff:ff:00:00:00:00,ipv6_dst=ff02::1:ff00:0/104",
        ],
    ),
    ("ip6.mcast", ["ipv6,dl_dst=33:33:00:00:00:00/ff:ff:00:00:00:00,ipv6_dst=ff00::/8"]),
    ("icmp4", ["icmp"]),
    ("icmp4.type == 1", ["icmp,icmp_type=1"]),
    ("icmp4.code == 1", ["icmp,icmp_code=1"]),
    ("igmp", ["ip,nw_proto=2"]),
    ("icmp6", ["icmp6"]),
    ("icmp6.type == 1", ["icmp6,icmp_type=1"]),
    ("icmp6.code == 1", ["icmp6,icmp_code=1"]),
    ("icmp", ["icmp", "icmp6"]),
    (
        "nd",
        [
            "icmp6,nw_ttl=255,icmp_type=135,icmp_code=0",
            "icmp6,nw_ttl=255,icmp_type=136,icmp_code=0",
        ],
    ),
    ("nd_ns", ["icmp6,nw_ttl=255,icmp_type=135,icmp_code=0"]),
    ("nd_na", ["icmp6,nw_ttl=255,icmp_type=136,icmp_code=0"]),
    ("nd_rs", ["icmp6,nw_ttl=255,icmp_type=133,icmp_code=0"]),
    ("nd_ra", ["icmp6,nw_ttl=255,icmp_type=134,icmp_code=0"]),
    (
        "nd.target == 1",
        [
            "icmp6,nw_ttl=255,icmp_type=135,icmp_code=0,nd_target=::1",
            "icmp6,nw_ttl=255,icmp_type=136,icmp_code=0,nd_target=::1",
        ],
    ),
    ("nd.sll == 1", ["icmp6,nw_ttl=255,icmp_type=135,icmp_code=0,nd_sll=00:00:00:00:00:01"]),
    ("nd.tll == 1", ["icmp6,nw_ttl=255,icmp_type=136,icmp_code=0,nd_tll=00:00:00:00:00:01"]),
    (
        "mldv1",
        [
            "icmp6,ipv6_src=fe80::/10,icmp_type=130",
            "icmp6,ipv6_src=fe80::/10,icmp_type=131",
            "icmp6,ipv6_src=fe80::/10,icmp_type=132",
        ],
    ),
    ("mldv2", ["icmp6,ipv6_dst=ff02::16,icmp_type=143"]),
    ("tcp", ["tcp", "tcp6"]),
    ("tcp.src == 1", ["tcp,tp_src=1", "tcp6,tp_src=1"]),
    ("tcp.dst == 1", ["tcp,tp_dst=1", "tcp6,tp_dst=1"]),
    ("tcp.flags[1] == 1", ["tcp,tcp_flags=+syn", "tcp6,tcp_flags=+syn"]),
    ("udp", ["udp", "udp6"]),
    ("udp.src == 1", ["udp,tp_src=1", "udp6,tp_src=1"]),
    ("udp.dst == 1", ["udp,tp_dst=1", "udp6,tp_dst=1"]),
    ("sctp", ["sctp", "sctp6"]),
    ("sctp.src == 1", ["sctp,tp_src=1", "sctp6,tp_src=1"]),
    ("sctp.dst == 1", ["sctp,tp_dst=1", "sctp6,tp_dst=1"]),
]


def _matches(text: str) -> list[str]:
    ctx = CompileContext(datapath_key=1, ports={"p1": 7})
    flows = compile_flow(text, "next;", priority=1, ctx=ctx).flows
    out = []
    for flow in flows:
        parts = [p for p in flow.match.split(",") if p != "metadata=0x1"]
        out.append(",".join(parts))
    return out


@pytest.mark.parametrize(("text", "expected"), FIELD_MATCHES)
def test_symbol_compiles_to_openflow_match(text: str, expected: list[str]) -> None:
    assert _matches(text) == expected


def test_every_symbol_has_a_row() -> None:
    covered = {text.split()[0].split("[")[0] for text, _ in FIELD_MATCHES}
    expected = {name for name, symbol in SYMBOLS.items() if not symbol.ovn_only}
    assert covered == expected


def test_symbol_table_covers_ovn_23_03_names() -> None:
    # The symbols ovn-sb(5) lists, plus those OVN 23.03 defines beyond it.
    documented = (
        "reg0",
        "reg1",
        "reg2",
        "reg3",
        "reg4",
        "reg5",
        "reg6",
        "reg7",
        "reg8",
        "reg9",
        "xxreg0",
        "xxreg1",
        "inport",
        "outport",
        "flags.loopback",
        "pkt.mark",
        "eth.src",
        "eth.dst",
        "eth.type",
        "vlan.tci",
        "vlan.vid",
        "vlan.pcp",
        "vlan.present",
        "ip.proto",
        "ip.dscp",
        "ip.ecn",
        "ip.ttl",
        "ip.frag",
        "ip4.src",
        "ip4.dst",
        "ip6.src",
        "ip6.dst",
        "ip6.label",
        "arp.op",
        "arp.spa",
        "arp.tpa",
        "arp.sha",
        "arp.tha",
        "rarp.op",
        "rarp.spa",
        "rarp.tpa",
        "rarp.sha",
        "rarp.tha",
        "tcp.src",
        "tcp.dst",
        "tcp.flags",
        "udp.src",
        "udp.dst",
        "sctp.src",
        "sctp.dst",
        "icmp4.type",
        "icmp4.code",
        "icmp6.type",
        "icmp6.code",
        "nd.target",
        "nd.sll",
        "nd.tll",
        "ct_mark",
        "ct_label",
        "ct.trk",
        "ct.new",
        "ct.est",
        "ct.rel",
        "ct.rpl",
        "ct.inv",
        "ct.dnat",
        "ct.snat",
        "eth.bcast",
        "eth.mcast",
        "ip4",
        "ip4.src_mcast",
        "ip4.mcast",
        "ip6",
        "ip",
        "icmp4",
        "icmp6",
        "icmp",
        "ip.is_frag",
        "ip.later_frag",
        "ip.first_frag",
        "arp",
        "rarp",
        "nd",
        "nd_ns",
        "nd_na",
        "nd_rs",
        "nd_ra",
        "tcp",
        "udp",
        "sctp",
        "icmp4.frag_mtu",
        "icmp6.frag_mtu",
        "xreg0",
        "xreg1",
        "xreg2",
        "xreg3",
        "xreg4",
        "flags",
        "ct_state",
        "igmp",
        "mldv1",
        "mldv2",
        "eth.mcastv6",
        "ip6.mcast",
        "ip6.mcast_rsvd",
        "ip6.mcast_all_nodes",
        "ip6.mcast_all_rtrs",
        "ip6.mcast_sol_node",
        "ip6.mcast_flood",
        "flags.force_snat_for_dnat",
        "flags.force_snat_for_lb",
        "flags.skip_snat_for_lb",
        "flags.use_snat_zone",
        "ct_mark.blocked",
        "ct_mark.natted",
        "ct_mark.skip_snat",
        "ct_mark.force_snat",
        "ct_mark.ecmp_reply_port",
        "ct_label.blocked",
        "ct_label.natted",
        "ct_label.skip_snat",
        "ct_label.force_snat",
        "ct_label.ecmp_reply_eth",
        "ct_label.ecmp_reply_port",
        "ct_label.label",
    )
    assert sorted(set(documented) - set(SYMBOLS)) == []
    assert sorted(set(SYMBOLS) - set(documented)) == []


@pytest.mark.parametrize(
    ("name", "storage", "offset", "width"),
    [
        ("reg0", "xxreg0", 96, 32),
        ("reg3", "xxreg0", 0, 32),
        ("reg4", "xxreg1", 96, 32),
        ("reg7", "xxreg1", 0, 32),
        ("reg8", "xreg4", 32, 32),
        ("reg9", "xreg4", 0, 32),
        ("xreg0", "xxreg0", 64, 64),
        ("xreg1", "xxreg0", 0, 64),
        ("xreg3", "xxreg1", 0, 64),
        ("flags", "reg10", 0, 32),
        ("inport", "reg14", 0, 32),
        ("outport", "reg15", 0, 32),
        ("ct_label.label", "ct_label", 96, 32),
        ("vlan.vid", "vlan_tci", 0, 12),
        ("ct.trk", "ct_state", 5, 1),
    ],
)
def test_register_and_subfield_layout(name: str, storage: str, offset: int, width: int) -> None:
    resolved = resolve_symbol(name)
    assert (resolved.storage, resolved.offset, resolved.width) == (storage, offset, width)


def test_prerequisite_chain_of_tcp_dst() -> None:
    # tcp.dst => tcp => ip.proto == 6 => ip => eth.type in {0x800, 0x86dd}
    assert resolve_symbol("tcp.dst").prereqs == ("tcp",)
    # One clause: a set on eth.type (kept as a set, not multiplied out).
    (clause,) = normalize(field_prereqs("tcp.dst"))
    assert dict(clause.ints) == {
        "eth_type": frozenset({(0x800, 0xFFFF), (0x86DD, 0xFFFF)}),
        "nw_proto": frozenset({(6, 0xFF)}),
    }


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("ip4.src", Level.ORDINAL),
        ("eth.type", Level.NOMINAL),
        ("ip.proto", Level.NOMINAL),
        ("inport", Level.STRING),
        ("ip4", Level.NOMINAL),
        ("ct.est", Level.ORDINAL),
        ("eth.mcast", Level.BOOLEAN),
        ("ip.first_frag", Level.BOOLEAN),
    ],
)
def test_levels_of_measurement(name: str, level: Level) -> None:
    assert symbol_level(name) is level


def _packet_meeting_prereqs(name: str) -> Packet:
    packet = Packet()
    clause = normalize(field_prereqs(name))[0]
    for storage, alts in clause.ints:
        value, mask = sorted(alts)[0]
        packet.values[storage] = (packet.values.get(storage, 0) & ~mask) | value
    return packet


@pytest.mark.parametrize(
    "name",
    [n for n, s in SYMBOLS.items() if not (s.is_predicate or s.is_string or s.ovn_only)],
)
def test_every_integer_field_evaluates(name: str) -> None:
    packet = _packet_meeting_prereqs(name)
    width = SYMBOLS[name].width
    value = (1 << width) - 2 if width > 1 else 1
    packet.set(name, value)
    env = Environment()
    assert packet.get(name) == value
    assert match_packet(parse_match(f"{name} == {value}"), packet, env)
    if width > 1:
        assert not match_packet(parse_match(f"{name} == {value + 1}"), packet, env)


@pytest.mark.parametrize("name", [n for n, s in SYMBOLS.items() if s.expansion])
def test_predicate_expansions_parse_and_check(name: str) -> None:
    expansion = SYMBOLS[name].expansion
    assert expansion is not None
    parse_match(expansion)
