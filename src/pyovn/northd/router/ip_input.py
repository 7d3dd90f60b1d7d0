"""lr_in_ip_input (3): the router as an IP host.

Priorities: 120 SNAT addresses seen coming back in on the gateway port pass
(east/west NAT); 100 drop spoofed sources (the router's own addresses and
subnet broadcasts, unless looped back), martians, and hand DHCPv6 replies to
the controller; 92/91/90 answer ARP (ND for IPv6) for NAT addresses (on the gateway
port only where the rule is handled, elsewhere drop, and on other ports
always); 90 answer ARP and ND for the router's own addresses from their
subnets and ICMP echo requests to them; 85..82 drop other ARP/ND and
multicast; 60 drop any other traffic to the router's addresses; 50 drop
broadcast; 32..30 expire TTLs (31 sends ICMP or ICMPv6 time exceeded, the
latter per global IPv6 network); 0 next. IPv6 flows cover the global
addresses and the link-local one.
"""

import ipaddress
from collections.abc import Iterator

from pyovn.northd import text
from pyovn.northd.addresses import ipv6_solicited_node
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.model import RouterPort
from pyovn.northd.router.nat import nat_ip
from pyovn.northd.stages import LR_IN_IP_INPUT
from pyovn.northd.views import RouterView

__all__ = ["ip_input_flows"]

MARTIANS = (
    "ip4.src_mcast ||ip4.src == 255.255.255.255 || ip4.src == 127.0.0.0/8 || "
    "ip4.dst == 127.0.0.0/8 || ip4.src == 0.0.0.0/8 || ip4.dst == 0.0.0.0/8"
)


def arp_reply(mac: str = "xreg0[0..47]") -> str:
    return (
        f"eth.dst = eth.src; eth.src = {mac}; arp.op = 2; /* ARP reply */ "
        f"arp.tha = arp.sha; arp.sha = {mac}; arp.tpa <-> arp.spa; "
        "outport = inport; flags.loopback = 1; output;"
    )


def nd_reply(mac: str = "xreg0[0..47]") -> str:
    return (
        f"nd_na {{ eth.src = {mac}; ip6.src = nd.target; nd.tll = {mac}; "
        "outport = inport; flags.loopback = 1; output; };"
    )


def _ipv6_addrs(port: RouterPort) -> list[ipaddress.IPv6Address]:
    """The port's global IPv6 addresses, then its link-local one."""
    return [*(n.addr for n in port.networks.global6), port.networks.lla]


def _connected(port: RouterPort) -> bool:
    return port.peer_switch_port is not None or port.peer_router_port is not None


@builder
def ip_input_flows(view: RouterView) -> Iterator[Lflow]:
    """lr_in_ip_input."""
    dp = view.uuid
    gw = view.gateway_port
    if gw is not None:
        for nat in view.nats:
            if nat.type == "snat":
                yield Lflow(
                    dp,
                    LR_IN_IP_INPUT,
                    120,
                    f"{text.inport(gw.name)} && {nat_ip(nat)}.src == {nat.external_ip}",
                    "next;",
                    hint=nat.uuid,
                )
    for port in view.ports:
        yield from _spoof_flows(dp, port)
    yield Lflow(dp, LR_IN_IP_INPUT, 100, MARTIANS, "drop;")
    yield from _nat_arp_flows(view)
    for port in view.ports:
        if _connected(port):
            yield from _host_flows(view, port)
    for priority, match, actions in (
        (85, "arp || nd", "drop;"),
        (84, "nd_rs || nd_ra", "next;"),
        (83, "ip6.mcast_rsvd", "drop;"),
        (82, "ip4.mcast || ip6.mcast", "drop;"),
        (50, "eth.bcast", "drop;"),
        (32, "ip.ttl == {0, 1} && !ip.later_frag && (ip4.mcast || ip6.mcast)", "drop;"),
        (30, "ip.ttl == {0, 1}", "drop;"),
        (0, "1", "next;"),
    ):
        yield Lflow(dp, LR_IN_IP_INPUT, priority, match, actions)
    if view.gateway_port is None and not view.router.is_gateway_router:
        for port in view.ports:
            if _connected(port):
                yield from _unreachable_flows(dp, port)
    snat_ips = view.snat_ips()
    for port in view.ports:
        own = [str(n.addr) for n in port.networks.ipv4 if str(n.addr) not in snat_ips]
        if own:
            yield Lflow(
                dp, LR_IN_IP_INPUT, 60, f"ip4.dst == {text.set_of(own)}", "drop;", hint=port.uuid
            )
        yield Lflow(
            dp,
            LR_IN_IP_INPUT,
            60,
            f"ip6.dst == {text.set_of(_ipv6_addrs(port))}",
            "drop;",
            hint=port.uuid,
        )
        if _connected(port):
            yield from _ttl_flows(view, port)


