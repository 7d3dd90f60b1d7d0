"""The simulator against the real ovs-vswitchd (userspace datapath) on the same flows.

Both get `data/compare-flows.txt` (added over OpenFlow 1.0, as `ovs-ofctl
add-flows` does) and `data/compare-groups.txt` (OpenFlow 1.5); then every
packet of a matrix is traced with the real `ofproto/trace` and with the
simulator's, and the two outputs must be identical line for line, except
for `Megaflow:` lines (the simulator has no megaflow cache) and the
numbering of recirculation ids (ovs-vswitchd's are global to the process).

Then real frames are injected (`netdev-dummy/receive`) through a small
stateful SNAT/DNAT router, in both: the frames each port transmits (`tx_pcap`)
must be byte-identical and `dpctl/dump-conntrack` must list the same
connections.
"""

from __future__ import annotations

import itertools
import time

import pytest

from pyovn.dataplane import Bridge, Datapath, Group, Packet, parse_flows, read_pcap
from tests.dataplane.conftest import DATA
from tests.dataplane.realovs import RealOvs, capture_ports
from tests.dataplane.test_trace import normalise

pytestmark = [pytest.mark.oracle, pytest.mark.root]

_TEMPLATES = [
    "icmp,nw_src=10.0.0.{n},nw_dst=10.0.0.2,icmp_type=8",
    "icmp,nw_src=10.0.0.{n},nw_dst=10.0.1.5,icmp_type=8",
    "icmp,nw_src=10.0.1.{n},nw_dst=10.9.0.1,icmp_type=0",
    "tcp,nw_src=10.0.0.{n},nw_dst=10.0.1.7,tcp_src=1000,tcp_dst=22,tcp_flags=0x002",
    "tcp,nw_src=10.0.0.{n},nw_dst=10.0.0.9,tcp_src=2000,tcp_dst=80",
    "udp,nw_src=10.0.0.{n},nw_dst=172.16.9.9,udp_src=53,udp_dst=53",
    "udp,nw_src=10.0.1.{n},nw_dst=10.0.0.2,udp_src=7,udp_dst=9999",
    "arp,arp_op=1,arp_spa=10.0.0.{n},arp_tpa=10.0.0.254,arp_sha=00:00:00:00:00:0{n}",
    "arp,arp_op=2,arp_spa=10.0.0.{n},arp_tpa=10.0.0.254",
    "udp6,ipv6_src=fd00::{n},ipv6_dst=fd00::99,udp_src=546,udp_dst=547",
    "icmp6,ipv6_src=fe80::{n},ipv6_dst=ff02::1,icmpv6_type=128",
]


