"""The Bridge as a FlowSink, its dumps, packet-in, packet-out and resume."""

from __future__ import annotations

import re

import pytest

from pyovn.dataplane import (
    Bridge,
    Flow,
    FlowDiff,
    FlowError,
    FlowSink,
    FlowSyntaxError,
    Packet,
    PacketIn,
)
from tests.dataplane.conftest import build_seed_bridges, reference_text

ICMP = "icmp,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2"


def _bridge() -> Bridge:
    bridge = Bridge("br0")
    for number in (1, 2, 3):
        bridge.add_port(f"p{number}", number)
    return bridge


def _outputs(bridge: Bridge, port: int = 1) -> list[int]:
    return [d.ofport for d in bridge.receive(Packet.from_flow_text(ICMP), port).deliveries]


def test_bridge_is_a_flow_sink() -> None:
    assert isinstance(_bridge(), FlowSink)


def test_replace_flows_keeps_counters_of_unchanged_flows_only() -> None:
    bridge = _bridge()
    bridge.replace_flows(["table=0,priority=5,ip,actions=output:2", "table=0,arp,actions=drop"])
    _outputs(bridge)
    bridge.replace_flows(
        [
            Flow.parse("table=0,priority=5,ip,actions=output:2"),
            "table=0,priority=1,actions=output:3",
        ]
    )
    assert [(r.flow.priority, r.n_packets) for r in bridge.rules()] == [(5, 1), (1, 0)]
    bridge.replace_flows(["table=0,priority=5,ip,actions=output:3"])
    assert [(r.flow.priority, r.n_packets) for r in bridge.rules()] == [(5, 0)]
    assert _outputs(bridge) == [3]


def test_replace_flows_is_atomic() -> None:
    bridge = _bridge()
    bridge.replace_flows(["actions=output:2"])
    with pytest.raises(FlowSyntaxError):
        bridge.replace_flows(["actions=output:3", "actions=frob"])
    assert _outputs(bridge) == [2]


def test_flow_diff_add_modify_delete() -> None:
    bridge = _bridge()
    bridge.add_flows("table=0,priority=10,ip,actions=resubmit(,1)\ntable=1,actions=output:2")
    _outputs(bridge)
    bridge.apply_flow_diff(FlowDiff(modify=("table=1,actions=output:3",)))
    ((table1_rule),) = [r for r in bridge.rules() if r.flow.table == 1]
    assert table1_rule.n_packets == 1 and _outputs(bridge) == [3]
    bridge.apply_flow_diff(
        FlowDiff(delete=("table=0,priority=10,ip",), add=("table=0,priority=20,actions=output:2",))
    )
    assert [f.ofctl_text() for f in bridge.flows()] == [
        "table=0,priority=20,actions=output:2",
        "table=1,priority=32768,actions=output:3",
    ]
    with pytest.raises(FlowSyntaxError):
        bridge.apply_flow_diff(FlowDiff(delete=("table=1",), add=("bad=1,actions=drop",)))
    assert len(bridge.flows()) == 2


def test_groups_through_the_sink() -> None:
    bridge = _bridge()
    bridge.add_flow("actions=group:1")
    bridge.replace_groups(["group_id=1,type=all,bucket=output:2,bucket=output:3"])
    assert _outputs(bridge) == [2, 3]
    bridge.set_group("group_id=1,type=all,bucket=output:3")
    assert _outputs(bridge) == [3]
    bridge.delete_group(1)
    assert _outputs(bridge) == []
    assert bridge.dump_groups() == "NXST_GROUP_DESC reply (xid=0x2):"


def test_dump_flows_of_openflow15_flows_prints_like_the_reference() -> None:
    """ovn-controller installs set_field; an OpenFlow 1.0 dump shows load/mod_*."""
    br_int, _ = build_seed_bridges()

    def body(line: str) -> str:
        return re.sub(
            r"^ cookie=(\S+), duration=[^,]*, table=(\d+), n_packets=\d+, "
            r"n_bytes=\d+, (idle_age=\d+, )?",
            r"\1 \2 ",
            line,
        )

    ours = sorted(body(line) for line in br_int.dump_flows().splitlines()[1:])
    real = sorted(body(line) for line in reference_text().splitlines() if "cookie=" in line)
    assert ours == real


