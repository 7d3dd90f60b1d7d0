"""Build the typed model (`model.py`) from Northbound rows.

Rows are dicts in pyovn.ovsdb's in-memory form (sets are frozensets, maps
dicts, references UUID strings). Anything malformed is reported once through
`Diagnostics` with the row it came from and left out; the rest still
compiles.
"""

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyovn.northd.addresses import (
    AddressEntry,
    parse_address_entry,
    parse_mac,
    parse_router_networks,
)
from pyovn.northd.errors import AddressError
from pyovn.northd.model import (
    Acl,
    DhcpOptions,
    Diagnostics,
    Nat,
    PortGroup,
    Router,
    RouterPort,
    StaticRoute,
    Switch,
    SwitchPort,
)

__all__ = ["NbTables", "Topology", "build_topology"]

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
    #: LSP UUID -> its external_ids (copied to Port_Binding, unused by flows).
    lsp_external_ids: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    lrp_by_name: dict[str, str] = field(default_factory=dict)
    static_mac_bindings: list[Row] = field(default_factory=list)
    nb_options: dict[str, str] = field(default_factory=dict)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)

    def port_groups_of(self, switch: Switch) -> list[PortGroup]:
        """Port groups with at least one port on `switch`, by name."""
        members = set(switch.ports)
        return sorted(
            (pg for pg in self.port_groups.values() if members.intersection(pg.ports)),
            key=lambda pg: pg.name,
        )


def _items(value: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(value.items()))


def _optional(value: frozenset[Any]) -> Any:
    return next(iter(value)) if value else None


def build_topology(nb: NbTables, diagnostics: Diagnostics | None = None) -> Topology:
    """The whole model from the NB tables."""
    topo = Topology(diagnostics=diagnostics or Diagnostics())
    reader = _Reader(nb, topo)
    reader.read_global()
    reader.read_address_sets()
    reader.read_switches()
    reader.read_routers()
    reader.resolve_peers()
    reader.read_port_groups()
    reader.read_static_mac_bindings()
    return topo


