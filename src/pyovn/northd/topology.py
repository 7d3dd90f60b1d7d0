"""The NB model (`model.py`) of a whole Northbound DB, kept up to date.

`TopologyBuilder.update(nb)` rebuilds only the switches, routers and port
groups whose input rows changed. A switch's inputs are its row, its ports'
rows, their DHCP options and its ACLs; a router's are its row, its ports,
NATs, routes and gateway chassis. The replica gives a row a new dict when
it changes, so comparing identities of the input rows is exact and cheap.
`update` reports what changed; the engine turns that into the datapaths
whose flows must be recomputed.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from pyovn.northd.load_balancer import LoadBalancer, datapath_lb_rows, read_load_balancer
from pyovn.northd.model import (
    Acl,
    Diagnostics,
    PortGroup,
    Router,
    RouterPort,
    Switch,
    SwitchPort,
)
from pyovn.northd.nb_owners import NbOwners, scope_of
from pyovn.northd.nb_reader import (
    RowCache,
    items,
    optional,
    read_acl,
    read_nat,
    read_route,
    read_router_port,
    read_switch_port,
    sort_acls,
)
from pyovn.ovsdb.database import Change

__all__ = ["Changed", "NbTables", "Topology", "TopologyBuilder", "build_topology"]

Row = dict[str, Any]
NbTables = Mapping[str, Mapping[str, Row]]


@dataclass
class Topology:
    """Every NB object northd compiles, by UUID, with name indexes."""

    switches: dict[str, Switch] = field(default_factory=dict)
    routers: dict[str, Router] = field(default_factory=dict)
    lsps: dict[str, SwitchPort] = field(default_factory=dict)
    lrps: dict[str, RouterPort] = field(default_factory=dict)
    port_groups: dict[str, PortGroup] = field(default_factory=dict)
    address_sets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lsp_by_name: dict[str, str] = field(default_factory=dict)
    lrp_by_name: dict[str, str] = field(default_factory=dict)
    #: LSP UUID -> its external_ids (copied to Port_Binding, unused by flows).
    lsp_external_ids: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    #: LRP name -> UUID of the router-type LSP whose router-port names it.
    lsp_for_lrp: dict[str, str] = field(default_factory=dict)
    #: switch UUID -> port group UUIDs with members on it.
    switch_port_groups: dict[str, set[str]] = field(default_factory=dict)
    static_mac_bindings: list[Row] = field(default_factory=list)
    nb_options: dict[str, str] = field(default_factory=dict)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)

    def port_groups_of(self, switch: Switch) -> list[PortGroup]:
        """Port groups with at least one port on `switch`, by name."""
        groups = (self.port_groups[u] for u in self.switch_port_groups.get(switch.uuid, ()))
        return sorted(groups, key=lambda pg: pg.name)

    def routers_on(self, switch_uuid: str) -> set[str]:
        """Routers with a port peered with this switch."""
        switch = self.switches.get(switch_uuid)
        if switch is None:
            return set()
        out = set()
        for port_uuid in switch.ports:
            port = self.lsps[port_uuid]
            if port.peer is not None and port.peer in self.lrps:
                out.add(self.lrps[port.peer].router)
        return out

    def switches_on(self, router_uuid: str) -> set[str]:
        """Switches peered with one of this router's ports."""
        router = self.routers.get(router_uuid)
        if router is None:
            return set()
        out = set()
        for port_uuid in router.ports:
            lsp = self.lrps[port_uuid].peer_switch_port
            if lsp is not None and lsp in self.lsps:
                out.add(self.lsps[lsp].switch)
        return out


@dataclass
class Changed:
    """What `TopologyBuilder.update` rebuilt (UUIDs, removed ones included)."""

    everything: bool = False
    switches: set[str] = field(default_factory=set)
    routers: set[str] = field(default_factory=set)
    port_groups: set[str] = field(default_factory=set)
    #: switches that had members of a changed port group, before or after
    port_group_switches: set[str] = field(default_factory=set)
    address_sets: bool = False
    static_mac_bindings: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.everything
            or self.switches
            or self.routers
            or self.port_groups
            or self.address_sets
            or self.static_mac_bindings
        )


@dataclass
class _Unit:
    """What a switch or router was last built from, and what it produced."""

    inputs: tuple[object, ...]
    ports: tuple[str, ...]


