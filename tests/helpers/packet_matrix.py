"""Generate the packets the behaviour tests send through ovn-trace.

For a topology: every VIF pair on one switch or across a router, over ICMP,
TCP (22, 23, 80) and UDP (53), with conntrack new and established; ARP for
neighbours and router addresses; DHCP discovers and DHCPv6 requests; traffic to the outside
(SNAT/floating IPs) and from the outside to NAT addresses (DNAT); expired
TTLs; and, on request, traffic to load-balancer VIPs. Each packet is
(datapath, microflow, extra ovn-trace args).
"""

import asyncio
from dataclasses import dataclass, replace

from pyovn.northd.addresses import ipv6_lla
from pyovn.northd.load_balancer import Backend
from pyovn.northd.model import RouterPort, SwitchPort
from pyovn.northd.topology import Topology, build_topology
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.replica import Replica


@dataclass(frozen=True)
class Packet:
    name: str
    datapath: str
    microflow: str
    args: tuple[str, ...] = ()


def read_topology(nb_remote: str) -> Topology:
    async def load() -> Topology:
        client = OvsdbClient(nb_remote, reconnect=False)
        await client.connect()
        replica = Replica(client, "OVN_Northbound")
        await replica.start()
        tables = {n: t.rows for n, t in replica.tables.items()}
        await client.close()
        return build_topology(tables)

    return asyncio.run(load())


def _vifs(topo: Topology) -> list[tuple[SwitchPort, str, str]]:
    """(port, mac, ipv4) of VIF ports with an IPv4 address."""
    out = []
    for port in topo.lsps.values():
        if port.type in ("", "localport") and port.enabled and port.addresses:
            entry = port.addresses[0]
            if entry.ipv4:
                out.append((port, entry.mac, str(entry.ipv4[0].addr)))
    return sorted(out, key=lambda item: item[0].name)


def _router_port_on(topo: Topology, switch: str) -> RouterPort | None:
    for uuid in topo.switches[switch].ports:
        lsp = topo.lsps[uuid]
        if lsp.type == "router" and lsp.peer:
            return topo.lrps[lsp.peer]
    return None


def _l4(kind: str) -> str:
    """icmp, or a protocol and destination port such as tcp80 or udp53."""
    if kind == "icmp":
        return "icmp4.type == 8 && icmp4.code == 0"
    proto, port = kind[:3], kind[3:]
    assert proto in ("tcp", "udp") and port.isdigit(), kind
    return f"{proto} && {proto}.src == 40000 && {proto}.dst == {port}"


def _ip_packet(
    name: str,
    switch: str,
    port: str,
    src_mac: str,
    dst_mac: str,
    src: str,
    dst: str,
    kind: str,
    ttl: int = 64,
    ct: str = "new",
) -> Packet:
    flow = (
        f'inport == "{port}" && eth.src == {src_mac} && eth.dst == {dst_mac} && '
        f"ip4.src == {src} && ip4.dst == {dst} && ip.ttl == {ttl} && {_l4(kind)}"
    )
    return Packet(f"{name}-{kind}-{ct}", switch, flow, ("--ct", ct) if ct else ())


def _arp(name: str, switch: str, port: str, mac: str, spa: str, tpa: str) -> Packet:
    flow = (
        f'inport == "{port}" && eth.src == {mac} && eth.dst == ff:ff:ff:ff:ff:ff '
        f"&& arp.op == 1 && arp.sha == {mac} && arp.spa == {spa} "
        f"&& arp.tha == 00:00:00:00:00:00 && arp.tpa == {tpa}"
    )
    return Packet(f"{name}-arp", switch, flow)


def packet_matrix(topo: Topology, lb_vips: bool = False) -> list[Packet]:
    """The packets of a topology; `lb_vips` adds packets to load-balancer
    VIPs (they need ovn-trace's --lb-dst)."""
    packets: list[Packet] = []
    vifs = _vifs(topo)
    for src, src_mac, src_ip in vifs:
        sw = topo.switches[src.switch].name
        gw_lrp = _router_port_on(topo, src.switch)
        for dst, dst_mac, dst_ip in vifs:
            if dst.uuid == src.uuid:
                continue
            name = f"{src.name}-{dst.name}"
            if dst.switch == src.switch:
                eth_dst = dst_mac
                packets.append(_arp(name, sw, src.name, src_mac, src_ip, dst_ip))
            else:
                other = _router_port_on(topo, dst.switch)
                if gw_lrp is None or other is None or other.router != gw_lrp.router:
                    continue
                eth_dst = gw_lrp.mac
            for kind in ("icmp", "tcp22", "tcp23", "tcp80", "udp53"):
                packets.append(
                    _ip_packet(name, sw, src.name, src_mac, eth_dst, src_ip, dst_ip, kind)
                )
            packets.append(
                _ip_packet(name, sw, src.name, src_mac, eth_dst, src_ip, dst_ip, "tcp22", ct="est")
            )
            if gw_lrp is not None and dst.switch != src.switch:
                packets.append(
                    _ip_packet(
                        f"{name}-ttl", sw, src.name, src_mac, eth_dst, src_ip, dst_ip, "icmp", ttl=1
                    )
                )
        if gw_lrp is not None:
            ip = str(gw_lrp.networks.ipv4[0].addr) if gw_lrp.networks.ipv4 else None
            if ip:
                packets.append(_arp(f"{src.name}-router", sw, src.name, src_mac, src_ip, ip))
                packets.append(
                    _ip_packet(
                        f"{src.name}-router", sw, src.name, src_mac, gw_lrp.mac, src_ip, ip, "icmp"
                    )
                )
            for kind in ("icmp", "tcp80"):
                packets.append(
                    _ip_packet(
                        f"{src.name}-out",
                        sw,
                        src.name,
                        src_mac,
                        gw_lrp.mac,
                        src_ip,
                        "8.8.8.8",
                        kind,
                    )
                )
        if src.dhcpv4 is not None:
            packets.append(
                Packet(
                    f"{src.name}-dhcp",
                    sw,
                    f'inport == "{src.name}" && eth.src == {src_mac} '
                    "&& eth.dst == ff:ff:ff:ff:ff:ff && ip4.src == 0.0.0.0 "
                    "&& ip4.dst == 255.255.255.255 && ip.ttl == 64 "
                    "&& udp.src == 68 && udp.dst == 67",
                )
            )
    packets.extend(_dhcpv6_solicits(topo))
    packets.extend(_from_outside(topo, lb_vips))
    if lb_vips:
        packets.extend(_to_vips(topo))
    return packets