def _matrix() -> list[tuple[str, list[str]]]:
    listed = [
        line
        for line in (DATA / "compare-packets.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    cases = [(line, []) for line in listed]
    for port, template in itertools.product(range(1, 5), _TEMPLATES):
        flow = f"in_port={port},dl_src=00:00:00:00:00:0{port},dl_dst=00:00:00:00:00:02,"
        flow += template.format(n=port) + (",nw_ttl=64" if "arp" not in template else "")
        cases.append((flow, []))
    cases += [(flow, ["trk,est"]) for flow, _ in cases[:6]] + [
        (flow, ["trk,new", "trk,est"]) for flow, _ in cases[18:24]
    ]
    return cases


@pytest.fixture(scope="module")
def loaded(real_ovs: RealOvs) -> tuple[RealOvs, Bridge]:
    flows = (DATA / "compare-flows.txt").read_text()
    groups = (DATA / "compare-groups.txt").read_text()
    real_ovs.del_flows()
    real_ovs.add_groups(groups)
    real_ovs.add_flows(flows)
    bridge = Bridge(real_ovs.bridge)
    numbers = real_ovs.datapath_ports()
    bridge.ports[0xFFFE].datapath_port = numbers[0xFFFE]
    for index in range(1, real_ovs.n_ports + 1):
        bridge.add_port(f"p{index}", index, datapath_port=numbers[index])
    bridge.add_flows([flow.with_openflow10_spelling() for flow in parse_flows(flows)])
    for line in groups.splitlines():
        if line.strip():
            bridge.set_group(Group.parse(line).with_openflow15_spelling())
    return real_ovs, bridge


def test_dump_flows_matches_the_real_dump(loaded: tuple[RealOvs, Bridge]) -> None:
    real_ovs, bridge = loaded
    real = {
        line.split("actions=")[0].split(", ", 5)[-1] + line.split("actions=")[1]
        for line in real_ovs.dump_flows().splitlines()[1:]
    }
    ours = {
        line.split("actions=")[0].split(", ", 5)[-1] + line.split("actions=")[1]
        for line in bridge.dump_flows().splitlines()[1:]
    }
    assert ours == real


def test_traces_match_real_ofproto_trace(
    loaded: tuple[RealOvs, Bridge], record_property: pytest.RecordProperty
) -> None:
    real_ovs, bridge = loaded
    cases = _matrix()
    mismatches: list[str] = []
    for flow, ct_next in cases:
        options = [arg for state in ct_next for arg in ("--ct-next", state)]
        real = normalise(real_ovs.appctl("ofproto/trace", *options, real_ovs.bridge, flow))
        ours = normalise(bridge.trace(flow, ct_next=list(ct_next)).text)
        if real != ours:
            first = next(
                (i for i, (a, b) in enumerate(zip(real, ours, strict=False)) if a != b),
                min(len(real), len(ours)),
            )
            mismatches.append(
                f"{flow} {ct_next}: line {first}: real {real[first : first + 1]} "
                f"ours {ours[first : first + 1]}"
            )
    equal = len(cases) - len(mismatches)
    record_property("traces_compared", len(cases))
    record_property("traces_equal", equal)
    print(f"ofproto/trace comparison: {equal}/{len(cases)} identical")
    assert len(cases) >= 60
    assert mismatches == []


def _inject_both(real_ovs: RealOvs, bridge: Bridge) -> dict[int, list[bytes]]:
    ours: dict[int, list[bytes]] = {port: [] for port in range(1, real_ovs.n_ports + 1)}
    for line in (DATA / "nat-packets.txt").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        port, flow, tag = line.split()
        packet = Packet.from_flow_text(flow, payload=b"data")
        if flow.startswith("icmp"):
            packet.extra["icmp_id"] = int(tag)
        elif flow.startswith("tcp"):
            packet.extra.update(tcp_seq=int(tag), tcp_window=1000)
        real_ovs.appctl("netdev-dummy/receive", f"p{port}", packet.to_bytes().hex())
        for delivery in bridge.receive(packet, int(port)).deliveries:
            ours[delivery.ofport].append(delivery.packet.to_bytes())
    return ours


def test_packets_and_conntrack_match_the_userspace_datapath(
    real_ovs: RealOvs, record_property: pytest.RecordProperty
) -> None:
    """Real frames through real conntrack/NAT: same bytes out, same connections."""
    flows = (DATA / "nat-flows.txt").read_text()
    real_ovs.del_flows()
    real_ovs.appctl("dpctl/flush-conntrack")
    files = capture_ports(real_ovs)
    real_ovs.add_flows(flows)
    bridge = Bridge(real_ovs.bridge)
    for index in range(1, real_ovs.n_ports + 1):
        bridge.add_port(f"p{index}", index)
    bridge.add_flows([flow.with_openflow10_spelling() for flow in parse_flows(flows)])
    ours = _inject_both(real_ovs, bridge)
    deadline = time.monotonic() + 5
    expected_total = sum(len(frames) for frames in ours.values())
    real: dict[int, list[bytes]] = {}
    while time.monotonic() < deadline:
        real = {
            port: [p.to_bytes() for p in read_pcap(path)] if path.exists() else []
            for port, path in files.items()
        }
        if sum(len(frames) for frames in real.values()) >= expected_total:
            break
        time.sleep(0.1)
    record_property("frames_compared", expected_total)
    assert expected_total == 13
    assert real == ours
    real_connections = sorted(real_ovs.appctl("dpctl/dump-conntrack").split())
    assert real_connections == sorted(bridge.datapath.conntrack.dump().split())
    assert len(real_connections) == 6


def test_patch_ports_trace_like_the_real_ovs_vswitchd(real_ovs: RealOvs) -> None:
    """Output to a patch port continues in the peer bridge (as OVN's localnet does)."""
    real_ovs.del_flows()
    real_ovs.add_patch_bridge("brex", peer_ofport=9)
    flows = (
        "table=0,in_port=1,actions=load:0x5->NXM_NX_REG0[],output:9,output:2\n"
        "table=0,in_port=2,actions=mod_dl_src:00:00:00:00:00:aa,output:9\n"
    )
    real_ovs.add_flows(flows)
    datapath = Datapath()
    bridge = Bridge(real_ovs.bridge, datapath)
    external = Bridge("brex", datapath)
    numbers = real_ovs.datapath_ports()
    for index in range(1, real_ovs.n_ports + 1):
        bridge.add_port(f"p{index}", index, datapath_port=numbers[index])
    bridge.add_port("px", 9, "patch", peer="py")
    external.add_port("py", 1, "patch", peer="px")
    external.add_port("e1", 2, datapath_port=real_ovs.datapath_ports("brex")[2])
    bridge.ports[0xFFFE].datapath_port = numbers[0xFFFE]
    external.ports[0xFFFE].datapath_port = real_ovs.datapath_ports("brex")[0xFFFE]
    bridge.add_flows(flows)
    external.add_flow("priority=0,actions=NORMAL")
    for flow in ("in_port=1,icmp,dl_dst=00:00:00:00:00:09", "in_port=2,udp,nw_ttl=3"):
        assert _flood_sorted(bridge.trace(flow).text) == _flood_sorted(real_ovs.trace(flow))


def _flood_sorted(text: str) -> list[str]:
    """NORMAL floods in ovs-vswitchd's (unstable) bundle order: compare output sets."""
    lines = normalise(text)
    return [
        "Datapath actions: " + ",".join(sorted(line.split(": ", 1)[1].split(",")))
        if line.startswith("Datapath actions:")
        else line
        for line in lines
    ]