def _spoof_flows(dp: str, port: RouterPort) -> Iterator[Lflow]:
    nets = port.networks
    for addr in _ipv6_addrs(port):
        yield Lflow(
            dp,
            LR_IN_IP_INPUT,
            100,
            f"ip6.dst == {addr} && udp.src == 547 && udp.dst == 546",
            "reg0 = 0; handle_dhcpv6_reply;",
            hint=port.uuid,
        )
    if nets.ipv4:
        addrs = [str(n.addr) for n in nets.ipv4] + [str(n.broadcast) for n in nets.ipv4]
        yield Lflow(
            dp,
            LR_IN_IP_INPUT,
            100,
            f"ip4.src == {text.set_of(addrs)} && reg9[0] == 0",
            "drop;",
            hint=port.uuid,
        )


def _nat_arp_flows(view: RouterView) -> Iterator[Lflow]:
    dp = view.uuid
    gw = view.gateway_port
    seen: set[str] = set()
    for nat in view.nats:
        ip = nat.external_ip
        if ip in seen:
            continue
        seen.add(ip)
        if ":" in ip:
            group = ipv6_solicited_node(ipaddress.IPv6Address(ip))
            target = f"ip6.dst == {{{ip}, {group}}} && nd_ns && nd.target == {ip}"
        else:
            target = f"arp.op == 1 && arp.tpa == {ip}"
        reply = nd_reply if ":" in ip else arp_reply
        if gw is not None:
            gw_in = text.inport(gw.name)
            resident = text.is_chassis_resident(view.nat_resident_port(nat))
            mac = nat.external_mac if nat.is_distributed and nat.external_mac else "xreg0[0..47]"
            yield Lflow(
                dp,
                LR_IN_IP_INPUT,
                92,
                f"{gw_in} && {target} && {resident}",
                reply(mac),
                hint=nat.uuid,
            )
            yield Lflow(dp, LR_IN_IP_INPUT, 91, f"{gw_in} && {target}", "drop;", hint=nat.uuid)
        yield Lflow(dp, LR_IN_IP_INPUT, 90, target, reply(), hint=nat.uuid)


def _host_flows(view: RouterView, port: RouterPort) -> Iterator[Lflow]:
    """ARP/ND replies for the port's own addresses and ICMP echo replies."""
    dp = view.uuid
    inport = text.inport(port.name)
    gw = view.gateway_port
    resident = (
        f" && {text.is_chassis_resident(port.redirect_port)}"
        if gw is not None and gw.uuid == port.uuid
        else ""
    )
    for net in port.networks.ipv4:
        yield Lflow(
            dp,
            LR_IN_IP_INPUT,
            90,
            f"{inport} && arp.op == 1 && arp.tpa == {net.addr} && arp.spa == {net.network_str}"
            f"{resident}",
            arp_reply(),
            hint=port.uuid,
        )
        yield Lflow(
            dp,
            LR_IN_IP_INPUT,
            90,
            f"ip4.dst == {net.addr} && icmp4.type == 8 && icmp4.code == 0",
            "ip4.dst <-> ip4.src; ip.ttl = 255; icmp4.type = 0; flags.loopback = 1; next; ",
            hint=port.uuid,
        )
    v6 = _ipv6_addrs(port)
    for addr in v6:
        yield Lflow(
            dp,
            LR_IN_IP_INPUT,
            90,
            f"{inport} && ip6.dst == {{{addr}, {ipv6_solicited_node(addr)}}} && nd_ns && "
            f"nd.target == {addr}{resident}",
            "nd_na_router { eth.src = xreg0[0..47]; ip6.src = nd.target; nd.tll = xreg0[0..47]; "
            "outport = inport; flags.loopback = 1; output; };",
            hint=port.uuid,
        )
    dst = str(v6[0]) if len(v6) == 1 else text.set_of(v6)
    yield Lflow(
        dp,
        LR_IN_IP_INPUT,
        90,
        f"ip6.dst == {dst} && icmp6.type == 128 && icmp6.code == 0",
        "ip6.dst <-> ip6.src; ip.ttl = 255; icmp6.type = 129; flags.loopback = 1; next; ",
        hint=port.uuid,
    )


