"""Which topology unit (switch, router, port group) each NB row feeds.

The topology builder uses this to turn the NB replica's change events into
the few units worth comparing, instead of comparing every unit on each run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pyovn.northd.nb_reader import optional
from pyovn.ovsdb.database import Change, Row

__all__ = ["NbOwners", "NbScope", "scope_of"]


@dataclass
class NbScope:
    """Units touched by a batch of NB changes."""

    tables: set[str] = field(default_factory=set)
    switches: set[str] = field(default_factory=set)
    routers: set[str] = field(default_factory=set)
    port_groups: set[str] = field(default_factory=set)


class NbOwners:
    """Which unit each row belongs to, as of the unit's last build.

    A row added to a unit always arrives with a change to the unit's own row
    (the reference to it lives there), so only rows already built need to be
    known. Entries for rows that left a unit may linger; they only make a
    unit a candidate, and the identity comparison then finds nothing changed.
    """

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, set[str]]] = {}
        self.acls: dict[str, set[tuple[str, str]]] = {}

    def of(self, table: str, uuid: str) -> set[str]:
        return self.rows.get(table, {}).get(uuid, set())

    def of_acl(self, uuid: str) -> set[tuple[str, str]]:
        return self.acls.get(uuid, set())

    def _add(self, table: str, uuid: str, owner: str) -> None:
        self.rows.setdefault(table, {}).setdefault(uuid, set()).add(owner)

    def note_switch(
        self, uuid: str, row: Row, ports: list[str], lsp_rows: Mapping[str, Row]
    ) -> None:
        for port in ports:
            self._add("Logical_Switch_Port", port, uuid)
            for column in ("dhcpv4_options", "dhcpv6_options"):
                dhcp = optional(lsp_rows[port][column])
                if dhcp is not None:
                    self._add("DHCP_Options", dhcp, uuid)
        for acl in row["acls"]:
            self.acls.setdefault(acl, set()).add(("ls", uuid))

    def note_lbs(self, uuid: str, row: Row, nb: Mapping[str, Mapping[str, Row]]) -> None:
        """A switch's or router's load balancers and load balancer groups."""
        groups = nb.get("Load_Balancer_Group", {})
        for group in row["load_balancer_group"]:
            self._add("Load_Balancer_Group", group, uuid)
            for lb in groups[group]["load_balancer"] if group in groups else ():
                self._add("Load_Balancer", lb, uuid)
        for lb in row["load_balancer"]:
            self._add("Load_Balancer", lb, uuid)

    def note_router(
        self, uuid: str, row: Row, ports: list[str], lrp_rows: Mapping[str, Row]
    ) -> None:
        for port in ports:
            self._add("Logical_Router_Port", port, uuid)
            for gw in lrp_rows[port]["gateway_chassis"]:
                self._add("Gateway_Chassis", gw, uuid)
        for nat in row["nat"]:
            self._add("NAT", nat, uuid)
        for route in row["static_routes"]:
            self._add("Logical_Router_Static_Route", route, uuid)


def scope_of(changes: Iterable[Change], owners: NbOwners) -> NbScope:
    """The units the changed rows belong to (see `_Owners`)."""
    scope = NbScope()
    for ch in changes:
        scope.tables.add(ch.table)
        table, uuid = ch.table, ch.uuid
        if table == "Logical_Switch":
            scope.switches.add(uuid)
        elif table == "Logical_Switch_Port" or table == "DHCP_Options":
            scope.switches |= owners.of(table, uuid)
        elif table == "ACL":
            for kind, owner in owners.of_acl(uuid):
                (scope.switches if kind == "ls" else scope.port_groups).add(owner)
        elif table == "Logical_Router":
            scope.routers.add(uuid)
        elif table in (
            "Logical_Router_Port",
            "NAT",
            "Logical_Router_Static_Route",
            "Gateway_Chassis",
        ):
            scope.routers |= owners.of(table, uuid)
        elif table in ("Load_Balancer", "Load_Balancer_Group"):
            # Owners are switches or routers; UUIDs never collide.
            owners_ = owners.of(table, uuid)
            scope.switches |= owners_
            scope.routers |= owners_
        elif table == "Port_Group":
            scope.port_groups.add(uuid)
    return scope
