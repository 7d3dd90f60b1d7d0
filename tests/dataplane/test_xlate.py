"""Translation semantics, as ovs-vswitchd applies them (checked on packets)."""

from __future__ import annotations

from pyovn.dataplane import Bridge, Packet
from pyovn.dataplane.xlate import MAX_DEPTH

ICMP = "icmp,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2"


def _bridge(flows: str, ports: int = 3) -> Bridge:
    bridge = Bridge("br0")
    for number in range(1, ports + 1):
        bridge.add_port(f"p{number}", number)
    bridge.add_flows(flows)
    return bridge


def _send(
    bridge: Bridge, text: str = ICMP + ",nw_ttl=64", port: int = 1
) -> list[tuple[int, Packet]]:
    execution = bridge.receive(Packet.from_flow_text(text), port)
    return [(delivery.ofport, delivery.packet) for delivery in execution.deliveries]


def test_registers_and_metadata_start_at_zero_for_every_packet() -> None:
    bridge = _bridge(
        "table=0,reg0=0,metadata=0,actions=load:0x5->NXM_NX_REG0[],load:0x3->OXM_OF_METADATA[],"
        "resubmit(,1)\ntable=1,reg0=5,metadata=3,actions=output:2"
    )
    assert [port for port, _ in _send(bridge)] == [2]
    assert [port for port, _ in _send(bridge)] == [2]


def test_resubmit_with_in_port_only_changes_the_lookup() -> None:
    bridge = _bridge(
        "table=0,in_port=1,actions=resubmit(3,1),output:IN_PORT\n"
        "table=1,in_port=3,actions=output:2\ntable=1,in_port=1,actions=output:3"
    )
    assert [port for port, _ in _send(bridge)] == [2, 1]


def test_output_to_the_input_port_is_skipped() -> None:
    bridge = _bridge("priority=1,actions=output:1,output:2")
    assert [port for port, _ in _send(bridge)] == [2]


def test_recursion_is_limited_and_the_packet_dropped() -> None:
    bridge = _bridge("table=0,actions=resubmit(,1),output:2\ntable=1,actions=resubmit(,1)")
    execution = bridge.receive(Packet.from_flow_text(ICMP), 1)
    assert execution.dropped and execution.errors == ["Recursion too deep"]
    trace = bridge.trace(f"in_port=1,{ICMP}")
    assert trace.passes[0].tables.count(1) == MAX_DEPTH + 1
    assert "over max translation depth 64" in trace.text
    assert trace.text.endswith("Translation failed (Recursion too deep), packet is dropped.")


def test_forward_resubmit_chains_do_not_deepen() -> None:
    flows = "\n".join(f"table={n},actions=resubmit(,{n + 1})" for n in range(200))
    bridge = _bridge(flows + "\ntable=200,actions=output:2")
    assert [port for port, _ in _send(bridge)] == [2]


def test_header_rewrites_and_dec_ttl_reach_the_packet() -> None:
    bridge = _bridge(
        "actions=mod_dl_src:00:00:00:00:ff:01,set_field:10.9.9.9->ip_dst,dec_ttl,output:2"
    )
    ((port, packet),) = _send(bridge)
    assert port == 2 and packet["dl_src"] == 0xFF01 and packet["nw_ttl"] == 63
    assert packet["ip_dst"] == Packet.build(ip_dst="10.9.9.9")["ip_dst"]


def test_clone_restores_the_flow_for_what_follows() -> None:
    bridge = _bridge("actions=clone(mod_dl_dst:00:00:00:00:00:99,output:2),output:3")
    (first, second) = _send(bridge)
    assert (first[0], first[1]["dl_dst"]) == (2, 0x99)
    assert (second[0], second[1]["dl_dst"]) == (3, 0x02)


def test_push_pop_move_and_exit() -> None:
    bridge = _bridge(
        "table=0,actions=load:0x2->NXM_NX_REG1[],push:NXM_NX_REG1[],load:0->NXM_NX_REG1[],"
        "pop:NXM_NX_REG2[],move:NXM_NX_REG2[0..15]->NXM_NX_REG15[0..15],resubmit(,1),output:3\n"
        "table=1,reg15=2,actions=output:NXM_NX_REG15[],exit"
    )
    assert [port for port, _ in _send(bridge)] == [2]


