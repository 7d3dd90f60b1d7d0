"""Finding Neutron resources in the NB, as one transaction attempt sees them.

Every lookup goes through `TxnContext`, so what a request reads is guarded:
if another API server changes it before this request commits, the commit
fails and the request runs again on fresh data. A resource the caller's
project may not see is reported as missing (404), as Neutron does.
"""

import json
import uuid as uuidlib
from dataclasses import dataclass
from typing import Any

from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.neutron import addressing as ip
from pyovn.cms.neutron.auth import Principal
from pyovn.cms.neutron.errors import not_found
from pyovn.cms.neutron.naming import (
    Key,
    Owner,
    port_group_name,
    router_name,
    switch_name,
)

__all__ = [
    "Subnet",
    "bump_revision",
    "find_network",
    "find_port",
    "find_router",
    "find_security_group",
    "find_subnet",
    "fip_port_id",
    "lock_addresses",
    "network_id",
    "network_ports",
    "network_subnets",
    "new_id",
    "port_ips",
    "port_network_id",
    "project_of",
    "used_ips",
]

_FIP_NAMESPACE = uuidlib.UUID("6f1f6c52-4d8e-4b43-9a57-0d4a5e1b3c2a")


def new_id() -> str:
    return str(uuidlib.uuid4())


def fip_port_id(fip_id: str) -> str:
    """The id of a floating IP's own port (derived, so it can be found by name)."""
    return str(uuidlib.uuid5(_FIP_NAMESPACE, fip_id))


def project_of(row: Row) -> str:
    return str(row["external_ids"].get(Key.PROJECT_ID, ""))


def bump_revision(row: Row) -> None:
    """Count a change of the resource (Neutron's revision_number)."""
    current = int(row["external_ids"].get(Key.REVISION, "0") or 0)
    row.setkey("external_ids", Key.REVISION, str(current + 1))


def set_ids(row: Row, values: dict[str, str]) -> None:
    for key, value in values.items():
        row.setkey("external_ids", key, value)


def _one(rows: list[Row]) -> Row | None:
    return rows[0] if rows else None


# -- networks ----------------------------------------------------------------------
def network_id(switch: Row) -> str:
    return switch.name.removeprefix("neutron-")


def is_external(switch: Row) -> bool:
    return bool(switch["external_ids"].get(Key.ROUTER_EXTERNAL) == "true")


def is_shared(switch: Row) -> bool:
    return bool(switch["external_ids"].get(Key.SHARED) == "true")


def network_visible(switch: Row, who: Principal) -> bool:
    return who.can_see(project_of(switch)) or is_shared(switch) or is_external(switch)


def find_network(ctx: TxnContext, who: Principal, ident: str) -> Row:
    """A network's switch (NetworkNotFound if missing or not visible)."""
    switch = _one(ctx.find("Logical_Switch", "name", switch_name(ident)))
    if switch is None or Key.NETWORK_NAME not in switch["external_ids"]:
        raise not_found("Network", ident)
    if not network_visible(switch, who):
        raise not_found("Network", ident)
    return switch


def neutron_switches(ctx: TxnContext) -> list[Row]:
    return [s for s in ctx.rows("Logical_Switch") if Key.NETWORK_NAME in s["external_ids"]]


# -- subnets -----------------------------------------------------------------------
@dataclass
class Subnet:
    """A subnet as stored in its DHCP_Options row."""

    row: Row
    id: str
    network_id: str
    project_id: str
    cidr: ip.IpNetwork
    gateway: ip.IpAddress | None
    pools: list[ip.Pool]
    enable_dhcp: bool

    @classmethod
    def from_row(cls, row: Row) -> "Subnet":
        ids = row["external_ids"]
        gateway = ids.get(Key.GATEWAY_IP, "")
        return cls(
            row,
            ids[Key.SUBNET_ID],
            ids.get(Key.NETWORK_ID, ""),
            ids.get(Key.PROJECT_ID, ""),
            ip.to_network(row["cidr"]),
            ip.to_address(gateway) if gateway else None,
            ip.parse_pools(ids.get(Key.ALLOCATION_POOLS, "")),
            ids.get(Key.ENABLE_DHCP, "true") == "true",
        )

    @property
    def host_routes(self) -> list[dict[str, str]]:
        routes: list[dict[str, str]] = json.loads(
            self.row["external_ids"].get(Key.HOST_ROUTES, "[]")
        )
        return routes

    @property
    def dns_nameservers(self) -> list[str]:
        return str(self.row["external_ids"].get(Key.DNS_NAMESERVERS, "")).split()


def _is_subnet(row: Row) -> bool:
    ids = row["external_ids"]
    return Key.SUBNET_ID in ids and Key.NETWORK_ID in ids and "port_id" not in ids