def test_packet_in_carries_table_cookie_userdata_and_registers() -> None:
    bridge = _bridge()
    bridge.add_flows(
        "table=0,actions=load:0x7->NXM_NX_REG14[],load:0x3->OXM_OF_METADATA[],resubmit(,5)\n"
        "table=5,cookie=0xabc,actions=controller(userdata=00.00.00.01.02)"
    )
    received: list[PacketIn] = []
    bridge.packet_in_handler = received.append
    bridge.receive(Packet.from_flow_text(ICMP + ",nw_ttl=9"), 1)
    (packet_in,) = received
    assert (packet_in.table_id, packet_in.cookie, packet_in.userdata) == (5, 0xABC, b"\0\0\0\1\2")
    assert packet_in.field("reg14") == 7 and packet_in.field("metadata") == 3
    assert packet_in.field("in_port") == 1 and packet_in.packet["nw_ttl"] == 9
    assert packet_in.continuation is None and packet_in.reason == "action"
    with pytest.raises(FlowError):
        bridge.resume(packet_in)


def test_paused_pipeline_resumes_with_the_controllers_packet_and_registers() -> None:
    """The shape of OVN's put_dhcp_opts: pause, controller rewrites, resume."""
    bridge = _bridge()
    bridge.add_flows(
        "table=0,in_port=1,udp,tp_src=68,tp_dst=67,actions=load:0x7->NXM_NX_REG14[],"
        "controller(userdata=00.00.00.02.00.00.00.00,pause),resubmit(,1)\n"
        "table=1,reg0=0x8/0x8,reg14=0x7,actions=output:IN_PORT\n"
        "table=1,priority=0,actions=output:3"
    )
    client = "udp,dl_src=00:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff,nw_src=0.0.0.0,"
    client += "nw_dst=255.255.255.255,udp_src=68,udp_dst=67,nw_ttl=64"

    def pinctrl(packet_in: PacketIn) -> None:
        reply = packet_in.packet.copy()
        reply["dl_dst"], reply["dl_src"] = reply["dl_src"], 0x0A0000000001
        reply.payload = b"offer"
        execution = bridge.resume(packet_in, packet=reply, metadata={"reg0": 0x8})
        replies.extend(execution.deliveries)

    replies: list = []
    bridge.packet_in_handler = pinctrl
    first = bridge.receive(Packet.from_flow_text(client, payload=b"discover"), 1)
    assert first.deliveries == [] and first.packet_ins[0].continuation is not None
    ((delivery),) = replies
    assert delivery.ofport == 1 and delivery.packet.payload == b"offer"
    assert delivery.packet["dl_dst"] == 1


def test_packet_out_runs_actions_from_the_controller() -> None:
    bridge = _bridge()
    bridge.add_flows("table=8,reg15=0x2,metadata=0x4,actions=output:2\ntable=8,actions=drop")
    execution = bridge.packet_out(
        Packet.from_flow_text(ICMP),
        "load:0x4->OXM_OF_METADATA[],load:0x2->NXM_NX_REG15[],resubmit(,8)",
    )
    assert [d.ofport for d in execution.deliveries] == [2]
    direct = bridge.packet_out(Packet.from_flow_text(ICMP), "output:3", in_port=1)
    assert [d.ofport for d in direct.deliveries] == [3]


def test_ports_by_name_number_and_errors() -> None:
    bridge = _bridge()
    assert bridge.port("p2").ofport == 2 and bridge.port(3).name == "p3"
    assert bridge.add_port("p9").ofport == 4
    with pytest.raises(FlowError):
        bridge.add_port("p1")
    with pytest.raises(FlowError):
        bridge.port("nope")


def test_idle_and_hard_timeouts_expire_flows() -> None:
    bridge = _bridge()
    bridge.add_flows(
        "table=0,priority=3,idle_timeout=10,ip,actions=output:2\n"
        "table=0,priority=2,hard_timeout=20,ip,actions=output:3\n"
        "table=0,priority=1,actions=drop"
    )
    (idle, hard, _) = bridge.rules()
    start = idle.installed
    assert bridge.expire_flows(start + 5) == []
    _outputs(bridge)
    idle.used = start + 8
    assert bridge.expire_flows(start + 15) == []
    assert [f.priority for f in bridge.expire_flows(start + 19)] == [3]
    assert [f.priority for f in bridge.expire_flows(start + 21)] == [2]
    assert hard.flow not in bridge.flows() and len(bridge.flows()) == 1
