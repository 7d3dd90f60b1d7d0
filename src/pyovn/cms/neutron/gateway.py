"""A router's external gateway: its port on the external network, the
distributed gateway port, the default route and SNAT.

    LSP   <gw port id>       on the external switch, type router, addresses
                             "router", options router-port and nat-addresses=router
    LRP   lrp-<gw port id>   the external IP; Gateway_Chassis rows
                             `lrp-<id>_<chassis>` make it a distributed gateway port
    route 0.0.0.0/0 (or ::/0) via the external subnet's gateway,
          external_ids neutron:is_ext_gw=true
    NAT   snat <gateway IP> <internal subnet CIDR>, one per router interface subnet,
          while enable_snat is on
"""

from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.neutron import records as rec
from pyovn.cms.neutron.auth import Principal
from pyovn.cms.neutron.bodies import FixedIp, GatewayInfo
from pyovn.cms.neutron.errors import BadRequest, Conflict
from pyovn.cms.neutron.fixed_ips import Allocation, allocate
from pyovn.cms.neutron.naming import Key, Owner, gateway_chassis_name, router_port_name
from pyovn.cms.neutron.ports import choose_mac, insert_port
from pyovn.cms.neutron.views import gateway_port

__all__ = ["clear_gateway", "interface_subnets", "set_gateway", "sync_snat"]

#: Gateway_Chassis priorities count down from here, as Neutron's scheduler does.
TOP_PRIORITY = 32767


def router_lrps(ctx: TxnContext, router: Row) -> list[Row]:
    return rec.rows_of(ctx, "Logical_Router_Port", router["ports"])


def lrp_switch_port(ctx: TxnContext, lrp: Row) -> Row | None:
    found = ctx.find("Logical_Switch_Port", "name", lrp.name.removeprefix("lrp-"))
    return found[0] if found else None


def interface_ports(ctx: TxnContext, router: Row) -> list[Row]:
    """The switch ports of the router's interfaces (not its gateway)."""
    out = []
    for lrp in router_lrps(ctx, router):
        port = lrp_switch_port(ctx, lrp)
        if port is not None and rec.device_owner(port) == Owner.ROUTER_INTERFACE:
            out.append(port)
    return out


def interface_subnets(ctx: TxnContext, router: Row) -> list[rec.Subnet]:
    """The subnets the router has interfaces on."""
    out = []
    for port in interface_ports(ctx, router):
        for subnet in rec.network_subnets(ctx, rec.port_network_id(port)):
            if any(address in subnet.cidr for address in rec.port_ips(port)):
                out.append(subnet)
    return out


def _nats(ctx: TxnContext, router: Row, nat_type: str) -> list[Row]:
    return [n for n in rec.rows_of(ctx, "NAT", router["nat"]) if n["type"] == nat_type]


def sync_snat(ctx: TxnContext, router: Row) -> None:
    """One snat rule per IPv4 interface subnet while the gateway has SNAT on."""
    wanted: set[tuple[str, str]] = set()
    port = gateway_port(ctx, router)
    snat_on = router["external_ids"].get(Key.ENABLE_SNAT, "true") == "true"
    if port is not None and snat_on:
        external = [a for a in rec.port_ips(port) if a.version == 4]
        if external:
            for subnet in interface_subnets(ctx, router):
                if subnet.cidr.version == 4:
                    wanted.add((str(external[0]), str(subnet.cidr)))
    for nat in _nats(ctx, router, "snat"):
        key = (nat["external_ip"], nat["logical_ip"])
        if key in wanted:
            wanted.discard(key)
        else:
            router.discard("nat", nat.uuid)
            nat.delete()
    for external_ip, logical_ip in sorted(wanted):
        nat = ctx.insert("NAT", type="snat", external_ip=external_ip, logical_ip=logical_ip)
        router.add("nat", nat.uuid)


def _default_routes(ctx: TxnContext, router: Row) -> list[Row]:
    routes = rec.rows_of(ctx, "Logical_Router_Static_Route", router["static_routes"])
    return [r for r in routes if r["external_ids"].get(Key.IS_EXT_GW) == "true"]


