"""Simulated VMs on a learning switch: ARP, ping, TCP, UDP, DHCP, capture."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from pyovn.dataplane import Bridge, Packet, PacketError, read_pcap
from pyovn.dataplane.dhcp import DhcpServer, dhcp_configure
from pyovn.dataplane.host import Host


def _lan() -> tuple[Bridge, Host, Host]:
    bridge = Bridge("br0")
    for number in range(1, 5):
        bridge.add_port(f"p{number}", number)
    bridge.add_flow("priority=0,actions=NORMAL")
    a = Host("a", "00:00:00:00:00:0a", "10.0.0.1/24", "10.0.0.254")
    b = Host("b", "00:00:00:00:00:0b", "10.0.0.2/24")
    a.attach(bridge, "p1")
    b.attach(bridge, "p2")
    return bridge, a, b


def _run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 10))


def test_arp_resolution_and_cache() -> None:
    async def scenario() -> None:
        _, a, b = _lan()
        assert await a.resolve("10.0.0.2") == b.mac
        (request,) = a.sent(arp_op=1)
        assert request["dl_dst"] == 0xFFFFFFFFFFFF and request["arp_tpa"] == b.ip
        (reply,) = a.received(arp_op=2)
        assert reply["arp_sha"] == b.mac and reply["dl_dst"] == a.mac
        assert b.arp_cache[a.ip] == a.mac  # learned from the request
        await a.resolve("10.0.0.2")
        assert len(a.sent(arp_op=1)) == 1
        with pytest.raises(TimeoutError):
            await a.resolve("10.0.0.99", timeout=0.2)

    _run(scenario)


def test_ping_replies_with_ttl_and_payload() -> None:
    async def scenario() -> None:
        _, a, b = _lan()
        result = await a.ping("10.0.0.2", count=3, ttl=17)
        assert result.received == 3
        assert [(r.sequence, r.source, r.ttl) for r in result.replies] == [
            (1, "10.0.0.2", 64),
            (2, "10.0.0.2", 64),
            (3, "10.0.0.2", 64),
        ]
        requests = b.received(icmp_type=8)
        assert [p["nw_ttl"] for p in requests] == [17, 17, 17]
        assert requests[0].payload == bytes(range(56))
        lost = await a.ping("10.0.0.3", timeout=0.2)
        assert lost.received == 0

    _run(scenario)


def test_off_link_destinations_go_to_the_gateway_mac() -> None:
    async def scenario() -> None:
        _, a, b = _lan()
        gateway = Host("gw", "00:00:00:00:00:fe", "10.0.0.254/24")
        gateway.attach(a._bridge, "p3")  # type: ignore[arg-type]
        await a.ping("192.0.2.1", timeout=0.2)
        (echo,) = gateway.received(icmp_type=8)
        assert (
            echo["dl_dst"] == gateway.mac
            and echo["ip_dst"] == Packet.build(ip_dst="192.0.2.1")["ip_dst"]
        )
        with pytest.raises(PacketError):
            await b.ping("192.0.2.1")

    _run(scenario)


def test_tcp_open_closed_filtered() -> None:
    async def scenario() -> None:
        bridge, a, b = _lan()
        b.listen_tcp(22)
        assert await a.tcp_connect("10.0.0.2", 22) == "open"
        (syn_ack,) = a.received(tcp_flags=0x012)
        assert syn_ack["tcp_src"] == 22
        assert await a.tcp_connect("10.0.0.2", 23) == "closed"
        bridge.add_flow("priority=10,tcp,tp_dst=24,actions=drop")
        assert await a.tcp_connect("10.0.0.2", 24, timeout=0.2) == "filtered"

    _run(scenario)


def test_udp_exchange_and_port_unreachable() -> None:
    async def scenario() -> None:
        _, a, b = _lan()
        b.udp_bind(5353)
        await a.udp_send("10.0.0.2", 5353, b"query", source_port=4444)
        assert await b.udp_receive(5353) == ("10.0.0.1", 4444, b"query")
        await a.udp_send("10.0.0.2", 9, b"nobody")
        await asyncio.sleep(0.01)
        (unreachable,) = a.received(icmp_type=3, icmp_code=3)
        quoted = Packet.from_bytes(bytes(12) + b"\x08\x00" + unreachable.payload)
        assert (quoted["nw_proto"], quoted["tp_dst"], quoted["ip_src"]) == (17, 9, a.ip)

    _run(scenario)


def test_dhcp_against_our_own_server_applies_the_lease() -> None:
    async def scenario() -> None:
        bridge, _, _ = _lan()
        server_host = Host("dhcp", "00:00:00:00:00:0d", "10.0.0.250/24")
        server_host.attach(bridge, "p3")
        server = DhcpServer(
            server_host,
            {"00:00:00:00:00:0c": "10.0.0.77"},
            router="10.0.0.254",
            dns=["10.0.0.53", "8.8.8.8"],
            mtu=1442,
            lease_time=600,
        )
        client = Host("c", "00:00:00:00:00:0c")
        client.attach(bridge, "p4")
        lease = await dhcp_configure(client)
        assert (lease.address, lease.prefix, lease.router) == ("10.0.0.77", 24, "10.0.0.254")
        assert (lease.dns, lease.mtu, lease.lease_time) == (["10.0.0.53", "8.8.8.8"], 1442, 600)
        assert lease.server == "10.0.0.250"
        assert client.address == "10.0.0.77" and client.mtu == 1442
        assert [m.message_type for m in server.messages] == [1, 3]
        discover = client.sent(udp_dst=67)[0]
        assert discover["ip_src"] == 0 and discover["ip_dst"] == 0xFFFFFFFF
        assert (await client.ping("10.0.0.1")).received == 1

    _run(scenario)


def test_dhcp_nak_and_silence() -> None:
    async def scenario() -> None:
        bridge, _, _ = _lan()
        server_host = Host("dhcp", "00:00:00:00:00:0d", "10.0.0.250/24")
        server_host.attach(bridge, "p3")
        DhcpServer(server_host, [])
        client = Host("c", "00:00:00:00:00:0c")
        client.attach(bridge, "p4")
        with pytest.raises(TimeoutError):
            await dhcp_configure(client, timeout=0.2)

    _run(scenario)


def test_host_log_writes_a_pcap(tmp_path: Path) -> None:
    async def scenario() -> None:
        _, a, _ = _lan()
        await a.ping("10.0.0.2")
        path = tmp_path / "a.pcap"
        a.write_pcap(path)
        frames = read_pcap(path)
        assert [f["dl_type"] for f in frames] == [0x0806, 0x0806, 0x0800, 0x0800]
        assert frames[2]["icmp_type"] == 8 and frames[3]["icmp_type"] == 0

    _run(scenario)
