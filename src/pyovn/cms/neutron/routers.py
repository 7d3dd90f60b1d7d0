"""Routers: one Logical_Router each (`neutron-<id>`), with a router port
`lrp-<port id>` per interface and gateway (see gateway.py).

An interface on a subnet is a Neutron port holding the subnet's gateway IP
(device_owner network:router_interface): its switch port is of type router
and peers with the router port, which carries the port's MAC and
`gateway/prefix`.
"""

from typing import Any

from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.neutron import records as rec
from pyovn.cms.neutron.addressing import to_address
from pyovn.cms.neutron.auth import Principal
from pyovn.cms.neutron.bodies import FixedIp, RouterCreate, RouterInterface, RouterUpdate
from pyovn.cms.neutron.errors import BadRequest, Conflict, NotFound
from pyovn.cms.neutron.fixed_ips import allocate, cidrs_text
from pyovn.cms.neutron.gateway import (
    clear_gateway,
    interface_ports,
    interface_subnets,
    router_lrps,
    set_gateway,
    sync_snat,
)
from pyovn.cms.neutron.naming import Key, Owner, router_name, router_port_name
from pyovn.cms.neutron.port_groups import set_port_groups
from pyovn.cms.neutron.ports import choose_mac, delete_port_row, insert_port
from pyovn.cms.neutron.views import router_view

__all__ = [
    "AddInterface",
    "CreateRouter",
    "DeleteRouter",
    "ListRouters",
    "RemoveInterface",
    "ShowRouter",
    "UpdateRouter",
]


class CreateRouter(Command):
    def __init__(self, who: Principal, body: RouterCreate, chassis: list[str]) -> None:
        self.who, self.body, self.chassis = who, body, chassis
        self.id = rec.new_id()

    def run(self, ctx: TxnContext) -> None:
        body = self.body
        project = self.who.owner_for(body.project_id or body.tenant_id)
        router = ctx.insert(
            "Logical_Router",
            name=router_name(self.id),
            enabled=frozenset((body.admin_state_up,)),
            external_ids={
                Key.ROUTER_NAME: body.name,
                Key.PROJECT_ID: project,
                Key.DESCRIPTION: body.description,
                Key.REVISION: "1",
                Key.GW_PORT_ID: "",
            },
        )
        if body.external_gateway_info is not None:
            set_gateway(ctx, self.who, router, body.external_gateway_info, self.chassis)
        self.result = router_view(ctx, router)


class ShowRouter(ReadCommand):
    def __init__(self, who: Principal, router_id: str) -> None:
        self.who, self.router_id = who, router_id

    def run(self, ctx: TxnContext) -> None:
        self.result = router_view(ctx, rec.find_router(ctx, self.who, self.router_id))


class ListRouters(ReadCommand):
    def __init__(self, who: Principal) -> None:
        self.who = who

    def run(self, ctx: TxnContext) -> None:
        self.result = [
            router_view(ctx, r)
            for r in ctx.rows("Logical_Router")
            if Key.ROUTER_NAME in r["external_ids"] and self.who.can_see(rec.project_of(r))
        ]


class UpdateRouter(Command):
    def __init__(
        self, who: Principal, router_id: str, body: RouterUpdate, chassis: list[str]
    ) -> None:
        self.who, self.router_id, self.body, self.chassis = who, router_id, body, chassis

    def run(self, ctx: TxnContext) -> None:
        body = self.body
        router = rec.find_router(ctx, self.who, self.router_id)
        names = {Key.ROUTER_NAME: body.name, Key.DESCRIPTION: body.description}
        rec.set_ids(router, {k: v for k, v in names.items() if v is not None})
        if body.admin_state_up is not None:
            router["enabled"] = frozenset((body.admin_state_up,))
        if "external_gateway_info" in body.model_fields_set:
            if body.external_gateway_info is None:
                clear_gateway(ctx, router)
            else:
                set_gateway(ctx, self.who, router, body.external_gateway_info, self.chassis)
        rec.bump_revision(router)
        self.result = router_view(ctx, router)


