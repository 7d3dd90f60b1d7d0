"""`VsApi`: ovs-vsctl's verbs over a local Open_vSwitch database (see `NbApi`)."""

from typing import Any

from pyovn.cms.api import db_commands as db
from pyovn.cms.api.backend import Backend, CfgCounter
from pyovn.cms.api.command import Command
from pyovn.cms.api.refs import RowId, RowIds
from pyovn.cms.ctl.show import ShowCommand, ShowTable
from pyovn.cms.nbctl.switch import InitCommand
from pyovn.cms.vsctl import bridge

__all__ = ["VS_CFG", "VS_ROW_IDS", "VS_SHOW", "VsApi"]

#: How ovs-vsctl's database commands name records besides UUIDs.
VS_ROW_IDS: RowIds = {
    "Bridge": (RowId("Bridge", "name"),),
    "Port": (RowId("Port", "name"),),
    "Interface": (RowId("Interface", "name"),),
    "Mirror": (RowId("Mirror", "name"),),
    "Flow_Table": (RowId("Flow_Table", "name"),),
    "Manager": (RowId("Manager", "target"),),
    "Controller": (RowId("Bridge", "name", follow="controller"),),
    "NetFlow": (RowId("Bridge", "name", follow="netflow"),),
    "sFlow": (RowId("Bridge", "name", follow="sflow"),),
    "IPFIX": (RowId("Bridge", "name", follow="ipfix"),),
    "QoS": (RowId("Port", "name", follow="qos"),),
    "AutoAttach": (RowId("Bridge", "name", follow="auto_attach"),),
}

VS_SHOW = (
    ShowTable("Open_vSwitch", None, ("manager_options", "bridges", "ovs_version")),
    ShowTable("Bridge", "name", ("controller", "fail_mode", "datapath_type", "ports")),
    ShowTable("Port", "name", ("tag", "trunks", "interfaces")),
    ShowTable("Interface", "name", ("type", "options", "error")),
    ShowTable("Controller", "target", ("is_connected",)),
    ShowTable("Manager", "target", ("is_connected",)),
)

#: ovs-vsctl waits (unless --no-wait) for ovs-vswitchd to echo next_cfg in cur_cfg.
VS_CFG = CfgCounter("Open_vSwitch", "next_cfg", ("cur_cfg",))


class VsApi:
    """The Open_vSwitch database, verb by verb."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @classmethod
    async def connect(cls, remote: str, reconnect: bool = False) -> "VsApi":
        return cls(await Backend(remote, "Open_vSwitch", VS_ROW_IDS, reconnect).connect())

    async def close(self) -> None:
        await self.backend.close()

    async def execute(self, *commands: Command) -> Any:
        """Run commands in one transaction (no waiting for ovs-vswitchd)."""
        await self.backend.execute(commands)
        return commands[-1].result if commands else None

    def init(self) -> InitCommand:
        """Create the Open_vSwitch record if there is none."""
        return InitCommand("Open_vSwitch")

    def show(self) -> ShowCommand:
        """Bridges, ports and interfaces, as text."""
        return ShowCommand(VS_SHOW)

    def add_br(self, name: str, may_exist: bool = False) -> bridge.AddBrCommand:
        """A bridge with its local port."""
        return bridge.AddBrCommand(name, may_exist)

    def del_br(self, name: str, if_exists: bool = False) -> bridge.DelBrCommand:
        """Delete a bridge and its ports."""
        return bridge.DelBrCommand(name, if_exists)

    def add_port(
        self,
        bridge_: str,
        port: str,
        settings: list[str] | None = None,
        may_exist: bool = False,
        **interface: Any,
    ) -> bridge.AddPortCommand:
        """A port with one interface of the same name (`interface` sets its columns)."""
        return bridge.AddPortCommand(bridge_, port, settings, may_exist, **interface)

    def del_port(
        self, bridge_: str | None, port: str, if_exists: bool = False
    ) -> bridge.DelPortCommand:
        """Delete a port and its interfaces."""
        return bridge.DelPortCommand(bridge_, port, if_exists)

    def db_find(self, table: str, conditions: list[str]) -> db.FindCommand:
        """`find`."""
        return db.FindCommand(table, conditions)

    def db_get(self, table: str, record: str, columns: list[str]) -> db.GetCommand:
        """`get`."""
        return db.GetCommand(table, record, columns)
