"""Destination lookup of the logical switch.

ls_in_l2_lkup (25): service-monitor replies go to the controller (110);
ARP/NS for an address a connected router owns (its port IPs and NAT
addresses) reach that router port and every non-router port (80; on a
switch of router ports only, just that port); a router's own ARP/NS
requests flood to non-router ports only (75; none on such a switch); broadcast and
multicast flood (70); each known MAC goes to its port (50; a distributed
gateway port's MAC only on the chassis where its redirect port lives, a
distributed floating IP's MAC only where its VM lives); anything else asks
the MAC learning table (0).
ls_in_l2_unknown (26): unknown destinations go to ports with 'unknown'
addresses or are dropped (50); disabled ports drop (50); the rest is
delivered (0).
"""

from collections.abc import Iterator

from pyovn.northd import text
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.stages import LS_IN_L2_LKUP, LS_IN_L2_UNKNOWN
from pyovn.northd.views import RouterLink, SwitchView

__all__ = ["l2_lookup_flows"]

MC_FLOOD = '"_MC_flood"'
MC_FLOOD_L2 = '"_MC_flood_l2"'
MC_UNKNOWN = '"_MC_unknown"'


def _router_arp_flows(dp: str, link: RouterLink, only_routers: bool) -> Iterator[Lflow]:
    lsp, lrp = link.lsp, link.lrp
    action = (
        f"outport = {text.quote(lsp.name)}; output;"
        if only_routers
        else f"clone {{outport = {text.quote(lsp.name)}; output; }}; "
        f"outport = {MC_FLOOD_L2}; output;"
    )
    targets = [f"arp.op == 1 && arp.tpa == {n.addr}" for n in lrp.networks.ipv4]
    nat_ips = sorted({nat.external_ip for nat in link.router.nats if nat.type != "snat"})
    targets += [f"arp.op == 1 && arp.tpa == {ip}" for ip in nat_ips if ":" not in ip]
    v6 = [lrp.networks.lla, *(n.addr for n in lrp.networks.ipv6 if not n.addr.is_link_local)]
    targets += [f"nd_ns && nd.target == {addr}" for addr in v6]
    targets += [f"nd_ns && nd.target == {ip}" for ip in nat_ips if ":" in ip]
    for target in targets:
        yield Lflow(dp, LS_IN_L2_LKUP, 80, f"flags[1] == 0 && {target}", action, hint=lsp.uuid)
    if only_routers:
        return
    # The router may send from its floating IPs' MACs too, whichever port it uses.
    macs = [lrp.mac]
    if link.gateway_port is not None:
        macs += sorted(
            {n.external_mac for n in link.router.nats if n.is_distributed and n.external_mac}
        )
    yield Lflow(
        dp,
        LS_IN_L2_LKUP,
        75,
        f"eth.src == {{{', '.join(macs)}}} && (arp.op == 1 || rarp.op == 3 || nd_ns)",
        f"outport = {MC_FLOOD_L2}; output;",
        hint=lsp.uuid,
    )


def _router_mac_flows(dp: str, link: RouterLink) -> Iterator[Lflow]:
    lsp, lrp = link.lsp, link.lrp
    deliver = f"outport = {text.quote(lsp.name)}; output;"
    is_gateway = link.gateway_port is not None and link.gateway_port.uuid == lrp.uuid
    if is_gateway:
        match = f"eth.dst == {lrp.mac} && {text.is_chassis_resident(lrp.redirect_port)}"
    else:
        match = f"eth.dst == {lrp.mac}"
    yield Lflow(dp, LS_IN_L2_LKUP, 50, match, deliver, hint=lsp.uuid)
    if not is_gateway:
        return
    for nat in link.router.nats:
        if nat.is_distributed and nat.external_mac and nat.logical_port:
            yield Lflow(
                dp,
                LS_IN_L2_LKUP,
                50,
                f"eth.dst == {nat.external_mac} && {text.is_chassis_resident(nat.logical_port)}",
                deliver,
                hint=lsp.uuid,
            )


@builder
def l2_lookup_flows(view: SwitchView) -> Iterator[Lflow]:
    """ls_in_l2_lkup / ls_in_l2_unknown."""
    dp = view.uuid
    yield Lflow(
        dp,
        LS_IN_L2_LKUP,
        110,
        "eth.dst == $svc_monitor_mac && (tcp || icmp || icmp6)",
        "handle_svc_check(inport);",
    )
    only_routers = all(port.type == "router" for port in view.ports)
    for link in view.router_links:
        yield from _router_arp_flows(dp, link, only_routers)
        yield from _router_mac_flows(dp, link)
    yield Lflow(dp, LS_IN_L2_LKUP, 70, "eth.mcast", f"outport = {MC_FLOOD}; output;")
    for port in view.ports:
        if port.type == "router":
            continue
        action = f"outport = {text.quote(port.name)}; output;" if port.enabled else "drop;"
        for entry in port.addresses:
            yield Lflow(dp, LS_IN_L2_LKUP, 50, f"eth.dst == {entry.mac}", action, hint=port.uuid)
    yield Lflow(dp, LS_IN_L2_LKUP, 0, "1", "outport = get_fdb(eth.dst); next;")
    unknown = f"outport = {MC_UNKNOWN}; output;" if view.has_unknown else "drop;"
    yield Lflow(dp, LS_IN_L2_UNKNOWN, 50, 'outport == "none"', unknown)
    for port in view.ports:
        if not port.enabled:
            yield Lflow(dp, LS_IN_L2_UNKNOWN, 50, text.outport(port.name), "drop;", hint=port.uuid)
    yield Lflow(dp, LS_IN_L2_UNKNOWN, 0, "1", "output;")