def _lb_dst(backends: list[Backend]) -> tuple[str, ...]:
    """ovn-trace picks a random backend unless told: pick the first one."""
    return ("--lb-dst", str(backends[0])) if backends else ()


def _to_vips(topo: Topology) -> list[Packet]:
    """From every VIF to the load-balancer VIPs of its switch and of the
    routers on it (new and established; ARP for router VIPs): clients on
    the same switch, behind a router, and backends reaching their own VIP."""
    packets = []
    for src, src_mac, src_ip in _vifs(topo):
        switch = topo.switches[src.switch]
        gw_lrp = _router_port_on(topo, src.switch)
        lbs = list(switch.lbs)
        if gw_lrp is not None:
            router = topo.routers[gw_lrp.router]
            lbs += router.lbs
            for ip in sorted({v.ip for lb in router.lbs for v in lb.vips}):
                if gw_lrp.networks.contains_ipv4(ip):
                    packets.append(
                        _arp(f"{src.name}-vip-{ip}", switch.name, src.name, src_mac, src_ip, ip)
                    )
        eth_dst = gw_lrp.mac if gw_lrp is not None else "00:00:00:00:00:fe"
        for vip in sorted({v for lb in lbs for v in lb.vips}, key=lambda v: v.key):
            kinds = (
                ["tcp80", "udp53", "icmp"] if vip.port is None else [f"{vip.protocol}{vip.port}"]
            )
            # The source itself when it is a backend (hairpin).
            own = [b for b in vip.backends if b.ip == src_ip]
            lb_dst = _lb_dst(own or list(vip.backends))
            for kind in kinds:
                for ct in ("new", "est"):
                    packet = _ip_packet(
                        f"{src.name}-vip-{vip.key}",
                        switch.name,
                        src.name,
                        src_mac,
                        eth_dst,
                        src_ip,
                        vip.ip,
                        kind,
                        ct=ct,
                    )
                    packets.append(replace(packet, args=(*packet.args, *lb_dst)))
    return packets


def _dhcpv6_solicits(topo: Topology) -> list[Packet]:
    """A DHCPv6 request from every port with DHCPv6 options, from its link-local address."""
    packets = []
    for port in sorted(topo.lsps.values(), key=lambda p: p.name):
        if port.dhcpv6 is None or not port.addresses:
            continue
        mac = port.addresses[0].mac
        packets.append(
            Packet(
                f"{port.name}-dhcpv6",
                topo.switches[port.switch].name,
                f'inport == "{port.name}" && eth.src == {mac} && eth.dst == 33:33:00:01:00:02 '
                f"&& ip6.src == {ipv6_lla(mac)} && ip6.dst == ff02::1:2 && ip.ttl == 1 "
                "&& udp.src == 546 && udp.dst == 547",
            )
        )
    return packets


def _from_outside(topo: Topology, lb_vips: bool) -> list[Packet]:
    packets = []
    for switch in topo.switches.values():
        localnet = [topo.lsps[p] for p in switch.ports if topo.lsps[p].type == "localnet"]
        if not localnet:
            continue
        ln = localnet[0].name
        mac, src = "0a:00:00:00:00:99", "172.16.0.50"
        for uuid in switch.ports:
            lsp = topo.lsps[uuid]
            if lsp.type != "router" or not lsp.peer:
                continue
            lrp = topo.lrps[lsp.peer]
            router = topo.routers[lrp.router]
            targets = [str(n.addr) for n in lrp.networks.ipv4]
            targets += [
                n.external_ip for n in router.nats if n.type != "snat" and ":" not in n.external_ip
            ]
            for ip in targets:
                name = f"out-{lsp.name}-{ip}"
                packets.append(_arp(name, switch.name, ln, mac, src, ip))
                for kind in ("icmp", "tcp22"):
                    packets.append(_ip_packet(name, switch.name, ln, mac, lrp.mac, src, ip, kind))
            vips = {v for lb in router.lbs for v in lb.vips} if lb_vips else set()
            for vip in sorted(vips, key=lambda v: v.key):
                name = f"out-{lsp.name}-vip-{vip.key}"
                if lrp.networks.contains_ipv4(vip.ip):
                    packets.append(_arp(name, switch.name, ln, mac, src, vip.ip))
                kind = "tcp80" if vip.port is None else f"{vip.protocol}{vip.port}"
                for ct in ("new", "est"):
                    packet = _ip_packet(
                        name, switch.name, ln, mac, lrp.mac, src, vip.ip, kind, ct=ct
                    )
                    lb_dst = _lb_dst(list(vip.backends))
                    packets.append(replace(packet, args=(*packet.args, *lb_dst)))
    return packets
