"""The NB and Open_vSwitch changes behind a VM's NIC.

NB: one logical switch port per NIC, named by the NIC's interfaceid, with
addresses and port security "MAC IP" and `external_ids` naming the domain
(`pyovn:libvirt-domain` = its UUID, `pyovn:libvirt-name` = its name), so the
agent can tell its ports from anyone else's and clean them up.

Open_vSwitch (when there is no real libvirtd to do it): the Port/Interface
libvirt itself adds for a running domain's tap, with `external_ids`
iface-id, attached-mac, vm-id and iface-status.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from pyovn.cms.api.command import Command
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.ipam import allocate_ip
from pyovn.cms.nbctl import lookup
from pyovn.cms.nbctl.addresses import parse_ip, parse_mac
from pyovn.cms.vsctl.bridge import bridge as find_bridge
from pyovn.cms.vsctl.bridge import port_bridge, root_row

__all__ = [
    "NAME_KEY",
    "OWNER_KEY",
    "EnsureVmPortCommand",
    "PlugCommand",
    "PruneVmPortsCommand",
    "UnplugCommand",
    "VmPort",
]

OWNER_KEY = "pyovn:libvirt-domain"
NAME_KEY = "pyovn:libvirt-name"


@dataclass(frozen=True)
class VmPort:
    """What one NIC needs in the NB."""

    switch: str
    name: str
    mac: str
    domain_uuid: str
    domain_name: str
    ip: str | None = None

    def __post_init__(self) -> None:
        parse_mac(self.mac)
        if self.ip is not None:
            parse_ip(self.ip)


def _current_ip(port: Row) -> str | None:
    for address in sorted(port["addresses"]):
        words = address.split()
        if len(words) > 1:
            return str(words[1])
    return None


class EnsureVmPortCommand(Command):
    """Create or update the NIC's logical port; the result is its address."""

    def __init__(self, port: VmPort, allocate: bool = True) -> None:
        self.port, self.allocate = port, allocate

    def run(self, ctx: TxnContext) -> None:
        want = self.port
        switch = lookup.ls(ctx, want.switch)
        row = lookup.find_lsp(ctx, want.name)
        ip = want.ip
        if row is not None:
            owner = lookup.lsp_switch(ctx, row)
            if owner.uuid != switch.uuid:
                owner.discard("ports", row.uuid)
                switch.add("ports", row.uuid)
            ip = ip or _current_ip(row)
        else:
            row = ctx.insert("Logical_Switch_Port", name=want.name)
            switch.add("ports", row.uuid)
        if ip is None and self.allocate and switch["other_config"].get("subnet"):
            ip = allocate_ip(ctx, switch)
        address = f"{want.mac} {ip}" if ip else want.mac
        if row["addresses"] != frozenset((address,)):
            row["addresses"] = frozenset((address,))
        if row["port_security"] != frozenset((address,)):
            row["port_security"] = frozenset((address,))
        for key, value in ((OWNER_KEY, want.domain_uuid), (NAME_KEY, want.domain_name)):
            row.setkey("external_ids", key, value)
        self.result = address


class PruneVmPortsCommand(Command):
    """Delete the integration's ports whose NIC is gone.

    `live` maps each domain UUID still present to the interfaceids it keeps;
    the ports of the `domains` are all kept; with `only`, just that domain's
    ports are considered. The result is the names removed.
    """

    def __init__(
        self,
        live: Mapping[str, set[str]],
        only: str | None = None,
        domains: frozenset[str] = frozenset(),
    ) -> None:
        self.live, self.only, self.domains = live, only, domains

    def run(self, ctx: TxnContext) -> None:
        removed = []
        for port in list(ctx.rows("Logical_Switch_Port")):
            owner = port["external_ids"].get(OWNER_KEY)
            if owner is None or owner in self.domains:
                continue
            if self.only is not None and owner != self.only:
                continue
            if port.name in self.live.get(owner, set()):
                continue
            lookup.lsp_switch(ctx, port).discard("ports", port.uuid)
            port.delete()
            removed.append(port.name)
        self.result = sorted(removed)


@dataclass(frozen=True)
class Tap:
    """A running NIC as libvirt plugs it into OVS."""

    bridge: str
    device: str
    iface_id: str
    mac: str
    vm_id: str

    @property
    def external_ids(self) -> dict[str, str]:
        return {
            "attached-mac": self.mac,
            "iface-id": self.iface_id,
            "iface-status": "active",
            "vm-id": self.vm_id,
        }


class PlugCommand(Command):
    """Add (or refresh) the tap's Port and Interface on its bridge."""

    def __init__(self, tap: Tap) -> None:
        self.tap = tap

    def run(self, ctx: TxnContext) -> None:
        root_row(ctx)
        owner = find_bridge(ctx, self.tap.bridge)
        ports = ctx.find("Port", "name", self.tap.device)
        if ports:
            port = ports[0]
            ifaces = [ctx.get("Interface", u) for u in port["interfaces"]]
            if port_bridge(ctx, port) is owner and any(
                i is not None and i["external_ids"] == self.tap.external_ids for i in ifaces
            ):
                return
            _remove_port(ctx, port)
        iface = ctx.insert("Interface", name=self.tap.device, external_ids=self.tap.external_ids)
        port = ctx.insert("Port", name=self.tap.device, interfaces=frozenset((iface.uuid,)))
        owner.add("ports", port.uuid)
        self.result = iface.uuid


def _remove_port(ctx: TxnContext, port: Row) -> None:
    for uuid in port["interfaces"]:
        iface = ctx.get("Interface", uuid)
        if iface is not None:
            iface.delete()
    holder = port_bridge(ctx, port)
    if holder is not None:
        holder.discard("ports", port.uuid)
    port.delete()


class UnplugCommand(Command):
    """Remove taps: those of `vm_id` not in `keep` (all taps of VMs not in
    `running` when `vm_id` is None). The result is the device names removed."""

    def __init__(
        self, vm_id: str | None, keep: set[str] | None = None, running: set[str] | None = None
    ) -> None:
        self.vm_id, self.keep, self.running = vm_id, keep or set(), running or set()

    def run(self, ctx: TxnContext) -> None:
        removed = []
        for iface in list(ctx.rows("Interface")):
            owner = iface["external_ids"].get("vm-id")
            if owner is None:
                continue
            if self.vm_id is not None:
                if owner != self.vm_id or iface.name in self.keep:
                    continue
            elif owner in self.running:
                continue
            for port in list(ctx.rows("Port")):
                if iface.uuid in port["interfaces"]:
                    _remove_port(ctx, port)
                    removed.append(iface.name)
        self.result = sorted(removed)
