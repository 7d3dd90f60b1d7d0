"""What the Southbound DB should hold for a topology (besides logical flows).

Values here are plain Python; references to other desired rows are by key
(a datapath by its NB UUID, a port by name). Tunnel keys are kept from the
SB where rows already exist, so restarting northd changes nothing, and new
ones take the lowest free number, as OVN does.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from pyovn.northd.model import RouterPort, SwitchPort
from pyovn.northd.topology import Topology
from pyovn.northd.views import gateway_port_of

__all__ = [
    "MC_FLOOD",
    "MC_FLOOD_L2",
    "MC_UNKNOWN",
    "DesiredDatapath",
    "DesiredPort",
    "DesiredSb",
    "KeyAllocator",
    "desired_sb",
]

MC_FLOOD = ("_MC_flood", 32768)
MC_UNKNOWN = ("_MC_unknown", 32769)
MC_FLOOD_L2 = ("_MC_flood_l2", 32772)


@dataclass(frozen=True, slots=True)
class DesiredDatapath:
    nb_uuid: str
    kind: str  # logical-switch | logical-router
    name: str
    tunnel_key: int

    def external_ids(self) -> dict[str, str]:
        return {self.kind: self.nb_uuid, "name": self.name}


@dataclass(frozen=True, slots=True)
class DesiredPort:
    logical_port: str
    datapath: str  # NB UUID of the datapath
    tunnel_key: int
    type: str
    options: tuple[tuple[str, str], ...] = ()
    mac: tuple[str, ...] = ()
    port_security: tuple[str, ...] = ()
    external_ids: tuple[tuple[str, str], ...] = ()
    nat_addresses: tuple[str, ...] = ()
    parent_port: str | None = None
    tag: int | None = None
    ha_chassis_group: str | None = None  # name of the HA_Chassis_Group


@dataclass
class DesiredSb:
    datapaths: dict[str, DesiredDatapath] = field(default_factory=dict)
    ports: dict[str, DesiredPort] = field(default_factory=dict)
    #: (datapath NB UUID, group name) -> (tunnel key, port names)
    multicast_groups: dict[tuple[str, str], tuple[int, tuple[str, ...]]] = field(
        default_factory=dict
    )
    port_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    address_sets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: HA_Chassis_Group name -> ((chassis name, priority), ...)
    ha_groups: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    #: (logical_port, ip) -> (mac, override_dynamic_mac, datapath NB UUID)
    static_mac_bindings: dict[tuple[str, str], tuple[str, bool, str]] = field(default_factory=dict)


class KeyAllocator:
    """Lowest-free tunnel keys, keeping the ones already in use."""

    def __init__(self, used: Iterable[int], first: int = 1, last: int = (1 << 24) - 1) -> None:
        self.used = set(used)
        self.next = first
        self.last = last

    def take(self, wanted: int | None = None) -> int:
        if wanted is not None and wanted not in self.used:
            self.used.add(wanted)
            return wanted
        while self.next in self.used:
            self.next += 1
        if self.next > self.last:
            raise OverflowError("tunnel keys exhausted")
        self.used.add(self.next)
        return self.next


def desired_sb(
    topo: Topology,
    dp_keys: dict[str, int],
    port_keys: dict[str, tuple[str, int]],
    svc_monitor_mac: str,
) -> DesiredSb:
    """The desired SB rows; `dp_keys`/`port_keys` are the keys the SB has now
    (NB datapath UUID -> key; port name -> (datapath NB UUID, key))."""
    out = DesiredSb()
    _datapaths(topo, dp_keys, out)
    _ports(topo, port_keys, out)
    _multicast_groups(topo, out)
    _groups_and_sets(topo, out, svc_monitor_mac)
    _static_mac_bindings(topo, out)
    return out


def _datapaths(topo: Topology, existing: dict[str, int], out: DesiredSb) -> None:
    items = [(uuid, "logical-switch", sw.name) for uuid, sw in topo.switches.items()]
    items += [(uuid, "logical-router", r.name) for uuid, r in topo.routers.items() if r.enabled]
    alloc = KeyAllocator(existing[u] for u, _, _ in items if u in existing)
    for uuid, kind, name in sorted(items, key=lambda i: (i[0] not in existing, i[2], i[0])):
        key = existing.get(uuid)
        if key is None:
            key = alloc.take()
        out.datapaths[uuid] = DesiredDatapath(uuid, kind, name, key)


def _ports(topo: Topology, existing: dict[str, tuple[str, int]], out: DesiredSb) -> None:
    per_dp: dict[str, list[DesiredPort]] = {}
    wanted: list[tuple[str, str, DesiredPort]] = []  # (dp, name, template with key 0)
    for sw in topo.switches.values():
        for uuid in sw.ports:
            lsp = topo.lsps[uuid]
            wanted.append((sw.uuid, lsp.name, _switch_port(topo, lsp)))
    for router in topo.routers.values():
        if not router.enabled or router.uuid not in out.datapaths:
            continue
        gw = gateway_port_of(topo, router)
        for uuid in router.ports:
            lrp = topo.lrps[uuid]
            wanted.append((router.uuid, lrp.name, _router_port(topo, lrp, gw)))
            if gw is not None and gw.uuid == lrp.uuid:
                # Distributed floating IPs leave locally, so not everything redirects.
                always = not any(n.is_distributed for n in router.nats)
                wanted.append((router.uuid, lrp.redirect_port, _redirect_port(lrp, always)))
                out.ha_groups[lrp.name] = lrp.gateway_chassis
    allocs: dict[str, KeyAllocator] = {}
    for dp, name, _ in wanted:
        keep = existing.get(name)
        if keep is not None and keep[0] == dp:
            allocs.setdefault(dp, KeyAllocator(())).used.add(keep[1])
    for dp, name, template in sorted(wanted, key=lambda w: (w[1] not in existing, w[1])):
        alloc = allocs.setdefault(dp, KeyAllocator((), last=32767))
        keep = existing.get(name)
        key = keep[1] if keep is not None and keep[0] == dp else alloc.take()
        port = _with_key(template, dp, key)
        out.ports[name] = port
        per_dp.setdefault(dp, []).append(port)


def _with_key(template: DesiredPort, dp: str, key: int) -> DesiredPort:
    from dataclasses import replace

    return replace(template, datapath=dp, tunnel_key=key)


def _switch_port(topo: Topology, lsp: SwitchPort) -> DesiredPort:
    if lsp.type == "router":
        peer = topo.lrps.get(lsp.peer) if lsp.peer else None
        options: tuple[tuple[str, str], ...] = (("peer", peer.name),) if peer else ()
        return DesiredPort(
            lsp.name,
            "",
            0,
            "patch",
            options=options,
            mac=("router",),
            external_ids=_external_ids(topo, lsp),
            nat_addresses=_nat_addresses(topo, lsp, peer),
        )
    return DesiredPort(
        lsp.name,
        "",
        0,
        lsp.type,
        options=lsp.options,
        mac=lsp.raw_addresses,
        port_security=lsp.raw_port_security,
        external_ids=_external_ids(topo, lsp),
        parent_port=lsp.parent,
        tag=lsp.tag,
    )


def _external_ids(topo: Topology, lsp: SwitchPort) -> tuple[tuple[str, str], ...]:
    return topo.lsp_external_ids.get(lsp.uuid, ())


def _nat_addresses(topo: Topology, lsp: SwitchPort, peer: RouterPort | None) -> tuple[str, ...]:
    """GARP addresses a gateway chassis announces on the localnet network."""
    if peer is None or not peer.is_gateway_port:
        return ()
    switch = topo.switches[lsp.switch]
    if not any(topo.lsps[p].type == "localnet" for p in switch.ports):
        return ()
    ips = " ".join(str(n.addr) for n in peer.networks.ipv4)
    return (f'{peer.mac} {ips} is_chassis_resident("{peer.redirect_port}")',)


def _router_port(topo: Topology, lrp: RouterPort, gw: RouterPort | None) -> DesiredPort:
    options: list[tuple[str, str]] = []
    if gw is not None and gw.uuid == lrp.uuid:
        options.append(("chassis-redirect-port", lrp.redirect_port))
    if lrp.peer_switch_port is not None:
        options.append(("peer", topo.lsps[lrp.peer_switch_port].name))
    elif lrp.peer_router_port is not None:
        options.append(("peer", topo.lrps[lrp.peer_router_port].name))
    return DesiredPort(
        lrp.name, "", 0, "patch", options=tuple(sorted(options)), mac=(_mac_and_networks(lrp),)
    )


def _mac_and_networks(lrp: RouterPort) -> str:
    nets = [f"{n.addr}/{n.plen}" for n in lrp.networks.ipv4]
    nets += [f"{n.addr}/{n.plen}" for n in lrp.networks.ipv6]
    return " ".join([lrp.mac, *nets])


def _redirect_port(lrp: RouterPort, always_redirect: bool) -> DesiredPort:
    options = (("always-redirect", "true"),) if always_redirect else ()
    return DesiredPort(
        lrp.redirect_port,
        "",
        0,
        "chassisredirect",
        options=(*options, ("distributed-port", lrp.name)),
        mac=(_mac_and_networks(lrp),),
        ha_chassis_group=lrp.name,
    )


def _multicast_groups(topo: Topology, out: DesiredSb) -> None:
    for sw in topo.switches.values():
        ports = [topo.lsps[p] for p in sw.ports]
        enabled = [p for p in ports if p.enabled]
        flood = tuple(sorted(p.name for p in enabled))
        flood_l2 = tuple(sorted(p.name for p in enabled if p.type != "router"))
        unknown = tuple(sorted(p.name for p in enabled if p.has_unknown))
        for (name, key), members in (
            (MC_FLOOD, flood),
            (MC_FLOOD_L2, flood_l2),
            (MC_UNKNOWN, unknown),
        ):
            if members:
                out.multicast_groups[(sw.uuid, name)] = (key, members)


def _groups_and_sets(topo: Topology, out: DesiredSb, svc_monitor_mac: str) -> None:
    for name, addresses in topo.address_sets.items():
        out.address_sets[name] = addresses
    for pg in topo.port_groups.values():
        ip4: set[str] = set()
        ip6: set[str] = set()
        by_switch: dict[str, list[str]] = {}
        for uuid in pg.ports:
            lsp = topo.lsps[uuid]
            by_switch.setdefault(lsp.switch, []).append(lsp.name)
            for entry in lsp.addresses:
                ip4.update(str(n.addr) for n in entry.ipv4)
                ip6.update(str(n.addr) for n in entry.ipv6)
        out.address_sets[f"{pg.name}_ip4"] = tuple(sorted(ip4))
        out.address_sets[f"{pg.name}_ip6"] = tuple(sorted(ip6))
        for switch_uuid, names in by_switch.items():
            dp = out.datapaths.get(switch_uuid)
            if dp is not None:
                out.port_groups[f"{dp.tunnel_key}_{pg.name}"] = tuple(sorted(names))
    out.address_sets["svc_monitor_mac"] = (svc_monitor_mac,)


def _static_mac_bindings(topo: Topology, out: DesiredSb) -> None:
    for row in topo.static_mac_bindings:
        lrp_uuid = topo.lrp_by_name.get(row["logical_port"])
        if lrp_uuid is None:
            continue
        router = topo.lrps[lrp_uuid].router
        if router not in out.datapaths:
            continue
        key = (row["logical_port"], row["ip"])
        out.static_mac_bindings[key] = (row["mac"], bool(row["override_dynamic_mac"]), router)