class DeleteRouter(Command):
    def __init__(self, who: Principal, router_id: str) -> None:
        self.who, self.router_id = who, router_id

    def run(self, ctx: TxnContext) -> None:
        router = rec.find_router(ctx, self.who, self.router_id)
        if interface_ports(ctx, router):
            raise Conflict(f"Router {self.router_id} still has ports", "RouterInUse")
        clear_gateway(ctx, router)
        router.delete()


def _interface_result(router: Row, port: Row, subnet: rec.Subnet) -> dict[str, Any]:
    project = rec.project_of(router)
    return {
        "id": rec.router_id(router),
        "tenant_id": project,
        "project_id": project,
        "port_id": port.name,
        "subnet_id": subnet.id,
        "subnet_ids": [subnet.id],
        "network_id": subnet.network_id,
    }


def _link(ctx: TxnContext, router: Row, port: Row, subnet: rec.Subnet, mac: str) -> None:
    """Turn `port` into the router's interface on `subnet`."""
    lrp_name = router_port_name(port.name)
    address = next(a for a in rec.port_ips(port) if a in subnet.cidr)
    set_port_groups(ctx, port, [], False)
    port["type"] = "router"
    port["addresses"] = frozenset(("router",))
    port["port_security"] = frozenset()
    port["dhcpv4_options"] = frozenset()
    port["options"] = {"router-port": lrp_name}
    rec.set_ids(
        port,
        {
            Key.DEVICE_OWNER: Owner.ROUTER_INTERFACE,
            Key.DEVICE_ID: rec.router_id(router),
            Key.MAC: mac,
        },
    )
    lrp = ctx.insert(
        "Logical_Router_Port",
        name=lrp_name,
        mac=mac,
        networks=frozenset((f"{address}/{subnet.cidr.prefixlen}",)),
        external_ids={
            Key.NETWORK_NAME: str(port["external_ids"][Key.NETWORK_NAME]),
            Key.SUBNET_IDS: subnet.id,
            Key.ROUTER_NAME: rec.router_id(router),
        },
    )
    router.add("ports", lrp.uuid)
    rec.bump_revision(router)


