"""Simulated chassis joined by real Geneve-over-UDP tunnels.

Each `Chassis` owns a datapath and its integration bridge, and an asyncio
UDP endpoint bound to its encapsulation address (a loopback address such
as 127.0.0.11, port 6081). Output to a `geneve` port encapsulates the
packet — VNI from `tun_id`, OVN's option from `tun_metadata0` — and sends a
real UDP datagram to the port's `remote_ip`; the receiving chassis decodes
it, finds the tunnel port whose `remote_ip` is the sender, sets `tun_id`,
`tun_src`, `tun_dst` and `tun_metadata0`, and lets the packet enter br-int
on that port, as ovs-vswitchd's tunnel ports do.
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass, field

from pyovn.dataplane.bridge import Bridge, Port
from pyovn.dataplane.datapath import Datapath, Delivery
from pyovn.dataplane.errors import FabricError, PacketError
from pyovn.dataplane.field_syntax import format_ipv4
from pyovn.dataplane.geneve import (
    GENEVE_PORT,
    OVN_OPTION_CLASS,
    OVN_OPTION_TYPE,
    GeneveFrame,
    GeneveOption,
)
from pyovn.dataplane.packet import Packet

__all__ = ["Chassis", "TunnelStats"]


@dataclass
class TunnelStats:
    """Counters of one chassis's tunnel endpoint; `frames` keeps the last 100
    received (sender, VNI, OVN option value) for inspection."""

    sent: int = 0
    received: int = 0
    dropped: list[str] = field(default_factory=list)
    frames: list[tuple[str, int, int | None]] = field(default_factory=list)


class _GeneveProtocol(asyncio.DatagramProtocol):
    def __init__(self, chassis: Chassis) -> None:
        self.chassis = chassis

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.chassis.receive_datagram(data, str(addr[0]))


class Chassis:
    """A simulated hypervisor: datapath, br-int, and a Geneve endpoint."""

    def __init__(
        self, name: str, encap_ip: str, *, bridge: str = "br-int", udp_port: int = GENEVE_PORT
    ) -> None:
        self.name = name
        self.encap_ip = encap_ip
        self.udp_port = udp_port
        self.datapath = Datapath()
        self.bridge = Bridge(bridge, self.datapath)
        self.bridge.tunnel_sender = self.send_tunnel
        self.stats = TunnelStats()
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> None:
        """Bind the Geneve endpoint (encap_ip, udp_port)."""
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _GeneveProtocol(self), local_addr=(self.encap_ip, self.udp_port)
            )
        except OSError as error:
            raise FabricError(
                f"chassis {self.name}: cannot bind {self.encap_ip}:{self.udp_port}: {error}"
            ) from error
        self._transport = transport

    def close(self) -> None:
        """Close the Geneve endpoint."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def add_tunnel(self, name: str, remote_ip: str, *, ofport: int | None = None) -> Port:
        """A `geneve` port on br-int towards `remote_ip` (key=flow, as OVN sets it)."""
        return self.bridge.add_port(
            name,
            ofport,
            "geneve",
            remote_ip=int(ipaddress.IPv4Address(remote_ip)),
            local_ip=int(ipaddress.IPv4Address(self.encap_ip)),
        )

    def send_tunnel(self, delivery: Delivery) -> None:
        """Encapsulate a packet output to a tunnel port and send the datagram."""
        if self._transport is None:
            self.stats.dropped.append("tunnel endpoint not started")
            return
        tunnel = delivery.tunnel
        destination = tunnel.get("tun_dst", 0)
        if not destination:
            self.stats.dropped.append("no tunnel destination")
            return
        option = tunnel.get("tun_metadata0", 0)
        frame = GeneveFrame(
            vni=tunnel.get("tun_id", 0) & 0xFFFFFF,
            options=(GeneveOption(OVN_OPTION_CLASS, OVN_OPTION_TYPE, option.to_bytes(4, "big")),),
            inner=delivery.packet.to_bytes(),
        )
        self._transport.sendto(frame.encode(), (format_ipv4(destination), self.udp_port))
        self.stats.sent += 1

    def receive_datagram(self, data: bytes, sender: str) -> None:
        """Decapsulate a Geneve datagram and let it enter br-int on its tunnel port."""
        try:
            frame = GeneveFrame.decode(data)
            packet = Packet.from_bytes(frame.inner)
        except PacketError as error:
            self.stats.dropped.append(f"bad Geneve datagram from {sender}: {error}")
            return
        source = int(ipaddress.IPv4Address(sender))
        port = next(
            (p for p in self.bridge.ports.values() if p.kind == "geneve" and p.remote_ip == source),
            None,
        )
        if port is None:
            self.stats.dropped.append(f"no tunnel port for {sender}")
            return
        packet.fields.update(
            tun_id=frame.vni,
            tun_src=source,
            tun_dst=int(ipaddress.IPv4Address(self.encap_ip)),
        )
        option = frame.option_value(OVN_OPTION_CLASS, OVN_OPTION_TYPE)
        if option is not None:
            packet.fields["tun_metadata0"] = option
        self.stats.received += 1
        self.stats.frames.append((sender, frame.vni, option))
        del self.stats.frames[:-100]
        self.bridge.receive(packet, port.ofport)
