"""IP routing of the logical router.

lr_in_ip_routing_pre (12): route table id in reg7 (0 = main table).
lr_in_ip_routing (13): longest prefix wins: a route's priority is
3 * prefix length, +1 for destination routes, +1 for connected routes.
A route sets the next hop (reg0, or xxreg0 for IPv6), the port's own
address (reg1, or xxreg1),
eth.src and outport, and decrements the TTL. Routes sharing a prefix form an
ECMP group: the flow only picks a member (reg8) and lr_in_ip_routing_ecmp
(14) applies it. Link-local IPv6 goes back out its inport (194). Router
solicitations/advertisements that got here drop (10550); no route drops (0).
lr_in_policy (15) / lr_in_policy_ecmp (16): no policies, so pass.
"""

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

from pyovn.northd import text
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.model import RouterPort, StaticRoute
from pyovn.northd.stages import (
    LR_IN_IP_ROUTING,
    LR_IN_IP_ROUTING_ECMP,
    LR_IN_IP_ROUTING_PRE,
    LR_IN_POLICY,
    LR_IN_POLICY_ECMP,
)
from pyovn.northd.views import RouterView

__all__ = ["ResolvedRoute", "resolve_routes", "routing_flows"]


@dataclass(frozen=True, slots=True)
class ResolvedRoute:
    """A static route with its prefix parsed and its output port found."""

    route: StaticRoute
    prefix: ipaddress.IPv4Network | ipaddress.IPv6Network
    nexthop: str
    port: RouterPort
    port_ip: str

    @property
    def is_src(self) -> bool:
        return self.route.policy == "src-ip"

    @property
    def priority(self) -> int:
        return self.prefix.prefixlen * 3 + (0 if self.is_src else 1)

    @property
    def is_ipv6(self) -> bool:
        return self.prefix.version == 6

    @property
    def match(self) -> str:
        ip = "ip6" if self.is_ipv6 else "ip4"
        if self.is_src:
            return f"{ip}.src == {self.prefix}"
        return f"reg7 == 0 && {ip}.dst == {self.prefix}"


def resolve_routes(view: RouterView) -> tuple[list[ResolvedRoute], list[str]]:
    """Static routes that can be installed, and a problem line per other route."""
    resolved: list[ResolvedRoute] = []
    problems: list[str] = []
    for route in view.routes:
        try:
            prefix = ipaddress.ip_network(route.ip_prefix, strict=False)
            nexthop = ipaddress.ip_address(route.nexthop)
            if prefix.version != nexthop.version:
                raise ValueError("address families differ")
        except ValueError:
            problems.append(
                f"router {view.name}: static route {route.ip_prefix} via {route.nexthop}: "
                "bad prefix or next hop; route skipped"
            )
            continue
        found = _port_for(view, nexthop, route.output_port)
        if found is None:
            problems.append(
                f"router {view.name}: static route {route.ip_prefix} via {route.nexthop}: "
                "no router port reaches the next hop; route skipped"
            )
            continue
        port, port_ip = found
        resolved.append(ResolvedRoute(route, prefix, str(nexthop), port, port_ip))
    return resolved, problems


def _port_for(
    view: RouterView,
    nexthop: ipaddress.IPv4Address | ipaddress.IPv6Address,
    output_port: str | None,
) -> tuple[RouterPort, str] | None:
    for port in view.ports:
        if output_port is not None and port.name != output_port:
            continue
        nets = port.networks.ipv4 if nexthop.version == 4 else port.networks.global6
        for net in nets:
            if nexthop in net.network:
                return port, str(net.addr)
        if output_port is not None and nets:
            return port, str(nets[0].addr)
    return None


def _registers(nexthop: str, port_ip: str) -> str:
    """Next hop and own address: reg0/reg1 for IPv4, xxreg0/xxreg1 for IPv6."""
    if ":" in port_ip:
        return f"xxreg0 = {nexthop}; xxreg1 = {port_ip};"
    return f"reg0 = {nexthop}; reg1 = {port_ip};"


def _route_action(port: RouterPort, nexthop: str, port_ip: str) -> str:
    return (
        f"ip.ttl--; reg8[0..15] = 0; {_registers(nexthop, port_ip)} eth.src = {port.mac}; "
        f"outport = {text.quote(port.name)}; flags.loopback = 1; next;"
    )