def set_gateway(
    ctx: TxnContext, who: Principal, router: Row, info: GatewayInfo, chassis: list[str]
) -> None:
    """Give the router a gateway on `info.network_id` (replacing any other)."""
    switch = rec.find_network(ctx, who, info.network_id)
    if not rec.is_external(switch):
        raise BadRequest(
            f"Bad router request: Network {info.network_id} is not an external network.",
            "BadRequest",
        )
    router.setkey("external_ids", Key.ENABLE_SNAT, "true" if info.enable_snat else "false")
    current = gateway_port(ctx, router)
    wanted_ips = info.external_fixed_ips
    if current is not None and rec.port_network_id(current) == info.network_id and not wanted_ips:
        sync_snat(ctx, router)
        return
    clear_gateway(ctx, router, keep_snat_flag=True)
    port_id = rec.new_id()
    specs = [FixedIp(subnet_id=f.subnet_id, ip_address=f.ip_address) for f in wanted_ips or []]
    allocations = allocate(ctx, switch, specs or None)
    if not allocations:
        raise BadRequest(f"external network {info.network_id} has no subnet", "BadRequest")
    mac = choose_mac(ctx, switch, None, port_id)
    _gateway_port(ctx, router, switch, port_id, mac, allocations, chassis)
    _default_routes_via(ctx, router, allocations)
    sync_snat(ctx, router)


def _gateway_port(
    ctx: TxnContext,
    router: Row,
    switch: Row,
    port_id: str,
    mac: str,
    allocations: list[Allocation],
    chassis: list[str],
) -> None:
    """The gateway's switch port and its distributed gateway router port."""
    lrp = router_port_name(port_id)
    networks = [f"{a}/{s.cidr.prefixlen}" for a, s in allocations]
    port = insert_port(
        ctx,
        switch,
        port_id,
        {
            Key.PORT_NAME: "",
            Key.DEVICE_ID: rec.router_id(router),
            Key.DEVICE_OWNER: Owner.ROUTER_GATEWAY,
            Key.PROJECT_ID: "",
            Key.CIDRS: " ".join(networks),
            Key.MAC: mac,
        },
        type="router",
        addresses=frozenset(("router",)),
        options={"router-port": lrp, "nat-addresses": "router"},
    )
    gateway = ctx.insert(
        "Logical_Router_Port",
        name=lrp,
        mac=mac,
        networks=frozenset(networks),
        external_ids={
            Key.NETWORK_NAME: switch.name,
            Key.SUBNET_IDS: " ".join(s.id for _, s in allocations),
            Key.ROUTER_NAME: rec.router_id(router),
            Key.IS_EXT_GW: "true",
        },
    )
    for index, name in enumerate(chassis):
        row = ctx.insert(
            "Gateway_Chassis",
            name=gateway_chassis_name(lrp, name),
            chassis_name=name,
            priority=TOP_PRIORITY - index,
        )
        gateway.add("gateway_chassis", row.uuid)
    router.add("ports", gateway.uuid)
    router.setkey("external_ids", Key.GW_PORT_ID, port.name)


def _default_routes_via(ctx: TxnContext, router: Row, allocations: list[Allocation]) -> None:
    """A default route per gateway address, via its subnet's gateway."""
    for address, subnet in allocations:
        if subnet.gateway is None:
            continue
        prefix = "0.0.0.0/0" if address.version == 4 else "::/0"
        route = ctx.insert(
            "Logical_Router_Static_Route",
            ip_prefix=prefix,
            nexthop=str(subnet.gateway),
            external_ids={Key.IS_EXT_GW: "true", Key.SUBNET_ID: subnet.id},
        )
        router.add("static_routes", route.uuid)


def clear_gateway(ctx: TxnContext, router: Row, keep_snat_flag: bool = False) -> None:
    """Remove the router's gateway (refused while floating IPs use it)."""
    port = gateway_port(ctx, router)
    if port is None:
        return
    if _nats(ctx, router, "dnat_and_snat"):
        raise Conflict(
            f"Gateway cannot be updated for router {rec.router_id(router)}, since a gateway "
            "is required by one or more floating IPs.",
            "RouterExternalGatewayInUseByFloatingIp",
        )
    for lrp in router_lrps(ctx, router):
        if lrp.name == router_port_name(port.name):
            router.discard("ports", lrp.uuid)
            lrp.delete()
    for route in _default_routes(ctx, router):
        router.discard("static_routes", route.uuid)
        route.delete()
    router.setkey("external_ids", Key.GW_PORT_ID, "")
    for switch in ctx.find("Logical_Switch", "name", str(port["external_ids"][Key.NETWORK_NAME])):
        switch.discard("ports", port.uuid)
    port.delete()
    if not keep_snat_flag:
        router.delkey("external_ids", Key.ENABLE_SNAT)
    sync_snat(ctx, router)
