"""Simulated VMs on a simulated chassis, and what you can ask of them.

`Hypervisor.boot` does what libvirt does when a domain with
`<virtualport type='openvswitch'><parameters interfaceid=…/>` starts: it
creates the VM (a `pyovn.dataplane.Host`), plugs its tap into a bridge by
adding Port + Interface rows to the chassis's Open_vSwitch DB with
`external_ids:iface-id`, `attached-mac`, `iface-status=active` and `vm-id`,
and waits for the (simulated) vswitchd to give the interface an OpenFlow
port. The controller then sees the interface and binds the logical port.

A VM may have extra addresses behind it (`routes`), answered like a
router's loopback (ICMP echo, TCP listeners): the external host of the
demo is 172.16.0.254 with 8.8.8.8 behind it.

`Hypervisor.command` is the control-socket API (`pyovn vm …`): every
request is a JSON object with `cmd`, every answer one with `ok`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyovn.cloud.errors import VmError
from pyovn.cloud.vswitchd import Vswitchd
from pyovn.controller.encaps import add_port, find_bridge
from pyovn.controller.txn import Txn, first_error
from pyovn.dataplane import Host, Packet, dhcp_configure
from pyovn.dataplane.errors import PacketError
from pyovn.dataplane.field_syntax import format_ipv4, format_mac

__all__ = ["Hypervisor", "Vm", "packet_summary"]

TCP_SYN, TCP_RST, TCP_ACK = 0x02, 0x04, 0x10
_SUMMARY_FIELDS = ("dl_src", "dl_dst", "nw_src", "nw_dst", "nw_ttl", "nw_proto", "tp_src", "tp_dst")


@dataclass
class Vm:
    """A booted VM."""

    name: str
    host: Host
    interface: str
    bridge: str
    iface_id: str | None
    routes: list[str] = field(default_factory=list)
    listening: set[int] = field(default_factory=set)

    def describe(self) -> dict[str, Any]:
        host = self.host
        return {
            "name": self.name,
            "mac": format_mac(host.mac),
            "ip": f"{host.address}/{host.prefix}" if host.address else None,
            "gateway": format_ipv4(host.gateway) if host.gateway is not None else None,
            "interface": self.interface,
            "bridge": self.bridge,
            "iface_id": self.iface_id,
            "routes": self.routes,
        }


def packet_summary(packet: Packet) -> dict[str, Any]:
    """The header fields tests and the demo look at, as text."""
    fields = packet.fields
    summary: dict[str, Any] = {}
    for name in _SUMMARY_FIELDS:
        if name in fields:
            value = fields[name]
            if name in ("dl_src", "dl_dst"):
                summary[name] = format_mac(value)
            elif name in ("nw_src", "nw_dst") and fields.get("dl_type") in (0x0800, 0x0806):
                summary[name] = format_ipv4(value)
            else:
                summary[name] = value
    if fields.get("dl_type") == 0x0806:
        summary["arp_op"] = fields.get("nw_proto", 0)
    elif fields.get("nw_proto") == 1:
        summary["icmp_type"] = fields.get("tp_src", 0)
    elif fields.get("nw_proto") == 6:
        summary["tcp_flags"] = fields.get("tcp_flags", 0)
    return summary


class Hypervisor:
    """The VMs of one chassis."""

    def __init__(self, vswitchd: Vswitchd, chassis: str = "") -> None:
        self.vswitchd = vswitchd
        self.chassis = chassis
        self.vms: dict[str, Vm] = {}

    async def boot(
        self,
        name: str,
        mac: str,
        *,
        iface_id: str | None = None,
        bridge: str = "br-int",
        cidr: str | None = None,
        gateway: str | None = None,
        routes: list[str] | None = None,
        timeout: float = 10.0,
    ) -> Vm:
        """Start a VM and plug it into `bridge` (with iface-id for OVN)."""
        if name in self.vms:
            raise VmError(f"VM {name} is already running on {self.chassis}")
        try:
            host = Host(name, mac, cidr, gateway)
        except (PacketError, ValueError) as error:
            raise VmError(f"VM {name}: {error}") from error
        interface = f"tap{name}"[:15]
        vm = Vm(name, host, interface, bridge, iface_id, list(routes or []))
        if vm.routes:
            host.frame_handlers.append(_routed_responder(vm))
        self.vswitchd.attach(interface, host.receive)
        await self._plug(vm, mac)
        deadline = time.monotonic() + timeout
        while (found := self.vswitchd.port_of(interface)) is None:
            if time.monotonic() > deadline:
                raise VmError(f"VM {name}: the switch did not add {interface}")
            await asyncio.sleep(0.02)
        host.attach(found[0], interface)
        self.vms[name] = vm
        return vm

    async def _plug(self, vm: Vm, mac: str) -> None:
        replica = self.vswitchd.replica
        tables = {n: t.rows for n, t in replica.tables.items()}
        bridge = find_bridge(tables, vm.bridge)
        if bridge is None:
            raise VmError(f"VM {vm.name}: chassis {self.chassis} has no bridge {vm.bridge}")
        ids = {"attached-mac": mac, "iface-status": "active", "vm-id": vm.name}
        if vm.iface_id:
            ids["iface-id"] = vm.iface_id
        txn = Txn(replica)
        add_port(txn, bridge[0], vm.interface, {"type": "", "external_ids": ids})
        error = first_error(await txn.commit())
        if error:
            raise VmError(f"VM {vm.name}: cannot plug {vm.interface}: {error}")

    async def destroy(self, name: str) -> None:
        """Stop a VM and unplug its tap (the controller releases its port)."""
        vm = self.vm(name)
        replica = self.vswitchd.replica
        txn = Txn(replica)
        for uuid, bridge in replica.table("Bridge").items():
            for port_uuid in bridge["ports"]:
                port = replica.table("Port").get(port_uuid)
                if port is not None and port["name"] == vm.interface:
                    txn.remove_refs("Bridge", uuid, "ports", [port_uuid])
        error = first_error(await txn.commit())
        if error:
            raise VmError(f"VM {name}: cannot unplug: {error}")
        del self.vms[name]

    def vm(self, name: str) -> Vm:
        try:
            return self.vms[name]
        except KeyError:
            raise VmError(f"no VM named {name} on chassis {self.chassis}") from None

    # ------------------------------------------------------------ control API

    async def command(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Run one control-socket request."""
        handler = _COMMANDS.get(str(request.get("cmd")))
        if handler is None:
            return {"ok": False, "error": f"unknown command {request.get('cmd')!r}"}
        try:
            return {"ok": True, **await handler(self, request)}
        except (VmError, PacketError, ValueError, KeyError) as error:
            return {"ok": False, "error": str(error)}

    async def _cmd_boot(self, request: Mapping[str, Any]) -> dict[str, Any]:
        vm = await self.boot(
            request["name"],
            request["mac"],
            iface_id=request.get("iface_id"),
            bridge=request.get("bridge", "br-int"),
            cidr=request.get("cidr"),
            gateway=request.get("gateway"),
            routes=request.get("routes"),
        )
        return {"vm": vm.describe()}

    async def _cmd_destroy(self, request: Mapping[str, Any]) -> dict[str, Any]:
        await self.destroy(request["name"])
        return {}

    async def _cmd_list(self, request: Mapping[str, Any]) -> dict[str, Any]:
        return {"vms": [vm.describe() for vm in self.vms.values()], "chassis": self.chassis}

    async def _cmd_ping(self, request: Mapping[str, Any]) -> dict[str, Any]:
        vm = self.vm(request["name"])
        result = await vm.host.ping(
            request["target"],
            count=int(request.get("count", 1)),
            timeout=float(request.get("timeout", 1.0)),
        )
        replies = [
            {"seq": r.sequence, "source": r.source, "ttl": r.ttl, "rtt": r.rtt}
            for r in result.replies
        ]
        return {"sent": result.sent, "replies": replies}

    async def _cmd_tcp(self, request: Mapping[str, Any]) -> dict[str, Any]:
        vm = self.vm(request["name"])
        state = await vm.host.tcp_connect(
            request["target"], int(request["port"]), timeout=float(request.get("timeout", 1.0))
        )
        return {"state": state}

    async def _cmd_serve(self, request: Mapping[str, Any]) -> dict[str, Any]:
        vm = self.vm(request["name"])
        port = int(request["port"])
        vm.host.listen_tcp(port)
        vm.listening.add(port)
        return {}

    async def _cmd_dhcp(self, request: Mapping[str, Any]) -> dict[str, Any]:
        vm = self.vm(request["name"])
        try:
            lease = await dhcp_configure(vm.host, timeout=float(request.get("timeout", 3.0)))
        except (TimeoutError, PacketError) as error:
            raise VmError(f"VM {vm.name}: no DHCP lease ({error or 'timed out'})") from error
        return {"lease": dataclasses.asdict(lease) | {"cidr": lease.cidr}}

    async def _cmd_received(self, request: Mapping[str, Any]) -> dict[str, Any]:
        vm = self.vm(request["name"])
        criteria = request.get("match") or {}
        packets = vm.host.received(**criteria) if criteria else vm.host.received()
        return {"packets": [packet_summary(p) for p in packets]}

    async def _cmd_clear(self, request: Mapping[str, Any]) -> dict[str, Any]:
        self.vm(request["name"]).host.log.clear()
        return {}

    async def _cmd_flows(self, request: Mapping[str, Any]) -> dict[str, Any]:
        bridge = self.vswitchd.bridges.get(request.get("bridge", "br-int"))
        if bridge is None:
            raise VmError(f"chassis {self.chassis} has no bridge {request.get('bridge')}")
        return {"flows": bridge.dump_flows().splitlines()[1:]}

    async def _cmd_tunnels(self, request: Mapping[str, Any]) -> dict[str, Any]:
        stats = self.vswitchd.chassis.stats
        frames = [list(frame) for frame in stats.frames]
        return {"sent": stats.sent, "received": stats.received, "frames": frames}