@builder
def routing_flows(view: RouterView) -> Iterator[Lflow]:
    """lr_in_ip_routing_pre / lr_in_ip_routing / lr_in_ip_routing_ecmp / lr_in_policy(_ecmp)."""
    dp = view.uuid
    yield Lflow(dp, LR_IN_IP_ROUTING_PRE, 0, "1", "reg7 = 0; next;")
    yield Lflow(dp, LR_IN_IP_ROUTING, 10550, "nd_rs || nd_ra", "drop;")
    for port in view.ports:
        if port.peer_switch_port is None and port.peer_router_port is None:
            continue
        yield from _connected_routes(dp, port)
    yield from _static_routes(view)
    yield Lflow(dp, LR_IN_IP_ROUTING, 0, "1", "drop;")
    yield Lflow(dp, LR_IN_IP_ROUTING_ECMP, 150, "reg8[0..15] == 0", "next;")
    yield Lflow(dp, LR_IN_IP_ROUTING_ECMP, 0, "1", "drop;")
    yield Lflow(dp, LR_IN_POLICY, 0, "1", "reg8[0..15] = 0; next;")
    yield Lflow(dp, LR_IN_POLICY_ECMP, 150, "reg8[0..15] == 0", "next;")
    yield Lflow(dp, LR_IN_POLICY_ECMP, 0, "1", "drop;")


def _connected_routes(dp: str, port: RouterPort) -> Iterator[Lflow]:
    name = text.quote(port.name)
    lla = port.networks.lla
    yield Lflow(
        dp,
        LR_IN_IP_ROUTING,
        194,
        f"inport == {name} && ip6.dst == fe80::/64",
        f"ip.ttl--; reg8[0..15] = 0; xxreg0 = ip6.dst; xxreg1 = {lla}; eth.src = {port.mac}; "
        f"outport = {name}; flags.loopback = 1; next;",
        hint=port.uuid,
    )
    for net in port.networks.ipv4:
        yield Lflow(
            dp,
            LR_IN_IP_ROUTING,
            net.plen * 3 + 2,
            f"ip4.dst == {net.network_str}",
            _route_action(port, "ip4.dst", str(net.addr)),
            hint=port.uuid,
        )
    for net6 in port.networks.global6:
        yield Lflow(
            dp,
            LR_IN_IP_ROUTING,
            net6.plen * 3 + 2,
            f"ip6.dst == {net6.network_str}",
            _route_action(port, "ip6.dst", str(net6.addr)),
            hint=port.uuid,
        )


def _static_routes(view: RouterView) -> Iterator[Lflow]:
    dp = view.uuid
    routes, _ = resolve_routes(view)
    # ovn-northd walks the routes in UUID order: a prefix becomes an ECMP
    # group (numbered in creation order) when its second route arrives, and
    # members keep that order.
    groups: dict[tuple[bool, str], list[ResolvedRoute]] = {}
    group_ids: dict[tuple[bool, str], int] = {}
    for route in sorted(routes, key=lambda r: r.route.uuid):
        key = (route.is_src, str(route.prefix))
        members = groups.setdefault(key, [])
        if any(m.nexthop == route.nexthop for m in members):
            continue
        members.append(route)
        if len(members) == 2:
            group_ids[key] = len(group_ids) + 1
    for key in sorted(groups, key=lambda k: (k[1], k[0])):
        members = groups[key]
        first = members[0]
        if len(members) == 1:
            yield Lflow(
                dp,
                LR_IN_IP_ROUTING,
                first.priority,
                first.match,
                _route_action(first.port, first.nexthop, first.port_ip),
                hint=first.route.uuid,
            )
            continue
        group_id = group_ids[key]
        ids = ", ".join(str(i) for i in range(1, len(members) + 1))
        yield Lflow(
            dp,
            LR_IN_IP_ROUTING,
            first.priority,
            first.match,
            f"ip.ttl--; flags.loopback = 1; reg8[0..15] = {group_id}; "
            f"reg8[16..31] = select({ids});",
            hint=first.route.uuid,
        )
        for member_id, member in enumerate(members, start=1):
            yield Lflow(
                dp,
                LR_IN_IP_ROUTING_ECMP,
                100,
                f"reg8[0..15] == {group_id} && reg8[16..31] == {member_id}",
                f"{_registers(member.nexthop, member.port_ip)} eth.src = {member.port.mac}; "
                f"outport = {text.quote(member.port.name)}; next;",
                hint=member.route.uuid,
            )
