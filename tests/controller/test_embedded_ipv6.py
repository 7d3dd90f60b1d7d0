"""IPv6 neighbor discovery in the simulator: two simulated VMs with an IPv6
address each (dataplane/host_ipv6.py), on one logical switch but on two
chassis of an embedded cloud, ping each other; every Neighbor Solicitation
is answered by the switch's ND responder (`nd_na` packet-in to pinctrl,
packet-out of the advertisement) and the router port's address by
`nd_na_router`. The VMs' own advertisements are never needed."""

from __future__ import annotations

import asyncio
import collections
import ipaddress
import shutil
from pathlib import Path

import pytest
from scapy.layers.inet6 import ICMPv6ND_RA, ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo, IPv6
from scapy.layers.l2 import Ether

from pyovn.cloud.embedded import EmbeddedCloud
from pyovn.dataplane.host_ipv6 import Ipv6Stack
from pyovn.dataplane.packet import Packet
from tests.controller.conftest import run, wait_until, with_cloud

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


ROUTED = {
    "vm1": ("sw1", "hv1", "50:54:00:00:01:11", "10.0.0.11", "fd00:1::11", True),
    # vm3's IPv6 address is in no NB row: the router has to solicit it.
    "vm3": ("sw2", "hv2", "50:54:00:00:02:13", "10.0.1.13", "fd00:2::13", False),
}


async def _real_northd(cloud: EmbeddedCloud, workdir: Path) -> asyncio.subprocess.Process:
    """Replace the embedded pyovn northd by the real ovn-northd (23.03), which
    compiles routes and ND for global IPv6 router networks."""
    assert cloud.northd is not None
    cloud.northd.stop()
    await cloud.northd.close()
    cloud.northd = None
    return await asyncio.create_subprocess_exec(
        "ovn-northd",
        f"--ovnnb-db={cloud.nb_remote}",
        f"--ovnsb-db={cloud.sb_remote}",
        f"--log-file={workdir}/ovn-northd.log",
        f"--pidfile={workdir}/ovn-northd.pid",
        f"--unixctl={workdir}/ovn-northd.ctl",
        "--no-chdir",
        "-vconsole:off",
        stdin=asyncio.subprocess.DEVNULL,
    )


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


@pytest.mark.skipif(not shutil.which("ovn-northd"), reason="the real ovn-northd is not installed")
def test_ping6_across_the_router_with_nd_ns_put_nd_hop_limit_and_ra(tmp_path: Path) -> None:
    async def body(cloud: EmbeddedCloud) -> None:
        nb = cloud.nb
        assert nb is not None
        northd = await _real_northd(cloud, tmp_path)
        try:
            await _routed(cloud)
        finally:
            await _stop(northd)

    async def _routed(cloud: EmbeddedCloud) -> None:
        nb = cloud.nb
        assert nb is not None
        for switch in ("sw1", "sw2"):
            await nb.ls_add(switch)
        for name, (switch, _, mac, ip4, ip6, declared) in ROUTED.items():
            spec = f"{mac} {ip4} {ip6}" if declared else f"{mac} {ip4}"
            await nb.lsp_add(
                switch, name, addresses=[spec], port_security=[spec] if declared else []
            )
        await nb.lr_add("lr1")
        await nb.lrp_add("lr1", "lr1-sw1", "00:00:00:00:ff:01", "10.0.0.1/24", "fd00:1::1/64")
        await nb.lrp_add("lr1", "lr1-sw2", "00:00:00:00:ff:02", "10.0.1.1/24", "fd00:2::1/64")
        for switch, lsp, lrp in (("sw1", "sw1-lr1", "lr1-sw1"), ("sw2", "sw2-lr1", "lr1-sw2")):
            options = {"router-port": lrp}
            await nb.lsp_add(switch, lsp, type="router", addresses=["router"], options=options)
        stacks = {}
        for name, (_, chassis, mac, ip4, ip6, _) in ROUTED.items():
            hypervisor = cloud.chassis[chassis].hypervisor
            assert hypervisor is not None
            vm = await hypervisor.boot(name, mac, iface_id=name, cidr=f"{ip4}/24")
            gateway = ip6.rsplit(":", 1)[0] + ":1"
            stacks[name] = Ipv6Stack(vm.host, f"{ip6}/64", gateway=gateway)
        await asyncio.wait_for(nb.sync("hv"), 30)
        vm1, vm3 = stacks["vm1"], stacks["vm3"]

        result = await vm1.ping("fd00:2::13", count=3, timeout=0.5)
        assert result.received >= 2 and {r.ttl for r in result.replies} == {63}, result
        # lr1 solicited vm3 (nd_ns) from its port's MAC and link-local address
        # (as the real ovn-controller does), on the solicited-node group.
        (solicit, *_) = vm3.host.received(icmpv6_type=135)
        assert solicit["nd_target"] == vm3.address and solicit["nd_sll"] == 0xFF02
        lla = int(ipaddress.IPv6Address("fe80::200:ff:fe00:ff02"))
        assert solicit["ipv6_src"] == lla and solicit["dl_src"] == 0xFF02
        assert solicit["dl_dst"] == 0x3333FF000013 and solicit["nw_ttl"] == 255
        # ... and learned the answer (put_nd) into the Southbound MAC_Binding table.
        sb = cloud.chassis["hv1"].controller.sb  # type: ignore[union-attr]
        assert sb is not None
        learned = [(r["logical_port"], r["ip"], r["mac"]) for r in sb.table("MAC_Binding").values()]
        assert ("lr1-sw2", "fd00:2::13", "50:54:00:00:02:13") in learned

        # Hop limit 1 through the router: ICMPv6 time exceeded from the router port.
        await vm1.ping("fd00:2::13", hop_limit=1, timeout=0.3)
        (exceeded,) = vm1.errors
        assert (exceeded["icmpv6_type"], exceeded["icmpv6_code"]) == (3, 0)
        assert exceeded["ipv6_src"] == int(ipaddress.IPv6Address("fd00:1::1"))
        counts = sum(
            (c.controller.pinctrl.counts for c in cloud.chassis.values() if c.controller),
            collections.Counter[str](),
        )
        assert counts["ND_NS"] >= 1 and counts["PUT_ND"] >= 1 and counts["ND_NA_ROUTER"] >= 1
        assert counts["ICMP"] >= 1
        await _router_advertisement(cloud, vm1)

    run(with_cloud(tmp_path, 2, body))