class TopologyBuilder:
    """Keeps one `Topology` in step with NB tables, rebuilding only changed units."""

    def __init__(self) -> None:
        self.topo = Topology()
        self._switch_units: dict[str, _Unit] = {}
        self._router_units: dict[str, _Unit] = {}
        self._pg_inputs: dict[str, tuple[object, ...]] = {}
        #: LSP UUID -> UUIDs of the port groups it belongs to
        self._port_pgs: dict[str, set[str]] = {}
        #: switch UUID -> IPv4 address -> the port name that holds it
        self._ip_owners: dict[str, dict[str, str]] = {}
        #: router port names whose peering must be re-resolved (a side was dropped)
        self._repeer: set[str] = set()
        self._lsp_cache: RowCache[SwitchPort] = RowCache()
        self._lb_cache: RowCache[LoadBalancer] = RowCache()
        self._dropped_ports: set[str] = set()
        self._owners = NbOwners()
        self._global_row: object = None
        self._as_rows: tuple[object, ...] = ()
        self._smb_rows: tuple[object, ...] = ()

    def update(self, nb: NbTables, changes: Iterable[Change] | None = None) -> Changed:
        """Bring the topology up to date with `nb`.

        `changes` (the replica's change events since the last update) narrows
        the search to the units those rows belong to; without it every unit's
        inputs are compared, which is also what happens on the first update.
        """
        changed = Changed()
        topo = self.topo
        scope = None
        if changes is not None and self._switch_units:
            scope = scope_of(changes, self._owners)
        globals_ = list(nb.get("NB_Global", {}).values())
        # Only the options shape flows; nb_cfg changes with every --wait.
        options = dict(globals_[0]["options"]) if globals_ else {}
        if options != topo.nb_options or self._global_row is None:
            self._global_row = options
            topo.nb_options = options
            changed.everything = True
        if changed.everything:
            scope = None
        if scope is None or "Address_Set" in scope.tables:
            self._address_sets(nb, changed)
        if scope is None or "Static_MAC_Binding" in scope.tables:
            self._static_mac_bindings(nb, changed)
        self._switches(nb, changed, None if scope is None else scope.switches)
        self._routers(nb, changed, None if scope is None else scope.routers)
        self._resolve_peers(changed)
        self._port_groups(nb, changed, None if scope is None else scope.port_groups)
        return changed

    # -- small tables ------------------------------------------------------------
    def _address_sets(self, nb: NbTables, changed: Changed) -> None:
        rows = tuple(nb.get("Address_Set", {}).values())
        if not _same(rows, self._as_rows):
            self._as_rows = rows
            self.topo.address_sets = {r["name"]: tuple(sorted(r["addresses"])) for r in rows}
            changed.address_sets = True

    def _static_mac_bindings(self, nb: NbTables, changed: Changed) -> None:
        rows = tuple(nb.get("Static_MAC_Binding", {}).values())
        if not _same(rows, self._smb_rows):
            self._smb_rows = rows
            self.topo.static_mac_bindings = list(rows)
            changed.static_mac_bindings = True

    # -- switches ----------------------------------------------------------------
    def _switches(self, nb: NbTables, changed: Changed, scope: set[str] | None) -> None:
        ls_rows = nb.get("Logical_Switch", {})
        lsp_rows = nb.get("Logical_Switch_Port", {})
        acl_rows = nb.get("ACL", {})
        dhcp_rows = nb.get("DHCP_Options", {})
        gone = self._switch_units if scope is None else scope
        for uuid in [u for u in gone if u not in ls_rows and u in self._switch_units]:
            self._drop_switch(uuid)
            changed.switches.add(uuid)
        candidates = (
            ls_rows.items() if scope is None else ((u, ls_rows[u]) for u in scope if u in ls_rows)
        )
        for uuid, row in candidates:
            ports = [p for p in row["ports"] if p in lsp_rows]
            inputs: tuple[object, ...] = (
                row,
                *(lsp_rows[p] for p in ports),
                *(dhcp_rows.get(optional(lsp_rows[p]["dhcpv4_options"]) or "") for p in ports),
                *(dhcp_rows.get(optional(lsp_rows[p]["dhcpv6_options"]) or "") for p in ports),
                *(acl_rows.get(a) for a in row["acls"]),
                *_lb_inputs(row, nb),
            )
            unit = self._switch_units.get(uuid)
            if unit is not None and _same(unit.inputs, inputs) and not changed.everything:
                continue
            self._drop_switch(uuid)
            self._build_switch(uuid, row, ports, lsp_rows, dhcp_rows, acl_rows, inputs)
            topo = self.topo
            topo.switches[uuid] = replace(topo.switches[uuid], lbs=self._lbs(row, nb))
            self._owners.note_switch(uuid, row, ports, lsp_rows)
            self._owners.note_lbs(uuid, row, nb)
            changed.switches.add(uuid)
        # Forget parsed ports that left every switch (not the whole cache:
        # pruning 10,000 entries per port add is what made adds slow).
        gone_ports = [p for p in self._dropped_ports if p not in self.topo.lsps]
        self._lsp_cache.discard(gone_ports)
        self._dropped_ports.clear()

    def _drop_switch(self, uuid: str) -> None:
        unit = self._switch_units.pop(uuid, None)
        topo = self.topo
        topo.switches.pop(uuid, None)
        if unit is None:
            return
        self._dropped_ports.update(unit.ports)
        for port_uuid in unit.ports:
            port = topo.lsps.pop(port_uuid, None)
            topo.lsp_external_ids.pop(port_uuid, None)
            if port is not None and topo.lsp_by_name.get(port.name) == port_uuid:
                del topo.lsp_by_name[port.name]
            if port is not None and port.type == "router":
                lrp_name = port.option("router-port") or ""
                if topo.lsp_for_lrp.get(lrp_name) == port_uuid:
                    del topo.lsp_for_lrp[lrp_name]
                self._repeer.add(lrp_name)

    def _build_switch(
        self,
        uuid: str,
        row: Row,
        port_uuids: list[str],
        lsp_rows: Mapping[str, Row],
        dhcp_rows: Mapping[str, Row],
        acl_rows: Mapping[str, Row],
        inputs: tuple[object, ...],
    ) -> None:
        topo, diag = self.topo, self.topo.diagnostics
        name = row["name"] or uuid
        ports: list[str] = []
        for port_uuid in sorted(port_uuids, key=lambda p: lsp_rows[p]["name"]):
            prow = lsp_rows[port_uuid]
            dhcp = (
                dhcp_rows.get(optional(prow["dhcpv4_options"]) or ""),
                dhcp_rows.get(optional(prow["dhcpv6_options"]) or ""),
            )
            port = self._lsp_cache.get(
                port_uuid,
                prow,
                dhcp,
                partial(read_switch_port, port_uuid, prow, uuid, dhcp, diag),
            )
            if port.switch != uuid:  # the same row moved to another switch
                port = read_switch_port(port_uuid, prow, uuid, dhcp, diag)
            if port.name in topo.lsp_by_name or port.name in topo.lrp_by_name:
                diag.report(f"dup-lsp-{port.name}", f"duplicate logical port name {port.name}")
                continue
            topo.lsps[port_uuid] = port
            topo.lsp_by_name[port.name] = port_uuid
            if prow["external_ids"]:
                topo.lsp_external_ids[port_uuid] = items(prow["external_ids"])
            if port.type == "router" and port.option("router-port"):
                topo.lsp_for_lrp[port.option("router-port") or ""] = port_uuid
            ports.append(port_uuid)
        self._ip_owners[uuid] = _dedupe_ips(topo, name, ports, self._ip_owners.get(uuid, {}))
        acls = _acls(row["acls"], acl_rows, f"switch {name}", diag)
        topo.switches[uuid] = Switch(uuid, name, tuple(ports), acls, items(row["other_config"]))
        self._switch_units[uuid] = _Unit(inputs, tuple(ports))

    # -- routers -----------------------------------------------------------------
    def _routers(self, nb: NbTables, changed: Changed, scope: set[str] | None) -> None:
        lr_rows = nb.get("Logical_Router", {})
        lrp_rows = nb.get("Logical_Router_Port", {})
        nat_rows = nb.get("NAT", {})
        route_rows = nb.get("Logical_Router_Static_Route", {})
        gw_rows = nb.get("Gateway_Chassis", {})
        gone = self._router_units if scope is None else scope
        for uuid in [u for u in gone if u not in lr_rows and u in self._router_units]:
            self._drop_router(uuid)
            changed.routers.add(uuid)
        candidates = (
            lr_rows.items() if scope is None else ((u, lr_rows[u]) for u in scope if u in lr_rows)
        )
        for uuid, row in candidates:
            ports = [p for p in row["ports"] if p in lrp_rows]
            inputs: tuple[object, ...] = (
                row,
                *(lrp_rows[p] for p in ports),
                *(gw_rows.get(g) for p in ports for g in sorted(lrp_rows[p]["gateway_chassis"])),
                *(nat_rows.get(n) for n in sorted(row["nat"])),
                *(route_rows.get(r) for r in sorted(row["static_routes"])),
                *_lb_inputs(row, nb),
            )
            unit = self._router_units.get(uuid)
            if unit is not None and _same(unit.inputs, inputs) and not changed.everything:
                continue
            self._drop_router(uuid)
            self._build_router(uuid, row, ports, nb, inputs)
            topo = self.topo
            topo.routers[uuid] = replace(topo.routers[uuid], lbs=self._lbs(row, nb))
            self._owners.note_router(uuid, row, ports, lrp_rows)
            self._owners.note_lbs(uuid, row, nb)
            changed.routers.add(uuid)

    def _drop_router(self, uuid: str) -> None:
        unit = self._router_units.pop(uuid, None)
        topo = self.topo
        topo.routers.pop(uuid, None)
        if unit is None:
            return
        for port_uuid in unit.ports:
            port = topo.lrps.pop(port_uuid, None)
            if port is not None and topo.lrp_by_name.get(port.name) == port_uuid:
                del topo.lrp_by_name[port.name]
            if port is not None:
                self._repeer.add(port.name)

    def _build_router(
        self, uuid: str, row: Row, port_uuids: list[str], nb: NbTables, inputs: tuple[object, ...]
    ) -> None:
        topo, diag = self.topo, self.topo.diagnostics
        name = row["name"] or uuid
        lrp_rows, gw_rows = nb["Logical_Router_Port"], nb.get("Gateway_Chassis", {})
        ports: list[str] = []
        for port_uuid in sorted(port_uuids, key=lambda p: lrp_rows[p]["name"]):
            prow = lrp_rows[port_uuid]
            gws = [gw_rows[g] for g in prow["gateway_chassis"] if g in gw_rows]
            port = read_router_port(port_uuid, prow, uuid, gws, diag)
            if port is None:
                continue
            if port.name in topo.lrp_by_name or port.name in topo.lsp_by_name:
                diag.report(f"dup-port-{port.name}", f"duplicate logical port name {port.name}")
                continue
            topo.lrps[port_uuid] = port
            topo.lrp_by_name[port.name] = port_uuid
            ports.append(port_uuid)
        nat_rows, route_rows = nb.get("NAT", {}), nb.get("Logical_Router_Static_Route", {})
        nats = [read_nat(n, nat_rows[n], name, diag) for n in sorted(row["nat"]) if n in nat_rows]
        topo.routers[uuid] = Router(
            uuid=uuid,
            name=name,
            ports=tuple(ports),
            nats=tuple(n for n in nats if n is not None),
            routes=tuple(
                read_route(r, route_rows[r])
                for r in sorted(row["static_routes"])
                if r in route_rows
            ),
            options=items(row["options"]),
            enabled=optional(row["enabled"]) is not False,
        )
        self._router_units[uuid] = _Unit(inputs, tuple(ports))

    def _lbs(self, row: Row, nb: NbTables) -> tuple[LoadBalancer, ...]:
        rows = nb.get("Load_Balancer", {})
        return tuple(
            self._lb_cache.get(
                u, rows[u], (), partial(read_load_balancer, u, rows[u], self.topo.diagnostics)
            )
            for u in datapath_lb_rows(row, nb)
        )

    # -- peers ---------------------------------------------------------------------
    def _resolve_peers(self, changed: Changed) -> None:
        """Link router-type switch ports and router ports where either side changed."""
        topo = self.topo
        lsp_uuids = {
            p for s in changed.switches if s in topo.switches for p in topo.switches[s].ports
        }
        lrp_uuids = {p for r in changed.routers if r in topo.routers for p in topo.routers[r].ports}
        if changed.everything:
            lsp_uuids, lrp_uuids = set(topo.lsps), set(topo.lrps)
        # Ports whose other side was dropped since the last resolution.
        for name in self._repeer:
            if name in topo.lrp_by_name:
                lrp_uuids.add(topo.lrp_by_name[name])
            if name in topo.lsp_for_lrp:
                lsp_uuids.add(topo.lsp_for_lrp[name])
        self._repeer = set()
        # Router ports whose peering may have changed, and switch ports pointing at them.
        lrp_uuids |= {
            topo.lrp_by_name[topo.lsps[p].option("router-port") or ""]
            for p in lsp_uuids
            if topo.lsps[p].type == "router"
            and topo.lsps[p].option("router-port") in topo.lrp_by_name
        }
        lsp_uuids |= {
            topo.lsp_for_lrp[topo.lrps[p].name]
            for p in lrp_uuids
            if topo.lrps[p].name in topo.lsp_for_lrp
        }
        for lsp_uuid in lsp_uuids:
            self._peer_switch_port(lsp_uuid, changed)
        for lrp_uuid in lrp_uuids:
            self._peer_router_port(lrp_uuid, changed)

    def _peer_switch_port(self, lsp_uuid: str, changed: Changed) -> None:
        topo = self.topo
        lsp = topo.lsps[lsp_uuid]
        peer = None
        if lsp.type == "router":
            peer = topo.lrp_by_name.get(lsp.option("router-port") or "")
            if peer is None:
                topo.diagnostics.report(
                    f"peer-{lsp.name}",
                    f"Logical_Switch_Port {lsp.name}: router-port "
                    f"{lsp.option('router-port')!r} does not exist",
                )
        if lsp.peer != peer:
            topo.lsps[lsp_uuid] = replace(lsp, peer=peer)
            changed.switches.add(lsp.switch)

    def _peer_router_port(self, lrp_uuid: str, changed: Changed) -> None:
        topo = self.topo
        lrp = topo.lrps[lrp_uuid]
        lsp = topo.lsp_for_lrp.get(lrp.name)
        peer_switch = lsp if lsp is not None and topo.lsps[lsp].peer == lrp_uuid else None
        row_peer = self._router_peer_name(lrp)
        peer_router = topo.lrp_by_name.get(row_peer or "") if peer_switch is None else None
        if (lrp.peer_switch_port, lrp.peer_router_port) != (peer_switch, peer_router):
            topo.lrps[lrp_uuid] = replace(
                lrp, peer_switch_port=peer_switch, peer_router_port=peer_router
            )
            changed.routers.add(lrp.router)

    def _router_peer_name(self, lrp: RouterPort) -> str | None:
        # read_router_port stores the NB `peer` column (a port name) before resolution.
        peer = lrp.peer_router_port
        if peer is None or peer in self.topo.lrps:
            return None if peer is None else self.topo.lrps[peer].name
        return peer

    # -- port groups ------------------------------------------------------------
    def _port_groups(self, nb: NbTables, changed: Changed, scope: set[str] | None) -> None:
        """Rebuild changed port groups; a port group's membership changes with
        its row (its ports column holds weak references, so deleting a port
        rewrites the row too)."""
        topo = self.topo
        pg_rows, acl_rows = nb.get("Port_Group", {}), nb.get("ACL", {})
        touched: set[str] = set()
        gone = topo.port_groups if scope is None else scope
        for uuid in [u for u in gone if u not in pg_rows and u in topo.port_groups]:
            self._set_members(uuid, None, changed)
            del topo.port_groups[uuid]
            self._pg_inputs.pop(uuid, None)
            touched.add(uuid)
        candidates = (
            pg_rows.items() if scope is None else ((u, pg_rows[u]) for u in scope if u in pg_rows)
        )
        for uuid, row in candidates:
            for acl in row["acls"]:
                self._owners.acls.setdefault(acl, set()).add(("pg", uuid))
            inputs = (row, *(acl_rows.get(a) for a in sorted(row["acls"])))
            old = self._pg_inputs.get(uuid)
            if old is not None and _same(old, inputs) and not changed.everything:
                continue
            ports = tuple(sorted(p for p in row["ports"] if p in topo.lsps))
            acls = _acls(row["acls"], acl_rows, f"port group {row['name']}", topo.diagnostics)
            pg = PortGroup(uuid, row["name"], ports, acls)
            self._pg_inputs[uuid] = inputs
            if topo.port_groups.get(uuid) == pg:
                continue
            self._set_members(uuid, pg, changed)
            topo.port_groups[uuid] = pg
            touched.add(uuid)
        changed.port_groups |= touched
        # A switch rebuilt for other reasons keeps its group memberships.
        for switch in changed.switches | changed.port_group_switches:
            self._index_switch(switch)

    def _set_members(self, uuid: str, pg: PortGroup | None, changed: Changed) -> None:
        old = self.topo.port_groups.get(uuid)
        for port in old.ports if old is not None else ():
            self._port_pgs.get(port, set()).discard(uuid)
            self._note_port_switch(port, changed)
        for port in pg.ports if pg is not None else ():
            self._port_pgs.setdefault(port, set()).add(uuid)
            self._note_port_switch(port, changed)

    def _note_port_switch(self, port: str, changed: Changed) -> None:
        lsp = self.topo.lsps.get(port)
        if lsp is not None:
            changed.port_group_switches.add(lsp.switch)
        else:
            self._port_pgs.pop(port, None)

    def _index_switch(self, switch_uuid: str) -> None:
        switch = self.topo.switches.get(switch_uuid)
        groups: set[str] = set()
        if switch is not None:
            for port in switch.ports:
                groups |= self._port_pgs.get(port, set())
        if groups:
            self.topo.switch_port_groups[switch_uuid] = groups
        else:
            self.topo.switch_port_groups.pop(switch_uuid, None)