def _unreachable_flows(dp: str, port: RouterPort) -> Iterator[Lflow]:
    """Refuse TCP/UDP/SCTP and other protocols to the router's own addresses.

    Only on routers without a gateway port: on a gateway, such traffic may be
    NATted instead.
    """
    families = [("4", str(n.addr), "icmp4", "3", "3", "2") for n in port.networks.ipv4]
    families += [("6", str(a), "icmp6", "1", "4", "3") for a in _ipv6_addrs(port)]
    for ver, addr, icmp, typ, udp_code, proto_code in families:
        head = f"ip{ver} && ip{ver}.dst == {addr} && !ip.later_frag"
        swap = f"eth.dst <-> eth.src; ip{ver}.dst <-> ip{ver}.src;"
        yield Lflow(
            dp,
            LR_IN_IP_INPUT,
            80,
            f"{head} && sctp",
            f"sctp_abort {{{swap} next; }};",
            hint=port.uuid,
        )
        yield Lflow(
            dp,
            LR_IN_IP_INPUT,
            80,
            f"{head} && tcp",
            f"tcp_reset {{{swap} next; }};",
            hint=port.uuid,
        )
        yield Lflow(
            dp,
            LR_IN_IP_INPUT,
            80,
            f"{head} && udp",
            _icmp_error(icmp, swap, typ, udp_code),
            hint=port.uuid,
        )
        yield Lflow(
            dp,
            LR_IN_IP_INPUT,
            70,
            head,
            _icmp_error(icmp, swap, typ, proto_code),
            hint=port.uuid,
        )


def _icmp_error(icmp: str, swap: str, icmp_type: str, code: str) -> str:
    return (
        f"{icmp} {{{swap} ip.ttl = 255; {icmp}.type = {icmp_type}; {icmp}.code = {code}; next; }};"
    )


def _ttl_flows(view: RouterView, port: RouterPort) -> Iterator[Lflow]:
    yield from _ttl6_flows(view, port)
    if not port.networks.ipv4:
        return
    gw = view.gateway_port
    if gw is not None and gw.uuid == port.uuid:
        addresses = "ip4.dst <-> ip4.src ;"
    else:
        addresses = f"ip4.dst = ip4.src; ip4.src = {port.networks.ipv4[0].addr} ;"
    yield Lflow(
        view.uuid,
        LR_IN_IP_INPUT,
        31,
        f"{text.inport(port.name)} && ip4 && ip.ttl == {{0, 1}} && !ip.later_frag",
        "icmp4 {eth.dst <-> eth.src; icmp4.type = 11; /* Time exceeded */ icmp4.code = 0; "
        f"/* TTL exceeded in transit */ {addresses} ip.ttl = 254; "
        f"outport = {text.quote(port.name)}; flags.loopback = 1; output; }};",
        hint=port.uuid,
    )


def _ttl6_flows(view: RouterView, port: RouterPort) -> Iterator[Lflow]:
    """ICMPv6 time exceeded, per global IPv6 network, from the port's address there."""
    name = text.quote(port.name)
    gw = view.gateway_port
    is_gw = gw is not None and gw.uuid == port.uuid
    for net in port.networks.global6:
        addresses = "ip6.dst <-> ip6.src" if is_gw else f"ip6.dst = ip6.src; ip6.src = {net.addr}"
        yield Lflow(
            view.uuid,
            LR_IN_IP_INPUT,
            31,
            f"inport == {name} && ip6 && ip6.src == {net.network_str} && "
            "ip.ttl == {0, 1} && !ip.later_frag",
            "icmp6 {eth.dst <-> eth.src; "
            f"{addresses} ; ip.ttl = 254; "
            "icmp6.type = 3; /* Time exceeded */ icmp6.code = 0; /* TTL exceeded in transit */ "
            f"outport = {name}; flags.loopback = 1; output; }};",
            hint=port.uuid,
        )
