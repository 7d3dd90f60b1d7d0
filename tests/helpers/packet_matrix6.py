"""IPv6 packets for the behaviour tests (see packet_matrix for the IPv4 ones).

For every VIF with an IPv6 address: neighbour solicitations for its
neighbours and for its router's addresses (global and link-local), ICMPv6
echo, TCP and UDP to VIFs on the same switch and across the router (new and
established), hop limit 1 across the router, a neighbour advertisement to
the router, a router solicitation, echo and TCP to the router's own
addresses, and traffic to
addresses behind the router's IPv6 static routes (not ECMP ones) and to an
unrouted one; from localnet ports, ND, echo and TCP (new and established)
to router ports' global IPv6 addresses and IPv6 NAT addresses, and an
expiring packet to a VM.
"""

import ipaddress

from pyovn.northd.addresses import ipv6_lla, ipv6_solicited_node
from pyovn.northd.model import SwitchPort
from pyovn.northd.topology import Topology
from tests.helpers.packet_matrix import Packet, _router_port_on

__all__ = ["ipv6_packets"]

KINDS = ("icmp", "tcp22", "tcp80", "udp53")


def _vifs6(topo: Topology) -> list[tuple[SwitchPort, str, str]]:
    """(port, mac, ipv6) of VIF ports with an IPv6 address."""
    out = []
    for port in topo.lsps.values():
        if port.type in ("", "localport") and port.enabled and port.addresses:
            entry = port.addresses[0]
            if entry.ipv6:
                out.append((port, entry.mac, str(entry.ipv6[0].addr)))
    return sorted(out, key=lambda item: item[0].name)


def _l4(kind: str) -> str:
    if kind == "icmp":
        return "icmp6.type == 128 && icmp6.code == 0"
    proto, port = kind[:3], kind[3:]
    return f"{proto} && {proto}.src == 40000 && {proto}.dst == {port}"


def _ip6(
    name: str,
    switch: str,
    port: str,
    macs: tuple[str, str],
    src: str,
    dst: str,
    kind: str,
    hops: int = 64,
    ct: str = "new",
) -> Packet:
    flow = (
        f'inport == "{port}" && eth.src == {macs[0]} && eth.dst == {macs[1]} && '
        f"ip6.src == {src} && ip6.dst == {dst} && ip.ttl == {hops} && {_l4(kind)}"
    )
    return Packet(f"{name}-v6{kind}-{ct}-{hops}", switch, flow, ("--ct", ct))


def _ns(name: str, switch: str, port: str, mac: str, src: str, target: str) -> Packet:
    group = ipv6_solicited_node(ipaddress.IPv6Address(target))
    group_mac = "33:33:" + ":".join(f"{b:02x}" for b in group.packed[-4:])
    flow = (
        f'inport == "{port}" && eth.src == {mac} && eth.dst == {group_mac} && '
        f"ip6.src == {src} && ip6.dst == {group} && ip.ttl == 255 && "
        f"icmp6.type == 135 && icmp6.code == 0 && nd.target == {target} && nd.sll == {mac}"
    )
    return Packet(f"{name}-ns-{target}", switch, flow)


def _na(name: str, switch: str, port: str, macs: tuple[str, str], src: str, dst: str) -> Packet:
    flow = (
        f'inport == "{port}" && eth.src == {macs[0]} && eth.dst == {macs[1]} && '
        f"ip6.src == {src} && ip6.dst == {dst} && ip.ttl == 255 && "
        f"icmp6.type == 136 && icmp6.code == 0 && nd.target == {src} && nd.tll == {macs[0]}"
    )
    return Packet(f"{name}-na", switch, flow)


