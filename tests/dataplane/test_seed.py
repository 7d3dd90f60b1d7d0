"""Simulated VMs on the real ovn-controller's br-int flows (the seed topology).

The checks of shared/realovn/datapath_test.sh, on the simulator: switching,
routing, stateful ACLs, SNAT, floating IP. The packets the VMs see are
asserted header by header (addresses after NAT, TTL, MACs).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from pyovn.dataplane import Bridge, Packet
from pyovn.dataplane.host import Host
from tests.dataplane.conftest import build_seed_bridges

VMS = {
    "vm1": ("50:54:00:00:01:11", "10.0.0.11/24", "10.0.0.1"),
    "vm2": ("50:54:00:00:01:12", "10.0.0.12/24", "10.0.0.1"),
    "vm3": ("50:54:00:00:02:13", "10.0.1.13/24", "10.0.1.1"),
    "vm4": ("50:54:00:00:02:14", "10.0.1.14/24", "10.0.1.1"),
}


def _ip(text: str) -> int:
    return Packet.build(ip_src=text)["ip_src"]


def _seed() -> tuple[Bridge, dict[str, Host]]:
    br_int, br_ex = build_seed_bridges()
    hosts = {}
    for name, (mac, cidr, gateway) in VMS.items():
        hosts[name] = Host(name, mac, cidr, gateway)
        hosts[name].attach(br_int, f"ovr-{name}")
    hosts["ext"] = Host("ext", "0a:00:00:00:00:fe", "172.16.0.254/24")
    hosts["ext"].attach(br_ex, "ovr-ext")
    return br_int, hosts


def _run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 20))


def test_switching_and_routing() -> None:
    async def scenario() -> None:
        _, vm = _seed()
        same = await vm["vm1"].ping("10.0.0.12", count=2)
        assert [r.ttl for r in same.replies] == [64, 64]
        router = await vm["vm1"].ping("10.0.0.1")
        assert router.replies[0].source == "10.0.0.1"
        routed = await vm["vm1"].ping("10.0.1.14", count=2)
        assert [r.ttl for r in routed.replies] == [63, 63]
        (arrived,) = vm["vm4"].received(icmp_type=8)[:1]
        assert arrived["dl_src"] == 0xFF02 and arrived["dl_dst"] == vm["vm4"].mac
        assert arrived["nw_ttl"] == 63 and arrived["ip_src"] == _ip("10.0.0.11")
        assert vm["vm1"].arp_cache[_ip("10.0.0.1")] == 0xFF01  # the router port's MAC

    _run(scenario)


def test_stateful_acls_of_the_port_group() -> None:
    async def scenario() -> None:
        _, vm = _seed()
        vm["vm3"].listen_tcp(22)
        vm["vm3"].listen_tcp(23)
        vm["vm4"].listen_tcp(23)
        assert (await vm["vm4"].ping("10.0.1.13")).received == 1
        assert await vm["vm4"].tcp_connect("10.0.1.13", 22) == "open"
        assert await vm["vm4"].tcp_connect("10.0.1.13", 23, timeout=0.3) == "filtered"
        assert await vm["vm1"].tcp_connect("10.0.1.13", 22, timeout=0.3) == "filtered"
        assert await vm["vm2"].tcp_connect("10.0.1.13", 22) == "open"
        assert await vm["vm3"].tcp_connect("10.0.1.14", 23) == "open"
        assert vm["vm3"].received(tcp_dst=23, ip_src="10.0.1.14") == []

    _run(scenario)


def test_snat_and_floating_ip_as_seen_outside() -> None:
    async def scenario() -> None:
        br_int, vm = _seed()
        ext = vm["ext"]
        assert (await vm["vm1"].ping("172.16.0.254")).received == 1
        assert (await vm["vm2"].ping("172.16.0.254")).received == 1
        sources = [p["ip_src"] for p in ext.received(icmp_type=8)]
        assert sources == [_ip("172.16.0.100"), _ip("172.16.0.110")]
        echo = ext.received(icmp_type=8)[0]
        assert echo["dl_src"] == 0xFF03 and echo["nw_ttl"] == 63  # lr1's external port
        reply_at_vm1 = vm["vm1"].received(icmp_type=0)[0]
        assert reply_at_vm1["ip_src"] == _ip("172.16.0.254")
        assert reply_at_vm1["ip_dst"] == _ip("10.0.0.11")
        inbound = await ext.ping("172.16.0.110")
        assert inbound.received == 1 and inbound.replies[0].source == "172.16.0.110"
        (at_vm2,) = vm["vm2"].received(icmp_type=8, ip_src="172.16.0.254")
        assert at_vm2["ip_dst"] == _ip("10.0.0.12")
        dump = br_int.datapath.conntrack.dump()
        assert "reply=(src=172.16.0.254,dst=172.16.0.100" in dump

    _run(scenario)
