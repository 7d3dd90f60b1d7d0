"""L2 admission and neighbour learning of the logical router.

lr_in_admission (0): drop VLAN-tagged and multicast-source frames (100);
accept frames to a port's MAC or multicast on that port, remembering the
port's MAC in xreg0[0..47] (50; on a distributed gateway port only where
its redirect port lives, and a distributed floating IP's MAC only where
its VM lives); drop the rest (0).
lr_in_lookup_neighbor (1): ARP replies, ARP requests from a port's own
subnets and ND packets check whether the sender is already in the MAC
binding table (100); everything else counts as known (0).
lr_in_learn_neighbor (2): learn unknown senders with put_arp/put_nd (90/95),
pass known ones (100), drop anything else (0).
"""

from collections.abc import Iterator

from pyovn.northd import text
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.stages import LR_IN_ADMISSION, LR_IN_LEARN_NEIGHBOR, LR_IN_LOOKUP_NEIGHBOR
from pyovn.northd.views import RouterView

__all__ = ["admission_flows", "neighbor_flows"]


@builder
def admission_flows(view: RouterView) -> Iterator[Lflow]:
    """lr_in_admission."""
    dp = view.uuid
    yield Lflow(dp, LR_IN_ADMISSION, 100, "vlan.present || eth.src[40]", "drop;")
    gw = view.gateway_port
    for port in view.ports:
        if not port.enabled or (port.peer_switch_port is None and port.peer_router_port is None):
            continue
        action = f"xreg0[0..47] = {port.mac}; next;"
        inport = text.inport(port.name)
        unicast = f"eth.dst == {port.mac} && {inport}"
        if gw is not None and gw.uuid == port.uuid:
            unicast += f" && {text.is_chassis_resident(port.redirect_port)}"
            for nat in view.nats:
                if nat.is_distributed and nat.external_mac and nat.logical_port:
                    yield Lflow(
                        dp,
                        LR_IN_ADMISSION,
                        50,
                        f"eth.dst == {nat.external_mac} && {inport} && "
                        f"{text.is_chassis_resident(nat.logical_port)}",
                        action,
                        hint=nat.uuid,
                    )
        yield Lflow(dp, LR_IN_ADMISSION, 50, unicast, action, hint=port.uuid)
        yield Lflow(dp, LR_IN_ADMISSION, 50, f"eth.mcast && {inport}", action, hint=port.uuid)
    yield Lflow(dp, LR_IN_ADMISSION, 0, "1", "drop;")


@builder
def neighbor_flows(view: RouterView) -> Iterator[Lflow]:
    """lr_in_lookup_neighbor / lr_in_learn_neighbor."""
    dp = view.uuid
    lookup_arp = "reg9[2] = lookup_arp(inport, arp.spa, arp.sha); next;"
    yield Lflow(dp, LR_IN_LOOKUP_NEIGHBOR, 100, "arp.op == 2", lookup_arp)
    gw = view.gateway_port
    for port in view.ports:
        if port.peer_switch_port is None and port.peer_router_port is None:
            continue
        for net in port.networks.ipv4:
            match = f"{text.inport(port.name)} && arp.spa == {net.network_str} && arp.op == 1"
            if gw is not None and gw.uuid == port.uuid:
                match += f" && {text.is_chassis_resident(port.redirect_port)}"
            yield Lflow(dp, LR_IN_LOOKUP_NEIGHBOR, 100, match, lookup_arp, hint=port.uuid)
    yield Lflow(
        dp,
        LR_IN_LOOKUP_NEIGHBOR,
        100,
        "nd_na",
        "reg9[2] = lookup_nd(inport, nd.target, nd.tll); next;",
    )
    yield Lflow(
        dp,
        LR_IN_LOOKUP_NEIGHBOR,
        100,
        "nd_ns",
        "reg9[2] = lookup_nd(inport, ip6.src, nd.sll); next;",
    )
    yield Lflow(dp, LR_IN_LOOKUP_NEIGHBOR, 0, "1", "reg9[2] = 1; next;")
    learn = (
        (100, "reg9[2] == 1", "next;"),
        (95, "nd_na && nd.tll == 0", "put_nd(inport, nd.target, eth.src); next;"),
        (95, "nd_ns && (ip6.src == 0 || nd.sll == 0)", "next;"),
        (90, "arp", "put_arp(inport, arp.spa, arp.sha); next;"),
        (90, "nd_na", "put_nd(inport, nd.target, nd.tll); next;"),
        (90, "nd_ns", "put_nd(inport, ip6.src, nd.sll); next;"),
        (0, "1", "drop;"),
    )
    for priority, match, actions in learn:
        yield Lflow(dp, LR_IN_LEARN_NEIGHBOR, priority, match, actions)