_COMMANDS: dict[str, Callable[[Hypervisor, Mapping[str, Any]], Any]] = {
    "boot": Hypervisor._cmd_boot,
    "destroy": Hypervisor._cmd_destroy,
    "list": Hypervisor._cmd_list,
    "ping": Hypervisor._cmd_ping,
    "tcp": Hypervisor._cmd_tcp,
    "serve": Hypervisor._cmd_serve,
    "dhcp": Hypervisor._cmd_dhcp,
    "received": Hypervisor._cmd_received,
    "clear": Hypervisor._cmd_clear,
    "flows": Hypervisor._cmd_flows,
    "tunnels": Hypervisor._cmd_tunnels,
}


def _routed_responder(vm: Vm) -> Callable[[Packet], bool]:
    """Answer ICMP echo and TCP SYNs for the networks behind a VM."""
    networks = [ipaddress.IPv4Network(route, strict=False) for route in vm.routes]

    def handle(packet: Packet) -> bool:
        host = vm.host
        fields = packet.fields
        if fields.get("dl_type") != 0x0800 or fields.get("dl_dst") != host.mac:
            return False
        destination = fields.get("nw_dst", 0)
        if not any(ipaddress.IPv4Address(destination) in net for net in networks):
            return False
        proto = fields.get("nw_proto")
        reply = Packet.build(
            dl_src=host.mac,
            dl_dst=fields.get("dl_src", 0),
            dl_type=0x0800,
            nw_src=destination,
            nw_dst=fields.get("nw_src", 0),
            nw_ttl=64,
        )
        if proto == 1 and fields.get("tp_src") == 8:
            reply["nw_proto"], reply["icmp_type"] = 1, 0
            reply.payload = packet.payload
            reply.extra.update(
                icmp_id=packet.extra.get("icmp_id", 0), icmp_seq=packet.extra.get("icmp_seq", 0)
            )
        elif proto == 6 and fields.get("tcp_flags", 0) & TCP_SYN:
            open_port = fields.get("tp_dst") in vm.listening
            reply["nw_proto"] = 6
            reply["tp_src"], reply["tp_dst"] = fields.get("tp_dst", 0), fields.get("tp_src", 0)
            reply["tcp_flags"] = TCP_SYN | TCP_ACK if open_port else TCP_RST | TCP_ACK
            reply.extra.update(
                tcp_seq=1000, tcp_ack=packet.extra.get("tcp_seq", 0) + 1, tcp_window=64240
            )
        else:
            return True
        host.send(reply)
        return True

    return handle