class _Reader:
    def __init__(self, nb: NbTables, topo: Topology) -> None:
        self.nb = nb
        self.topo = topo
        self.diag = topo.diagnostics

    def table(self, name: str) -> Mapping[str, Row]:
        return self.nb.get(name, {})

    def read_global(self) -> None:
        for row in self.table("NB_Global").values():
            self.topo.nb_options = dict(row["options"])

    def read_address_sets(self) -> None:
        for row in self.table("Address_Set").values():
            self.topo.address_sets[row["name"]] = tuple(sorted(row["addresses"]))

    # -- switches --------------------------------------------------------------
    def read_switches(self) -> None:
        acls = self.table("ACL")
        lsp_rows = self.table("Logical_Switch_Port")
        for uuid, row in self.table("Logical_Switch").items():
            port_uuids = sorted(
                (p for p in row["ports"] if p in lsp_rows), key=lambda p: lsp_rows[p]["name"]
            )
            ports: list[str] = []
            for port_uuid in port_uuids:
                port = self.switch_port(port_uuid, lsp_rows[port_uuid], uuid)
                if port.name in self.topo.lsp_by_name:
                    self.diag.report(
                        f"dup-lsp-{port.name}", f"duplicate logical switch port name {port.name}"
                    )
                    continue
                self.topo.lsps[port_uuid] = port
                self.topo.lsp_by_name[port.name] = port_uuid
                if lsp_rows[port_uuid]["external_ids"]:
                    self.topo.lsp_external_ids[port_uuid] = _items(
                        lsp_rows[port_uuid]["external_ids"]
                    )
                ports.append(port_uuid)
            self._dedupe_ips(row["name"] or uuid, ports)
            self.topo.switches[uuid] = Switch(
                uuid=uuid,
                name=row["name"] or uuid,
                ports=tuple(ports),
                acls=self.acls(row["acls"], acls),
                other_config=_items(row["other_config"]),
            )

    def _dedupe_ips(self, switch: str, ports: list[str]) -> None:
        """An IPv4 address claimed by two ports stays with the first (by name)."""
        owner: dict[str, str] = {}
        for port_uuid in ports:
            port = self.topo.lsps[port_uuid]
            entries = []
            for entry in port.addresses:
                kept = []
                for net in entry.ipv4:
                    first = owner.setdefault(str(net.addr), port.name)
                    if first == port.name:
                        kept.append(net)
                    else:
                        self.diag.report(
                            f"dup-ip-{switch}-{net.addr}-{port.name}",
                            f"switch {switch}: duplicate IP {net.addr} on ports {first} and "
                            f"{port.name}; ignored on {port.name}",
                        )
                entries.append(_replace(entry, ipv4=tuple(kept)))
            if entries != list(port.addresses):
                self.topo.lsps[port_uuid] = _replace(port, addresses=tuple(entries))

    def acls(self, refs: Iterable[str], rows: Mapping[str, Row]) -> tuple[Acl, ...]:
        out = []
        for ref in refs:
            row = rows.get(ref)
            if row is None:
                continue
            out.append(
                Acl(
                    uuid=ref,
                    direction=row["direction"],
                    priority=row["priority"],
                    match=row["match"],
                    action=row["action"],
                    log=row["log"],
                    name=_optional(row["name"]),
                    severity=_optional(row["severity"]),
                    label=row.get("label", 0),
                    options=_items(row["options"]),
                )
            )
        return tuple(sorted(out, key=lambda a: (a.direction, -a.priority, a.match, a.uuid)))

    def switch_port(self, uuid: str, row: Row, switch: str) -> SwitchPort:
        name = row["name"]
        addresses: list[AddressEntry] = []
        has_unknown = is_router = False
        for text in sorted(row["addresses"]):
            word = text.strip()
            if word == "unknown":
                has_unknown = True
            elif word == "router":
                is_router = True
            elif word == "dynamic" or word.endswith(" dynamic"):
                continue  # dynamic addressing is resolved into dynamic_addresses
            else:
                entry = self._entry(name, "addresses", text)
                if entry is not None:
                    addresses.append(entry)
        for text in row.get("dynamic_addresses", ()):  # IPAM results
            entry = self._entry(name, "dynamic_addresses", text)
            if entry is not None:
                addresses.append(entry)
        security = [
            e
            for e in (self._entry(name, "port_security", t) for t in sorted(row["port_security"]))
            if e is not None
        ]
        dhcp = None
        dhcp_ref = _optional(row["dhcpv4_options"])
        if dhcp_ref is not None:
            drow = self.table("DHCP_Options").get(dhcp_ref)
            if drow is not None:
                dhcp = DhcpOptions(dhcp_ref, drow["cidr"], _items(drow["options"]))
        enabled = _optional(row["enabled"])
        return SwitchPort(
            uuid=uuid,
            name=name,
            switch=switch,
            type=row["type"],
            addresses=tuple(addresses),
            has_unknown=has_unknown,
            is_router_addresses=is_router,
            port_security=tuple(security),
            options=_items(row["options"]),
            enabled=enabled is not False,
            dhcpv4=dhcp,
            tag=_optional(row["tag"]),
            parent=_optional(row["parent_name"]),
            raw_addresses=tuple(sorted(row["addresses"])),
            raw_port_security=tuple(sorted(row["port_security"])),
        )

    def _entry(self, port: str, column: str, text: str) -> AddressEntry | None:
        try:
            return parse_address_entry(text)
        except AddressError as exc:
            self.diag.report(
                f"addr-{port}-{column}-{text}",
                f"Logical_Switch_Port {port}: bad {column} entry {text!r}: {exc}",
            )
            return None

    # -- routers ---------------------------------------------------------------
    def read_routers(self) -> None:
        lrp_rows = self.table("Logical_Router_Port")
        nat_rows = self.table("NAT")
        route_rows = self.table("Logical_Router_Static_Route")
        for uuid, row in self.table("Logical_Router").items():
            ports: list[str] = []
            for port_uuid in sorted(
                (p for p in row["ports"] if p in lrp_rows), key=lambda p: lrp_rows[p]["name"]
            ):
                port = self.router_port(port_uuid, lrp_rows[port_uuid], uuid)
                if port is None:
                    continue
                if port.name in self.topo.lrp_by_name or port.name in self.topo.lsp_by_name:
                    self.diag.report(f"dup-port-{port.name}", f"duplicate port name {port.name}")
                    continue
                self.topo.lrps[port_uuid] = port
                self.topo.lrp_by_name[port.name] = port_uuid
                ports.append(port_uuid)
            enabled = _optional(row["enabled"])
            self.topo.routers[uuid] = Router(
                uuid=uuid,
                name=row["name"] or uuid,
                ports=tuple(ports),
                nats=tuple(
                    nat
                    for r in sorted(row["nat"])
                    if r in nat_rows and (nat := self.nat(r, nat_rows[r], row["name"])) is not None
                ),
                routes=tuple(
                    self.route(r, route_rows[r])
                    for r in sorted(row["static_routes"])
                    if r in route_rows
                ),
                options=_items(row["options"]),
                enabled=enabled is not False,
            )

    def router_port(self, uuid: str, row: Row, router: str) -> RouterPort | None:
        try:
            networks = parse_router_networks(row["mac"], sorted(row["networks"]))
        except AddressError as exc:
            self.diag.report(
                f"lrp-{row['name']}", f"Logical_Router_Port {row['name']}: {exc}; port skipped"
            )
            return None
        gw_rows = self.table("Gateway_Chassis")
        gateways = sorted(
            (
                (gw_rows[g]["chassis_name"], gw_rows[g]["priority"])
                for g in row["gateway_chassis"]
                if g in gw_rows
            ),
            key=lambda item: (-item[1], item[0]),
        )
        enabled = _optional(row["enabled"])
        return RouterPort(
            uuid=uuid,
            name=row["name"],
            router=router,
            networks=networks,
            gateway_chassis=tuple(gateways),
            options=_items(row["options"]),
            enabled=enabled is not False,
            peer_router_port=_optional(row["peer"]),  # a name for now; resolved below
        )

    def nat(self, uuid: str, row: Row, router: str) -> Nat | None:
        problem = _nat_problem(row)
        if problem is not None:
            self.diag.report(
                f"nat-{uuid}",
                f"router {router}: NAT {uuid} ({row['type']} {row['external_ip']} -> "
                f"{row['logical_ip']}): {problem}; rule skipped",
            )
            return None
        return Nat(
            uuid=uuid,
            type=row["type"],
            external_ip=row["external_ip"],
            logical_ip=row["logical_ip"],
            external_mac=_optional(row["external_mac"]),
            logical_port=_optional(row["logical_port"]),
            external_port_range=row["external_port_range"],
            options=_items(row["options"]),
            gateway_port=_optional(row.get("gateway_port", frozenset())),
        )

    def route(self, uuid: str, row: Row) -> StaticRoute:
        return StaticRoute(
            uuid=uuid,
            ip_prefix=row["ip_prefix"],
            nexthop=row["nexthop"],
            output_port=_optional(row["output_port"]),
            policy=_optional(row["policy"]) or "dst-ip",
            route_table=row["route_table"],
            options=_items(row["options"]),
        )

    def resolve_peers(self) -> None:
        """Link router-type switch ports and router ports both ways."""
        topo = self.topo
        for lsp_uuid, lsp in list(topo.lsps.items()):
            if lsp.type != "router":
                continue
            lrp_name = lsp.option("router-port")
            lrp_uuid = topo.lrp_by_name.get(lrp_name or "")
            if lrp_uuid is None:
                self.diag.report(
                    f"peer-{lsp.name}",
                    f"Logical_Switch_Port {lsp.name}: router-port {lrp_name!r} does not exist",
                )
                continue
            lrp = topo.lrps[lrp_uuid]
            topo.lsps[lsp_uuid] = _replace(lsp, peer=lrp_uuid)
            topo.lrps[lrp_uuid] = _replace(lrp, peer_switch_port=lsp_uuid, peer_router_port=None)
        for lrp_uuid, lrp in list(topo.lrps.items()):
            if lrp.peer_switch_port is None and lrp.peer_router_port is not None:
                peer = topo.lrp_by_name.get(lrp.peer_router_port)
                topo.lrps[lrp_uuid] = _replace(lrp, peer_router_port=peer)

    # -- groups and bindings ---------------------------------------------------
    def read_port_groups(self) -> None:
        acls = self.table("ACL")
        for uuid, row in self.table("Port_Group").items():
            ports = tuple(sorted(p for p in row["ports"] if p in self.topo.lsps))
            self.topo.port_groups[uuid] = PortGroup(
                uuid=uuid, name=row["name"], ports=ports, acls=self.acls(row["acls"], acls)
            )

    def read_static_mac_bindings(self) -> None:
        self.topo.static_mac_bindings = list(self.table("Static_MAC_Binding").values())


def _nat_problem(row: Row) -> str | None:
    try:
        external = ipaddress.ip_address(row["external_ip"])
    except ValueError:
        return f"bad external_ip {row['external_ip']!r}"
    logical = row["logical_ip"]
    try:
        if row["type"] == "snat":
            network = ipaddress.ip_network(logical, strict=False)
            version = network.version
        else:
            version = ipaddress.ip_address(logical).version
    except ValueError:
        return f"bad logical_ip {logical!r}"
    if version != external.version:
        return "external and logical addresses are of different IP versions"
    mac = next(iter(row["external_mac"]), None)
    if mac is not None:
        try:
            parse_mac(mac)
        except AddressError:
            return f"bad external_mac {mac!r}"
    return None


def _replace(obj: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(obj, **changes)
