"""Evaluation: the packet store, matches on packets, and action execution."""

from __future__ import annotations

import pytest

from pyovn.lflow import (
    ControllerEvent,
    CtEvent,
    DropEvent,
    Environment,
    FieldSetEvent,
    LookupEvent,
    NestedEvent,
    NextEvent,
    OutputEvent,
    Packet,
    StopEvent,
    execute_actions,
    match_packet,
    parse_actions,
    parse_match,
)
from pyovn.lflow.events import Event


def test_register_views_overlap() -> None:
    packet = Packet()
    packet.set("xxreg0", 0x0000000100000002_0000000300000004)
    assert [packet.get(f"reg{i}") for i in range(4)] == [1, 2, 3, 4]
    assert packet.get("xreg0") == 0x0000000100000002
    assert packet.get("xxreg0[96..127]") == 1
    packet.set("reg1[0..7]", 0xFF)
    assert packet.get("xreg0") == 0x00000001000000FF
    packet.set("reg9", 7)
    packet.set("reg8", 9)
    assert packet.get("xreg4") == (9 << 32) | 7
    packet.set("flags.loopback", 1)
    assert packet.get("flags") == 1


def test_logical_values_in_any_notation() -> None:
    packet = Packet.from_logical(
        {"eth.src": "00:00:00:00:00:01", "ip4.dst": "10.0.0.1", "ip6.src": "fe80::1"}
    )
    assert packet.get("eth.src") == 1
    assert packet.get("ip4.dst") == 0x0A000001
    assert packet.get("ip6.src[0..15]") == 1
    assert packet.get("eth.dst") == 0  # absent fields read as zero


ENV = Environment(
    address_sets={"admins": ["10.0.0.12", "10.0.1.0/24"]},
    port_groups={"web": ["vm1", "vm3"]},
    resident_ports={"cr-lr1-ext"},
)
TCP_PACKET = {
    "eth.type": 0x800,
    "ip.proto": 6,
    "ip.ttl": 64,
    "ip4.src": "10.0.1.7",
    "ip4.dst": "10.0.0.11",
    "tcp.dst": 22,
    "inport": "vm2",
    "outport": "vm1",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ip4 && tcp.dst == 22", True),
        ("ip6", False),
        ("ip && tcp", True),
        ("udp", False),
        ("ip4.src == $admins", True),
        ("ip4.src == {10.0.0.12, 10.0.2.0/24}", False),
        ('outport == @web && inport == "vm2"', True),
        ("inport == @web", False),
        ('is_chassis_resident("cr-lr1-ext")', True),
        ('is_chassis_resident("vm1")', False),
        ("tcp.dst < 1024 && tcp.dst > 20", True),
        ("!ct.trk", True),
        ("ct.est", False),
        ("ip.ttl == {0, 1}", False),
        ("1", True),
        ("0", False),
    ],
)
def test_match_packet(text: str, expected: bool) -> None:
    assert match_packet(parse_match(text), Packet.from_logical(TCP_PACKET), ENV) == expected


def _run(text: str, packet: Packet, **kwargs: object) -> list[Event]:
    return execute_actions(parse_actions(text), packet, ENV, **kwargs)  # type: ignore[arg-type]


def test_assignments_moves_exchanges_and_ttl() -> None:
    packet = Packet.from_logical(TCP_PACKET)
    events = _run(
        "eth.dst = 00:00:00:00:00:09; reg0 = ip4.dst; ip4.src <-> ip4.dst; "
        "outport = inport; ip.ttl--; next;",
        packet,
        table_id=3,
    )
    assert packet.get("eth.dst") == 9
    assert packet.get("reg0") == 0x0A00000B
    assert (packet.get("ip4.src"), packet.get("ip4.dst")) == (0x0A00000B, 0x0A000107)
    assert packet.get_port("outport") == "vm2"
    assert packet.get("ip.ttl") == 63
    assert isinstance(events[-1], NextEvent) and events[-1].table == 4
    assert [e.field for e in events if isinstance(e, FieldSetEvent)] == [
        "eth.dst", "reg0", "ip4.src", "ip4.dst", "outport", "ip.ttl",
    ]  # fmt: skip


def test_ttl_underflow_stops_processing() -> None:
    packet = Packet.from_logical({**TCP_PACKET, "ip.ttl": 1})
    events = _run("ip.ttl--; reg0 = 1; next;", packet)
    assert [type(e) for e in events] == [StopEvent]
    assert packet.get("reg0") == 0


def test_drop_and_empty_actions() -> None:
    assert [type(e) for e in _run("drop;", Packet())] == [DropEvent]
    assert [type(e) for e in _run("/* drop */", Packet())] == [DropEvent]


def test_push_pop_and_masked_load() -> None:
    packet = Packet.from_logical({"reg0": 5, "vlan.tci": 0x0123})
    _run("push(reg0); reg0 = 9; pop(reg1); vlan.pcp = 4/4;", packet)
    assert (packet.get("reg0"), packet.get("reg1")) == (9, 5)
    assert packet.get("vlan.tci") == 0x8123


