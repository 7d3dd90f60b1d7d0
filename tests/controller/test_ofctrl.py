"""ofctrl: minimal diffs into a switch, merged conjunctions, atomic replacement;
conntrack zones that survive a restart."""

from __future__ import annotations

import asyncio

from pyovn.controller.ct_zone import CtZones
from pyovn.controller.ofctrl import OfCtrl, SinkSwitch, merge_desired
from pyovn.dataplane import Bridge, Packet
from pyovn.lflow import OpenFlowFlow


def _bridge() -> Bridge:
    bridge = Bridge("br-int")
    bridge.add_port("vm1", 1)
    bridge.add_port("vm2", 2)
    bridge.add_port("vm3", 3)
    return bridge


def _send(bridge: Bridge, dst: str = "50:54:00:00:00:02") -> list[int]:
    packet = Packet.from_flow_text(
        f"dl_src=50:54:00:00:00:01,dl_dst={dst},dl_type=0x0800,nw_src=10.0.0.1,nw_dst=10.0.0.2"
    )
    return [d.ofport for d in bridge.receive(packet, "vm1", deliver=False).deliveries]


FORWARD = OpenFlowFlow(0, 100, "in_port=1", "output:2", 0x11)
DEFAULT = OpenFlowFlow(0, 0, "", "drop", 0)


def test_first_sync_replaces_then_only_the_difference_is_sent() -> None:
    bridge = _bridge()
    bridge.add_flow("table=0,priority=50,actions=output:1")  # a previous controller's flow
    ofctrl = OfCtrl(SinkSwitch(bridge))
    stats = asyncio.run(ofctrl.sync([FORWARD, DEFAULT], {}))
    assert stats.replaced and stats.total == 2
    assert _send(bridge) == [2]
    assert all(f.priority != 50 for f in bridge.flows())
    rule = next(r for r in bridge.rules() if r.flow.priority == 100)
    assert rule.n_packets == 1
    moved = OpenFlowFlow(0, 100, "in_port=1", "output:3,output:2", 0x11)
    stats = asyncio.run(ofctrl.sync([moved, DEFAULT, OpenFlowFlow(8, 0, "", "drop")], {}))
    assert (stats.added, stats.modified, stats.deleted) == (1, 1, 0)
    rule = next(r for r in bridge.rules() if r.flow.priority == 100)
    assert rule.n_packets == 1  # a modified flow keeps its counters
    assert _send(bridge) == [3, 2]
    stats = asyncio.run(ofctrl.sync([DEFAULT], {}))
    assert stats.deleted == 2 and _send(bridge) == []


def test_conjunction_clauses_with_the_same_match_are_merged() -> None:
    flows = [
        OpenFlowFlow(8, 100, "ip,metadata=0x1,nw_src=10.0.0.1", "conjunction(5,1/2)"),
        OpenFlowFlow(8, 100, "ip,metadata=0x1,nw_src=10.0.0.1", "conjunction(3,1/2)"),
        OpenFlowFlow(8, 100, "ip,metadata=0x1,nw_src=10.0.0.1", "conjunction(5,1/2)"),
    ]
    (merged,) = merge_desired(flows).values()
    assert merged.actions == "conjunction(3,1/2),conjunction(5,1/2)"


def test_groups_are_installed_with_the_flows_that_use_them() -> None:
    bridge = _bridge()
    ofctrl = OfCtrl(SinkSwitch(bridge))
    group = {1: "type=select,bucket=bucket_id:0,actions=output:2"}
    asyncio.run(ofctrl.sync([OpenFlowFlow(0, 100, "in_port=1", "group:1")], group))
    assert _send(bridge) == [2]


def test_zones_are_stable_unique_and_restored_from_the_bridge() -> None:
    zones = CtZones()
    assert zones.update({"vm1", "vm2", "dp1_dnat"})
    assert sorted(zones.zones.values()) == [1, 2, 3]
    to_set, to_delete = zones.bridge_changes({"ct-zone-old": "9", "other": "x"})
    assert to_delete == ["ct-zone-old"] and to_set == {
        f"ct-zone-{n}": str(z) for n, z in zones.zones.items()
    }
    restarted = CtZones()
    restarted.load({**to_set, "other": "x"})
    assert not restarted.update({"vm1", "vm2", "dp1_dnat"})
    assert restarted.zones == zones.zones
    restarted.update({"vm2", "vm3"})
    assert restarted.zone("vm2") == zones.zone("vm2") and restarted.zone("vm3") not in (
        restarted.zone("vm2"),
        0,
    )
    assert restarted.zone("vm1") == 0