def test_dec_ttl_at_one_sends_a_packet_in_and_stops() -> None:
    bridge = _bridge("actions=dec_ttl,output:2")
    execution = bridge.receive(Packet.from_flow_text(ICMP + ",nw_ttl=1"), 1)
    assert not execution.deliveries
    assert [packet_in.reason for packet_in in execution.packet_ins] == ["invalid_ttl"]
    quiet = _bridge("actions=dec_ttl(),output:2")
    assert quiet.receive(Packet.from_flow_text(ICMP + ",nw_ttl=1"), 1).dropped


def test_group_all_and_select() -> None:
    bridge = _bridge("table=0,ip,actions=group:1\ntable=0,arp,actions=group:2")
    bridge.set_group(
        "group_id=1,type=all,bucket=output:2,bucket=mod_dl_dst:00:00:00:00:00:33,output:3"
    )
    bridge.set_group("group_id=2,type=select,bucket=output:2,bucket=output:3")
    sent = _send(bridge)
    assert [(port, packet["dl_dst"]) for port, packet in sent] == [(2, 2), (3, 0x33)]
    arp = _send(bridge, "arp,arp_spa=10.0.0.1,arp_tpa=10.0.0.2")
    assert len(arp) == 1 and arp[0][0] in (2, 3)


def test_check_pkt_larger_uses_the_real_length() -> None:
    bridge = _bridge(
        "table=0,actions=check_pkt_larger(100)->NXM_NX_REG0[0],resubmit(,1)\n"
        "table=1,reg0=0x1/0x1,actions=output:3\ntable=1,actions=output:2"
    )
    small = bridge.receive(Packet.from_flow_text(ICMP, payload=b"x" * 10), 1)
    large = bridge.receive(Packet.from_flow_text(ICMP, payload=b"x" * 100), 1)
    assert [d.ofport for d in small.deliveries] == [2]
    assert [d.ofport for d in large.deliveries] == [3]


def test_learn_installs_a_flow_the_next_packet_uses() -> None:
    bridge = _bridge(
        "table=0,in_port=1,actions=learn(table=1,priority=5,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
        "output:NXM_OF_IN_PORT[]),output:2\n"
        "table=0,in_port=2,actions=resubmit(,1)\ntable=1,priority=0,actions=output:3"
    )
    assert [p for p, _ in _send(bridge, ICMP, 2)] == [3]
    assert [p for p, _ in _send(bridge, ICMP, 1)] == [2]
    reply = "icmp,dl_src=00:00:00:00:00:02,dl_dst=00:00:00:00:00:01"
    assert [p for p, _ in _send(bridge, reply, 2)] == [1]
    assert "priority=5,dl_dst=00:00:00:00:00:01 actions=output:1" in bridge.dump_flows()


def test_counters_count_matched_packets_and_bytes() -> None:
    bridge = _bridge("table=0,actions=resubmit(,1)\ntable=1,actions=output:2")
    for _ in range(3):
        _send(bridge, ICMP)
    assert [(rule.n_packets, rule.n_bytes) for rule in bridge.rules()] == [(3, 126), (3, 126)]


def test_normal_learns_and_floods() -> None:
    bridge = _bridge("actions=NORMAL")
    flood = _send(bridge, ICMP, 1)
    assert sorted(port for port, _ in flood) == [2, 3, 0xFFFE]
    reply = "icmp,dl_src=00:00:00:00:00:02,dl_dst=00:00:00:00:00:01"
    assert [port for port, _ in _send(bridge, reply, 2)] == [1]


def test_delete_learned_removes_learned_flows_with_their_learner() -> None:
    learner = (
        "table=0,in_port=1,actions=learn(table=1,delete_learned,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
        "output:NXM_OF_IN_PORT[]),output:2"
    )
    bridge = _bridge(learner + "\ntable=1,priority=0,actions=drop")
    _send(bridge, ICMP, 1)
    assert len(bridge.flows()) == 3
    bridge.delete_flows(table=0)
    assert [flow.ofctl_text() for flow in bridge.flows()] == ["table=1,priority=0,actions=drop"]