def _acls(
    refs: Iterable[str], rows: Mapping[str, Row], owner: str, diag: Diagnostics
) -> tuple[Acl, ...]:
    parsed = (read_acl(a, rows[a], owner, diag) for a in refs if a in rows)
    return sort_acls(acl for acl in parsed if acl is not None)


def _lb_inputs(row: Row, nb: NbTables) -> tuple[object, ...]:
    """The Load_Balancer_Group and Load_Balancer rows a datapath row uses."""
    groups, lbs = nb.get("Load_Balancer_Group", {}), nb.get("Load_Balancer", {})
    used = tuple(groups.get(g) for g in sorted(row.get("load_balancer_group", ())))
    return (*used, *(lbs[u] for u in datapath_lb_rows(row, nb)))


def _same(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _dedupe_ips(
    topo: Topology, switch: str, ports: list[str], previous: dict[str, str]
) -> dict[str, str]:
    """An IPv4 address claimed by two ports stays with the port that had it
    before (or, with no history, the first by name); returns the owners."""
    claims: dict[str, list[str]] = {}
    for port_uuid in ports:
        for entry in topo.lsps[port_uuid].addresses:
            for net in entry.ipv4:
                claims.setdefault(str(net.addr), []).append(topo.lsps[port_uuid].name)
    owner = {
        ip: previous[ip] if previous.get(ip) in names else names[0] for ip, names in claims.items()
    }
    for port_uuid in ports:
        port = topo.lsps[port_uuid]
        entries = []
        for entry in port.addresses:
            kept = tuple(n for n in entry.ipv4 if owner[str(n.addr)] == port.name)
            for net in entry.ipv4:
                if owner[str(net.addr)] != port.name:
                    topo.diagnostics.report(
                        f"dup-ip-{switch}-{net.addr}-{port.name}",
                        f"switch {switch}: duplicate IP {net.addr} on ports "
                        f"{owner[str(net.addr)]} and {port.name}; ignored on {port.name}",
                    )
            entries.append(replace(entry, ipv4=kept))
        if entries != list(port.addresses):
            topo.lsps[port_uuid] = replace(port, addresses=tuple(entries))
    return owner


def build_topology(nb: NbTables, diagnostics: Diagnostics | None = None) -> Topology:
    """The whole model from the NB tables (a fresh builder)."""
    builder = TopologyBuilder()
    if diagnostics is not None:
        builder.topo.diagnostics = diagnostics
    builder.update(nb)
    return builder.topo
