"""End to end: every step of the demo on clouds of separate processes.

On 2 chassis through the `pyovn demo` command itself (exit status, output,
then the packets the VMs kept), and on 3 chassis through the scenario API,
asserting the packets each step produced: addresses after NAT, TTLs, MACs,
the chassis each VM is bound to, and that vm1's traffic to the outside
crossed a Geneve tunnel to the gateway chassis.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyovn.cloud.up import cloud_down
from pyovn.cloud.vmctl import CloudClient
from tests.cloud.conftest import PlayedCloud, chassis_of, play, pyovn, sb_rows

pytestmark = pytest.mark.e2e

LR1_EXT_MAC, LR1_SW2_MAC = "00:00:00:00:ff:03", "00:00:00:00:ff:02"


def test_pyovn_demo_on_two_chassis(tmp_path: Path) -> None:
    rundir = tmp_path / "demo"
    try:
        result = pyovn("demo", "--chassis", "2", "--rundir", str(rundir), "--keep", timeout=240)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert "all checks passed: 22/22 checks in 9 steps" in result.stdout
        assert (
            "ovn-nbctl lsp-add sw1 vm1" in result.stdout and "virsh create vm1.xml" in result.stdout
        )
        client = CloudClient(rundir)

        async def observe() -> dict[str, list[dict[str, object]]]:
            return {vm: await client.received(vm, icmp_type=8) for vm in ("vm2", "vm3", "ext")}

        seen = asyncio.run(observe())
        routed = seen["vm3"][0]
        assert (routed["nw_src"], routed["dl_src"], routed["nw_ttl"]) == (
            "10.0.0.11",
            LR1_SW2_MAC,
            63,
        )
        inbound = seen["vm2"][0]
        assert (inbound["nw_src"], inbound["nw_dst"], inbound["nw_ttl"]) == (
            "172.16.0.254",
            "10.0.0.12",
            63,
        )
        outbound = seen["ext"][0]
        assert (outbound["nw_src"], outbound["dl_src"]) == ("172.16.0.110", LR1_EXT_MAC)
        assert chassis_of(rundir, "vm1") == "hv2" and chassis_of(rundir, "cr-lr1-ext") == "hv1"
    finally:
        cloud_down(rundir)


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlayedCloud]:
    rundir = tmp_path_factory.mktemp("three") / "run"
    try:
        yield asyncio.run(play(rundir, 3))
    finally:
        cloud_down(rundir)


def _packets(cloud: PlayedCloud, step: str, index: int) -> list[dict[str, object]]:
    return cloud.steps[step].checks[index].packets


def test_vms_are_bound_where_they_run(three: PlayedCloud) -> None:
    assert three.steps["boot"].ok, three.steps["boot"].checks
    assert three.placement == {"vm1": "hv2", "vm2": "hv3", "vm3": "hv1", "vm4": "hv3"}
    for vm, chassis in three.placement.items():
        assert chassis_of(three.rundir, vm) == chassis
    assert chassis_of(three.rundir, "cr-lr1-ext") == "hv1"  # the gateway
    chassis = {row["name"]: row for row in sb_rows(three.rundir, "Chassis")}
    assert set(chassis) == {"hv1", "hv2", "hv3"}


def test_dhcp_leases_come_from_ovn(three: PlayedCloud) -> None:
    step = three.steps["dhcp"]
    assert [c.observed for c in step.checks] == [
        "10.0.0.11/24 router 10.0.0.1 mtu 1442 dns 8.8.8.8",
        "10.0.0.12/24 router 10.0.0.1 mtu 1442 dns 8.8.8.8",
    ]


def test_switching_across_chassis(three: PlayedCloud) -> None:
    assert three.steps["switching"].ok, three.steps["switching"].checks
    for echo in _packets(three, "switching", 1):
        assert (echo["nw_src"], echo["dl_src"], echo["nw_ttl"]) == (
            "10.0.0.11",
            "50:54:00:00:01:11",
            64,
        )
        assert echo["dl_dst"] == "50:54:00:00:01:12"


def test_routing_rewrites_macs_and_decrements_ttl(three: PlayedCloud) -> None:
    assert three.steps["routing"].ok, three.steps["routing"].checks
    for echo in _packets(three, "routing", 1):
        assert (echo["dl_src"], echo["dl_dst"]) == (LR1_SW2_MAC, "50:54:00:00:02:13")
        assert (echo["nw_src"], echo["nw_dst"], echo["nw_ttl"]) == ("10.0.0.11", "10.0.1.13", 63)


def test_security_group_verdicts(three: PlayedCloud) -> None:
    verdicts = {c.what: c.observed for c in three.steps["acl"].checks}
    assert verdicts == {
        "vm4 → vm3:22": "open",
        "vm1 → vm3:22": "filtered",
        "vm1 → vm3:80": "open",
        "vm4 → vm3:23": "filtered",
    }


def test_snat_as_seen_outside(three: PlayedCloud) -> None:
    assert three.steps["snat"].ok, three.steps["snat"].checks
    echoes = _packets(three, "snat", 1)
    assert len(echoes) == 2
    for echo in echoes:
        assert (echo["nw_src"], echo["nw_dst"], echo["nw_ttl"]) == ("172.16.0.100", "8.8.8.8", 63)
        assert (echo["dl_src"], echo["dl_dst"]) == (LR1_EXT_MAC, "0a:00:00:00:00:fe")


def test_floating_ip_both_ways(three: PlayedCloud) -> None:
    assert three.steps["fip"].ok, three.steps["fip"].checks
    for echo in _packets(three, "fip", 1):
        assert (echo["nw_src"], echo["nw_dst"], echo["nw_ttl"]) == ("172.16.0.254", "10.0.0.12", 63)
    for echo in _packets(three, "fip", 3):
        assert (echo["nw_src"], echo["dl_src"]) == ("172.16.0.110", LR1_EXT_MAC)


def test_traffic_to_the_outside_crossed_a_tunnel_to_the_gateway(three: PlayedCloud) -> None:
    lr1 = next(
        r
        for r in sb_rows(three.rundir, "Datapath_Binding")
        if r["external_ids"][1] and dict(r["external_ids"][1]).get("name") == "lr1"
    )
    client = three.client()
    stats = asyncio.run(client.call("hv1", {"cmd": "tunnels"}))
    hv2 = next(c.underlay for c in client.info.chassis if c.name == "hv2")
    vnis = {vni for sender, vni, _ in stats["frames"] if sender == hv2}
    assert lr1["tunnel_key"] in vnis  # vm1's SNATed traffic, redirected to cr-lr1-ext on hv1
