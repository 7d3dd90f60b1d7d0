"""IPv6 neighbor discovery in the simulator: two simulated VMs with an IPv6
address each (dataplane/host_ipv6.py), on one logical switch but on two
chassis of an embedded cloud, ping each other; every Neighbor Solicitation
is answered by the switch's ND responder (`nd_na` packet-in to pinctrl,
packet-out of the advertisement) and the router port's address by
`nd_na_router`. The VMs' own advertisements are never needed."""

from __future__ import annotations

import collections
from pathlib import Path

from pyovn.cloud.embedded import EmbeddedCloud
from pyovn.dataplane.host_ipv6 import Ipv6Stack
from tests.controller.conftest import run, with_cloud

VMS = {
    "vm1": ("hv1", "50:54:00:00:01:11", "10.0.0.11", "fd00:1::11"),
    "vm2": ("hv2", "50:54:00:00:01:12", "10.0.0.12", "fd00:1::12"),
}


async def _topology(cloud: EmbeddedCloud) -> None:
    nb = cloud.nb
    assert nb is not None
    await nb.ls_add("sw1")
    for name, (_, mac, ip4, ip6) in VMS.items():
        spec = f"{mac} {ip4} {ip6}"
        await nb.lsp_add("sw1", name, addresses=[spec], port_security=[spec])
    await nb.lr_add("lr1")
    await nb.lrp_add("lr1", "lr1-sw1", "00:00:00:00:ff:01", "10.0.0.1/24", "fd00:1::1/64")
    await nb.lsp_add(
        "sw1", "sw1-lr1", type="router", addresses=["router"], options={"router-port": "lr1-sw1"}
    )


def test_ping6_between_simulated_vms_through_the_nd_responder(tmp_path: Path) -> None:
    async def body(cloud: EmbeddedCloud) -> None:
        assert cloud.nb is not None
        await _topology(cloud)
        stacks = {}
        for name, (chassis, mac, ip4, ip6) in VMS.items():
            hypervisor = cloud.chassis[chassis].hypervisor
            assert hypervisor is not None
            vm = await hypervisor.boot(name, mac, iface_id=name, cidr=f"{ip4}/24")
            stacks[name] = Ipv6Stack(vm.host, f"{ip6}/64", gateway="fd00:1::1")
        await cloud.nb.sync("hv")
        vm1, vm2 = stacks["vm1"], stacks["vm2"]
        result = await vm1.ping("fd00:1::12", count=3, timeout=0.5)
        assert result.received == 3, result
        assert {r.source for r in result.replies} == {"fd00:1::12"}
        assert vm1.neighbors[vm2.address] == vm2.host.mac
        # vm2 answered nothing itself: the solicitation was answered by pinctrl.
        assert not vm2.host.sent(icmpv6_type=136)
        (advert,) = vm1.host.received(icmpv6_type=136)
        assert advert["nd_target"] == vm2.address and advert["nd_tll"] == vm2.host.mac
        assert advert.extra["nd_flags"] == 0b011  # solicited, override
        assert advert["nw_ttl"] == 255
        # The router port's address: the Router flag set (nd_na_router).
        assert await vm2.resolve(vm2.gateway or 0) == 0x0000_0000_FF01
        router_advert = vm2.host.received(icmpv6_type=136)[-1]
        assert router_advert.extra["nd_flags"] == 0b111
        counts = sum(
            (c.controller.pinctrl.counts for c in cloud.chassis.values() if c.controller),
            collections.Counter[str](),
        )
        assert counts["ND_NA"] >= 1 and counts["ND_NA_ROUTER"] >= 1

    run(with_cloud(tmp_path, 2, body))
