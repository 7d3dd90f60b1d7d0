"""What the Southbound DB should hold for a topology (besides logical flows).

`DesiredState` keeps the desired rows per datapath and per port group and
updates only the datapaths and groups that changed, returning the keys to
reconcile (`Pending`). Tunnel keys come from the SB where rows exist, so a
restarted northd changes nothing; new ones take the lowest free number, as
OVN does.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pyovn.northd.model import Router, RouterPort, Switch, SwitchPort
from pyovn.northd.router.load_balancer import reachable_vips, router_lb_set_name
from pyovn.northd.router.nd_ra import periodic_ra_options
from pyovn.northd.sb.index import SbIndex
from pyovn.northd.topology import Changed, Topology
from pyovn.northd.views import gateway_port_of

__all__ = [
    "MC_FLOOD",
    "MC_FLOOD_L2",
    "MC_UNKNOWN",
    "DesiredDatapath",
    "DesiredPort",
    "DesiredState",
    "KeyAllocator",
    "Pending",
]

Row = dict[str, Any]
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
class Pending:
    """Keys whose SB rows must be compared with the desired state this run."""

    everything: bool = False
    datapaths: set[str] = field(default_factory=set)
    ports: set[str] = field(default_factory=set)
    multicast_groups: set[tuple[str, str]] = field(default_factory=set)
    port_groups: set[str] = field(default_factory=set)
    address_sets: set[str] = field(default_factory=set)
    ha_groups: set[str] = field(default_factory=set)
    static_mac_bindings: bool = False


class KeyAllocator:
    """Lowest-free tunnel keys, keeping the ones already in use."""

    def __init__(self, used: Iterable[int], first: int = 1, last: int = (1 << 24) - 1) -> None:
        self.used = set(used)
        self.next = first
        self.last = last

    def take(self) -> int:
        while self.next in self.used:
            self.next += 1
        if self.next > self.last:
            raise OverflowError("tunnel keys exhausted")
        self.used.add(self.next)
        return self.next


@dataclass
class DesiredState:
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
    _dp_ports: dict[str, set[str]] = field(default_factory=dict)
    _dp_groups: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    _dp_ha: dict[str, set[str]] = field(default_factory=dict)
    _dp_sets: dict[str, str] = field(default_factory=dict)
    _pg_names: dict[str, set[str]] = field(default_factory=dict)
    _nb_sets: set[str] = field(default_factory=set)

    def update(
        self,
        topo: Topology,
        changed: Changed,
        dirty: set[str] | None,
        index: SbIndex,
        sb: Mapping[str, Mapping[str, Row]],
        svc_monitor_mac: str,
    ) -> Pending:
        pending = Pending(everything=dirty is None)
        if dirty is None:
            dirty = set(self.datapaths) | set(topo.switches) | set(topo.routers)
        for uuid in sorted(dirty, key=lambda u: (u not in self.datapaths, u)):
            self._datapath(topo, uuid, index, sb, pending)
        groups = set(changed.port_groups) | {
            pg for s in dirty for pg in topo.switch_port_groups.get(s, ())
        }
        if pending.everything:
            groups |= set(topo.port_groups) | set(self._pg_names)
        for pg in groups:
            self._port_group(topo, pg, pending)
        if pending.everything or changed.address_sets:
            self._address_sets(topo, svc_monitor_mac, pending)
        if pending.everything or changed.static_mac_bindings or changed.routers:
            self._static_mac_bindings(topo)
            pending.static_mac_bindings = True
        return pending

    # -- datapaths and their ports -----------------------------------------------
    def _datapath(
        self,
        topo: Topology,
        uuid: str,
        index: SbIndex,
        sb: Mapping[str, Mapping[str, Row]],
        pending: Pending,
    ) -> None:
        pending.datapaths.add(uuid)
        old_ports = self._dp_ports.pop(uuid, set())
        pending.ports |= old_ports
        old_groups = self._dp_groups.pop(uuid, set())
        pending.multicast_groups |= old_groups
        for ha_name in self._dp_ha.pop(uuid, set()):
            self.ha_groups.pop(ha_name, None)
            pending.ha_groups.add(ha_name)
        old = self.datapaths.pop(uuid, None)
        for name in old_ports:
            port = self.ports.get(name)
            if port is not None and port.datapath == uuid:
                del self.ports[name]
        for group in old_groups:
            self.multicast_groups.pop(group, None)
        old_set = self._dp_sets.pop(uuid, None)
        if old_set is not None:
            self.address_sets.pop(old_set, None)
            pending.address_sets.add(old_set)
        switch, router = topo.switches.get(uuid), topo.routers.get(uuid)
        tunnel_key = old.tunnel_key if old is not None else None
        if switch is not None:
            kind, name = "logical-switch", switch.name
            wanted = _switch_ports(topo, switch)
        elif router is not None and router.enabled:
            kind, name = "logical-router", router.name
            wanted = _router_ports(topo, router, self)
        else:
            return
        if tunnel_key is None:
            tunnel_key = self._datapath_key(uuid, index, sb)
        self.datapaths[uuid] = DesiredDatapath(uuid, kind, name, tunnel_key)
        self._assign_port_keys(uuid, wanted, index, sb)
        self._dp_ports[uuid] = {p.logical_port for p in wanted}
        pending.ports |= self._dp_ports[uuid]
        if router is not None:
            vips = reachable_vips(router.lbs, tuple(topo.lrps[p] for p in router.ports))
            if vips:
                set_name = router_lb_set_name(tunnel_key)
                self.address_sets[set_name] = tuple(vips)
                self._dp_sets[uuid] = set_name
                pending.address_sets.add(set_name)
        if switch is not None:
            groups = _multicast_groups(topo, switch)
            self.multicast_groups.update(groups)
            self._dp_groups[uuid] = set(groups)
            pending.multicast_groups |= set(groups)

    def _datapath_key(self, uuid: str, index: SbIndex, sb: Mapping[str, Mapping[str, Row]]) -> int:
        sb_uuid = index.uuid("Datapath_Binding", uuid)
        if sb_uuid is not None:
            return int(sb["Datapath_Binding"][sb_uuid]["tunnel_key"])
        used = {d.tunnel_key for d in self.datapaths.values()}
        used |= {int(r["tunnel_key"]) for r in sb.get("Datapath_Binding", {}).values()}
        return KeyAllocator(used).take()

    def _assign_port_keys(
        self,
        dp: str,
        wanted: list[DesiredPort],
        index: SbIndex,
        sb: Mapping[str, Mapping[str, Row]],
    ) -> None:
        sb_dp = index.uuid("Datapath_Binding", dp)
        bindings = sb.get("Port_Binding", {})
        keep: dict[str, int] = {}
        for port in wanted:
            pb = index.uuid("Port_Binding", port.logical_port)
            if pb is not None and sb_dp is not None and bindings[pb]["datapath"] == sb_dp:
                keep[port.logical_port] = int(bindings[pb]["tunnel_key"])
        alloc = KeyAllocator(keep.values(), last=32767)
        for port in sorted(wanted, key=lambda p: (p.logical_port not in keep, p.logical_port)):
            key = keep.get(port.logical_port) or alloc.take()
            self.ports[port.logical_port] = replace(port, datapath=dp, tunnel_key=key)

    def register_ha_group(
        self, router: str, name: str, members: tuple[tuple[str, int], ...]
    ) -> None:
        self.ha_groups[name] = members
        self._dp_ha.setdefault(router, set()).add(name)

    # -- port groups, address sets, static MAC bindings --------------------------
    def _port_group(self, topo: Topology, pg_uuid: str, pending: Pending) -> None:
        for name in self._pg_names.pop(pg_uuid, set()):
            self.port_groups.pop(name, None)
            self.address_sets.pop(name, None)
            pending.port_groups.add(name)
            pending.address_sets.add(name)
        pg = topo.port_groups.get(pg_uuid)
        if pg is None:
            return
        names: set[str] = set()
        ip4: set[str] = set()
        ip6: set[str] = set()
        by_switch: dict[str, list[str]] = {}
        for uuid in pg.ports:
            lsp = topo.lsps.get(uuid)
            if lsp is None:
                continue
            by_switch.setdefault(lsp.switch, []).append(lsp.name)
            for entry in lsp.addresses:
                ip4.update(str(n.addr) for n in entry.ipv4)
                ip6.update(str(n.addr) for n in entry.ipv6)
        for suffix, addresses in (("ip4", ip4), ("ip6", ip6)):
            set_name = f"{pg.name}_{suffix}"
            self.address_sets[set_name] = tuple(sorted(addresses))
            pending.address_sets.add(set_name)
            names.add(set_name)
        for switch, members in by_switch.items():
            dp = self.datapaths.get(switch)
            if dp is not None:
                sb_name = f"{dp.tunnel_key}_{pg.name}"
                self.port_groups[sb_name] = tuple(sorted(members))
                pending.port_groups.add(sb_name)
                names.add(sb_name)
        self._pg_names[pg_uuid] = names

    def _address_sets(self, topo: Topology, svc_monitor_mac: str, pending: Pending) -> None:
        wanted = dict(topo.address_sets)
        wanted["svc_monitor_mac"] = (svc_monitor_mac,)
        for name in self._nb_sets - set(wanted):
            self.address_sets.pop(name, None)
            pending.address_sets.add(name)
        for name, addresses in wanted.items():
            if self.address_sets.get(name) != addresses:
                self.address_sets[name] = addresses
                pending.address_sets.add(name)
        self._nb_sets = set(wanted)

    def _static_mac_bindings(self, topo: Topology) -> None:
        self.static_mac_bindings = {}
        for row in topo.static_mac_bindings:
            lrp_uuid = topo.lrp_by_name.get(row["logical_port"])
            if lrp_uuid is None:
                continue
            router = topo.lrps[lrp_uuid].router
            if router in self.datapaths:
                key = (row["logical_port"], row["ip"])
                self.static_mac_bindings[key] = (
                    row["mac"],
                    bool(row["override_dynamic_mac"]),
                    router,
                )


def _switch_ports(topo: Topology, switch: Switch) -> list[DesiredPort]:
    return [_switch_port(topo, topo.lsps[uuid]) for uuid in switch.ports]


def _switch_port(topo: Topology, lsp: SwitchPort) -> DesiredPort:
    ids = topo.lsp_external_ids.get(lsp.uuid, ())
    if lsp.type == "router":
        peer = topo.lrps.get(lsp.peer) if lsp.peer else None
        options: tuple[tuple[str, str], ...] = (("peer", peer.name),) if peer else ()
        chassis = _l3gateway_chassis(topo, peer.router) if peer else None
        if chassis:
            options = (("l3gateway-chassis", chassis), *options)
        return DesiredPort(
            lsp.name,
            "",
            0,
            "l3gateway" if chassis else "patch",
            options=options,
            mac=("router",),
            external_ids=ids,
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
        external_ids=ids,
        parent_port=lsp.parent,
        tag=lsp.tag,
    )


def _nat_addresses(topo: Topology, lsp: SwitchPort, peer: RouterPort | None) -> tuple[str, ...]:
    """GARP addresses a gateway chassis announces on the localnet network."""
    if peer is None or not peer.is_gateway_port:
        return ()
    switch = topo.switches[lsp.switch]
    if not any(topo.lsps[p].type == "localnet" for p in switch.ports):
        return ()
    ips = " ".join(str(n.addr) for n in peer.networks.ipv4)
    return (f'{peer.mac} {ips} is_chassis_resident("{peer.redirect_port}")',)


def _router_ports(topo: Topology, router: Router, state: DesiredState) -> list[DesiredPort]:
    gw = gateway_port_of(topo, router)
    out = []
    for uuid in router.ports:
        lrp = topo.lrps[uuid]
        options: list[tuple[str, str]] = []
        is_gateway = gw is not None and gw.uuid == lrp.uuid
        if is_gateway:
            options.append(("chassis-redirect-port", lrp.redirect_port))
        if lrp.peer_switch_port is not None:
            options.append(("peer", topo.lsps[lrp.peer_switch_port].name))
        elif lrp.peer_router_port is not None and lrp.peer_router_port in topo.lrps:
            options.append(("peer", topo.lrps[lrp.peer_router_port].name))
        options += periodic_ra_options(lrp)
        mac = (_mac_and_networks(lrp),)
        chassis = _l3gateway_chassis(topo, router.uuid)
        if chassis:
            options.append(("l3gateway-chassis", chassis))
        kind = "l3gateway" if chassis else "patch"
        out.append(DesiredPort(lrp.name, "", 0, kind, options=tuple(sorted(options)), mac=mac))
        if is_gateway:
            # Distributed floating IPs leave locally, so not everything redirects.
            always = not any(n.is_distributed for n in router.nats)
            redirect = (("always-redirect", "true"),) if always else ()
            out.append(
                DesiredPort(
                    lrp.redirect_port,
                    "",
                    0,
                    "chassisredirect",
                    options=(*redirect, ("distributed-port", lrp.name)),
                    mac=mac,
                    ha_chassis_group=lrp.name,
                )
            )
            state.register_ha_group(router.uuid, lrp.name, lrp.gateway_chassis)
    return out


def _l3gateway_chassis(topo: Topology, router_uuid: str) -> str | None:
    """The chassis of a gateway router: its patch ports become l3gateway ports."""
    router = topo.routers.get(router_uuid)
    return router.option("chassis") if router is not None and router.is_gateway_router else None


def _mac_and_networks(lrp: RouterPort) -> str:
    nets = [f"{n.addr}/{n.plen}" for n in lrp.networks.ipv4]
    nets += [f"{n.addr}/{n.plen}" for n in lrp.networks.ipv6]
    return " ".join([lrp.mac, *nets])


def _multicast_groups(
    topo: Topology, switch: Switch
) -> dict[tuple[str, str], tuple[int, tuple[str, ...]]]:
    enabled = [topo.lsps[p] for p in switch.ports if topo.lsps[p].enabled]
    members = (
        (MC_FLOOD, tuple(sorted(p.name for p in enabled))),
        (MC_FLOOD_L2, tuple(sorted(p.name for p in enabled if p.type != "router"))),
        (MC_UNKNOWN, tuple(sorted(p.name for p in enabled if p.has_unknown))),
    )
    return {(switch.uuid, name): (key, ports) for (name, key), ports in members if ports}
