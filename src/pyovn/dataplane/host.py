"""Simulated VMs: a small IPv4 stack attached to a bridge port.

A `Host` answers ARP for its address and keeps an ARP cache, answers ICMP
echo, sends pings (`ping`), opens TCP connections far enough to tell open
(SYN-ACK), closed (RST) and filtered (silence) apart (`tcp_connect`,
`listen_tcp`), sends and receives UDP (`udp_bind`, `udp_send`,
`udp_receive`, with ICMP port-unreachable for unbound ports) and gets its
address by DHCP (`dhcp.py`). Every frame in and out is kept in `log`, so
tests can assert the exact headers a VM saw (addresses after NAT, TTL,
MACs), and can be written to a pcap file.

Hosts are asynchronous: frames a bridge delivers are handled on the next
turn of the running asyncio loop, so conversations between hosts never
recurse into the bridge.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pyovn.dataplane.errors import PacketError
from pyovn.dataplane.field_syntax import format_ipv4, parse_mac
from pyovn.dataplane.fields import find_field, prereq_satisfied
from pyovn.dataplane.packet import Packet
from pyovn.dataplane.packet_bytes import write_pcap

if TYPE_CHECKING:
    from pyovn.dataplane.bridge import Bridge
    from pyovn.dataplane.datapath import Execution

__all__ = ["Host", "LogEntry", "PingReply", "PingResult"]

BROADCAST_MAC = 0xFFFFFFFFFFFF
TCP_FIN, TCP_SYN, TCP_RST, TCP_ACK = 0x01, 0x02, 0x04, 0x10
_ephemeral_ports = itertools.count(40000)


def _ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


@dataclass
class LogEntry:
    """One frame a host sent (`tx`) or received (`rx`)."""

    direction: str
    packet: Packet
    time: float


@dataclass
class PingReply:
    """An ICMP echo reply: who answered, with which TTL, how fast."""

    sequence: int
    source: str
    ttl: int
    rtt: float


@dataclass
class PingResult:
    """The outcome of `Host.ping`."""

    sent: int
    replies: list[PingReply] = field(default_factory=list)

    @property
    def received(self) -> int:
        """How many echo replies came back."""
        return len(self.replies)


class Host:
    """A simulated VM with one network interface."""

    def __init__(
        self,
        name: str,
        mac: str,
        ip: str | None = None,
        gateway: str | None = None,
        *,
        mtu: int = 1500,
    ) -> None:
        self.name = name
        self.mac = parse_mac(mac)
        self.ip: int | None = None
        self.prefix = 32
        self.gateway: int | None = None
        self.dns: list[str] = []
        self.mtu = mtu
        if ip is not None:
            self.configure(ip, gateway)
        self.arp_cache: dict[int, int] = {}
        self.log: list[LogEntry] = []
        self.frame_handlers: list[Callable[[Packet], bool]] = []
        self._bridge: Bridge | None = None
        self._port: str | int | None = None
        self._arp_waiters: dict[int, list[asyncio.Future[int]]] = {}
        self._pings: dict[tuple[int, int], asyncio.Future[Packet]] = {}
        self._tcp: dict[tuple[int, int], asyncio.Future[str]] = {}
        self._listening: set[int] = set()
        self._udp: dict[int, asyncio.Queue[tuple[str, int, bytes]]] = {}
        self._ip_ids = itertools.count(1)
        self._icmp_id = (hash(name) & 0x7FFF) + 1

    # ------------------------------------------------------------ set-up

    def configure(
        self,
        cidr: str,
        gateway: str | None = None,
        dns: list[str] | None = None,
        mtu: int | None = None,
    ) -> None:
        """Set the address (`10.0.0.11/24`), default gateway, DNS servers, MTU."""
        interface = ipaddress.IPv4Interface(cidr if "/" in cidr else f"{cidr}/24")
        self.ip = int(interface.ip)
        self.prefix = interface.network.prefixlen
        self.gateway = _ip(gateway) if gateway else None
        if dns is not None:
            self.dns = list(dns)
        if mtu is not None:
            self.mtu = mtu

    def attach(self, bridge: Bridge, port: str | int) -> None:
        """Plug this host's interface into `port` of `bridge`."""
        bridge.attach(port, self.receive)
        self._bridge, self._port = bridge, port

    @property
    def address(self) -> str | None:
        """The IPv4 address, dotted, if configured."""
        return format_ipv4(self.ip) if self.ip is not None else None

    # ------------------------------------------------------------ frames

    def send(self, packet: Packet) -> Execution:
        """Transmit a frame on the interface."""
        if self._bridge is None or self._port is None:
            raise PacketError(f"host {self.name} is not attached to a bridge")
        self.log.append(LogEntry("tx", packet.copy(), time.monotonic()))
        return self._bridge.receive(packet, self._port)

    def receive(self, packet: Packet) -> None:
        """A frame arrives from the bridge (handled on the next loop turn)."""
        self.log.append(LogEntry("rx", packet.copy(), time.monotonic()))
        try:
            asyncio.get_running_loop().call_soon(self._handle, packet)
        except RuntimeError:
            self._handle(packet)

    def received(self, **criteria: int | str) -> list[Packet]:
        """Frames received whose fields equal `criteria` (`icmp_type=0`, `ip_src="…"`)."""
        return [
            entry.packet
            for entry in self.log
            if entry.direction == "rx" and _matches(entry.packet, criteria)
        ]

    def sent(self, **criteria: int | str) -> list[Packet]:
        """Frames sent whose fields equal `criteria`."""
        return [
            entry.packet
            for entry in self.log
            if entry.direction == "tx" and _matches(entry.packet, criteria)
        ]

    def write_pcap(self, path: str | Path) -> None:
        """Write everything this host sent and received to a pcap file."""
        write_pcap(path, [entry.packet for entry in self.log])

    def _handle(self, packet: Packet) -> None:
        destination = packet.get("dl_dst")
        if destination != self.mac and not destination & (1 << 40):
            return
        for handler in self.frame_handlers:
            if handler(packet):
                return
        dl_type = packet.get("dl_type")
        if dl_type == 0x0806:
            self._handle_arp(packet)
        elif dl_type == 0x0800 and self._for_me(packet.get("nw_dst")):
            self._handle_ipv4(packet)

    def _for_me(self, address: int) -> bool:
        return address == self.ip or address == 0xFFFFFFFF

    # ------------------------------------------------------------ ARP

    def _handle_arp(self, packet: Packet) -> None:
        sender_ip, sender_mac = packet.get("nw_src"), packet.get("arp_sha")
        if sender_ip:
            self.arp_cache[sender_ip] = sender_mac
            for waiter in self._arp_waiters.pop(sender_ip, []):
                if not waiter.done():
                    waiter.set_result(sender_mac)
        if packet.get("nw_proto") == 1 and self.ip is not None and packet.get("nw_dst") == self.ip:
            reply = Packet.build(
                dl_src=self.mac,
                dl_dst=sender_mac,
                dl_type=0x0806,
                arp_op=2,
                arp_spa=self.ip,
                arp_tpa=sender_ip,
                arp_sha=self.mac,
                arp_tha=sender_mac,
            )
            self.send(reply)

    async def resolve(self, address: str | int, timeout: float = 1.0, tries: int = 3) -> int:
        """The MAC address of `address` on the local network (ARP, cached)."""
        target = _ip(address) if isinstance(address, str) else address
        if target in self.arp_cache:
            return self.arp_cache[target]
        for _ in range(tries):
            waiter: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            self._arp_waiters.setdefault(target, []).append(waiter)
            self.send(
                Packet.build(
                    dl_src=self.mac,
                    dl_dst=BROADCAST_MAC,
                    dl_type=0x0806,
                    arp_op=1,
                    arp_spa=self.ip or 0,
                    arp_tpa=target,
                    arp_sha=self.mac,
                )
            )
            try:
                return await asyncio.wait_for(waiter, timeout / tries)
            except TimeoutError:
                continue
        raise TimeoutError(f"{self.name}: no ARP reply for {format_ipv4(target)}")

    def next_hop(self, destination: int) -> int:
        """The address to ARP for: the destination on-link, else the gateway."""
        if self.ip is None or destination == 0xFFFFFFFF:
            return destination
        network = ipaddress.IPv4Network((self.ip, self.prefix), strict=False)
        if ipaddress.IPv4Address(destination) in network:
            return destination
        if self.gateway is None:
            raise PacketError(f"{self.name}: no route to {format_ipv4(destination)}")
        return self.gateway

    async def _ip_packet(self, destination: int, ttl: int = 64, **fields: int) -> Packet:
        mac = BROADCAST_MAC
        if destination != 0xFFFFFFFF:
            mac = await self.resolve(self.next_hop(destination))
        packet = Packet.build(
            dl_src=self.mac,
            dl_dst=mac,
            dl_type=0x0800,
            nw_src=self.ip or 0,
            nw_dst=destination,
            nw_ttl=ttl,
        )
        for name, value in fields.items():
            packet[name] = value
        packet.extra["ip_id"] = next(self._ip_ids) & 0xFFFF
        return packet

    # ------------------------------------------------------------ IPv4 / ICMP

    def _handle_ipv4(self, packet: Packet) -> None:
        proto = packet.get("nw_proto")
        if proto == 1:
            self._handle_icmp(packet)
        elif proto == 6:
            self._handle_tcp(packet)
        elif proto == 17:
            self._handle_udp(packet)

    def _handle_icmp(self, packet: Packet) -> None:
        icmp_type = packet.get("tp_src")
        key = (packet.extra.get("icmp_id", 0), packet.extra.get("icmp_seq", 0))
        if icmp_type == 8 and packet.get("nw_dst") == self.ip:
            reply = Packet.build(
                payload=packet.payload,
                dl_src=self.mac,
                dl_dst=packet.get("dl_src"),
                dl_type=0x0800,
                nw_src=self.ip,
                nw_dst=packet.get("nw_src"),
                nw_ttl=64,
                nw_proto=1,
                icmp_type=0,
            )
            reply.extra.update(icmp_id=key[0], icmp_seq=key[1])
            self.send(reply)
        elif icmp_type == 0 and key in self._pings and not self._pings[key].done():
            self._pings[key].set_result(packet)
        elif icmp_type == 3:
            for waiter in self._tcp.values():
                if not waiter.done():
                    waiter.set_result("unreachable")

    async def ping(
        self,
        destination: str,
        count: int = 1,
        timeout: float = 1.0,
        ttl: int = 64,
        payload: bytes = bytes(range(56)),
    ) -> PingResult:
        """Send `count` ICMP echo requests and collect the replies."""
        target = _ip(destination)
        result = PingResult(sent=count)
        for sequence in range(1, count + 1):
            key = (self._icmp_id, sequence)
            waiter: asyncio.Future[Packet] = asyncio.get_running_loop().create_future()
            self._pings[key] = waiter
            started = time.monotonic()
            try:
                request = await self._ip_packet(target, ttl, nw_proto=1, icmp_type=8)
                request.payload = payload
                request.extra.update(icmp_id=key[0], icmp_seq=sequence)
                self.send(request)
                reply = await asyncio.wait_for(waiter, timeout)
            except TimeoutError:
                continue
            finally:
                self._pings.pop(key, None)
            result.replies.append(
                PingReply(
                    sequence,
                    format_ipv4(reply.get("nw_src")),
                    reply.get("nw_ttl"),
                    time.monotonic() - started,
                )
            )
        return result

    # ------------------------------------------------------------ TCP

    def listen_tcp(self, port: int) -> None:
        """Accept TCP connections on `port` (answer SYN with SYN-ACK)."""
        self._listening.add(port)

    def _handle_tcp(self, packet: Packet) -> None:
        flags = packet.get("tcp_flags")
        local, remote = packet.get("tp_dst"), packet.get("tp_src")
        waiter = self._tcp.get((local, remote))
        if waiter is not None and not waiter.done():
            if flags & TCP_SYN and flags & TCP_ACK:
                self._tcp_reply(packet, TCP_ACK, packet.extra.get("tcp_ack", 0))
                waiter.set_result("open")
            elif flags & TCP_RST:
                waiter.set_result("closed")
            return
        if flags & TCP_SYN and not flags & TCP_ACK:
            if local in self._listening:
                self._tcp_reply(packet, TCP_SYN | TCP_ACK, 1000)
            else:
                self._tcp_reply(packet, TCP_RST | TCP_ACK, 0)

    def _tcp_reply(self, packet: Packet, flags: int, seq: int) -> None:
        reply = Packet.build(
            dl_src=self.mac,
            dl_dst=packet.get("dl_src"),
            dl_type=0x0800,
            nw_src=self.ip or 0,
            nw_dst=packet.get("nw_src"),
            nw_ttl=64,
            nw_proto=6,
            tp_src=packet.get("tp_dst"),
            tp_dst=packet.get("tp_src"),
            tcp_flags=flags,
        )
        reply.extra.update(
            tcp_seq=seq, tcp_ack=packet.extra.get("tcp_seq", 0) + 1, tcp_window=64240
        )
        self.send(reply)

    async def tcp_connect(self, destination: str, port: int, timeout: float = 1.0) -> str:
        """Try a TCP handshake: `open`, `closed`, `unreachable` or `filtered`."""
        local = next(_ephemeral_ports)
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._tcp[(local, port)] = waiter
        try:
            syn = await self._ip_packet(
                _ip(destination), nw_proto=6, tp_src=local, tp_dst=port, tcp_flags=TCP_SYN
            )
            syn.extra.update(tcp_seq=1, tcp_window=64240)
            self.send(syn)
            return await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            return "filtered"
        finally:
            self._tcp.pop((local, port), None)

    # ------------------------------------------------------------ UDP

    def udp_bind(self, port: int) -> None:
        """Receive UDP datagrams sent to `port` (see `udp_receive`)."""
        self._udp.setdefault(port, asyncio.Queue())

    def _handle_udp(self, packet: Packet) -> None:
        port = packet.get("tp_dst")
        queue = self._udp.get(port)
        if queue is not None:
            queue.put_nowait(
                (format_ipv4(packet.get("nw_src")), packet.get("tp_src"), packet.payload)
            )
            return
        if packet.get("nw_dst") != self.ip:
            return
        quoted = packet.to_bytes()[14 : 14 + 28]  # the IP header and 8 bytes, as RFC 792 asks
        error = Packet.build(
            payload=quoted,
            dl_src=self.mac,
            dl_dst=packet.get("dl_src"),
            dl_type=0x0800,
            nw_src=self.ip,
            nw_dst=packet.get("nw_src"),
            nw_ttl=64,
            nw_proto=1,
            icmp_type=3,
            icmp_code=3,
        )
        self.send(error)

    async def udp_send(
        self, destination: str, port: int, payload: bytes, source_port: int | None = None
    ) -> None:
        """Send one UDP datagram."""
        datagram = await self._ip_packet(
            _ip(destination),
            nw_proto=17,
            tp_src=source_port or next(_ephemeral_ports),
            tp_dst=port,
        )
        datagram.payload = payload
        self.send(datagram)

    async def udp_receive(self, port: int, timeout: float = 1.0) -> tuple[str, int, bytes]:
        """The next datagram on a bound port: (source address, source port, payload)."""
        self.udp_bind(port)
        return await asyncio.wait_for(self._udp[port].get(), timeout)


def _matches(packet: Packet, criteria: dict[str, int | str]) -> bool:
    """Whether the packet has every field in `criteria` (prerequisites included)."""

    def lookup(slot: str) -> tuple[int, int]:
        return packet.fields.get(slot, 0), -1

    for name, expected in criteria.items():
        field = find_field(name)
        if field is None:
            raise PacketError(f"unknown field {name}")
        if not prereq_satisfied(field.prereq, lookup):
            return False
        probe = Packet()
        probe[name] = expected
        if packet[name] != probe[name]:
            return False
    return True
