"""The minimum of IPv6 for a simulated VM: one address, neighbor discovery
and ICMPv6 echo.

`Ipv6Stack(host, "fd00:1::11/64", gateway="fd00:1::1")` plugs into a
`Host` as a frame handler. It answers Neighbor Solicitations for its
address (Solicited + Override, target link-layer address option), keeps a
neighbor cache from the advertisements it gets, resolves next hops by
soliciting their solicited-node group (`resolve`), answers ICMPv6 echo and
sends pings (`ping`, sharing `PingResult` with IPv4). ICMPv6 errors
(time exceeded, unreachable) are kept in `errors`. No DAD, no router
discovery, no extension headers: routes are the on-link prefix and the
configured gateway, and an echo reply goes back to the request's Ethernet
source without a lookup (so the answering VM never solicits).
"""

from __future__ import annotations

import asyncio
import ipaddress
import time

from pyovn.dataplane.errors import PacketError
from pyovn.dataplane.host import Host, PingReply, PingResult
from pyovn.dataplane.packet import Packet

__all__ = ["Ipv6Stack"]

ETH_IPV6, PROTO_ICMP6 = 0x86DD, 58
ECHO_REQUEST, ECHO_REPLY, ND_NS, ND_NA = 128, 129, 135, 136
ND_SOLICITED, ND_OVERRIDE = 0b010, 0b001  # the simulator's nd_flags bits (R, S, O)


def _solicited_node(address: int) -> int:
    return int(ipaddress.IPv6Address("ff02::1:ff00:0")) | (address & 0xFFFFFF)


class Ipv6Stack:
    """IPv6 on one simulated host."""

    def __init__(self, host: Host, cidr: str, gateway: str | None = None) -> None:
        interface = ipaddress.IPv6Interface(cidr)
        self.host = host
        self.address = int(interface.ip)
        self.network = interface.network
        self.gateway = int(ipaddress.IPv6Address(gateway)) if gateway else None
        self.neighbors: dict[int, int] = {}
        self.errors: list[Packet] = []
        self._waiters: dict[int, list[asyncio.Future[int]]] = {}
        self._pings: dict[tuple[int, int], asyncio.Future[Packet]] = {}
        host.frame_handlers.append(self._handle)

    # ------------------------------------------------------------ receive

    def _handle(self, packet: Packet) -> bool:
        if packet.get("dl_type") != ETH_IPV6:
            return False
        destination = packet.get("ipv6_dst")
        if destination not in (self.address, _solicited_node(self.address)):
            return True  # not for this host: dropped
        if packet.get("nw_proto") != PROTO_ICMP6:
            return True
        kind = packet.get("tp_src")
        if kind == ND_NS:
            self._solicitation(packet)
        elif kind == ND_NA:
            self._advertisement(packet)
        elif kind == ECHO_REQUEST and destination == self.address:
            self._echo_reply(packet)
        elif kind == ECHO_REPLY:
            key = (packet.extra.get("icmp_id", 0), packet.extra.get("icmp_seq", 0))
            waiter = self._pings.get(key)
            if waiter is not None and not waiter.done():
                waiter.set_result(packet)
        elif kind < 128:
            self.errors.append(packet)
        return True

    def _solicitation(self, packet: Packet) -> None:
        if packet.get("nd_target") != self.address:
            return
        source, mac = packet.get("ipv6_src"), packet.get("nd_sll") or packet.get("dl_src")
        if source:
            self._learn(source, mac)
        self.host.send(
            self._icmp6(
                mac,
                source or int(ipaddress.IPv6Address("ff02::1")),
                ND_NA,
                hop_limit=255,
                nd_target=self.address,
                nd_tll=self.host.mac,
                flags=ND_SOLICITED | ND_OVERRIDE,
            )
        )

    def _advertisement(self, packet: Packet) -> None:
        mac = packet.get("nd_tll") or packet.get("dl_src")
        self._learn(packet.get("nd_target"), mac)

    def _learn(self, address: int, mac: int) -> None:
        self.neighbors[address] = mac
        for waiter in self._waiters.pop(address, []):
            if not waiter.done():
                waiter.set_result(mac)

    def _echo_reply(self, packet: Packet) -> None:
        reply = self._icmp6(packet.get("dl_src"), packet.get("ipv6_src"), ECHO_REPLY)
        reply.payload = packet.payload
        reply.extra.update(
            icmp_id=packet.extra.get("icmp_id", 0), icmp_seq=packet.extra.get("icmp_seq", 0)
        )
        self.host.send(reply)

    # ------------------------------------------------------------ send

    def _icmp6(
        self,
        mac: int,
        destination: int,
        kind: int,
        *,
        hop_limit: int = 64,
        flags: int | None = None,
        **fields: int,
    ) -> Packet:
        packet = Packet.build(
            dl_src=self.host.mac,
            dl_dst=mac,
            dl_type=ETH_IPV6,
            ipv6_src=self.address,
            ipv6_dst=destination,
            nw_ttl=hop_limit,
            nw_proto=PROTO_ICMP6,
            icmpv6_type=kind,
            icmpv6_code=0,
        )
        for name, value in fields.items():
            packet[name] = value
        if flags is not None:
            packet.extra["nd_flags"] = flags
        return packet

    def next_hop(self, destination: int) -> int:
        """The neighbor to send to: the destination on-link, else the gateway."""
        if ipaddress.IPv6Address(destination) in self.network:
            return destination
        if self.gateway is None:
            raise PacketError(f"{self.host.name}: no IPv6 route to {destination:#x}")
        return self.gateway

    async def resolve(self, address: int, timeout: float = 1.0, tries: int = 3) -> int:
        """The MAC of on-link `address` (Neighbor Solicitation, cached)."""
        if address in self.neighbors:
            return self.neighbors[address]
        group = _solicited_node(address)
        group_mac = 0x3333_0000_0000 | (group & 0xFFFFFFFF)
        for _ in range(tries):
            waiter: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            self._waiters.setdefault(address, []).append(waiter)
            solicit = self._icmp6(group_mac, group, ND_NS, hop_limit=255, nd_target=address)
            solicit["nd_sll"] = self.host.mac
            self.host.send(solicit)
            try:
                return await asyncio.wait_for(waiter, timeout / tries)
            except TimeoutError:
                continue
        raise TimeoutError(f"{self.host.name}: no neighbor advertisement for {address:#x}")

    async def ping(
        self, destination: str, count: int = 1, timeout: float = 1.0, hop_limit: int = 64
    ) -> PingResult:
        """Send `count` ICMPv6 echo requests and collect the replies."""
        target = int(ipaddress.IPv6Address(destination))
        result = PingResult(sent=count)
        identifier = (hash(self.host.name) & 0x7FFF) + 1
        for sequence in range(1, count + 1):
            key = (identifier, sequence)
            waiter: asyncio.Future[Packet] = asyncio.get_running_loop().create_future()
            self._pings[key] = waiter
            started = time.monotonic()
            try:
                mac = await self.resolve(self.next_hop(target))
                request = self._icmp6(mac, target, ECHO_REQUEST, hop_limit=hop_limit)
                request.payload = bytes(range(56))
                request.extra.update(icmp_id=identifier, icmp_seq=sequence)
                self.host.send(request)
                reply = await asyncio.wait_for(waiter, timeout)
            except TimeoutError:
                continue
            finally:
                self._pings.pop(key, None)
            source = str(ipaddress.IPv6Address(reply.get("ipv6_src")))
            rtt = time.monotonic() - started
            result.replies.append(PingReply(sequence, source, reply.get("nw_ttl"), rtt))
        return result
