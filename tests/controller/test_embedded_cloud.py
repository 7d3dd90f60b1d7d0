"""The controller on a multi-chassis cloud (embedded: one loop, real sockets
and real Geneve over UDP): bindings moving between chassis, unknown
iface-ids, pinctrl answering the router (ARP, MAC learning, ICMP errors)
and incremental recomputation — each checked on the packets VMs see."""

from __future__ import annotations

import collections
import logging
from pathlib import Path

import pytest

from pyovn.cloud.embedded import EmbeddedCloud
from pyovn.cloud.seed import SEED_VMS, build_seed
from pyovn.dataplane import Host
from pyovn.dataplane.field_syntax import format_ipv4
from tests.controller.conftest import run, wait_until, with_cloud

VM = {vm.name: vm for vm in SEED_VMS}


async def _boot(cloud: EmbeddedCloud, chassis: str, name: str, iface_id: str | None = None) -> Host:
    hypervisor = cloud.chassis[chassis].hypervisor
    assert hypervisor is not None
    vm = VM[name]
    booted = await hypervisor.boot(
        name, vm.mac, iface_id=iface_id or name, cidr=vm.cidr, gateway=vm.gateway
    )
    return booted.host


def _binding_chassis(cloud: EmbeddedCloud, port: str) -> str | None:
    sb = cloud.chassis["hv1"].controller.sb  # type: ignore[union-attr]
    assert sb is not None
    names = {u: r["name"] for u, r in sb.table("Chassis").items()}
    for row in sb.table("Port_Binding").values():
        if row["logical_port"] == port:
            return next((names.get(c) for c in row["chassis"]), None)
    return None


def test_a_vm_migrating_between_chassis_keeps_its_port(tmp_path: Path) -> None:
    async def body(cloud: EmbeddedCloud) -> None:
        assert cloud.nb is not None
        await build_seed(cloud.nb)
        vm3 = await _boot(cloud, "hv1", "vm3")
        old = await _boot(cloud, "hv1", "vm1")
        await cloud.nb.sync("hv")
        assert _binding_chassis(cloud, "vm1") == "hv1"
        assert (await vm3.ping("10.0.0.11")).received == 1
        # Live migration: the destination plugs the same iface-id before the source unplugs.
        new = await _boot(cloud, "hv2", "vm1", "vm1")
        await wait_until(lambda: _binding_chassis(cloud, "vm1") == "hv2", 10, "vm1 on hv2")
        await cloud.nb.sync("hv")
        hypervisor = cloud.chassis["hv1"].hypervisor
        assert hypervisor is not None
        await hypervisor.destroy("vm1")
        await cloud.nb.sync("hv")
        assert _binding_chassis(cloud, "vm1") == "hv2"  # hv1 neither reclaimed nor released it
        result = await vm3.ping("10.0.0.11", count=2)
        assert [r.ttl for r in result.replies] == [63, 63]
        assert len(new.received(icmp_type=8)) == 2 and not old.received(icmp_type=8)[1:]
        tunnel = cloud.chassis["hv2"].vswitchd.chassis.stats  # type: ignore[union-attr]
        assert any(vni == 1 for _, vni, _ in tunnel.frames)  # arrived on sw1's VNI

    run(with_cloud(tmp_path, 2, body))


