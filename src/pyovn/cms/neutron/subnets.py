"""Subnets: one DHCP_Options row each, which also holds the subnet's record.

Neutron's driver writes a DHCP_Options row only for subnets with DHCP; here
every subnet has one (its `options` are empty without DHCP), because the NB
is the only place the subnet's CIDR, gateway and pools can live. Ports point
their `dhcpv4_options` at it while the subnet serves DHCP.
"""

import json
from typing import Any

from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.txn import TxnContext
from pyovn.cms.neutron import addressing as ip
from pyovn.cms.neutron import records as rec
from pyovn.cms.neutron.auth import Principal
from pyovn.cms.neutron.bodies import AllocationPool, HostRoute, SubnetCreate, SubnetUpdate
from pyovn.cms.neutron.dhcp import dhcp_options, refresh_port_dhcp
from pyovn.cms.neutron.errors import BadRequest, Conflict
from pyovn.cms.neutron.naming import Key
from pyovn.cms.neutron.networks import owned_network
from pyovn.cms.neutron.views import subnet_view

__all__ = ["CreateSubnet", "DeleteSubnet", "ListSubnets", "ShowSubnet", "UpdateSubnet"]


def _gateway(text: str | None, network: ip.IpNetwork) -> ip.IpAddress | None:
    if text is None:
        return None
    gateway = ip.parse_ip(text, "gateway_ip")
    if gateway not in network or gateway in (network.network_address, network.broadcast_address):
        raise BadRequest(f"gateway_ip {text} is not a host address of subnet {network}")
    return gateway


def _pools(
    given: list[AllocationPool] | None, network: ip.IpNetwork, gateway: ip.IpAddress | None
) -> list[ip.Pool]:
    if given is None:
        return ip.default_pools(network, gateway)
    pools = [(ip.parse_ip(p.start), ip.parse_ip(p.end)) for p in given]
    ip.check_pools(pools, network, gateway)
    return pools


def _nameservers(given: list[str]) -> str:
    return " ".join(str(ip.parse_ip(text, "name server address")) for text in given)


def _routes(given: list[HostRoute], network: ip.IpNetwork) -> str:
    routes = []
    for route in given:
        destination = ip.parse_cidr(route.destination)
        nexthop = ip.parse_ip(route.nexthop, "host route nexthop")
        if destination.version != network.version or nexthop.version != network.version:
            raise BadRequest(f"host route {route.destination} is not IPv{network.version}")
        routes.append({"destination": str(destination), "nexthop": str(nexthop)})
    return json.dumps(routes)


def _check_overlap(ctx: TxnContext, network_id: str, cidr: ip.IpNetwork) -> None:
    for other in rec.network_subnets(ctx, network_id):
        if other.cidr.version == cidr.version and other.cidr.overlaps(cidr):
            raise BadRequest(
                f"Invalid input for operation: Requested subnet with cidr: {cidr} for network: "
                f"{network_id} overlaps with another subnet.",
                "InvalidInput",
            )


class CreateSubnet(Command):
    def __init__(self, who: Principal, body: SubnetCreate) -> None:
        self.who, self.body = who, body
        self.id = rec.new_id()

    def run(self, ctx: TxnContext) -> None:
        body = self.body
        cidr = ip.parse_cidr(body.cidr, body.ip_version)
        switch = owned_network(ctx, self.who, body.network_id)
        project = self.who.owner_for(body.project_id or body.tenant_id)
        _check_overlap(ctx, body.network_id, cidr)
        if "gateway_ip" in body.model_fields_set:
            gateway = _gateway(body.gateway_ip, cidr)
        else:
            gateway = ip.default_gateway(cidr)
        pools = _pools(body.allocation_pools, cidr, gateway)
        ids = {
            Key.SUBNET_ID: self.id,
            Key.NETWORK_ID: body.network_id,
            Key.PROJECT_ID: project,
            Key.NAME: body.name,
            Key.DESCRIPTION: body.description,
            Key.REVISION: "1",
            Key.GATEWAY_IP: str(gateway) if gateway is not None else "",
            Key.ALLOCATION_POOLS: ip.format_pools(pools),
            Key.ENABLE_DHCP: "true" if body.enable_dhcp else "false",
            Key.DNS_NAMESERVERS: _nameservers(body.dns_nameservers),
            Key.HOST_ROUTES: _routes(body.host_routes, cidr),
        }
        row = ctx.insert("DHCP_Options", cidr=str(cidr), external_ids=ids)
        subnet = rec.Subnet.from_row(row)
        row["options"] = dhcp_options(subnet, int(switch["external_ids"].get(Key.MTU, "1442")))
        self.result = subnet_view(subnet)


