"""Load balancing on a logical router.

For each VIP: lr_in_defrag (100) un-DNATs traffic to the VIP address and
lr_in_dnat picks a backend for new connections (120 with an L4 port, 110
without); lr_in_dnat also passes established load-balanced connections and
related traffic (50/70, honouring the force_snat / skip_snat marks). A
gateway router un-DNATs replies on the way out (lr_out_undnat) and commits
new egress connections (lr_out_post_undnat). VIPs on one of the router's
subnets are answered to ARP on every router port (lr_in_ip_input, 90)
through the address set `_rtr_lb_<datapath key>_ip4`.

With a distributed gateway port, backends are picked only on the gateway
chassis (is_chassis_resident of its chassisredirect port, also for the
ARP replies on that port), and replies from a VIP's backends leaving
through the gateway port are un-DNATed there (lr_out_undnat, 120).

A load balancer with options:skip_snat=true marks its connections (and, on
a gateway port, the replies) so that lr_out_snat (120) leaves them alone.
"""

from collections.abc import Iterator

from pyovn.northd import text
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.load_balancer import LoadBalancer, Vip, vip_match
from pyovn.northd.model import RouterPort
from pyovn.northd.stages import (
    LR_IN_DEFRAG,
    LR_IN_DNAT,
    LR_IN_IP_INPUT,
    LR_OUT_POST_UNDNAT,
    LR_OUT_SNAT,
    LR_OUT_UNDNAT,
)
from pyovn.northd.views import RouterView

__all__ = ["reachable_vips", "router_lb_flows", "router_lb_set_name"]

_EST = "ct.est && !ct.rel && !ct.new && ct_mark.natted"
_REL = "ct.rel && !ct.est && !ct.new"
_ARP_REPLY = (
    "eth.dst = eth.src; eth.src = xreg0[0..47]; arp.op = 2; /* ARP reply */ "
    "arp.tha = arp.sha; arp.sha = xreg0[0..47]; arp.tpa <-> arp.spa; "
    "outport = inport; flags.loopback = 1; output;"
)


def router_lb_set_name(tunnel_key: int) -> str:
    return f"_rtr_lb_{tunnel_key}_ip4"


def reachable_vips(lbs: tuple[LoadBalancer, ...], ports: tuple[RouterPort, ...]) -> list[str]:
    """VIP addresses that lie on one of the router's subnets, sorted."""
    ips = {vip.ip for lb in lbs for vip in lb.vips}
    return sorted(ip for ip in ips if any(p.networks.contains_ipv4(ip) for p in ports))


@builder
def router_lb_flows(view: RouterView) -> Iterator[Lflow]:
    dp = view.uuid
    lbs = view.router.lbs
    if not any(lb.vips for lb in lbs):
        return
    gw = view.gateway_port
    resident = "" if gw is None else f" && {text.is_chassis_resident(gw.redirect_port)}"
    defrag: set[str] = set()
    dnat: set[str] = set()
    for lb in lbs:
        for vip in lb.vips:
            if vip.ip not in defrag:
                defrag.add(vip.ip)
                yield Lflow(
                    dp, LR_IN_DEFRAG, 100, f"ip && ip4.dst == {vip.ip}", "ct_dnat;", hint=lb.uuid
                )
            match = f"ct.new && !ct.rel && {vip_match(vip, router=True)}{resident}"
            if match in dnat:
                continue
            dnat.add(match)
            yield Lflow(
                dp,
                LR_IN_DNAT,
                110 if vip.port is None else 120,
                match,
                vip.lb_action(lb.reject, LR_OUT_SNAT.table, skip_snat=lb.skip_snat),
                hint=lb.uuid,
            )
            if gw is not None and vip.backends:
                yield Lflow(
                    dp,
                    LR_OUT_UNDNAT,
                    120,
                    f"ip4 && ({_from_backends(vip)}) && {text.outport(gw.name)}{resident}",
                    "flags.skip_snat_for_lb = 1; next;" if lb.skip_snat else "ct_dnat_in_czone;",
                    hint=lb.uuid,
                )
    yield Lflow(dp, LR_IN_DNAT, 50, _EST, "next;")
    yield Lflow(dp, LR_IN_DNAT, 50, _REL, "ct_commit_nat;")
    for mark in ("force_snat", "skip_snat"):
        flag = f"flags.{mark}_for_lb = 1;"
        yield Lflow(dp, LR_IN_DNAT, 70, f"{_EST} && ct_mark.{mark} == 1", f"{flag} next;")
        yield Lflow(dp, LR_IN_DNAT, 70, f"{_REL} && ct_mark.{mark} == 1", f"{flag} ct_commit_nat;")
    if any(lb.skip_snat for lb in lbs):
        yield Lflow(dp, LR_OUT_SNAT, 120, "flags.skip_snat_for_lb == 1 && ip", "next;")
    if view.router.is_gateway_router:
        yield Lflow(dp, LR_OUT_UNDNAT, 100, "nd || nd_rs || nd_ra", "next;")
        yield Lflow(dp, LR_OUT_UNDNAT, 50, "ip", "flags.loopback = 1; ct_dnat;")
        yield Lflow(dp, LR_OUT_POST_UNDNAT, 50, "ip && ct.new", "ct_commit { } ; next; ")
    if view.tunnel_key is not None and reachable_vips(lbs, view.ports):
        address_set = router_lb_set_name(view.tunnel_key)
        for port in view.ports:
            if port.networks.ipv4:
                on_gw = resident if gw is not None and gw.uuid == port.uuid else ""
                yield Lflow(
                    dp,
                    LR_IN_IP_INPUT,
                    90,
                    f"{text.inport(port.name)} && arp.op == 1 && arp.tpa == ${address_set}{on_gw}",
                    _ARP_REPLY,
                    hint=port.uuid,
                )


def _from_backends(vip: Vip) -> str:
    """Packets from one of the VIP's backends (and its port, if any)."""
    parts = [
        f"(ip4.src == {b.ip})"
        if b.port is None
        else f"(ip4.src == {b.ip} && {vip.protocol}.src == {b.port})"
        for b in vip.backends
    ]
    return " || ".join(parts)
