"""ls_in_arp_rsp (19): answer ARP and IPv6 neighbour solicitations locally.

For each known IPv4 address A of a VIF (or of the router port behind a
router-type port) with MAC E: a request from the owner itself passes (100,
so duplicate-address detection still works), any other is answered with
an ARP reply from E (50). IPv6 likewise with `nd_na` (`nd_na_router` for
router ports). Requests arriving from localnet ports pass untouched (100):
every chassis would answer them otherwise. Ports with 'unknown' addresses
and disabled ports get no responder.
"""

import ipaddress
from collections.abc import Iterator

from pyovn.northd import text
from pyovn.northd.addresses import ipv6_solicited_node
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.stages import LS_IN_ARP_RSP
from pyovn.northd.views import SwitchView

__all__ = ["arp_responder_flows"]


def _arp_reply(mac: str, ip: str) -> str:
    return (
        f"eth.dst = eth.src; eth.src = {mac}; arp.op = 2; /* ARP reply */ "
        f"arp.tha = arp.sha; arp.sha = {mac}; arp.tpa = arp.spa; arp.spa = {ip}; "
        "outport = inport; flags.loopback = 1; output;"
    )


def _nd_match(addr: ipaddress.IPv6Address) -> str:
    return f"nd_ns && ip6.dst == {{{addr}, {ipv6_solicited_node(addr)}}} && nd.target == {addr}"


def _nd_reply(action: str, mac: str, addr: ipaddress.IPv6Address) -> str:
    return (
        f"{action} {{ eth.src = {mac}; ip6.src = {addr}; nd.target = {addr}; nd.tll = {mac}; "
        "outport = inport; flags.loopback = 1; output; };"
    )


def _responder(
    dp: str,
    port: str,
    hint: str,
    mac: str,
    ipv4: list[str],
    ipv6: list[ipaddress.IPv6Address],
    nd_action: str,
) -> Iterator[Lflow]:
    for ip in ipv4:
        match = f"arp.tpa == {ip} && arp.op == 1"
        yield Lflow(
            dp,
            LS_IN_ARP_RSP,
            100,
            f"{match} && {text.inport(port)}",
            "next;",
            hint=hint,
            io_port=port,
        )
        yield Lflow(dp, LS_IN_ARP_RSP, 50, match, _arp_reply(mac, ip), hint=hint)
    for addr in ipv6:
        match = _nd_match(addr)
        yield Lflow(
            dp,
            LS_IN_ARP_RSP,
            100,
            f"{match} && {text.inport(port)}",
            "next;",
            hint=hint,
            io_port=port,
        )
        yield Lflow(dp, LS_IN_ARP_RSP, 50, match, _nd_reply(nd_action, mac, addr), hint=hint)


@builder
def arp_responder_flows(view: SwitchView) -> Iterator[Lflow]:
    """ls_in_arp_rsp: proxy ARP/ND for known addresses of VIFs and router ports."""
    dp = view.uuid
    for port in view.ports:
        if port.type == "localnet":
            yield Lflow(dp, LS_IN_ARP_RSP, 100, text.inport(port.name), "next;", hint=port.uuid)
            continue
        if port.has_unknown or not port.enabled or port.type in ("virtual", "router"):
            continue
        for entry in port.addresses:
            yield from _responder(
                dp,
                port.name,
                port.uuid,
                entry.mac,
                [str(n.addr) for n in entry.ipv4],
                [n.addr for n in entry.ipv6],
                "nd_na",
            )
    for link in view.router_links:
        nets = link.lrp.networks
        v6 = [nets.lla, *(n.addr for n in nets.ipv6 if not n.addr.is_link_local)]
        yield from _responder(
            dp,
            link.lsp.name,
            link.lsp.uuid,
            nets.mac,
            [str(n.addr) for n in nets.ipv4],
            v6,
            "nd_na_router",
        )
    yield Lflow(dp, LS_IN_ARP_RSP, 0, "1", "next;")
