"""Two simulated chassis joined by Geneve over real UDP on 127.0.0.x."""

from __future__ import annotations

import asyncio

from pyovn.dataplane.fabric import Chassis
from pyovn.dataplane.geneve import ovn_port_keys
from pyovn.dataplane.host import Host

TUNNEL = 10


def _flows(local: int, remote: int, local_mac: str, remote_mac: str) -> str:
    """A two-port logical switch (datapath key 1) split across chassis, OVN-style."""
    return f"""
table=0,priority=100,in_port=1,actions=load:0x1->OXM_OF_METADATA[],load:{local}->NXM_NX_REG14[],resubmit(,8)
table=0,priority=100,in_port={TUNNEL},actions=move:NXM_NX_TUN_ID[0..23]->OXM_OF_METADATA[0..23],move:NXM_NX_TUN_METADATA0[16..30]->NXM_NX_REG14[0..14],move:NXM_NX_TUN_METADATA0[0..15]->NXM_NX_REG15[0..15],resubmit(,40)
table=8,priority=50,metadata=0x1,dl_dst={remote_mac},actions=load:{remote}->NXM_NX_REG15[],resubmit(,39)
table=8,priority=40,metadata=0x1,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=load:0x8000->NXM_NX_REG15[],resubmit(,39)
table=39,priority=100,reg15={remote},metadata=0x1,actions=load:0x1->NXM_NX_TUN_ID[0..23],set_field:{remote}->tun_metadata0,move:NXM_NX_REG14[0..14]->NXM_NX_TUN_METADATA0[16..30],output:{TUNNEL}
table=39,priority=100,reg15=0x8000,metadata=0x1,actions=load:0x1->NXM_NX_TUN_ID[0..23],set_field:0x8000->tun_metadata0,move:NXM_NX_REG14[0..14]->NXM_NX_TUN_METADATA0[16..30],output:{TUNNEL}
table=40,priority=100,reg15={local},metadata=0x1,actions=output:1
table=40,priority=100,reg15=0x8000,metadata=0x1,actions=output:1
"""


async def _two_chassis() -> None:
    hv1, hv2 = Chassis("hv1", "127.0.0.211"), Chassis("hv2", "127.0.0.212")
    await hv1.start()
    await hv2.start()
    try:
        hv1.bridge.add_port("vm1", 1)
        hv2.bridge.add_port("vm2", 1)
        hv1.add_tunnel("ovn-hv2-0", "127.0.0.212", ofport=TUNNEL)
        hv2.add_tunnel("ovn-hv1-0", "127.0.0.211", ofport=TUNNEL)
        hv1.bridge.add_flows(_flows(1, 2, "50:54:00:00:00:01", "50:54:00:00:00:02"))
        hv2.bridge.add_flows(_flows(2, 1, "50:54:00:00:00:02", "50:54:00:00:00:01"))
        vm1 = Host("vm1", "50:54:00:00:00:01", "10.0.0.1/24")
        vm2 = Host("vm2", "50:54:00:00:00:02", "10.0.0.2/24")
        vm1.attach(hv1.bridge, "vm1")
        vm2.attach(hv2.bridge, "vm2")
        result = await vm1.ping("10.0.0.2", count=3)
        assert [reply.ttl for reply in result.replies] == [64, 64, 64]
        # ARP broadcast + 3 echo requests went hv1 -> hv2, ARP reply + 3 replies back.
        assert hv1.stats.sent == hv2.stats.received == 4
        assert hv2.stats.sent == hv1.stats.received == 4
        senders = {sender for sender, _, _ in hv2.stats.frames}
        assert senders == {"127.0.0.211"}
        assert {vni for _, vni, _ in hv2.stats.frames} == {1}
        keys = [ovn_port_keys(option or 0) for _, _, option in hv2.stats.frames]
        assert keys == [(1, 0x8000), (1, 2), (1, 2), (1, 2)]
        (echo,) = vm2.received(icmp_type=8, icmp_code=0)[:1]
        assert echo["dl_src"] == vm1.mac and echo["ip_src"] == vm1.ip
        assert not any(slot.startswith("tun_") for slot in echo.fields)
    finally:
        hv1.close()
        hv2.close()


def test_ping_across_a_geneve_tunnel_over_udp() -> None:
    asyncio.run(asyncio.wait_for(_two_chassis(), 10))


async def _stray_datagram() -> None:
    hv = Chassis("hv9", "127.0.0.213")
    await hv.start()
    try:
        hv.receive_datagram(b"\x00\x01", "127.0.0.214")
        hv.receive_datagram(
            bytes.fromhex("00006558000001 00".replace(" ", "")) + bytes(60), "127.0.0.214"
        )
        assert hv.stats.received == 0 and len(hv.stats.dropped) == 2
    finally:
        hv.close()


def test_bad_or_unknown_datagrams_are_dropped_and_counted() -> None:
    asyncio.run(_stray_datagram())
