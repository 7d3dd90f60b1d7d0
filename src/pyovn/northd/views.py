"""Per-datapath inputs of the flow builders.

A view gathers, for one switch or one router, exactly the NB facts its
builders read: the datapath, its ports, the peers across patch links, the
ACLs that apply. Views are immutable values: when a view is equal to the
previous one, the datapath's flows cannot have changed, which is what makes
northd incremental (`engine.py`).
"""

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from pyovn.northd.addresses import Ipv4Net, Ipv6Net
from pyovn.northd.model import Acl, Nat, Router, RouterPort, StaticRoute, Switch, SwitchPort
from pyovn.northd.topology import Topology

__all__ = [
    "AclEntry",
    "NeighborCache",
    "NeighborPort",
    "RouterLink",
    "RouterView",
    "SwitchView",
    "router_view",
    "switch_view",
]


#: fe80::/64, the network of every router port's link-local address
_LLA_PREFIX = 0xFE80_0000_0000_0000


@dataclass(frozen=True, slots=True)
class AclEntry:
    """An ACL that applies to a switch, directly or through a port group."""

    acl: Acl
    port_group: str | None = None


@dataclass(frozen=True, slots=True)
class RouterLink:
    """A router-type switch port and what it connects to."""

    lsp: SwitchPort
    lrp: RouterPort
    router: Router
    gateway_port: RouterPort | None  # the router's distributed gateway port, if any


@dataclass(frozen=True, slots=True)
class SwitchView:
    switch: Switch
    ports: tuple[SwitchPort, ...]
    router_links: tuple[RouterLink, ...]
    acls: tuple[AclEntry, ...]
    options: tuple[tuple[str, str], ...] = ()  # NB_Global options northd reads

    @property
    def name(self) -> str:
        return self.switch.name

    @property
    def uuid(self) -> str:
        return self.switch.uuid

    @property
    def has_acls(self) -> bool:
        return bool(self.acls)

    @property
    def has_stateful_acl(self) -> bool:
        """Any allow-related ACL makes the switch send IP traffic through conntrack."""
        return any(e.acl.action == "allow-related" for e in self.acls)

    @property
    def has_lb_vip(self) -> bool:
        return any(lb.vips for lb in self.switch.lbs)

    @property
    def is_stateful(self) -> bool:
        """The ACL stages track connections: stateful ACLs or load-balancer VIPs."""
        return self.has_stateful_acl or self.has_lb_vip

    @property
    def has_unknown(self) -> bool:
        return any(p.has_unknown for p in self.ports)

    def nb_option(self, key: str, default: str = "") -> str:
        return dict(self.options).get(key, default)


@dataclass(frozen=True, slots=True)
class NeighborPort:
    """A port on the far side of one of a router's ports (for ARP resolve)."""

    router_port: str  # name of our LRP that reaches it
    name: str
    mac: str
    ipv4: tuple[str, ...]
    ipv6: tuple[str, ...]
    is_router: bool = False
    resident_port: str | None = None


@dataclass(frozen=True, slots=True)
class RouterView:
    router: Router
    ports: tuple[RouterPort, ...]
    nats: tuple[Nat, ...]
    routes: tuple[StaticRoute, ...]
    neighbors: tuple[NeighborPort, ...]
    gateway_port: RouterPort | None
    peer_switches: tuple[tuple[str, str], ...] = ()  # (our LRP name, switch UUID)
    options: tuple[tuple[str, str], ...] = ()
    tunnel_key: int | None = None  # the SB datapath's, once allocated

    @property
    def name(self) -> str:
        return self.router.name

    @property
    def uuid(self) -> str:
        return self.router.uuid

    def nat_resident_port(self, nat: Nat) -> str:
        """Where a NAT rule is handled: the VM's port for a distributed
        floating IP, else the gateway port's chassisredirect port."""
        if nat.is_distributed and nat.logical_port:
            return nat.logical_port
        assert self.gateway_port is not None
        return self.gateway_port.redirect_port

    def router_ipv4s(self) -> list[str]:
        return [str(n.addr) for port in self.ports for n in port.networks.ipv4]

    def snat_ips(self) -> set[str]:
        return {nat.external_ip for nat in self.nats if nat.type in ("snat", "dnat_and_snat")}


def _nb_options(topo: Topology) -> tuple[tuple[str, str], ...]:
    keys = ("default_acl_drop", "ignore_lsp_down", "svc_monitor_mac")
    return tuple((k, v) for k, v in sorted(topo.nb_options.items()) if k in keys)


def switch_view(topo: Topology, switch: Switch) -> SwitchView:
    ports = tuple(topo.lsps[p] for p in switch.ports)
    links: list[RouterLink] = []
    for port in ports:
        if port.type == "router" and port.peer is not None:
            lrp = topo.lrps[port.peer]
            router = topo.routers[lrp.router]
            links.append(RouterLink(port, lrp, router, gateway_port_of(topo, router)))
    acls = [AclEntry(acl) for acl in switch.acls]
    for pg in topo.port_groups_of(switch):
        acls.extend(AclEntry(acl, pg.name) for acl in pg.acls)
    return SwitchView(switch, ports, tuple(links), tuple(acls), _nb_options(topo))


