"""ofproto/trace conformance with the real ovs-vswitchd on the seed topology."""

from __future__ import annotations

import re

from pyovn.dataplane import Bridge, Packet
from tests.dataplane.conftest import REFERENCE_TRACE, build_seed_bridges, reference_text

ROUTED = (
    "in_port=ovr-vm1,icmp,dl_src=50:54:00:00:01:11,dl_dst=00:00:00:00:ff:01,"
    "nw_src=10.0.0.11,nw_dst=10.0.1.14,nw_ttl=64"
)


def normalise(text: str) -> list[str]:
    """Drop `Megaflow:` lines and number recirculation ids in order of appearance."""
    ids: dict[str, str] = {}

    def number(found: re.Match[str]) -> str:
        return found.group(1) + ids.setdefault(found.group(2), f"<{len(ids) + 1}>")

    return [
        re.sub(r"(recirc_id=|recirc\()(0x[0-9a-f]+|\d+)", number, line)
        for line in text.splitlines()
        if not line.startswith("Megaflow:")
    ]


def _tables(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if re.match(r"\s*\d+\. ", line)]


def test_routed_packet_traces_like_the_real_ovs_vswitchd() -> None:
    """CONFORMANCE kind 5: the seed's routed ping, vm1 -> vm4, on the real br-int flows."""
    reference_text()
    real = REFERENCE_TRACE.read_text()
    br_int, _ = build_seed_bridges()
    ours = br_int.trace(ROUTED).text
    assert _tables(ours) == _tables(real)
    assert len(_tables(real)) == 124
    expected, got = normalise(real), normalise(ours)
    assert len(got) == len(expected) == 429
    different = [(a, b) for a, b in zip(expected, got, strict=True) if a != b]
    assert different == []


def test_routed_packet_facts() -> None:
    br_int, _ = build_seed_bridges()
    report = br_int.trace(ROUTED)
    assert len(report.passes) == 3
    last = report.passes[-1]
    assert last.datapath_actions == "ct(commit,zone=14,mark=0/0x1,nat(src)),6"
    final = last.result.flow
    assert final["dl_src"] == 0xFF02 and final["dl_dst"] == 0x505400000214
    assert final["nw_ttl"] == 63
    assert report.passes[0].datapath_actions == "ct(zone=11),recirc(0x1)"
    assert [p.tables[0] for p in report.passes] == [0, 15, 45]


def test_trace_has_no_side_effects() -> None:
    br_int, _ = build_seed_bridges()
    br_int.trace(ROUTED)
    assert all(rule.n_packets == 0 for rule in br_int.rules())
    assert br_int.datapath.conntrack.connections() == []


def test_ct_next_and_simulated_nat() -> None:
    bridge = Bridge("br0")
    bridge.add_port("p1", 1)
    bridge.add_port("p2", 2)
    bridge.add_flows(
        "table=0,ip,actions=ct(commit,table=1,zone=3,nat(src=1.2.3.4:5000))\n"
        "table=1,ct_state=+est+trk,ip,nw_src=1.2.3.4,tcp_src=5000,actions=output:2\n"
        "table=1,priority=0,actions=drop"
    )
    flow = "in_port=1,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tcp_src=99,tcp_dst=80"
    report = bridge.trace(flow, ct_next=["trk,est"])
    text = report.text
    assert "recirc(0x1) - resume conntrack with ct_state=est|trk\n" in text
    assert " Modified flow: nw_src=1.2.3.4,tp_src=5000,nw_dst=10.0.0.2,tp_dst=80" in text
    assert report.passes[-1].datapath_actions == str(bridge.ports[2].datapath_port)
    assert bridge.trace(flow).passes[-1].datapath_actions == "drop"


def test_trace_accepts_a_packet() -> None:
    bridge = Bridge("br0")
    bridge.add_port("p1", 1)
    bridge.add_flows("actions=drop")
    packet = Packet.from_flow_text("in_port=1,arp,arp_op=1")
    text = bridge.trace(packet).text
    assert text.splitlines()[0].startswith("Flow: arp,in_port=1,")
    assert " 0. priority 32768\n    drop" in text
    assert "Final flow: unchanged" in text and "Datapath actions: drop" in text
