"""Bridges, ports and interfaces as ovs-vsctl manages them: add-br, del-br,
list-br, br-exists, add-port, del-port, list-ports, list-ifaces, iface-to-br,
port-to-br.

A bridge has a "local" port and interface of its own name (type internal);
ports hold interfaces. Rows are deleted explicitly along with the references
to them, as ovs-vsctl does.
"""

from typing import Any

from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.conditions import parse_column_arg, parse_set_value
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.errors import DuplicateError, NotFoundError, UsageError

__all__ = [
    "AddBrCommand",
    "AddPortCommand",
    "BrExistsCommand",
    "DelBrCommand",
    "DelPortCommand",
    "ListBrCommand",
    "ListPortsCommand",
    "PortToBrCommand",
    "root_row",
]


def root_row(ctx: TxnContext) -> Row:
    """The Open_vSwitch record (created when the database has none, as ovs-vsctl does)."""
    for row in ctx.rows("Open_vSwitch"):
        return row
    return ctx.insert("Open_vSwitch")


def _one(ctx: TxnContext, table: str, name: str) -> Row | None:
    found = ctx.find(table, "name", name)
    return found[0] if found else None


def bridge(ctx: TxnContext, name: str) -> Row:
    found = _one(ctx, "Bridge", name)
    if found is None:
        raise NotFoundError(f"no bridge named {name}")
    return found


def port_bridge(ctx: TxnContext, port: Row) -> Row | None:
    for row in ctx.rows("Bridge"):
        if port.uuid in row["ports"]:
            return row
    return None


def _iface_port(ctx: TxnContext, iface: Row) -> Row | None:
    for row in ctx.rows("Port"):
        if iface.uuid in row["interfaces"]:
            return row
    return None


def _delete_port(ctx: TxnContext, owner: Row | None, port: Row) -> None:
    for uuid in port["interfaces"]:
        iface = ctx.get("Interface", uuid)
        if iface is not None:
            iface.delete()
    if owner is not None:
        owner.discard("ports", port.uuid)
    port.delete()


class AddBrCommand(Command):
    """`add-br BRIDGE`: a bridge with its local internal port."""

    def __init__(self, bridge: str, may_exist: bool = False, extra: list[str] | None = None):
        if extra:
            raise UsageError("fake bridges (add-br BRIDGE PARENT VLAN) are not supported")
        self.bridge, self.may_exist = bridge, may_exist

    def run(self, ctx: TxnContext) -> None:
        root = root_row(ctx)
        if _one(ctx, "Bridge", self.bridge) is not None:
            if self.may_exist:
                return
            raise DuplicateError(
                f"cannot create a bridge named {self.bridge} because a bridge named "
                f"{self.bridge} already exists"
            )
        iface = ctx.insert("Interface", name=self.bridge, type="internal")
        port = ctx.insert("Port", name=self.bridge, interfaces=frozenset((iface.uuid,)))
        row = ctx.insert("Bridge", name=self.bridge, ports=frozenset((port.uuid,)))
        root.add("bridges", row.uuid)
        self.result = row.uuid


class DelBrCommand(Command):
    """`del-br BRIDGE`: the bridge and all its ports and interfaces."""

    def __init__(self, bridge: str, if_exists: bool = False) -> None:
        self.bridge, self.if_exists = bridge, if_exists

    def run(self, ctx: TxnContext) -> None:
        found = _one(ctx, "Bridge", self.bridge)
        if found is None:
            if self.if_exists:
                return
            raise NotFoundError(f"no bridge named {self.bridge}")
        for uuid in found["ports"]:
            port = ctx.get("Port", uuid)
            if port is not None:
                _delete_port(ctx, None, port)
        root_row(ctx).discard("bridges", found.uuid)
        found.delete()


class ListBrCommand(ReadCommand):
    """`list-br`: bridge names, sorted."""

    def run(self, ctx: TxnContext) -> None:
        self.result = sorted(r.name for r in ctx.rows("Bridge"))


class BrExistsCommand(ReadCommand):
    """`br-exists BRIDGE`: the result is whether it exists (exit status 2 if not)."""

    def __init__(self, bridge: str) -> None:
        self.bridge = bridge

    def run(self, ctx: TxnContext) -> None:
        self.result = _one(ctx, "Bridge", self.bridge) is not None