def all_subnets(ctx: TxnContext) -> list[Subnet]:
    return [Subnet.from_row(r) for r in ctx.rows("DHCP_Options") if _is_subnet(r)]


def network_subnets(ctx: TxnContext, net_id: str) -> list[Subnet]:
    """A network's subnets, in UUID order of their rows."""
    return [s for s in all_subnets(ctx) if s.network_id == net_id]


def subnet_visible(ctx: TxnContext, subnet: Subnet, who: Principal) -> bool:
    if who.can_see(subnet.project_id):
        return True
    switch = _one(ctx.find("Logical_Switch", "name", switch_name(subnet.network_id)))
    return switch is not None and is_shared(switch)


def find_subnet(ctx: TxnContext, who: Principal, ident: str) -> Subnet:
    for subnet in all_subnets(ctx):
        if subnet.id == ident:
            if not subnet_visible(ctx, subnet, who):
                break
            return subnet
    raise not_found("Subnet", ident)


# -- ports -------------------------------------------------------------------------
def is_neutron_port(row: Row) -> bool:
    return Key.NETWORK_NAME in row["external_ids"]


def find_port(ctx: TxnContext, who: Principal, ident: str) -> Row:
    port = _one(ctx.find("Logical_Switch_Port", "name", ident))
    if port is None or not is_neutron_port(port) or not who.can_see(project_of(port)):
        raise not_found("Port", ident)
    return port


def port_network_id(port: Row) -> str:
    return str(port["external_ids"][Key.NETWORK_NAME]).removeprefix("neutron-")


def network_ports(ctx: TxnContext, switch: Row) -> list[Row]:
    rows = (ctx.get("Logical_Switch_Port", u) for u in sorted(switch["ports"]))
    return [r for r in rows if r is not None and is_neutron_port(r)]


def port_ips(port: Row) -> list[ip.IpAddress]:
    """The fixed IPs of a port (from `neutron:cidrs`, "IP/PLEN IP/PLEN")."""
    words = str(port["external_ids"].get(Key.CIDRS, "")).split()
    return [ip.to_interface(word) for word in words]


def used_ips(ctx: TxnContext, switch: Row) -> set[ip.IpAddress]:
    """Every fixed IP a port of the network holds."""
    used: set[ip.IpAddress] = set()
    for port in network_ports(ctx, switch):
        used.update(port_ips(port))
    return used


def lock_addresses(switch: Row) -> None:
    """Serialize address allocation on a network across API servers.

    Allocation reads the addresses of the network's ports; the commit must
    fail if another server changed them meanwhile. Verifying the switch's
    external_ids and bumping a counter in them makes any two allocations on
    one network conflict in the OVSDB server (one retries on fresh data),
    as a row lock would.
    """
    switch.verify("external_ids")
    serial = int(switch["external_ids"].get(Key.ADDRESS_SERIAL, "0") or 0)
    switch.setkey("external_ids", Key.ADDRESS_SERIAL, str(serial + 1))


def port_mac(port: Row) -> str:
    for entry in sorted(port["addresses"]):
        word = entry.split()[0] if entry.split() else ""
        if word not in ("", "router", "unknown", "dynamic"):
            return str(word)
    return str(port["external_ids"].get(Key.MAC, ""))


def device_owner(port: Row) -> str:
    return str(port["external_ids"].get(Key.DEVICE_OWNER, ""))


# -- routers, security groups --------------------------------------------------------
def find_router(ctx: TxnContext, who: Principal, ident: str) -> Row:
    router = _one(ctx.find("Logical_Router", "name", router_name(ident)))
    if router is None or Key.ROUTER_NAME not in router["external_ids"]:
        raise not_found("Router", ident)
    if not who.can_see(project_of(router)):
        raise not_found("Router", ident)
    return router


def router_id(router: Row) -> str:
    return router.name.removeprefix("neutron-")


def find_security_group(ctx: TxnContext, who: Principal, ident: str) -> Row:
    group = _one(ctx.find("Port_Group", "name", port_group_name(ident)))
    if group is None or Key.SECURITY_GROUP_ID not in group["external_ids"]:
        raise not_found("SecurityGroup", ident)
    if not who.can_see(project_of(group)):
        raise not_found("SecurityGroup", ident)
    return group


def security_group_id(group: Row) -> str:
    return str(group["external_ids"][Key.SECURITY_GROUP_ID])


def rows_of(ctx: TxnContext, table: str, uuids: Any) -> list[Row]:
    rows = (ctx.get(table, u) for u in sorted(uuids))
    return [r for r in rows if r is not None]


def is_fip_port(port: Row) -> bool:
    return device_owner(port) == Owner.FLOATINGIP