class ShowSubnet(ReadCommand):
    def __init__(self, who: Principal, subnet_id: str) -> None:
        self.who, self.subnet_id = who, subnet_id

    def run(self, ctx: TxnContext) -> None:
        self.result = subnet_view(rec.find_subnet(ctx, self.who, self.subnet_id))


class ListSubnets(ReadCommand):
    def __init__(self, who: Principal) -> None:
        self.who = who

    def run(self, ctx: TxnContext) -> None:
        self.result = [
            subnet_view(s) for s in rec.all_subnets(ctx) if rec.subnet_visible(ctx, s, self.who)
        ]


def _owned_subnet(ctx: TxnContext, who: Principal, subnet_id: str) -> rec.Subnet:
    subnet = rec.find_subnet(ctx, who, subnet_id)
    owned_network(ctx, who, subnet.network_id)
    return subnet


def _ports_in(ctx: TxnContext, subnet: rec.Subnet) -> list[Any]:
    switch = rec.find_network(ctx, Principal("", True), subnet.network_id)
    return [
        port
        for port in rec.network_ports(ctx, switch)
        if any(address in subnet.cidr for address in rec.port_ips(port))
    ]


class UpdateSubnet(Command):
    def __init__(self, who: Principal, subnet_id: str, body: SubnetUpdate) -> None:
        self.who, self.subnet_id, self.body = who, subnet_id, body

    def run(self, ctx: TxnContext) -> None:
        body, fields = self.body, self.body.model_fields_set
        subnet = _owned_subnet(ctx, self.who, self.subnet_id)
        row = subnet.row
        changes: dict[str, str] = {}
        if body.name is not None:
            changes[Key.NAME] = body.name
        if body.description is not None:
            changes[Key.DESCRIPTION] = body.description
        gateway = subnet.gateway
        if "gateway_ip" in fields:
            gateway = _gateway(body.gateway_ip, subnet.cidr)
            changes[Key.GATEWAY_IP] = str(gateway) if gateway is not None else ""
        if body.allocation_pools is not None or "gateway_ip" in fields:
            given = body.allocation_pools
            if given is None:
                given = [AllocationPool(start=str(a), end=str(b)) for a, b in subnet.pools]
            changes[Key.ALLOCATION_POOLS] = ip.format_pools(_pools(given, subnet.cidr, gateway))
        if body.enable_dhcp is not None:
            changes[Key.ENABLE_DHCP] = "true" if body.enable_dhcp else "false"
        if body.dns_nameservers is not None:
            changes[Key.DNS_NAMESERVERS] = _nameservers(body.dns_nameservers)
        if body.host_routes is not None:
            changes[Key.HOST_ROUTES] = _routes(body.host_routes, subnet.cidr)
        rec.set_ids(row, changes)
        rec.bump_revision(row)
        updated = rec.Subnet.from_row(row)
        switch = rec.find_network(ctx, Principal("", True), subnet.network_id)
        row["options"] = dhcp_options(updated, int(switch["external_ids"].get(Key.MTU, "1442")))
        for port in _ports_in(ctx, updated):
            refresh_port_dhcp(ctx, port)
        self.result = subnet_view(updated)


class DeleteSubnet(Command):
    def __init__(self, who: Principal, subnet_id: str) -> None:
        self.who, self.subnet_id = who, subnet_id

    def run(self, ctx: TxnContext) -> None:
        subnet = _owned_subnet(ctx, self.who, self.subnet_id)
        if _ports_in(ctx, subnet):
            raise Conflict(
                f"Unable to complete operation on subnet {self.subnet_id}: "
                "One or more ports have an IP allocation from this subnet.",
                "SubnetInUse",
            )
        subnet.row.delete()
