"""The end of the router pipelines, and the stages pyovn does not configure.

lr_in_gw_redirect (20): traffic leaving by the distributed gateway port goes
to its chassisredirect port, i.e. to the gateway chassis (50), except
traffic of a distributed floating IP on the VM's own chassis, which leaves
locally with the FIP's MAC and address (100).
lr_in_arp_request (21): an unresolved next hop (eth.dst all zeros) becomes an
ARP request or neighbour solicitation (100), an IPv6 static route's next hop
a solicitation to its solicited-node group (200); resolved packets go out (0).
lr_out_delivery (6): deliver to each enabled port (100), drop the rest (0).
Load balancing, defragmentation, ND RA, ECMP symmetric replies and packet
size checks pass what nothing else matched (0); the ND RA stages' own flows
come from nd_ra.
"""

import ipaddress
from collections.abc import Iterator

from pyovn.northd import text
from pyovn.northd.addresses import ipv6_solicited_node
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.router.nat import nat_ip
from pyovn.northd.router.routing import resolve_routes
from pyovn.northd.stages import (
    LR_IN_ARP_REQUEST,
    LR_IN_CHK_PKT_LEN,
    LR_IN_DEFRAG,
    LR_IN_ECMP_STATEFUL,
    LR_IN_GW_REDIRECT,
    LR_IN_LARGER_PKTS,
    LR_IN_LB_AFF_CHECK,
    LR_IN_LB_AFF_LEARN,
    LR_IN_ND_RA_OPTIONS,
    LR_IN_ND_RA_RESPONSE,
    LR_OUT_DELIVERY,
    LR_OUT_POST_SNAT,
    LR_OUT_POST_UNDNAT,
)
from pyovn.northd.views import RouterView

__all__ = ["delivery_flows", "router_passthrough_flows"]

_PASSTHROUGH = (
    LR_IN_DEFRAG,
    LR_IN_LB_AFF_CHECK,
    LR_IN_LB_AFF_LEARN,
    LR_IN_ECMP_STATEFUL,
    LR_IN_ND_RA_OPTIONS,
    LR_IN_ND_RA_RESPONSE,
    LR_IN_CHK_PKT_LEN,
    LR_IN_LARGER_PKTS,
    LR_OUT_POST_UNDNAT,
    LR_OUT_POST_SNAT,
)


@builder
def router_passthrough_flows(view: RouterView) -> Iterator[Lflow]:
    """Router stages whose features are not configured: priority 0, next."""
    for stage in _PASSTHROUGH:
        yield Lflow(view.uuid, stage, 0, "1", "next;")


@builder
def delivery_flows(view: RouterView) -> Iterator[Lflow]:
    """lr_in_gw_redirect / lr_in_arp_request / lr_out_delivery."""
    dp = view.uuid
    gw = view.gateway_port
    if gw is not None:
        gw_out = text.outport(gw.name)
        for nat in view.nats:
            if nat.is_distributed and nat.logical_port and nat.external_mac:
                ip = nat_ip(nat)
                reg1 = "xxreg1" if ip == "ip6" else "reg1"
                yield Lflow(
                    dp,
                    LR_IN_GW_REDIRECT,
                    100,
                    f"{ip}.src == {nat.logical_ip} && {gw_out} && "
                    f"{text.is_chassis_resident(nat.logical_port)}",
                    f"eth.src = {nat.external_mac}; {reg1} = {nat.external_ip}; next;",
                    hint=nat.uuid,
                )
        yield Lflow(
            dp,
            LR_IN_GW_REDIRECT,
            50,
            gw_out,
            f"outport = {text.quote(gw.redirect_port)}; next;",
            hint=gw.uuid,
        )
    yield Lflow(dp, LR_IN_GW_REDIRECT, 0, "1", "next;")
    yield Lflow(
        dp,
        LR_IN_ARP_REQUEST,
        100,
        "eth.dst == 00:00:00:00:00:00 && ip4",
        "arp { eth.dst = ff:ff:ff:ff:ff:ff; arp.spa = reg1; arp.tpa = reg0; arp.op = 1; output; };",
    )
    yield Lflow(
        dp,
        LR_IN_ARP_REQUEST,
        100,
        "eth.dst == 00:00:00:00:00:00 && ip6",
        "nd_ns { nd.target = xxreg0; output; };",
    )
    yield from _nd_ns_for_routes(view)
    yield Lflow(dp, LR_IN_ARP_REQUEST, 0, "1", "output;")
    for port in view.ports:
        if port.enabled and (
            port.peer_switch_port is not None or port.peer_router_port is not None
        ):
            yield Lflow(
                dp, LR_OUT_DELIVERY, 100, text.outport(port.name), "output;", hint=port.uuid
            )
    yield Lflow(dp, LR_OUT_DELIVERY, 0, "1", "drop;")


def _nd_ns_for_routes(view: RouterView) -> Iterator[Lflow]:
    """Solicit an IPv6 static route's next hop at its solicited-node group (200)."""
    routes, _ = resolve_routes(view)
    seen: set[str] = set()
    for route in sorted(routes, key=lambda r: r.route.uuid):
        if not route.is_ipv6 or route.nexthop in seen:
            continue
        seen.add(route.nexthop)
        group = ipv6_solicited_node(ipaddress.IPv6Address(route.nexthop))
        mac = "33:33:" + ":".join(f"{b:02x}" for b in group.packed[-4:])
        yield Lflow(
            view.uuid,
            LR_IN_ARP_REQUEST,
            200,
            f"eth.dst == 00:00:00:00:00:00 && ip6 && xxreg0 == {route.nexthop}",
            f"nd_ns {{ eth.dst = {mac}; ip6.dst = {group}; nd.target = {route.nexthop}; "
            "output; };",
            hint=route.route.uuid,
        )
