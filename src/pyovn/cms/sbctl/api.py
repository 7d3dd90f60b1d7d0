"""`SbApi`: ovn-sbctl's verbs over the Southbound database (see `NbApi`)."""

from typing import Any

from pyovn.cms.api import db_commands as db
from pyovn.cms.api.backend import Backend
from pyovn.cms.api.command import Command
from pyovn.cms.api.refs import RowId, RowIds
from pyovn.cms.ctl.show import ShowCommand, ShowTable
from pyovn.cms.nbctl.switch import InitCommand
from pyovn.cms.sbctl.chassis import (
    ChassisAddCommand,
    ChassisDelCommand,
    LspBindCommand,
    LspUnbindCommand,
)
from pyovn.cms.sbctl.lflow import LflowListCommand

__all__ = ["SB_ROW_IDS", "SB_SHOW", "SbApi"]

#: How ovn-sbctl's database commands name SB records besides UUIDs.
SB_ROW_IDS: RowIds = {
    "Chassis": (RowId("Chassis", "name"),),
    "Chassis_Private": (RowId("Chassis_Private", "name"),),
    "Datapath_Binding": (RowId("Datapath_Binding", "external_ids", key="name"),),
    "Port_Binding": (RowId("Port_Binding", "logical_port"),),
    "Address_Set": (RowId("Address_Set", "name"),),
    "HA_Chassis_Group": (RowId("HA_Chassis_Group", "name"),),
    "RBAC_Role": (RowId("RBAC_Role", "name"),),
    "Load_Balancer": (RowId("Load_Balancer", "name"),),
    "Meter": (RowId("Meter", "name"),),
}

#: ovn-sbctl show: chassis, their encaps, and the ports bound to them.
SB_SHOW = (
    ShowTable(
        "Chassis",
        "name",
        ("hostname", "encaps"),
        back_refs=("Port_Binding", "logical_port", "chassis"),
    ),
    ShowTable("Encap", "type", ("ip", "options")),
)


class SbApi:
    """The Southbound database, verb by verb."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @classmethod
    async def connect(cls, remote: str) -> "SbApi":
        return cls(await Backend(remote, "OVN_Southbound", SB_ROW_IDS).connect())

    async def close(self) -> None:
        await self.backend.close()

    async def execute(self, command: Command) -> Any:
        """Run one command in its own transaction; return its result."""
        await self.backend.execute([command])
        return command.result

    def init(self) -> InitCommand:
        """Create SB_Global if the database is empty."""
        return InitCommand("SB_Global")

    def show(self) -> ShowCommand:
        """Chassis, encaps and bound ports, as text."""
        return ShowCommand(SB_SHOW)

    def chassis_add(
        self, chassis: str, encap_types: str, encap_ip: str, may_exist: bool = False
    ) -> ChassisAddCommand:
        """A chassis with one encap per comma-separated type."""
        return ChassisAddCommand(chassis, encap_types, encap_ip, may_exist)

    def chassis_del(self, chassis: str, if_exists: bool = False) -> ChassisDelCommand:
        """Delete a chassis and its encaps."""
        return ChassisDelCommand(chassis, if_exists)

    def lsp_bind(self, port: str, chassis: str, may_exist: bool = False) -> LspBindCommand:
        """Bind a logical port to a chassis."""
        return LspBindCommand(port, chassis, may_exist)

    def lsp_unbind(self, port: str, if_exists: bool = False) -> LspUnbindCommand:
        """Unbind a logical port."""
        return LspUnbindCommand(port, if_exists)

    def lflow_list(self, args: list[str] | None = None) -> LflowListCommand:
        """Logical flows, optionally of one datapath or matching UUID prefixes."""
        return LflowListCommand(args or [])

    def db_list(self, table: str, records: list[str] | None = None) -> db.ListCommand:
        """`list`."""
        return db.ListCommand(table, records)

    def db_find(self, table: str, conditions: list[str]) -> db.FindCommand:
        """`find`."""
        return db.FindCommand(table, conditions)

    def db_get(self, table: str, record: str, columns: list[str]) -> db.GetCommand:
        """`get`."""
        return db.GetCommand(table, record, columns)