class AddPortCommand(Command):
    """`add-port BRIDGE PORT [COLUMN[:KEY]=VALUE]...` (the settings apply to the Port)."""

    def __init__(
        self,
        bridge: str,
        port: str,
        settings: list[str] | None = None,
        may_exist: bool = False,
        **interface: Any,
    ) -> None:
        self.bridge, self.port, self.may_exist = bridge, port, may_exist
        self.settings, self.interface = list(settings or []), interface

    def run(self, ctx: TxnContext) -> None:
        root_row(ctx)
        owner = bridge(ctx, self.bridge)
        if _one(ctx, "Bridge", self.port) is not None:
            raise DuplicateError(
                f"cannot create a port named {self.port} because a bridge named {self.port} "
                "already exists"
            )
        existing = _one(ctx, "Port", self.port)
        if existing is not None:
            self._existing(ctx, existing)
            return
        iface = ctx.insert("Interface", name=self.port, **self.interface)
        port = ctx.insert("Port", name=self.port, interfaces=frozenset((iface.uuid,)))
        table = ctx.table("Port")
        for text in self.settings:
            arg = parse_column_arg(table, text, ("=",), ctx.symbol)
            value = parse_set_value(arg, ctx.symbol)
            if arg.key is not None:
                port.setkey(arg.column.name, arg.key, value)
            else:
                port[arg.column.name] = value
        owner.add("ports", port.uuid)
        self.result = iface.uuid

    def _existing(self, ctx: TxnContext, port: Row) -> None:
        holder = port_bridge(ctx, port)
        holder_name = holder.name if holder is not None else "?"
        if not self.may_exist:
            raise DuplicateError(
                f"cannot create a port named {self.port} because a port named {self.port} "
                f"already exists on bridge {holder_name}"
            )
        if holder_name != self.bridge:
            raise DuplicateError(
                f'"--may-exist add-port {self.bridge} {self.port}" but {self.port} is actually '
                f"attached to bridge {holder_name}"
            )
        iface = ctx.find("Interface", "name", self.port)
        for column, value in self.interface.items():
            if iface:
                iface[0][column] = value
        self.result = iface[0].uuid if iface else None


class DelPortCommand(Command):
    """`del-port [BRIDGE] PORT`."""

    def __init__(
        self, bridge: str | None, port: str, if_exists: bool = False, with_iface: bool = False
    ) -> None:
        self.bridge, self.port = bridge, port
        self.if_exists, self.with_iface = if_exists, with_iface

    def run(self, ctx: TxnContext) -> None:
        port = _one(ctx, "Port", self.port)
        if port is None and self.with_iface:
            iface = _one(ctx, "Interface", self.port)
            port = _iface_port(ctx, iface) if iface is not None else None
        if port is None:
            if self.if_exists:
                return
            what = "port or interface" if self.with_iface else "port"
            raise NotFoundError(f"no {what} named {self.port}")
        owner = port_bridge(ctx, port)
        if self.bridge is not None and (owner is None or owner.name != self.bridge):
            bridge(ctx, self.bridge)
            raise NotFoundError(f"bridge {self.bridge} does not have a port {self.port}")
        if owner is not None and owner.name == port.name:
            raise UsageError(
                f"cannot delete port {port.name} because it is the local port for bridge "
                f"{owner.name} (deleting this port requires deleting the entire bridge)"
            )
        _delete_port(ctx, owner, port)


class ListPortsCommand(ReadCommand):
    """`list-ports BRIDGE` / `list-ifaces BRIDGE`: names, sorted, without the local port."""

    def __init__(self, bridge: str, interfaces: bool = False) -> None:
        self.bridge, self.interfaces = bridge, interfaces

    def run(self, ctx: TxnContext) -> None:
        owner = bridge(ctx, self.bridge)
        names = []
        for uuid in owner["ports"]:
            port = ctx.get("Port", uuid)
            if port is None or port.name == owner.name:
                continue
            if not self.interfaces:
                names.append(port.name)
                continue
            for iface_uuid in port["interfaces"]:
                iface = ctx.get("Interface", iface_uuid)
                if iface is not None:
                    names.append(iface.name)
        self.result = sorted(names)


class PortToBrCommand(ReadCommand):
    """`port-to-br PORT` / `iface-to-br IFACE`: the bridge's name."""

    def __init__(self, name: str, interface: bool = False) -> None:
        self.name, self.interface = name, interface

    def run(self, ctx: TxnContext) -> None:
        if self.interface:
            iface = _one(ctx, "Interface", self.name)
            port = _iface_port(ctx, iface) if iface is not None else None
            if port is None:
                raise NotFoundError(f"no interface named {self.name}")
        else:
            port = _one(ctx, "Port", self.name)
            if port is None:
                raise NotFoundError(f"no port named {self.name}")
        owner = port_bridge(ctx, port)
        if owner is None:
            raise NotFoundError(f"{self.name} is not on any bridge")
        self.result = owner.name
