"""Stages that decide which packets go through conntrack.

ls_in_pre_acl (4) / ls_out_pre_acl (0): service-monitor traffic skips (110).
With a stateful ACL on the switch: multicast, router and localnet ports,
and ND/MLD/DHCPv6 skip (110); allow-stateless ACLs mark their packets
(ACL priority + 1000, reg0[16]); all other IP sets the conntrack hint
reg0[0] (100). ls_in_pre_lb (5) / ls_out_pre_lb (1): traffic that must not
be load balanced skips (110); egress to router and localnet ports also clears
conntrack state when the switch is not stateful. ls_*_pre_stateful: send
hinted packets to conntrack (ct_lb_mark at 110, ct_next at 100).
"""

from collections.abc import Iterator

from pyovn.northd import text
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.stages import (
    LS_IN_PRE_ACL,
    LS_IN_PRE_LB,
    LS_IN_PRE_STATEFUL,
    LS_OUT_PRE_ACL,
    LS_OUT_PRE_LB,
    LS_OUT_PRE_STATEFUL,
)
from pyovn.northd.views import SwitchView

__all__ = ["pre_acl_flows", "pre_lb_flows", "pre_stateful_flows"]

SVC_MON_IN = "eth.dst == $svc_monitor_mac"
SVC_MON_OUT = "eth.src == $svc_monitor_mac"
ND_MLD = "nd || nd_rs || nd_ra || mldv1 || mldv2"
ND_MLD_DHCPV6 = f"{ND_MLD} || (udp && udp.src == 546 && udp.dst == 547)"


def _skip_ports(view: SwitchView) -> list[tuple[str, str]]:
    """(name, uuid) of router and localnet ports: their traffic skips conntrack."""
    return [
        (port.name, port.uuid)
        for port in view.ports
        if (port.type == "router" and port.peer is not None) or port.type == "localnet"
    ]


@builder
def pre_acl_flows(view: SwitchView) -> Iterator[Lflow]:
    """ls_in_pre_acl / ls_out_pre_acl."""
    dp = view.uuid
    yield Lflow(dp, LS_IN_PRE_ACL, 110, SVC_MON_IN, "next;")
    yield Lflow(dp, LS_OUT_PRE_ACL, 110, SVC_MON_OUT, "next;")
    if view.has_stateful_acl:
        for stage, key in ((LS_IN_PRE_ACL, "inport"), (LS_OUT_PRE_ACL, "outport")):
            yield Lflow(dp, stage, 110, "eth.mcast", "next;")
            for name, uuid in _skip_ports(view):
                yield Lflow(
                    dp,
                    stage,
                    110,
                    f"ip && {key} == {text.quote(name)}",
                    "next;",
                    hint=uuid,
                    io_port=name,
                )
            yield Lflow(dp, stage, 110, ND_MLD_DHCPV6, "next;")
            yield Lflow(dp, stage, 100, "ip", "reg0[0] = 1; next;")
        for entry in view.acls:
            acl = entry.acl
            if acl.action == "allow-stateless":
                stage = LS_IN_PRE_ACL if acl.direction == "from-lport" else LS_OUT_PRE_ACL
                yield Lflow(
                    dp, stage, acl.priority + 1000, acl.match, "reg0[16] = 1; next;", hint=acl.uuid
                )
    yield Lflow(dp, LS_IN_PRE_ACL, 0, "1", "next;")
    yield Lflow(dp, LS_OUT_PRE_ACL, 0, "1", "next;")


@builder
def pre_lb_flows(view: SwitchView) -> Iterator[Lflow]:
    """ls_in_pre_lb / ls_out_pre_lb."""
    dp = view.uuid
    skip = _skip_ports(view)
    yield Lflow(dp, LS_IN_PRE_LB, 110, SVC_MON_IN, "next;")
    yield Lflow(dp, LS_IN_PRE_LB, 110, "eth.mcast", "next;")
    for name, uuid in skip:
        yield Lflow(
            dp,
            LS_IN_PRE_LB,
            110,
            f"ip && inport == {text.quote(name)}",
            "next;",
            hint=uuid,
            io_port=name,
        )
    yield Lflow(dp, LS_IN_PRE_LB, 110, ND_MLD, "next;")
    yield Lflow(dp, LS_IN_PRE_LB, 110, "reg0[16] == 1", "next;")
    yield Lflow(dp, LS_IN_PRE_LB, 0, "1", "next;")
    egress_skip = "next;" if view.has_stateful_acl else "ct_clear; next;"
    yield Lflow(dp, LS_OUT_PRE_LB, 110, "eth.mcast", "next;")
    yield Lflow(dp, LS_OUT_PRE_LB, 110, SVC_MON_OUT, "next;")
    for name, uuid in skip:
        yield Lflow(
            dp,
            LS_OUT_PRE_LB,
            110,
            f"ip && outport == {text.quote(name)}",
            egress_skip,
            hint=uuid,
            io_port=name,
        )
    yield Lflow(dp, LS_OUT_PRE_LB, 110, ND_MLD, "next;")
    yield Lflow(dp, LS_OUT_PRE_LB, 110, "reg0[16] == 1", "next;")
    yield Lflow(dp, LS_OUT_PRE_LB, 0, "1", "next;")


@builder
def pre_stateful_flows(view: SwitchView) -> Iterator[Lflow]:
    """ls_in_pre_stateful / ls_out_pre_stateful: conntrack on the hints."""
    dp = view.uuid
    for stage in (LS_IN_PRE_STATEFUL, LS_OUT_PRE_STATEFUL):
        yield Lflow(dp, stage, 110, "reg0[2] == 1", "ct_lb_mark;")
        yield Lflow(dp, stage, 100, "reg0[0] == 1", "ct_next;")
        yield Lflow(dp, stage, 0, "1", "next;")
