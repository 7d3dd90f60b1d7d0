"""DHCPv4 for simulated hosts: a client, and a tiny server to test it against.

`dhcp_configure(host)` runs DISCOVER → OFFER → REQUEST → ACK from 0.0.0.0
to the broadcast address and applies the lease (address and prefix,
router, DNS servers, MTU, lease time) to the host. `DhcpServer` turns a
`Host` into a minimal server handing out addresses from a table or a
range. DHCP messages are built and parsed with scapy's BOOTP/DHCP layers.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
from dataclasses import dataclass, field
from typing import Any

from scapy.layers.dhcp import BOOTP, DHCP

from pyovn.dataplane.errors import PacketError
from pyovn.dataplane.host import BROADCAST_MAC, Host
from pyovn.dataplane.packet import Packet

__all__ = ["DhcpLease", "DhcpMessage", "DhcpServer", "dhcp_configure"]

DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK = 1, 2, 3, 4, 5, 6
_REQUESTED = [1, 3, 6, 15, 26, 51, 54]


@dataclass
class DhcpLease:
    """What a DHCP server granted."""

    address: str
    prefix: int
    router: str | None
    dns: list[str]
    mtu: int | None
    lease_time: int | None
    server: str | None

    @property
    def cidr(self) -> str:
        """`address/prefix`."""
        return f"{self.address}/{self.prefix}"


@dataclass
class DhcpMessage:
    """A parsed DHCP message (the fields the client and server use)."""

    op: int
    xid: int
    client_mac: int
    your_address: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def message_type(self) -> int:
        """DHCP message type (1 DISCOVER … 6 NAK)."""
        return int(self.options.get("message-type", 0))

    @classmethod
    def parse(cls, payload: bytes) -> DhcpMessage:
        """Parse a BOOTP/DHCP UDP payload."""
        try:
            bootp = BOOTP(payload)
        except Exception as error:  # scapy raises assorted errors on garbage
            raise PacketError(f"not a DHCP message: {error}") from error
        options: dict[str, Any] = {}
        if bootp.haslayer(DHCP):
            for option in bootp[DHCP].options:
                if isinstance(option, tuple) and len(option) >= 2:
                    options[str(option[0])] = option[1] if len(option) == 2 else list(option[1:])
        return cls(
            op=bootp.op,
            xid=bootp.xid,
            client_mac=int(bytes(bootp.chaddr)[:6].hex(), 16),
            your_address=str(bootp.yiaddr),
            options=options,
        )


def _message(
    op: int, xid: int, mac: int, options: list[Any], your: str = "0.0.0.0", server: str = "0.0.0.0"
) -> bytes:
    chaddr = mac.to_bytes(6, "big") + bytes(10)
    layer = BOOTP(op=op, xid=xid, chaddr=chaddr, flags=0x8000, yiaddr=your, siaddr=server)
    return bytes(layer / DHCP(options=[*options, "end"]))


def _udp_frame(
    source_mac: int,
    destination_mac: int,
    source_ip: int,
    destination_ip: int,
    source_port: int,
    destination_port: int,
    payload: bytes,
) -> Packet:
    return Packet.build(
        payload=payload,
        dl_src=source_mac,
        dl_dst=destination_mac,
        dl_type=0x0800,
        nw_src=source_ip,
        nw_dst=destination_ip,
        nw_ttl=64,
        nw_proto=17,
        tp_src=source_port,
        tp_dst=destination_port,
    )


def _is_dhcp(packet: Packet, port: int) -> bool:
    fields = packet.fields
    return (
        fields.get("dl_type") == 0x0800
        and fields.get("nw_proto") == 17
        and (fields.get("tp_dst") == port)
    )


async def dhcp_configure(host: Host, timeout: float = 3.0, apply: bool = True) -> DhcpLease:
    """Obtain a lease for `host` (DISCOVER/OFFER/REQUEST/ACK) and apply it."""
    xid = random.getrandbits(32)
    replies: asyncio.Queue[DhcpMessage] = asyncio.Queue()

    def on_frame(packet: Packet) -> bool:
        if not _is_dhcp(packet, 68):
            return False
        try:
            message = DhcpMessage.parse(packet.payload)
        except PacketError:
            return True
        if message.xid == xid and message.op == 2:
            replies.put_nowait(message)
        return True

    async def exchange(options: list[Any], wanted: int) -> DhcpMessage:
        payload = _message(1, xid, host.mac, options)
        host.send(_udp_frame(host.mac, BROADCAST_MAC, 0, 0xFFFFFFFF, 68, 67, payload))
        while True:
            message = await asyncio.wait_for(replies.get(), timeout)
            if message.message_type in (wanted, NAK):
                return message

    host.frame_handlers.append(on_frame)
    try:
        offer = await exchange(
            [("message-type", "discover"), ("param_req_list", _REQUESTED)], OFFER
        )
        if offer.message_type != OFFER:
            raise PacketError(f"{host.name}: DHCP server refused the DISCOVER")
        request = [
            ("message-type", "request"),
            ("requested_addr", offer.your_address),
            ("param_req_list", _REQUESTED),
        ]
        if "server_id" in offer.options:
            request.insert(1, ("server_id", offer.options["server_id"]))
        ack = await exchange(request, ACK)
        if ack.message_type != ACK:
            raise PacketError(f"{host.name}: DHCP server answered NAK")
    finally:
        host.frame_handlers.remove(on_frame)
    lease = _lease_from(ack)
    if apply:
        host.configure(lease.cidr, lease.router, lease.dns, lease.mtu)
    return lease


def _lease_from(ack: DhcpMessage) -> DhcpLease:
    options = ack.options
    mask = options.get("subnet_mask", "255.255.255.0")
    prefix = ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    router = options.get("router")
    dns = options.get("name_server")
    return DhcpLease(
        address=ack.your_address,
        prefix=prefix,
        router=str(router) if router else None,
        dns=[str(entry) for entry in (dns if isinstance(dns, list) else [dns] if dns else [])],
        mtu=int(options["interface-mtu"]) if "interface-mtu" in options else None,
        lease_time=int(options["lease_time"]) if "lease_time" in options else None,
        server=str(options["server_id"]) if "server_id" in options else None,
    )


class DhcpServer:
    """A minimal DHCP server living on a `Host` (it answers on UDP port 67)."""

    def __init__(
        self,
        host: Host,
        addresses: dict[str, str] | list[str],
        *,
        prefix: int = 24,
        router: str | None = None,
        dns: list[str] | None = None,
        mtu: int | None = None,
        lease_time: int = 3600,
    ) -> None:
        if host.ip is None:
            raise PacketError("the DHCP server's host needs an address")
        self.host = host
        self.fixed = dict(_fixed(addresses))
        self.pool = list(addresses) if isinstance(addresses, list) else []
        self.prefix, self.router, self.dns, self.mtu = prefix, router, dns or [], mtu
        self.lease_time = lease_time
        self.leases: dict[int, str] = {}
        self.messages: list[DhcpMessage] = []
        host.frame_handlers.append(self._on_frame)

    def _address_for(self, mac: int) -> str | None:
        if mac in self.fixed:
            return self.fixed[mac]
        if mac in self.leases:
            return self.leases[mac]
        taken = set(self.leases.values())
        return next((address for address in self.pool if address not in taken), None)

    def _on_frame(self, packet: Packet) -> bool:
        if not _is_dhcp(packet, 67):
            return False
        try:
            message = DhcpMessage.parse(packet.payload)
        except PacketError:
            return True
        self.messages.append(message)
        address = self._address_for(message.client_mac)
        if message.message_type == DISCOVER and address:
            self._reply(message, OFFER, address)
        elif message.message_type == REQUEST:
            wanted = str(message.options.get("requested_addr", address))
            if address and wanted == address:
                self.leases[message.client_mac] = address
                self._reply(message, ACK, address)
            else:
                self._reply(message, NAK, "0.0.0.0")
        return True

    def _reply(self, request: DhcpMessage, kind: int, address: str) -> None:
        server = self.host.address or "0.0.0.0"
        mask = str(ipaddress.IPv4Network(f"0.0.0.0/{self.prefix}").netmask)
        options: list[Any] = [("message-type", kind), ("server_id", server)]
        if kind != NAK:
            options += [("lease_time", self.lease_time), ("subnet_mask", mask)]
            if self.router:
                options.append(("router", self.router))
            if self.dns:
                options.append(("name_server", *self.dns))
            if self.mtu:
                options.append(("interface-mtu", self.mtu))
        payload = _message(2, request.xid, request.client_mac, options, address, server)
        frame = _udp_frame(
            self.host.mac, request.client_mac, self.host.ip or 0, 0xFFFFFFFF, 67, 68, payload
        )
        self.host.send(frame)


def _fixed(addresses: dict[str, str] | list[str]) -> list[tuple[int, str]]:
    from pyovn.dataplane.field_syntax import parse_mac

    if isinstance(addresses, dict):
        return [(parse_mac(mac), ip) for mac, ip in addresses.items()]
    return []
