"""Floating IPs: an address of an external network, and while it is
associated with a port, a dnat_and_snat rule on the router that connects the
port's subnet to that network.

    NAT  dnat_and_snat  external_ip=<floating IP>  logical_ip=<fixed IP>
         logical_port=<port id>   external_ids neutron:fip_id, fip_port_id,
         fip_network_id, router_name, revision_number

Neutron keeps an unassociated floating IP only in its SQL database. Here the
floating IP's own port (device_owner network:floatingip, the id derived from
the floating IP's) is a switch port of the external network with no
addresses: it holds the allocation and the project, and carries no traffic.
"""

from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.neutron import addressing as ip
from pyovn.cms.neutron import records as rec
from pyovn.cms.neutron.auth import Principal
from pyovn.cms.neutron.bodies import FixedIp, FloatingIpCreate, FloatingIpUpdate
from pyovn.cms.neutron.errors import BadRequest, Conflict, NotFound, not_found
from pyovn.cms.neutron.fixed_ips import allocate, cidrs_text
from pyovn.cms.neutron.gateway import interface_subnets
from pyovn.cms.neutron.naming import Key, Owner
from pyovn.cms.neutron.ports import insert_port
from pyovn.cms.neutron.views import fip_nat, fip_view, gateway_port

__all__ = [
    "CreateFloatingIp",
    "DeleteFloatingIp",
    "ListFloatingIps",
    "ShowFloatingIp",
    "UpdateFloatingIp",
]


def find_fip(ctx: TxnContext, who: Principal, fip_id: str) -> Row:
    found = ctx.find("Logical_Switch_Port", "name", rec.fip_port_id(fip_id))
    if not found or not rec.is_fip_port(found[0]) or not who.can_see(rec.project_of(found[0])):
        raise not_found("FloatingIP", fip_id)
    return found[0]


def _router_for(ctx: TxnContext, network_id: str, address: ip.IpAddress, port_id: str) -> Row:
    """The router with a gateway on the floating IP's network and an
    interface on the fixed IP's subnet."""
    for router in ctx.rows("Logical_Router"):
        gateway = gateway_port(ctx, router)
        if gateway is None or rec.port_network_id(gateway) != network_id:
            continue
        if any(address in s.cidr for s in interface_subnets(ctx, router)):
            return router
    raise NotFound(
        f"External network {network_id} is not reachable from subnet of port {port_id}. "
        "Therefore, cannot associate Port with a Floating IP.",
        "ExternalGatewayForFloatingIPNotFound",
    )


def associate(
    ctx: TxnContext, who: Principal, fip: Row, port_id: str, fixed_ip: str | None
) -> None:
    """Point the floating IP at a port's fixed IP (moving it if associated)."""
    fip_id = str(fip["external_ids"][Key.DEVICE_ID])
    port = rec.find_port(ctx, who, port_id)
    if rec.project_of(port) != rec.project_of(fip):
        raise not_found("Port", port_id)
    candidates: list[ip.IpAddress] = [a for a in rec.port_ips(port) if a.version == 4]
    if fixed_ip is not None:
        wanted = ip.parse_ip(fixed_ip, "fixed_ip_address")
        if wanted not in candidates:
            raise BadRequest(f"Port {port_id} does not have fixed ip {fixed_ip}")
        candidates = [wanted]
    if not candidates:
        raise BadRequest(f"Port {port_id} has no IPv4 address to associate a floating IP with")
    address = candidates[0]
    disassociate(ctx, fip_id)
    for router in ctx.rows("Logical_Router"):
        for nat in rec.rows_of(ctx, "NAT", router["nat"]):
            taken = nat["type"] == "dnat_and_snat" and nat["logical_ip"] == str(address)
            if taken and port_id in nat["logical_port"]:
                raise Conflict(
                    f"Cannot associate floating IP with port {port_id} using fixed IP "
                    f"{address}, as that fixed IP already has a floating IP on external "
                    f"network {rec.port_network_id(fip)}.",
                    "FloatingIPPortAlreadyAssociated",
                )
    network_id = rec.port_network_id(fip)
    router = _router_for(ctx, network_id, address, port_id)
    (floating,) = rec.port_ips(fip)
    nat = ctx.insert(
        "NAT",
        type="dnat_and_snat",
        external_ip=str(floating),
        logical_ip=str(address),
        logical_port=frozenset((port_id,)),
        external_ids={
            Key.FIP_ID: fip_id,
            Key.FIP_PORT_ID: port_id,
            Key.FIP_NETWORK_ID: network_id,
            Key.ROUTER_NAME: router.name,
            Key.REVISION: "1",
        },
    )
    router.add("nat", nat.uuid)


