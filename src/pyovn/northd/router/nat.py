"""NAT stages of a distributed router (one with a distributed gateway port).

A rule is handled on the gateway chassis (`is_chassis_resident("cr-GW")`),
or, for a floating IP with external_mac and logical_port, on the chassis of
that VM. Zones: "czone" is the common conntrack zone of the gateway port;
traffic DNATted locally uses the separate SNAT zone (reg9[4]).

lr_in_unsnat (4): replies to SNATted traffic are unSNATted (100, common
zone, or SNAT zone after an egress loopback). lr_in_dnat (7): traffic to a
DNAT address is DNATted to the logical IP (100).
lr_out_chk_dnat_local (0): mark traffic that was or will be DNATted on this
chassis (50). lr_out_undnat (1): replies from DNATted backends are
unDNATted (100). lr_out_snat (3): SNAT by longest logical prefix (128 +
prefix length + 1, one higher in the SNAT zone); ND solicitations skip (120).
lr_out_egr_loop (5): traffic to a NAT address of this router loops back into
the ingress pipeline so that it gets unSNAT/DNAT and routing (100).
"""

from collections.abc import Iterator

from pyovn.northd import text
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.model import Nat
from pyovn.northd.stages import (
    LR_IN_DNAT,
    LR_IN_UNSNAT,
    LR_OUT_CHK_DNAT_LOCAL,
    LR_OUT_EGR_LOOP,
    LR_OUT_SNAT,
    LR_OUT_UNDNAT,
)
from pyovn.northd.views import RouterView

__all__ = ["nat_flows", "nat_ip"]

EGRESS_LOOPBACK = (
    'clone { ct_clear; inport = outport; outport = ""; eth.dst <-> eth.src; flags = 0; '
    "flags.loopback = 1; flags.use_snat_zone = reg9[4]; reg0 = 0; reg1 = 0; reg2 = 0; "
    "reg3 = 0; reg4 = 0; reg5 = 0; reg6 = 0; reg7 = 0; reg8 = 0; reg9 = 0; reg9[0] = 1; "
    "next(pipeline=ingress, table=0); };"
)


def nat_ip(nat: Nat) -> str:
    """The match field prefix of a rule's address family: ip4 or ip6."""
    return "ip6" if ":" in nat.external_ip else "ip4"


@builder
def nat_flows(view: RouterView) -> Iterator[Lflow]:
    """All NAT stages (unsnat, dnat, chk_dnat_local, undnat, snat, egr_loop)."""
    dp = view.uuid
    gw = view.gateway_port
    nats = list(view.nats) if gw is not None else []
    for nat in nats:
        yield from _nat_rule_flows(view, nat)
    if nats:
        yield Lflow(
            dp, LR_OUT_CHK_DNAT_LOCAL, 50, "ip && ct_mark.natted == 1", "reg9[4] = 1; next;"
        )
    yield Lflow(dp, LR_IN_UNSNAT, 0, "1", "next;")
    yield Lflow(dp, LR_IN_DNAT, 0, "1", "next;")
    yield Lflow(dp, LR_OUT_CHK_DNAT_LOCAL, 0, "1", "reg9[4] = 0; next;")
    yield Lflow(dp, LR_OUT_UNDNAT, 0, "1", "next;")
    yield Lflow(dp, LR_OUT_SNAT, 120, "nd_ns", "next;")
    yield Lflow(dp, LR_OUT_SNAT, 0, "1", "next;")
    yield Lflow(dp, LR_OUT_EGR_LOOP, 0, "1", "next;")


def _nat_rule_flows(view: RouterView, nat: Nat) -> Iterator[Lflow]:
    dp = view.uuid
    gw = view.gateway_port
    assert gw is not None
    gw_name = text.quote(gw.name)
    resident = text.is_chassis_resident(view.nat_resident_port(nat))
    central = "" if nat.is_distributed else f" && {text.is_chassis_resident(gw.redirect_port)}"
    ext, logical = nat.external_ip, nat.logical_ip
    mac_prefix = f"eth.src = {nat.external_mac}; " if nat.is_distributed else ""
    hint = nat.uuid
    ip = nat_ip(nat)
    if nat.type in ("snat", "dnat_and_snat"):
        head = f"ip && {ip}.dst == {ext} && inport == {gw_name}"
        yield Lflow(
            dp,
            LR_IN_UNSNAT,
            100,
            f"{head} && flags.loopback == 0{central}",
            "ct_snat_in_czone;",
            hint=hint,
        )
        yield Lflow(
            dp,
            LR_IN_UNSNAT,
            100,
            f"{head} && flags.loopback == 1 && flags.use_snat_zone == 1{central}",
            "ct_snat;",
            hint=hint,
        )
        priority = 128 + nat.logical_plen + 1
        src = f"ip && {ip}.src == {logical} && outport == {gw_name} && {resident}"
        yield Lflow(
            dp, LR_OUT_SNAT, priority, src, f"{mac_prefix}ct_snat_in_czone({ext});", hint=hint
        )
        yield Lflow(
            dp,
            LR_OUT_SNAT,
            priority + 1,
            f"{src} && reg9[4] == 1",
            f"{mac_prefix}reg9[4] = 0; ct_snat({ext});",
            hint=hint,
        )
    if nat.type in ("dnat", "dnat_and_snat"):
        yield Lflow(
            dp,
            LR_IN_DNAT,
            100,
            f"ip && {ip}.dst == {ext} && inport == {gw_name}{central}",
            f"ct_dnat_in_czone({logical});",
            hint=hint,
        )
        yield Lflow(
            dp,
            LR_OUT_UNDNAT,
            100,
            f"ip && {ip}.src == {logical} && outport == {gw_name}{central}",
            f"{mac_prefix}ct_dnat_in_czone;",
            hint=hint,
        )
    yield Lflow(
        dp,
        LR_OUT_CHK_DNAT_LOCAL,
        50,
        f"ip && {ip}.dst == {ext} && {resident}",
        "reg9[4] = 1; next;",
        hint=hint,
    )
    yield Lflow(
        dp,
        LR_OUT_EGR_LOOP,
        100,
        f"{ip}.dst == {ext} && outport == {gw_name} && {resident}",
        EGRESS_LOOPBACK,
        hint=hint,
    )
