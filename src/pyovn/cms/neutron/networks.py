"""Networks: one Logical_Switch each (`neutron-<id>`).

A flat provider network (`provider:network_type=flat`, usually the external
network of routers) also gets a localnet port `provnet-<id>` that ties the
switch to a physical network on the chassis (`ovn-bridge-mappings`).
"""

from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.neutron import records as rec
from pyovn.cms.neutron.auth import Principal
from pyovn.cms.neutron.bodies import NetworkCreate, NetworkUpdate
from pyovn.cms.neutron.dhcp import dhcp_options
from pyovn.cms.neutron.errors import BadRequest, Conflict, Forbidden
from pyovn.cms.neutron.naming import Key, localnet_name, switch_name
from pyovn.cms.neutron.views import network_view

__all__ = [
    "CreateNetwork",
    "DeleteNetwork",
    "ListNetworks",
    "ShowNetwork",
    "UpdateNetwork",
    "owned_network",
]

GENEVE_MTU = 1442
FLAT_MTU = 1500


def _flag(value: bool) -> str:
    return "true" if value else "false"


class CreateNetwork(Command):
    def __init__(self, who: Principal, body: NetworkCreate) -> None:
        self.who, self.body = who, body
        self.id = rec.new_id()

    def run(self, ctx: TxnContext) -> None:
        body = self.body
        project = self.who.owner_for(body.project_id or body.tenant_id)
        if body.router_external:
            self.who.require_admin("router:external")
        if body.shared:
            self.who.require_admin("shared")
        flat = body.provider_network_type == "flat"
        if body.provider_network_type is not None or body.provider_physical_network:
            self.who.require_admin("provider attributes")
        if flat and not body.provider_physical_network:
            raise BadRequest("a flat network needs provider:physical_network", "InvalidInput")
        if body.provider_physical_network and not flat:
            raise BadRequest(
                "provider:physical_network needs provider:network_type flat", "InvalidInput"
            )
        mtu = body.mtu or (FLAT_MTU if flat else GENEVE_MTU)
        ids = {
            Key.NETWORK_NAME: body.name,
            Key.MTU: str(mtu),
            Key.PROJECT_ID: project,
            Key.REVISION: "1",
            Key.DESCRIPTION: body.description,
            Key.SHARED: _flag(body.shared),
            Key.ROUTER_EXTERNAL: _flag(body.router_external),
            Key.PORT_SECURITY: _flag(body.port_security_enabled),
            Key.ADMIN_STATE_UP: _flag(body.admin_state_up),
        }
        switch = ctx.insert("Logical_Switch", name=switch_name(self.id), external_ids=ids)
        if flat:
            assert body.provider_physical_network is not None
            localnet = ctx.insert(
                "Logical_Switch_Port",
                name=localnet_name(self.id),
                type="localnet",
                addresses=frozenset(("unknown",)),
                options={"network_name": body.provider_physical_network},
                external_ids={
                    Key.PHYSICAL_NETWORK: body.provider_physical_network,
                    Key.NETWORK_TYPE: "flat",
                },
            )
            switch.add("ports", localnet.uuid)
        self.result = network_view(ctx, switch)


class ShowNetwork(ReadCommand):
    def __init__(self, who: Principal, network_id: str) -> None:
        self.who, self.network_id = who, network_id

    def run(self, ctx: TxnContext) -> None:
        self.result = network_view(ctx, rec.find_network(ctx, self.who, self.network_id))


class ListNetworks(ReadCommand):
    def __init__(self, who: Principal) -> None:
        self.who = who

    def run(self, ctx: TxnContext) -> None:
        self.result = [
            network_view(ctx, switch)
            for switch in rec.neutron_switches(ctx)
            if rec.network_visible(switch, self.who)
        ]


def owned_network(ctx: TxnContext, who: Principal, network_id: str) -> Row:
    """A network the caller may change (visible ones of other projects are 403)."""
    switch = rec.find_network(ctx, who, network_id)
    if not who.can_see(rec.project_of(switch)):
        raise Forbidden(f"network {network_id} belongs to another project")
    return switch


class UpdateNetwork(Command):
    def __init__(self, who: Principal, network_id: str, body: NetworkUpdate) -> None:
        self.who, self.network_id, self.body = who, network_id, body

    def run(self, ctx: TxnContext) -> None:
        body = self.body
        switch = owned_network(ctx, self.who, self.network_id)
        changes: dict[str, str] = {}
        if body.name is not None:
            changes[Key.NETWORK_NAME] = body.name
        if body.description is not None:
            changes[Key.DESCRIPTION] = body.description
        if body.admin_state_up is not None:
            changes[Key.ADMIN_STATE_UP] = _flag(body.admin_state_up)
        if body.shared is not None:
            self.who.require_admin("shared")
            changes[Key.SHARED] = _flag(body.shared)
        if body.router_external is not None:
            self.who.require_admin("router:external")
            changes[Key.ROUTER_EXTERNAL] = _flag(body.router_external)
        if body.mtu is not None:
            changes[Key.MTU] = str(body.mtu)
        rec.set_ids(switch, changes)
        rec.bump_revision(switch)
        if body.mtu is not None:
            for subnet in rec.network_subnets(ctx, self.network_id):
                subnet.row["options"] = dhcp_options(subnet, body.mtu)
        self.result = network_view(ctx, switch)


class DeleteNetwork(Command):
    def __init__(self, who: Principal, network_id: str) -> None:
        self.who, self.network_id = who, network_id

    def run(self, ctx: TxnContext) -> None:
        switch = owned_network(ctx, self.who, self.network_id)
        if rec.network_ports(ctx, switch):
            raise Conflict(
                f"Unable to complete operation on network {self.network_id}. "
                "There are one or more ports still in use on the network.",
                "NetworkInUse",
            )
        for port in rec.rows_of(ctx, "Logical_Switch_Port", switch["ports"]):
            port.delete()
        for subnet in rec.network_subnets(ctx, self.network_id):
            subnet.row.delete()
        switch.delete()