def disassociate(ctx: TxnContext, fip_id: str) -> None:
    found = fip_nat(ctx, fip_id)
    if found is not None:
        nat, router = found
        router.discard("nat", nat.uuid)
        nat.delete()


class CreateFloatingIp(Command):
    def __init__(self, who: Principal, body: FloatingIpCreate) -> None:
        self.who, self.body = who, body
        self.id = rec.new_id()

    def run(self, ctx: TxnContext) -> None:
        body = self.body
        switch = rec.find_network(ctx, self.who, body.floating_network_id)
        if not rec.is_external(switch):
            raise BadRequest(
                f"Bad floatingip request: Network {body.floating_network_id} is not a valid "
                "external network.",
                "BadRequest",
            )
        project = self.who.owner_for(body.project_id or body.tenant_id)
        spec = None
        if body.floating_ip_address is not None or body.subnet_id is not None:
            spec = [FixedIp(subnet_id=body.subnet_id, ip_address=body.floating_ip_address)]
        allocations = [a for a in allocate(ctx, switch, spec) if a[0].version == 4]
        if not allocations:
            raise BadRequest(f"external network {body.floating_network_id} has no IPv4 subnet")
        fip = insert_port(
            ctx,
            switch,
            rec.fip_port_id(self.id),
            {
                Key.PORT_NAME: "",
                Key.DEVICE_ID: self.id,
                Key.DEVICE_OWNER: Owner.FLOATINGIP,
                Key.PROJECT_ID: project,
                Key.DESCRIPTION: body.description,
                Key.CIDRS: cidrs_text(allocations[:1]),
            },
        )
        if body.port_id is not None:
            associate(ctx, self.who, fip, body.port_id, body.fixed_ip_address)
        self.result = fip_view(ctx, fip)


class ShowFloatingIp(ReadCommand):
    def __init__(self, who: Principal, fip_id: str) -> None:
        self.who, self.fip_id = who, fip_id

    def run(self, ctx: TxnContext) -> None:
        self.result = fip_view(ctx, find_fip(ctx, self.who, self.fip_id))


class ListFloatingIps(ReadCommand):
    def __init__(self, who: Principal) -> None:
        self.who = who

    def run(self, ctx: TxnContext) -> None:
        self.result = [
            fip_view(ctx, port)
            for switch in rec.neutron_switches(ctx)
            if rec.is_external(switch)
            for port in rec.network_ports(ctx, switch)
            if rec.is_fip_port(port) and self.who.can_see(rec.project_of(port))
        ]


class UpdateFloatingIp(Command):
    def __init__(self, who: Principal, fip_id: str, body: FloatingIpUpdate) -> None:
        self.who, self.fip_id, self.body = who, fip_id, body

    def run(self, ctx: TxnContext) -> None:
        body = self.body
        fip = find_fip(ctx, self.who, self.fip_id)
        if body.description is not None:
            fip.setkey("external_ids", Key.DESCRIPTION, body.description)
        if "port_id" in body.model_fields_set:
            if body.port_id is None:
                disassociate(ctx, self.fip_id)
            else:
                associate(ctx, self.who, fip, body.port_id, body.fixed_ip_address)
        rec.bump_revision(fip)
        self.result = fip_view(ctx, fip)


class DeleteFloatingIp(Command):
    def __init__(self, who: Principal, fip_id: str) -> None:
        self.who, self.fip_id = who, fip_id

    def run(self, ctx: TxnContext) -> None:
        fip = find_fip(ctx, self.who, self.fip_id)
        disassociate(ctx, self.fip_id)
        for switch in ctx.find(
            "Logical_Switch", "name", str(fip["external_ids"][Key.NETWORK_NAME])
        ):
            switch.discard("ports", fip.uuid)
        fip.delete()
