"""Driving the VMs of a running cloud from outside (`pyovn vm`, the demo, tests).

`VmClient` finds which chassis runs a VM and forwards requests to it;
`CloudClient(rundir)` carries them over each chassis's control socket
(`embedded.EmbeddedClient` straight to in-process hypervisors). VMs can be booted from a
libvirt domain XML (`domxml.py`), as the seed does with `virsh create`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyovn.cloud.control import control_call
from pyovn.cloud.domxml import Domain
from pyovn.cloud.errors import VmError
from pyovn.cloud.rundir import CloudInfo, RunDir

__all__ = ["CloudClient", "VmClient"]


class VmClient:
    """Requests about VMs, whatever carries them to the chassis (see `call`)."""

    def __init__(self, chassis: list[str]) -> None:
        self.chassis_names = list(chassis)
        self._where: dict[str, str] = {}

    async def call(
        self, chassis: str, request: dict[str, Any], timeout: float = 60.0
    ) -> dict[str, Any]:
        """Run one request on a chassis (VmError if it fails)."""
        raise NotImplementedError

    async def locate(self, vm: str) -> str:
        """The chassis running `vm`."""
        if vm in self._where:
            return self._where[vm]
        for chassis in self.chassis_names:
            listing = await self.call(chassis, {"cmd": "list"})
            for entry in listing["vms"]:
                self._where[entry["name"]] = chassis
        if vm not in self._where:
            raise VmError(f"no VM named {vm} in this cloud")
        return self._where[vm]

    async def vm(self, vm: str, request: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
        """Send a request about `vm` to its chassis."""
        chassis = await self.locate(vm)
        return await self.call(chassis, {**request, "name": vm}, timeout)

    async def boot(
        self,
        chassis: str,
        name: str,
        mac: str,
        *,
        iface_id: str | None = None,
        bridge: str = "br-int",
        cidr: str | None = None,
        gateway: str | None = None,
        routes: list[str] | None = None,
    ) -> dict[str, Any]:
        request = {
            "cmd": "boot",
            "name": name,
            "mac": mac,
            "iface_id": iface_id,
            "bridge": bridge,
            "cidr": cidr,
            "gateway": gateway,
            "routes": routes,
        }
        reply = await self.call(chassis, request)
        self._where[name] = chassis
        return dict(reply["vm"])

    async def boot_domain(
        self, chassis: str, domain: Domain, cidr: str | None = None, gateway: str | None = None
    ) -> dict[str, Any]:
        """Start a VM from a libvirt domain's first OVS interface."""
        nic = domain.ovs_interface()
        return await self.boot(
            chassis,
            domain.name,
            nic.mac,
            iface_id=nic.interface_id,
            bridge=nic.bridge,
            cidr=cidr,
            gateway=gateway,
        )

    async def ping(
        self, vm: str, target: str, count: int = 1, timeout: float = 1.0
    ) -> dict[str, Any]:
        return await self.vm(
            vm, {"cmd": "ping", "target": target, "count": count, "timeout": timeout}
        )

    async def tcp(self, vm: str, target: str, port: int, timeout: float = 1.0) -> str:
        reply = await self.vm(
            vm, {"cmd": "tcp", "target": target, "port": port, "timeout": timeout}
        )
        return str(reply["state"])

    async def serve(self, vm: str, port: int) -> None:
        await self.vm(vm, {"cmd": "serve", "port": port})

    async def dhcp(self, vm: str, timeout: float = 3.0) -> dict[str, Any]:
        reply = await self.vm(vm, {"cmd": "dhcp", "timeout": timeout})
        return dict(reply["lease"])

    async def received(self, vm: str, **match: Any) -> list[dict[str, Any]]:
        reply = await self.vm(vm, {"cmd": "received", "match": match})
        return list(reply["packets"])

    async def clear(self, vm: str) -> None:
        await self.vm(vm, {"cmd": "clear"})

    async def destroy(self, vm: str) -> None:
        await self.vm(vm, {"cmd": "destroy"})
        self._where.pop(vm, None)

    async def vms(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for chassis in self.chassis_names:
            listing = await self.call(chassis, {"cmd": "list"})
            found.extend({**vm, "chassis": chassis} for vm in listing["vms"])
        return found


class CloudClient(VmClient):
    """Requests to the chassis of a cloud running in a run directory."""

    def __init__(self, rundir: Path) -> None:
        self.run = RunDir(rundir)
        self.info: CloudInfo = self.run.read_info()
        super().__init__([c.name for c in self.info.chassis])

    def socket(self, chassis: str) -> Path:
        self.info.chassis_named(chassis)
        return self.run.socket("hypervisor.sock", chassis)

    async def call(
        self, chassis: str, request: dict[str, Any], timeout: float = 60.0
    ) -> dict[str, Any]:
        return await control_call(self.socket(chassis), request, timeout)
