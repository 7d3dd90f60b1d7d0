"""A simulated ovs-vswitchd: the local Open_vSwitch DB made into bridges.

Like ovs-vswitchd, `Vswitchd` watches the Bridge / Port / Interface rows of
its Open_vSwitch DB and keeps a `pyovn.dataplane` datapath in step: one
simulated bridge per Bridge row, one port per Interface (`type` "" /
`system` / `internal` / `tap` ports deliver to whatever is attached, `patch`
ports join bridges, `geneve` ports send real Geneve over UDP from this
chassis's underlay address to `options:remote_ip`). It assigns OpenFlow
port numbers (honouring `ofport_request`) and writes them back to
`Interface.ofport`, with `link_state` and `mac_in_use`.

A bridge without `fail_mode=secure` behaves as a standalone learning
switch (a `NORMAL` flow) until something programs it. The integration
bridge's switch operations are served on `<rundir>/<bridge>.mgmt`
(`switch.ChannelServer`) for `pyovn controller`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pyovn.cloud.switch import BridgeBackend, ChannelServer
from pyovn.controller.index import optional
from pyovn.controller.txn import Txn, first_error
from pyovn.dataplane import Bridge, Packet, Port
from pyovn.dataplane.errors import DataplaneError
from pyovn.dataplane.fabric import Chassis
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.errors import ClientError
from pyovn.ovsdb.replica import Replica

__all__ = ["Vswitchd"]

log = logging.getLogger("pyovn.cloud.vswitchd")

OVS_TABLES: dict[str, list[str] | None] = {
    "Open_vSwitch": ["bridges", "external_ids"],
    "Bridge": ["name", "ports", "fail_mode", "external_ids"],
    "Port": ["name", "interfaces"],
    "Interface": [
        "name",
        "type",
        "options",
        "ofport",
        "ofport_request",
        "external_ids",
        "link_state",
    ],
}
Receiver = Callable[[Packet], None]
_PLAIN = ("", "system", "internal", "tap")


class Vswitchd:
    """Bridges of one simulated chassis, driven by its Open_vSwitch DB."""

    def __init__(
        self,
        ovs_remote: str,
        underlay_ip: str,
        *,
        name: str = "chassis",
        rundir: Path | None = None,
        integration_bridge: str = "br-int",
    ) -> None:
        self.client = OvsdbClient(ovs_remote)
        self.replica = Replica(self.client, "Open_vSwitch", tables=OVS_TABLES)
        self.chassis = Chassis(name, underlay_ip, bridge=integration_bridge)
        self.integration_bridge = integration_bridge
        self.rundir = rundir
        self.bridges: dict[str, Bridge] = {integration_bridge: self.chassis.bridge}
        self.backend = BridgeBackend(self.chassis.bridge)
        self.server: ChannelServer | None = None
        self.receivers: dict[str, Receiver] = {}
        self._ports: dict[
            str, tuple[str, str, tuple[Any, ...]]
        ] = {}  # iface uuid -> (bridge, name, sig)
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self.ready = asyncio.Event()

    async def start(self) -> None:
        await self.chassis.start()
        if self.rundir is not None:
            self.server = ChannelServer(
                self.backend, self.rundir / f"{self.integration_bridge}.mgmt"
            )
            await self.server.start()
        self.replica.listeners.append(lambda _: self._wake.set())
        await self.replica.start()
        self._wake.set()

    async def run(self) -> None:
        """Reconcile the datapath with the DB until `stop()`."""
        await self.start()
        while not self._stop.is_set():
            await self._wake.wait()
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                await self.reconcile()
            except (ClientError, OSError) as error:
                log.warning("Open_vSwitch DB problem: %s; retrying", error)
                await asyncio.sleep(0.3)
                self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()
        self.chassis.close()
        await self.client.close()

    def attach(self, interface: str, receiver: Receiver) -> None:
        """Deliver what is output to Interface `interface` to `receiver` (a VM's NIC)."""
        self.receivers[interface] = receiver
        for bridge in self.bridges.values():
            for port in bridge.ports.values():
                if port.name == interface:
                    port.receiver = receiver

    def port_of(self, interface: str) -> tuple[Bridge, int] | None:
        """The bridge and OpenFlow port of an interface, once it exists."""
        for bridge in self.bridges.values():
            for port in bridge.ports.values():
                if port.name == interface:
                    return bridge, port.ofport
        return None

    # ------------------------------------------------------------ reconciliation

    async def reconcile(self) -> None:
        """Make the simulated bridges match the DB; write back port numbers."""
        tables = {name: t.rows for name, t in self.replica.tables.items()}
        wanted = self._wanted(tables)
        for uuid in [u for u in self._ports if u not in wanted]:
            self._remove(uuid)
        for bridge_name, fail_mode in self._bridges(tables).items():
            self._ensure_bridge(bridge_name, fail_mode)
        txn = Txn(self.replica)
        for uuid, (bridge_name, row) in wanted.items():
            ofport = self._ensure_port(uuid, bridge_name, row)
            state = "up" if ofport > 0 else "down"
            if optional(row["ofport"]) != ofport or optional(row["link_state"]) != state:
                txn.update(
                    "Interface",
                    uuid,
                    {"ofport": frozenset({ofport}), "link_state": frozenset({state})},
                )
        for name in [n for n in self.bridges if n != self.integration_bridge]:
            if name not in self._bridges(tables):
                del self.bridges[name]
                self.chassis.datapath.bridges.pop(name, None)
        if not txn.empty:
            error = first_error(await txn.commit())
            if error:
                log.warning("writing ofports failed: %s", error)
        self.ready.set()

    @staticmethod
    def _bridges(tables: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, str]:
        return {r["name"]: optional(r["fail_mode"]) or "" for r in tables["Bridge"].values()}

    @staticmethod
    def _wanted(
        tables: Mapping[str, Mapping[str, Mapping[str, Any]]],
    ) -> dict[str, tuple[str, Mapping[str, Any]]]:
        wanted = {}
        for bridge in tables["Bridge"].values():
            for port_uuid in bridge["ports"]:
                port = tables["Port"].get(port_uuid)
                for iface_uuid in port["interfaces"] if port else ():
                    row = tables["Interface"].get(iface_uuid)
                    if row is not None and row["name"] != bridge["name"]:
                        wanted[iface_uuid] = (bridge["name"], row)
        return wanted

    def _ensure_bridge(self, name: str, fail_mode: str) -> Bridge:
        bridge = self.bridges.get(name)
        if bridge is None:
            bridge = Bridge(name, self.chassis.datapath)
            self.bridges[name] = bridge
            log.info("bridge %s created", name)
            if fail_mode != "secure":
                bridge.add_flow("priority=0,actions=NORMAL")
        return bridge

    def _ensure_port(self, uuid: str, bridge_name: str, row: Mapping[str, Any]) -> int:
        signature = (row["name"], row["type"], tuple(sorted(row["options"].items())))
        known = self._ports.get(uuid)
        if known is not None and known[0] == bridge_name and known[2] == signature:
            found = self.port_of(row["name"])
            return int(found[1]) if found else -1
        if known is not None:
            self._remove(uuid)
        bridge = self._ensure_bridge(bridge_name, "secure")
        request = optional(row["ofport_request"])
        try:
            port = self._add_port(bridge, row, request)
        except (DataplaneError, ValueError) as error:
            log.warning("interface %s: %s", row["name"], error)
            return -1
        self._ports[uuid] = (bridge_name, row["name"], signature)
        receiver = self.receivers.get(row["name"])
        if receiver is not None:
            port.receiver = receiver
        log.info("%s: added interface %s on port %d", bridge_name, row["name"], port.ofport)
        return port.ofport

    def _add_port(self, bridge: Bridge, row: Mapping[str, Any], request: int | None) -> Port:
        kind, options, name = row["type"], row["options"], row["name"]
        if kind == "patch":
            return bridge.add_port(name, request, "patch", peer=options.get("peer"))
        if kind == "geneve":
            if bridge is not self.chassis.bridge:
                raise ValueError("tunnels are only simulated on the integration bridge")
            remote = options.get("remote_ip", "")
            return self.chassis.add_tunnel(name, remote, ofport=request)
        if kind not in _PLAIN:
            raise ValueError(f"interface type {kind!r} is not simulated")
        return bridge.add_port(name, request, "internal", external_ids=dict(row["external_ids"]))

    def _remove(self, uuid: str) -> None:
        bridge_name, name, _ = self._ports.pop(uuid)
        bridge = self.bridges.get(bridge_name)
        if bridge is not None:
            try:
                bridge.delete_port(name)
            except DataplaneError:
                return
            log.info("%s: deleted interface %s", bridge_name, name)
