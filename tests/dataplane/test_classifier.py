"""Tables: highest priority wins, deterministic ties, conjunctive matches."""

from __future__ import annotations

from pyovn.dataplane import Flow, Packet
from pyovn.dataplane.classifier import FlowTable, Rule


def _table(*texts: str) -> FlowTable:
    table = FlowTable(0)
    for text in texts:
        table.insert(Rule(Flow.parse(text)))
    return table


def _hit(table: FlowTable, packet: str) -> int | None:
    rule = table.lookup(Packet.from_flow_text(packet).fields)
    return None if rule is None else rule.flow.cookie


def test_highest_priority_wins_across_subtables() -> None:
    table = _table(
        "cookie=1,priority=10,ip,actions=drop",
        "cookie=2,priority=20,ip,nw_dst=10.0.0.0/8,actions=drop",
        "cookie=3,priority=30,tcp,tp_dst=80,actions=drop",
        "cookie=4,priority=0,actions=drop",
    )
    assert _hit(table, "tcp,nw_dst=10.1.1.1,tcp_dst=80") == 3
    assert _hit(table, "tcp,nw_dst=10.1.1.1,tcp_dst=22") == 2
    assert _hit(table, "udp,nw_dst=11.1.1.1") == 1
    assert _hit(table, "arp") == 4


def test_ties_go_to_the_flow_installed_first_and_replacing_keeps_its_place() -> None:
    table = _table("cookie=1,priority=5,ip,actions=drop", "cookie=2,priority=5,icmp,actions=drop")
    assert _hit(table, "icmp") == 1
    table.insert(Rule(Flow.parse("cookie=9,priority=5,ip,actions=output:1")))
    assert _hit(table, "icmp") == 9 and len(table) == 2


def test_remove_by_priority_and_match() -> None:
    table = _table("priority=5,ip,actions=drop", "priority=6,ip,actions=drop")
    removed = table.remove(Flow.parse("priority=6,ip,actions=output:3"))
    assert removed is not None and len(table) == 1
    assert table.remove(Flow.parse("priority=7,ip,actions=drop")) is None


def test_conjunctive_match_needs_every_clause() -> None:
    table = _table(
        "priority=100,tcp,tp_dst=22,actions=conjunction(7,1/2)",
        "priority=100,tcp,tp_dst=23,actions=conjunction(7,1/2)",
        "priority=100,ip,nw_src=10.0.0.0/24,actions=conjunction(7,2/2)",
        "cookie=7,priority=100,conj_id=7,ip,actions=output:1",
        "cookie=1,priority=50,ip,actions=drop",
    )
    assert _hit(table, "tcp,nw_src=10.0.0.5,tcp_dst=22") == 7
    assert _hit(table, "tcp,nw_src=10.0.0.5,tcp_dst=23") == 7
    assert _hit(table, "tcp,nw_src=10.0.1.5,tcp_dst=22") == 1
    assert _hit(table, "tcp,nw_src=10.0.0.5,tcp_dst=80") == 1


def test_conjunction_loses_to_a_higher_priority_ordinary_flow() -> None:
    table = _table(
        "priority=100,tcp,actions=conjunction(3,1/2)",
        "priority=100,ip,actions=conjunction(3,2/2)",
        "cookie=3,priority=100,conj_id=3,ip,actions=drop",
        "cookie=5,priority=200,tcp,tp_dst=443,actions=drop",
    )
    assert _hit(table, "tcp,tcp_dst=443") == 5
    assert _hit(table, "tcp,tcp_dst=80") == 3