def ipv6_packets(topo: Topology) -> list[Packet]:
    packets: list[Packet] = []
    vifs = _vifs6(topo)
    for src, src_mac, src_ip in vifs:
        sw = topo.switches[src.switch].name
        lrp = _router_port_on(topo, src.switch)
        for dst, dst_mac, dst_ip in vifs:
            if dst.uuid == src.uuid:
                continue
            name = f"{src.name}-{dst.name}"
            if dst.switch == src.switch:
                eth_dst = dst_mac
                packets.append(_ns(name, sw, src.name, src_mac, src_ip, dst_ip))
            else:
                other = _router_port_on(topo, dst.switch)
                if lrp is None or other is None or other.router != lrp.router:
                    continue
                eth_dst = lrp.mac
                packets.append(
                    _ip6(name, sw, src.name, (src_mac, eth_dst), src_ip, dst_ip, "icmp", hops=1)
                )
            for kind in KINDS:
                packets.append(_ip6(name, sw, src.name, (src_mac, eth_dst), src_ip, dst_ip, kind))
            packets.append(
                _ip6(name, sw, src.name, (src_mac, eth_dst), src_ip, dst_ip, "tcp22", ct="est")
            )
        if lrp is not None:
            packets.extend(_to_router(topo, src, src_mac, src_ip))
    packets.extend(_from_outside(topo))
    return packets


def _from_outside(topo: Topology) -> list[Packet]:
    """From a localnet port: ND and echo to the global IPv6 addresses of router ports."""
    packets = []
    mac, src = "0a:00:00:00:00:99", "2001:db8::50"
    for switch in sorted(topo.switches.values(), key=lambda s: s.name):
        ports = [topo.lsps[p] for p in switch.ports]
        localnet = [p for p in ports if p.type == "localnet"]
        if not localnet:
            continue
        ln = localnet[0].name
        for lsp in ports:
            if lsp.type != "router" or not lsp.peer:
                continue
            lrp = topo.lrps[lsp.peer]
            router = topo.routers[lrp.router]
            targets = [str(net.addr) for net in lrp.networks.global6]
            targets += [n.external_ip for n in router.nats if ":" in n.external_ip]
            for ip in targets:
                name = f"out-{lsp.name}-{ip}"
                packets.append(_ns(name, switch.name, ln, mac, src, ip))
                for kind in ("icmp", "tcp22"):
                    packets.append(_ip6(name, switch.name, ln, (mac, lrp.mac), src, ip, kind))
                    packets.append(
                        _ip6(name, switch.name, ln, (mac, lrp.mac), src, ip, kind, ct="est")
                    )
            if lrp.networks.global6:
                packets.append(
                    _ip6(
                        f"out-{lsp.name}",
                        switch.name,
                        ln,
                        (mac, lrp.mac),
                        src,
                        "fd00::11",
                        "icmp",
                        hops=1,
                    )
                )
    return packets


def _to_router(topo: Topology, src: SwitchPort, src_mac: str, src_ip: str) -> list[Packet]:
    sw = topo.switches[src.switch].name
    lrp = _router_port_on(topo, src.switch)
    assert lrp is not None
    name = f"{src.name}-router"
    macs = (src_mac, lrp.mac)
    packets = [_na(name, sw, src.name, macs, src_ip, str(lrp.networks.lla))]
    packets.append(
        Packet(
            f"{name}-rs",
            sw,
            f'inport == "{src.name}" && eth.src == {src_mac} && eth.dst == 33:33:00:00:00:02 '
            f"&& ip6.src == {ipv6_lla(src_mac)} && ip6.dst == ff02::2 && ip.ttl == 255 "
            "&& icmp6.type == 133 && icmp6.code == 0",
        )
    )
    own = [str(n.addr) for n in lrp.networks.global6] + [str(lrp.networks.lla)]
    for ip in own:
        packets.append(_ns(name, sw, src.name, src_mac, src_ip, ip))
        for kind in ("icmp", "tcp22", "udp53"):
            packets.append(_ip6(f"{name}-{ip}", sw, src.name, macs, src_ip, ip, kind))
    router = topo.routers[lrp.router]
    targets = ["2001:db8:ffff::1"]
    prefixes = [r.ip_prefix for r in router.routes if ":" in r.ip_prefix]
    for prefix in sorted(set(prefixes)):
        # ovn-trace's select() for an ECMP group need not agree between runs.
        if prefixes.count(prefix) == 1:
            net = ipaddress.IPv6Network(prefix, strict=False)
            targets.append(str(net.network_address + 5))
    for ip in targets:
        for kind in ("icmp", "tcp80"):
            packets.append(_ip6(f"{name}-to-{ip}", sw, src.name, macs, src_ip, ip, kind))
    return packets