def test_output_and_next_run_synchronously_with_a_hook() -> None:
    seen: list[tuple[str, int | str | None]] = []

    def transfer(event: Event, packet: Packet) -> None:
        if isinstance(event, OutputEvent):
            seen.append(("output", packet.get_port("outport")))
        elif isinstance(event, NextEvent):
            seen.append(("next", event.table))

    packet = Packet.from_logical(TCP_PACKET)
    _run('outport = "vm1"; output; outport = "vm3"; output; next(7);', packet, on_transfer=transfer)
    assert seen == [("output", "vm1"), ("output", "vm3"), ("next", 7)]


def test_conntrack_events() -> None:
    packet = Packet.from_logical(TCP_PACKET)
    events = _run("ct_next;", packet, table_id=6)
    assert isinstance(events[0], CtEvent) and events[0].kind == "ct_next"
    assert events[0].then == NextEvent(events[0].action, "ingress", 7)
    assert match_packet(parse_match("ct.new && ct.trk"), packet, ENV)
    events = _run("ct_commit { ct_mark.blocked = 1; ct_label.label = 7; };", packet)
    assert isinstance(events[0], CtEvent) and events[0].commit
    assert events[0].sets == (("ct_mark.blocked", 1), ("ct_label.label", 7))
    packet = Packet.from_logical(TCP_PACKET)
    events = _run("ct_dnat(10.0.0.99);", packet, table_id=7)
    assert packet.get("ip4.dst") == 0x0A000063
    assert isinstance(events[0], CtEvent) and events[0].zone == "dnat"
    packet = Packet.from_logical(TCP_PACKET)
    _run("ct_lb_mark(backends=10.0.0.5:8080,10.0.0.6:8080);", packet)
    assert (packet.get("ip4.dst"), packet.get("tcp.dst")) == (0x0A000005, 8080)


def test_nested_actions_run_on_a_generated_copy() -> None:
    packet = Packet.from_logical({**TCP_PACKET, "eth.src": "00:00:00:00:00:01"})
    events = _run("arp { arp.tpa = 10.0.0.99; output; }; reg0 = 1;", packet)
    nested = events[0]
    assert isinstance(nested, NestedEvent) and nested.name == "arp"
    assert nested.packet.get("eth.type") == 0x806
    assert nested.packet.get("arp.spa") == 0x0A000107
    assert nested.packet.get("arp.tpa") == 0x0A000063
    assert nested.packet.get("arp.sha") == 1
    assert isinstance(nested.events[-1], OutputEvent)
    assert packet.get("eth.type") == 0x800 and packet.get("reg0") == 1
    events = _run("icmp4 { icmp4.type = 11; output; };", packet)
    assert isinstance(events[0], NestedEvent)
    assert events[0].packet.get("icmp4.type") == 11
    assert events[0].packet.get("ip.ttl") == 255


def test_lookups_read_the_environment() -> None:
    env = Environment(
        mac_bindings={("lr1-ext", 0xAC1000FE): 0x0A00000000FE},
        fdb={0x505400000111: "vm1"},
    )
    packet = Packet.from_logical(
        {"eth.type": 0x806, "arp.spa": "172.16.0.254", "arp.sha": "0a:00:00:00:00:fe",
         "inport": "lr1-ext", "eth.dst": "50:54:00:00:01:11", "reg0": 0xAC1000FE,
         "outport": "lr1-ext"}
    )  # fmt: skip
    events = execute_actions(
        parse_actions(
            "reg9[2] = lookup_arp(inport, arp.spa, arp.sha); get_arp(outport, reg0);"
            " outport = get_fdb(eth.dst);"
        ),
        packet,
        env,
    )
    assert packet.get("reg9[2]") == 1
    assert packet.get("eth.dst") == 0x0A00000000FE
    assert [e.name for e in events if isinstance(e, LookupEvent)] == [
        "lookup_arp", "get_arp", "get_fdb",
    ]  # fmt: skip


def test_controller_actions_report_packet_ins() -> None:
    packet = Packet.from_logical({**TCP_PACKET, "eth.type": 0x806})
    events = _run(
        "put_arp(inport, arp.spa, arp.sha); reg0[3] = put_dhcp_opts(offerip = "
        "10.0.0.5, router = 10.0.0.1); next;",
        packet,
    )
    assert isinstance(events[0], ControllerEvent) and events[0].name == "put_arp"
    assert ("inport", "vm2") in events[0].details
    assert packet.get("reg0[3]") == 1
    assert isinstance(events[1], LookupEvent) and events[1].name == "put_dhcp_opts"
    packet = Packet.from_logical(TCP_PACKET)
    events = _run("reg8[16..31] = select(3, 4);", packet, table_id=13)
    assert packet.get("reg8[16..31]") == 3
    assert isinstance(events[-1], NextEvent) and events[-1].table == 14


def test_port_tests_on_openflow_style_packets_use_port_keys() -> None:
    env = Environment(port_keys={"vm1": 1, "vm2": 2})
    packet = Packet()
    packet.values["reg14"] = 2
    assert match_packet(parse_match('inport == "vm2"'), packet, env)
    assert not match_packet(parse_match('inport == "vm1"'), packet, env)