def test_unknown_iface_id_is_logged_once_and_bound_once_the_port_exists(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def body(cloud: EmbeddedCloud) -> None:
        assert cloud.nb is not None
        await build_seed(cloud.nb)
        await _boot(cloud, "hv1", "vm3")
        hypervisor = cloud.chassis["hv1"].hypervisor
        assert hypervisor is not None
        booted = await hypervisor.boot(
            "vm9", "50:54:00:00:02:99", iface_id="no-such-port", cidr="10.0.1.99/24"
        )
        stray = booted.host
        await cloud.nb.sync("hv")
        await cloud.nb.sync("hv")
        assert _binding_chassis(cloud, "no-such-port") is None
        assert (await stray.ping("10.0.1.13", timeout=0.3)).received == 0
        await cloud.nb.lsp_add("sw2", "no-such-port", addresses=["50:54:00:00:02:99 10.0.1.99"])
        await cloud.nb.wait_port_up("no-such-port")
        assert _binding_chassis(cloud, "no-such-port") == "hv1"
        assert (await stray.ping("10.0.1.13")).received == 1

    with caplog.at_level(logging.WARNING, "pyovn.controller"):
        run(with_cloud(tmp_path, 1, body))
    warnings = [r.getMessage() for r in caplog.records if "no-such-port" in r.getMessage()]
    assert warnings == ["interface tapvm9: no logical port named 'no-such-port'; not binding it"]


def test_the_router_arps_learns_and_answers_with_errors(tmp_path: Path) -> None:
    async def body(cloud: EmbeddedCloud) -> None:
        assert cloud.nb is not None
        await build_seed(cloud.nb)
        await cloud.nb.lr_route_add("lr1", "198.51.100.0/24", "172.16.0.60")
        vm1 = await _boot(cloud, "hv2", "vm1")
        hypervisor = cloud.chassis["hv1"].hypervisor
        assert hypervisor is not None
        upstream = (
            await hypervisor.boot(
                "up",
                "0a:00:00:00:00:60",
                bridge="br-ex",
                cidr="172.16.0.60/24",
                routes=["198.51.100.0/24"],
            )
        ).host
        await cloud.nb.sync("hv")
        # No MAC binding for the next hop: lr1 ARPs for it (pinctrl), learns the
        # answer (put_arp → MAC_Binding → table 66), then forwards.
        result = await vm1.ping("198.51.100.7", count=3, timeout=0.5)
        assert result.received >= 2 and {r.ttl for r in result.replies} == {63}
        (request, *_) = upstream.received(arp_op=1)
        assert format_ipv4(request["arp_tpa"]) == "172.16.0.60" and request["arp_sha"] == 0xFF03
        sb = cloud.chassis["hv1"].controller.sb  # type: ignore[union-attr]
        learned = [(r["logical_port"], r["ip"], r["mac"]) for r in sb.table("MAC_Binding").values()]
        assert ("lr1-ext", "172.16.0.60", "0a:00:00:00:00:60") in learned
        echo = upstream.received(icmp_type=8)[-1]
        assert format_ipv4(echo["nw_src"]) == "172.16.0.100" and echo["dl_src"] == 0xFF03
        # TTL 1 through the router: ICMP time exceeded from the router port.
        await vm1.ping("10.0.1.13", ttl=1, timeout=0.3)
        (exceeded,) = vm1.received(icmp_type=11)
        assert format_ipv4(exceeded["nw_src"]) == "10.0.0.1" and exceeded["nw_ttl"] == 254
        # TCP to the router itself: a distributed router drops it (OVN 23.03 resets
        # only on gateway routers).
        assert await vm1.tcp_connect("10.0.0.1", 22, timeout=0.3) == "filtered"
        counts = sum(
            (c.controller.pinctrl.counts for c in cloud.chassis.values() if c.controller),
            collections.Counter[str](),
        )
        assert counts["ARP"] >= 1 and counts["PUT_ARP"] >= 1 and counts["ICMP"] >= 1
        assert counts["TCP_RESET"] == 0

    run(with_cloud(tmp_path, 2, body))


def test_adding_a_port_recompiles_only_what_it_touches(tmp_path: Path) -> None:
    async def body(cloud: EmbeddedCloud) -> None:
        assert cloud.nb is not None
        await build_seed(cloud.nb)
        for name in ("vm1", "vm2", "vm3"):
            await _boot(cloud, "hv1", name)
        await cloud.nb.sync("hv")
        controller = cloud.chassis["hv1"].controller
        assert controller is not None
        total = len(list(controller.translator.flows()))
        before = controller.translator.compiles
        vm4 = await _boot(cloud, "hv1", "vm4")
        await cloud.nb.wait_port_up("vm4")
        await cloud.nb.sync("hv")
        compiled = controller.translator.compiles - before
        assert 0 < compiled < total / 10
        assert (await vm4.ping("10.0.1.13")).received == 1

    run(with_cloud(tmp_path, 1, body))