def gateway_port_of(topo: Topology, router: Router) -> RouterPort | None:
    """The router's distributed gateway port (OVN 23.03 uses the first one)."""
    for port_uuid in router.ports:
        port = topo.lrps[port_uuid]
        if port.is_gateway_port:
            return port
    return None


class NeighborCache:
    """Neighbour entries per (router port, neighbour port), reused while the
    objects they were made from are the same (parsed NB values are immutable
    and replaced when their rows change). Adding one VM then costs one entry,
    not re-deriving every neighbour of the router."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[tuple[object, ...], list[NeighborPort]]] = {}

    def get(
        self,
        key: tuple[str, str],
        deps: tuple[object, ...],
        make: Callable[[], list[NeighborPort]],
    ) -> list[NeighborPort]:
        entry = self._entries.get(key)
        if entry is not None and all(a is b for a, b in zip(entry[0], deps, strict=True)):
            return entry[1]
        value = make()
        self._entries[key] = (deps, value)
        return value

    def clear(self) -> None:
        self._entries.clear()


def router_view(
    topo: Topology,
    router: Router,
    cache: NeighborCache | None = None,
    tunnel_key: int | None = None,
) -> RouterView:
    cache = cache if cache is not None else NeighborCache()
    ports = tuple(topo.lrps[p] for p in router.ports)
    neighbors: list[NeighborPort] = []
    peers: list[tuple[str, str]] = []
    for lrp in ports:
        if lrp.peer_switch_port is None:
            continue
        lsp = topo.lsps[lrp.peer_switch_port]
        switch = topo.switches[lsp.switch]
        peers.append((lrp.name, switch.uuid))
        neighbors.extend(_switch_neighbors(topo, lrp, switch, lsp, cache))
    return RouterView(
        router=router,
        ports=ports,
        nats=router.nats,
        routes=router.routes,
        neighbors=tuple(neighbors),
        gateway_port=gateway_port_of(topo, router),
        peer_switches=tuple(peers),
        options=_nb_options(topo),
        tunnel_key=tunnel_key,
    )


def _switch_neighbors(
    topo: Topology, lrp: RouterPort, switch: Switch, own_lsp: SwitchPort, cache: NeighborCache
) -> list[NeighborPort]:
    out: list[NeighborPort] = []
    for port_uuid in switch.ports:
        port = topo.lsps[port_uuid]
        if port.uuid == own_lsp.uuid:
            continue
        if port.type == "router" and port.peer is not None:
            other = topo.lrps[port.peer]
            gw = gateway_port_of(topo, topo.routers[other.router])
            out.extend(
                cache.get(
                    (lrp.uuid, port_uuid),
                    (lrp, port, other, gw),
                    partial(_router_neighbor, lrp, other, gw),
                )
            )
        else:
            out.extend(
                cache.get((lrp.uuid, port_uuid), (lrp, port), partial(_vif_neighbors, lrp, port))
            )
    return out


def _router_neighbor(
    lrp: RouterPort, other: RouterPort, gw: RouterPort | None
) -> list[NeighborPort]:
    return [
        NeighborPort(
            router_port=lrp.name,
            name=other.name,
            mac=other.mac,
            ipv4=tuple(str(n.addr) for n in other.networks.ipv4),
            ipv6=(*(str(n.addr) for n in other.networks.global6), str(other.networks.lla)),
            is_router=True,
            resident_port=gw.redirect_port if gw is not None and gw.uuid == other.uuid else None,
        )
    ]


def _vif_neighbors(lrp: RouterPort, port: SwitchPort) -> list[NeighborPort]:
    # A VIF's addresses resolve statically only where they are on-link for
    # our port (ovn-northd's "reachable from the router port" rule).
    has_v6 = any(not n.addr.is_link_local for n in lrp.networks.ipv6)
    return [
        NeighborPort(
            router_port=lrp.name,
            name=port.name,
            mac=entry.mac,
            ipv4=tuple(str(n.addr) for n in entry.ipv4 if _on_link(n.addr, lrp.networks.ipv4)),
            ipv6=tuple(
                str(n.addr)
                for n in entry.ipv6
                if int(n.addr) >> 64 == _LLA_PREFIX or _on_link(n.addr, lrp.networks.ipv6)
            )
            if has_v6
            else (),
        )
        for entry in port.addresses
    ]


def _on_link(
    addr: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: tuple[Ipv4Net | Ipv6Net, ...]
) -> bool:
    """Whether `addr` lies in one of a router port's networks."""
    value, bits = int(addr), addr.max_prefixlen
    return any(
        (value ^ int(net.addr)) >> (bits - net.plen) == 0 if net.plen else True for net in networks
    )
