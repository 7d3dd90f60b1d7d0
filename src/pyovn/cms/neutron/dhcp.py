"""A subnet's DHCP: the options of its DHCP_Options row, and which ports use it.

As Neutron's driver does: the gateway is the DHCP server (`server_id`) and
the default router; `dns_server` lists the subnet's name servers; host
routes go into `classless_static_route`, together with the default route,
because clients ignore the router option when option 121 is present. The
server MAC is derived from the subnet id, so every API server computes the
same one. A subnet without DHCP, or without a gateway to serve it from, has
no options and no port points at it.
"""

import hashlib

from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.neutron import records as rec

__all__ = ["dhcp_options", "refresh_port_dhcp", "server_mac"]

LEASE_TIME = 43200


def server_mac(subnet_id: str) -> str:
    digest = hashlib.sha256(subnet_id.encode()).digest()
    return "fa:16:3e:" + ":".join(f"{b:02x}" for b in digest[:3])


def dhcp_options(subnet: rec.Subnet, mtu: int) -> dict[str, str]:
    """The DHCP_Options.options of a subnet ({} when it serves no DHCP)."""
    if not subnet.enable_dhcp or subnet.gateway is None or subnet.cidr.version != 4:
        return {}
    gateway = str(subnet.gateway)
    options = {
        "server_id": gateway,
        "server_mac": server_mac(subnet.id),
        "lease_time": str(LEASE_TIME),
        "mtu": str(mtu),
        "router": gateway,
    }
    if subnet.dns_nameservers:
        options["dns_server"] = "{" + ", ".join(subnet.dns_nameservers) + "}"
    routes = [f"{r['destination']},{r['nexthop']}" for r in subnet.host_routes]
    if routes:
        routes.append(f"0.0.0.0/0,{gateway}")
        options["classless_static_route"] = "{" + ", ".join(routes) + "}"
    return options


def serving_subnet(ctx: TxnContext, port: Row) -> rec.Subnet | None:
    """The subnet whose DHCP answers the port: the first with one of its IPv4s."""
    if rec.device_owner(port).startswith("network:"):
        return None
    subnets = rec.network_subnets(ctx, rec.port_network_id(port))
    for address in rec.port_ips(port):
        for subnet in subnets:
            if address in subnet.cidr and subnet.row["options"]:
                return subnet
    return None


def refresh_port_dhcp(ctx: TxnContext, port: Row) -> None:
    """Point the port's dhcpv4_options at its serving subnet (or at none)."""
    subnet = serving_subnet(ctx, port)
    wanted = frozenset((subnet.row.uuid,)) if subnet is not None else frozenset()
    if port["dhcpv4_options"] != wanted:
        port["dhcpv4_options"] = wanted