class AddInterface(Command):
    def __init__(self, who: Principal, router_id: str, body: RouterInterface) -> None:
        if (body.subnet_id is None) == (body.port_id is None):
            raise BadRequest("Bad router request: Either subnet_id or port_id must be specified")
        self.who, self.router_id, self.body = who, router_id, body
        self.port_id = rec.new_id()

    def run(self, ctx: TxnContext) -> None:
        router = rec.find_router(ctx, self.who, self.router_id)
        if self.body.subnet_id is not None:
            port, subnet = self._port_for_subnet(ctx, router, self.body.subnet_id)
        else:
            port, subnet = self._existing_port(ctx, router, self.body.port_id or "")
        mac = rec.port_mac(port)
        _link(ctx, router, port, subnet, mac)
        sync_snat(ctx, router)
        self.result = _interface_result(router, port, subnet)

    def _check_subnet(self, ctx: TxnContext, router: Row, subnet: rec.Subnet) -> None:
        for other in interface_subnets(ctx, router):
            if other.id == subnet.id:
                raise BadRequest(
                    f"Bad router request: Router already has a port on subnet {subnet.id}."
                )
            if other.cidr.version == subnet.cidr.version and other.cidr.overlaps(subnet.cidr):
                raise BadRequest(
                    f"Bad router request: Cidr {subnet.cidr} of subnet {subnet.id} overlaps "
                    f"with cidr {other.cidr} of subnet {other.id}."
                )

    def _port_for_subnet(self, ctx: TxnContext, router: Row, subnet_id: str) -> Any:
        subnet = rec.find_subnet(ctx, self.who, subnet_id)
        if subnet.gateway is None:
            raise BadRequest(f"Bad router request: Subnet {subnet_id} does not have a gateway IP.")
        self._check_subnet(ctx, router, subnet)
        switch = rec.find_network(ctx, Principal("", True), subnet.network_id)
        allocations = allocate(
            ctx, switch, [FixedIp(subnet_id=subnet.id, ip_address=str(subnet.gateway))]
        )
        mac = choose_mac(ctx, switch, None, self.port_id)
        port = insert_port(
            ctx,
            switch,
            self.port_id,
            {
                Key.PORT_NAME: "",
                Key.DEVICE_OWNER: Owner.ROUTER_INTERFACE,
                Key.DEVICE_ID: rec.router_id(router),
                Key.PROJECT_ID: rec.project_of(router),
                Key.CIDRS: cidrs_text(allocations),
                Key.MAC: mac,
            },
        )
        return port, subnet

    def _existing_port(self, ctx: TxnContext, router: Row, port_id: str) -> Any:
        port = rec.find_port(ctx, self.who, port_id)
        if rec.device_owner(port) or port["external_ids"].get(Key.DEVICE_ID):
            raise Conflict(
                f"Unable to complete operation on port {port_id} for network "
                f"{rec.port_network_id(port)}. Port already has an attached device "
                f"{port['external_ids'].get(Key.DEVICE_ID, '')}.",
                "PortInUse",
            )
        ips = rec.port_ips(port)
        if len(ips) != 1:
            raise BadRequest(f"Bad router request: Port {port_id} must have exactly one fixed IP")
        subnets = rec.network_subnets(ctx, rec.port_network_id(port))
        subnet = next(s for s in subnets if ips[0] in s.cidr)
        self._check_subnet(ctx, router, subnet)
        port.setkey("external_ids", Key.MAC, rec.port_mac(port))
        return port, subnet


class RemoveInterface(Command):
    def __init__(self, who: Principal, router_id: str, body: RouterInterface) -> None:
        if body.subnet_id is None and body.port_id is None:
            raise BadRequest("Bad router request: Either subnet_id or port_id must be specified")
        self.who, self.router_id, self.body = who, router_id, body

    def run(self, ctx: TxnContext) -> None:
        router = rec.find_router(ctx, self.who, self.router_id)
        match = None
        for port in interface_ports(ctx, router):
            subnets = rec.network_subnets(ctx, rec.port_network_id(port))
            for subnet in subnets:
                if not any(a in subnet.cidr for a in rec.port_ips(port)):
                    continue
                if self.body.port_id not in (None, port.name):
                    continue
                if self.body.subnet_id not in (None, subnet.id):
                    continue
                match = (port, subnet)
        if match is None:
            what = self.body.port_id or self.body.subnet_id
            raise NotFound(
                f"Router {self.router_id} has no interface on {what}.",
                "RouterInterfaceNotFoundForSubnet",
            )
        port, subnet = match
        self._check_fips(ctx, router, subnet)
        for lrp in router_lrps(ctx, router):
            if lrp.name == router_port_name(port.name):
                router.discard("ports", lrp.uuid)
                lrp.delete()
        self.result = _interface_result(router, port, subnet)
        delete_port_row(ctx, port)
        sync_snat(ctx, router)
        rec.bump_revision(router)

    def _check_fips(self, ctx: TxnContext, router: Row, subnet: rec.Subnet) -> None:
        for nat in rec.rows_of(ctx, "NAT", router["nat"]):
            if nat["type"] != "dnat_and_snat":
                continue
            if to_address(nat["logical_ip"]) in subnet.cidr:
                raise Conflict(
                    f"Router interface for subnet {subnet.id} on router {self.router_id} "
                    "cannot be deleted, as it is required by one or more floating IPs.",
                    "RouterInterfaceInUseByFloatingIP",
                )
