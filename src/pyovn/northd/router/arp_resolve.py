"""lr_in_arp_resolve (17): turn the next hop into an Ethernet destination.

Multicast already has its outport (500). With a distributed gateway port,
traffic that would loop straight back out the gateway port to a NAT address
drops (150), and NAT addresses resolve to the gateway port's MAC or the
floating IP's MAC (100). Addresses known from the NB — VIF addresses and
router ports on the connected switches (a peer router port's addresses as
one set per family) — resolve statically (100). Router
addresses used as SNAT addresses that are still the destination here were
not unSNATted and drop (2). Everything else asks the MAC_Binding table
(get_arp/get_nd, 1); non-IP drops (0).
"""

from collections.abc import Iterator

from pyovn.northd import text
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.router.nat import nat_ip
from pyovn.northd.stages import LR_IN_ARP_RESOLVE
from pyovn.northd.views import NeighborPort, RouterView

__all__ = ["arp_resolve_flows"]


@builder
def arp_resolve_flows(view: RouterView) -> Iterator[Lflow]:
    """lr_in_arp_resolve."""
    dp = view.uuid
    yield Lflow(dp, LR_IN_ARP_RESOLVE, 500, "ip4.mcast || ip6.mcast", "next;")
    gw = view.gateway_port
    if gw is not None:
        gw_name = text.quote(gw.name)
        seen: set[str] = set()
        for nat in view.nats:
            ip = nat.external_ip
            if ip in seen:
                continue
            seen.add(ip)
            mac = nat.external_mac if nat.is_distributed and nat.external_mac else gw.mac
            yield Lflow(
                dp,
                LR_IN_ARP_RESOLVE,
                150,
                f"inport == {gw_name} && outport == {gw_name} && {nat_ip(nat)}.dst == {ip}",
                "drop;",
                hint=nat.uuid,
            )
            yield Lflow(
                dp,
                LR_IN_ARP_RESOLVE,
                100,
                f"outport == {gw_name} && {'xxreg0' if ':' in ip else 'reg0'} == {ip}",
                f"eth.dst = {mac}; next;",
                hint=nat.uuid,
            )
    for neighbor in view.neighbors:
        out = text.outport(neighbor.router_port)
        if neighbor.is_router:
            yield from _router_neighbor_flows(dp, out, neighbor)
            continue
        for ip in neighbor.ipv4:
            yield Lflow(
                dp,
                LR_IN_ARP_RESOLVE,
                100,
                f"{out} && reg0 == {ip}",
                f"eth.dst = {neighbor.mac}; next;",
            )
        for ip6 in neighbor.ipv6:
            yield Lflow(
                dp,
                LR_IN_ARP_RESOLVE,
                100,
                f"{out} && xxreg0 == {ip6}",
                f"eth.dst = {neighbor.mac}; next;",
            )
    snat_router_ips = sorted(set(view.router_ipv4s()) & view.snat_ips())
    if snat_router_ips and gw is not None:
        yield Lflow(dp, LR_IN_ARP_RESOLVE, 2, f"ip4.dst == {text.set_of(snat_router_ips)}", "drop;")
    yield Lflow(dp, LR_IN_ARP_RESOLVE, 1, "ip4", "get_arp(outport, reg0); next;")
    yield Lflow(dp, LR_IN_ARP_RESOLVE, 1, "ip6", "get_nd(outport, xxreg0); next;")
    yield Lflow(dp, LR_IN_ARP_RESOLVE, 0, "1", "drop;")


def _router_neighbor_flows(dp: str, out: str, neighbor: NeighborPort) -> Iterator[Lflow]:
    """A peer router port: one flow per address family, its addresses as a set."""
    for reg, addrs in (("reg0", neighbor.ipv4), ("xxreg0", neighbor.ipv6)):
        if not addrs:
            continue
        value = addrs[0] if len(addrs) == 1 else text.set_of(addrs)
        yield Lflow(
            dp,
            LR_IN_ARP_RESOLVE,
            100,
            f"{out} && {reg} == {value}",
            f"eth.dst = {neighbor.mac}; next;",
        )