async def _router_advertisement(cloud: EmbeddedCloud, vm1: Ipv6Stack) -> None:
    """ipv6_ra_configs on lr1-sw1 (set with the real ovn-nbctl): a Router
    Solicitation from vm1's link-local address is answered by pinctrl's
    advertisement (put_nd_ra_opts, resumed), to that address."""
    assert cloud.nb is not None
    nbctl = await asyncio.create_subprocess_exec(
        "ovn-nbctl",
        f"--db={cloud.nb_remote}",
        "--no-wait",
        "set",
        "Logical_Router_Port",
        "lr1-sw1",
        "ipv6_ra_configs:address_mode=dhcpv6_stateless",
        "ipv6_ra_configs:mtu=1400",
    )
    assert await asyncio.wait_for(nbctl.wait(), 30) == 0
    await asyncio.wait_for(cloud.nb.sync("hv"), 30)
    lla = int(ipaddress.IPv6Address("fe80::5254:ff:fe00:111"))
    solicit = Packet.build(
        dl_src=vm1.host.mac,
        dl_dst=0x333300000002,
        dl_type=0x86DD,
        ipv6_src=lla,
        ipv6_dst=int(ipaddress.IPv6Address("ff02::2")),
        nw_ttl=255,
        nw_proto=58,
        icmpv6_type=133,
        icmpv6_code=0,
    )
    vm1.host.send(solicit)
    await wait_until(lambda: bool(vm1.host.received(icmpv6_type=134)), 5, "an RA")
    (advert,) = vm1.host.received(icmpv6_type=134)
    frame = Ether(advert.to_bytes())
    assert (frame.src, frame[IPv6].src) == ("00:00:00:00:ff:01", "fe80::200:ff:fe00:ff01")
    assert frame[IPv6].dst == "fe80::5254:ff:fe00:111"
    ra = frame[ICMPv6ND_RA]
    assert (ra.M, ra.O, frame[IPv6].hlim) == (0, 1, 255)  # stateless DHCPv6: O only
    assert frame[ICMPv6NDOptMTU].mtu == 1400
    prefix = frame[ICMPv6NDOptPrefixInfo]
    assert (prefix.prefix, prefix.prefixlen, prefix.L, prefix.A) == ("fd00:1::", 64, 1, 1)
