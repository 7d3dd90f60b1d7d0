"""Load balancing on a logical switch.

With at least one VIP on the switch, all IP traffic gets the load-balancer
hint reg0[2] in ls_in_pre_lb / ls_out_pre_lb (100) and goes through
conntrack with ct_lb_mark; ls_in_pre_stateful (120) also saves each VIP
(reg1) and port (reg2[0..15]) for the hairpin checks. ls_in_lb picks a
backend for new connections (120 with an L4 port, 110 without), or drops
or rejects them when the VIP has no backends. The
hairpin stages send a backend's connection to its own VIP back out of the
port it came from, source-NATed to the VIP. Router load-balancer VIPs on
the switch's subnet are answered by the router: ls_in_l2_lkup (80) sends
their ARP requests to the router port too.
"""

from collections.abc import Iterator

from pyovn.northd import text
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.load_balancer import vip_match
from pyovn.northd.stages import (
    LS_IN_HAIRPIN,
    LS_IN_L2_LKUP,
    LS_IN_LB,
    LS_IN_NAT_HAIRPIN,
    LS_IN_PRE_HAIRPIN,
    LS_IN_PRE_LB,
    LS_IN_PRE_STATEFUL,
    LS_OUT_PRE_LB,
    LS_OUT_QOS_MARK,
)
from pyovn.northd.views import SwitchView

__all__ = ["lb_arp_flows", "switch_lb_flows"]


@builder
def switch_lb_flows(view: SwitchView) -> Iterator[Lflow]:
    dp = view.uuid
    if not view.has_lb_vip:
        return
    yield Lflow(dp, LS_IN_PRE_LB, 100, "ip", "reg0[2] = 1; next;")
    yield Lflow(dp, LS_OUT_PRE_LB, 100, "ip", "reg0[2] = 1; next;")
    seen: set[tuple[str, str]] = set()
    for lb in view.switch.lbs:
        for vip in lb.vips:
            port = "" if vip.port is None else f" reg2[0..15] = {vip.port};"
            flows = (
                Lflow(
                    dp,
                    LS_IN_PRE_STATEFUL,
                    120,
                    f"reg0[2] == 1 && {vip_match(vip)}",
                    f"reg1 = {vip.ip};{port} ct_lb_mark;",
                    hint=lb.uuid,
                ),
                Lflow(
                    dp,
                    LS_IN_LB,
                    110 if vip.port is None else 120,
                    f"ct.new && {vip_match(vip)}",
                    vip.lb_action(lb.reject, LS_OUT_QOS_MARK.table, prefix="reg0[1] = 0; "),
                    hint=lb.uuid,
                ),
            )
            for flow in flows:
                if (flow.stage.name, flow.match) not in seen:
                    seen.add((flow.stage.name, flow.match))
                    yield flow
    yield Lflow(
        dp,
        LS_IN_PRE_HAIRPIN,
        100,
        "ip && ct.trk",
        "reg0[6] = chk_lb_hairpin(); reg0[12] = chk_lb_hairpin_reply(); next;",
    )
    yield Lflow(
        dp,
        LS_IN_NAT_HAIRPIN,
        100,
        "ip && ct.new && ct.trk && reg0[6] == 1",
        "ct_snat_to_vip; next;",
    )
    yield Lflow(dp, LS_IN_NAT_HAIRPIN, 100, "ip && ct.est && ct.trk && reg0[6] == 1", "ct_snat;")
    yield Lflow(dp, LS_IN_NAT_HAIRPIN, 90, "ip && reg0[12] == 1", "ct_snat;")
    yield Lflow(
        dp,
        LS_IN_HAIRPIN,
        1,
        "(reg0[6] == 1 || reg0[12] == 1)",
        "eth.dst <-> eth.src; outport = inport; flags.loopback = 1; output;",
    )


@builder
def lb_arp_flows(view: SwitchView) -> Iterator[Lflow]:
    """ARP requests for a router's VIPs on this switch's subnet reach the router."""
    dp = view.uuid
    for link in view.router_links:
        if not link.router.enabled:
            continue
        ips = sorted(
            {
                vip.ip
                for lb in link.router.lbs
                for vip in lb.vips
                if link.lrp.networks.contains_ipv4(vip.ip)
            }
        )
        for ip in ips:
            yield Lflow(
                dp,
                LS_IN_L2_LKUP,
                80,
                f"flags[1] == 0 && arp.op == 1 && arp.tpa == {ip}",
                f"clone {{outport = {text.quote(link.lsp.name)}; output; }}; "
                'outport = "_MC_flood_l2"; output;',
                hint=link.lsp.uuid,
            )
