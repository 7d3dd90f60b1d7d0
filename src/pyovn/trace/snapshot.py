"""A loaded, read-only view of a Southbound database, indexed for tracing.

`SouthboundSnapshot.load(remote)` reads the tables the tracer needs from an
OVSDB server (pyovn's or the real one) once; `from_tables()` builds the same
view from rows already in memory (a `Replica`'s `tables`). Many traces then
run against one snapshot: logical flows are indexed by (datapath, pipeline,
table) and sorted by priority; their match and action text is parsed on
first use and kept.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyovn.trace.errors import SouthboundError, UnknownDatapathError
from pyovn.trace.flows import FlowEntry, FlowTable

__all__ = [
    "SB_TABLES",
    "Datapath",
    "McGroup",
    "Port",
    "SouthboundSnapshot",
]

#: The Southbound tables a snapshot reads.
SB_TABLES = (
    "Datapath_Binding",
    "Port_Binding",
    "Logical_Flow",
    "Logical_DP_Group",
    "Multicast_Group",
    "MAC_Binding",
    "Address_Set",
    "Port_Group",
    "FDB",
)

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Datapath:
    """A logical switch or router (Datapath_Binding)."""

    uuid: str
    key: int
    name: str
    kind: str
    external_ids: Mapping[str, str]

    @property
    def friendly_name(self) -> str:
        return self.external_ids.get("name2") or self.name


@dataclass(frozen=True, slots=True)
class Port:
    """A logical port (Port_Binding) and what tracing needs of it."""

    uuid: str
    name: str
    key: int
    datapath: str
    type: str
    options: Mapping[str, str]
    port_security: tuple[str, ...]
    macs: tuple[str, ...] = ()

    @property
    def peer(self) -> str | None:
        """The port on the other side of a patch or l3gateway port."""
        if self.type in ("patch", "l3gateway"):
            return self.options.get("peer")
        return None


@dataclass(frozen=True, slots=True)
class McGroup:
    """A multicast group (Multicast_Group) with its ports in OVSDB order."""

    name: str
    key: int
    datapath: str
    ports: tuple[str, ...]


@dataclass
class SouthboundSnapshot:
    """Datapaths, ports, groups, bindings and flows of one Southbound DB."""

    datapaths: dict[str, Datapath] = field(default_factory=dict)
    ports: dict[str, Port] = field(default_factory=dict)
    mcgroups: dict[str, dict[str, McGroup]] = field(default_factory=dict)
    mac_bindings: dict[tuple[str, int], int] = field(default_factory=dict)
    fdb: dict[tuple[int, int], int] = field(default_factory=dict)
    address_sets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    port_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    flows: FlowTable = field(default_factory=FlowTable)
    ports_by_key: dict[tuple[str, int], Port] = field(default_factory=dict)
    mcgroups_by_key: dict[tuple[str, int], McGroup] = field(default_factory=dict)
    datapath_names: dict[str, Datapath] = field(default_factory=dict)
    global_port_keys: dict[str, int] = field(default_factory=dict)
    gateway_routers: set[str] = field(default_factory=set)
    #: Per-datapath objects the tracer derives once (name environments).
    cache: dict[str, object] = field(default_factory=dict)

    # ---- construction --------------------------------------------------------

    @classmethod
    def load(
        cls, remote: str, *, timeout: float = 600.0, connect_timeout: float = 1.0
    ) -> SouthboundSnapshot:
        """Read the Southbound DB at `remote` (e.g. `unix:/run/ovn/ovnsb_db.sock`):
        give up if no connection is made within `connect_timeout` seconds, or
        if reading takes longer than `timeout`."""
        try:
            tables = asyncio.run(_fetch(remote, timeout, connect_timeout))
        except (OSError, TimeoutError) as exc:
            raise SouthboundError(f"cannot read the Southbound DB at {remote}: {exc}") from exc
        return cls.from_tables(tables)

    @classmethod
    def from_tables(cls, tables: Mapping[str, Mapping[str, Row]]) -> SouthboundSnapshot:
        """Build a snapshot from rows by table name (uuid -> column -> value)."""
        snap = cls()
        empty: Mapping[str, Row] = {}
        try:
            snap._add_datapaths(tables.get("Datapath_Binding", empty))
            snap._add_ports(tables.get("Port_Binding", empty))
            snap._add_groups(tables.get("Multicast_Group", empty), tables)
            snap._add_bindings(tables)
            snap._add_flows(
                tables.get("Logical_Flow", empty), tables.get("Logical_DP_Group", empty)
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SouthboundError(f"unexpected Southbound content: {exc!r}") from exc
        return snap

    def _add_datapaths(self, rows: Mapping[str, Row]) -> None:
        for uuid, row in rows.items():
            ids = dict(row.get("external_ids", {}))
            kind = "router" if "logical-router" in ids else "switch"
            name = ids.get("name") or uuid
            self.datapaths[uuid] = Datapath(uuid, int(row["tunnel_key"]), name, kind, ids)
            self.datapath_names.setdefault(name, self.datapaths[uuid])
            self.mcgroups[uuid] = {}

    def _add_ports(self, rows: Mapping[str, Row]) -> None:
        by_uuid: list[tuple[str, Port]] = []
        for uuid, row in rows.items():
            if row["datapath"] not in self.datapaths:
                continue
            port = Port(
                uuid,
                row["logical_port"],
                int(row["tunnel_key"]),
                row["datapath"],
                row.get("type", ""),
                dict(row.get("options", {})),
                tuple(sorted(row.get("port_security", ()))),
                tuple(sorted(row.get("mac", ()))),
            )
            by_uuid.append((uuid, port))
        for _uuid, port in sorted(by_uuid):
            self.ports[port.name] = port
            self.global_port_keys[port.name] = port.key
            if port.type == "l3gateway":
                self.gateway_routers.add(port.datapath)
            self.ports_by_key[(port.datapath, port.key)] = port
        self._port_names = {uuid: port.name for uuid, port in by_uuid}

    def _add_groups(self, rows: Mapping[str, Row], tables: Mapping[str, Mapping[str, Row]]) -> None:
        for row in rows.values():
            dp = row["datapath"]
            if dp not in self.datapaths:
                continue
            members = tuple(
                sorted(self._port_names[u] for u in row["ports"] if u in self._port_names)
            )
            group = McGroup(row["name"], int(row["tunnel_key"]), dp, members)
            self.mcgroups[dp][group.name] = group
            self.mcgroups_by_key[(dp, group.key)] = group

    def _add_bindings(self, tables: Mapping[str, Mapping[str, Row]]) -> None:
        for row in tables.get("MAC_Binding", {}).values():
            ip = _ip_value(row["ip"])
            if ip is not None:
                self.mac_bindings[(row["logical_port"], ip)] = _mac_value(row["mac"])
        for row in tables.get("FDB", {}).values():
            key = (int(row["dp_key"]), _mac_value(row["mac"]))
            self.fdb[key] = int(row["port_key"])
        for row in tables.get("Address_Set", {}).values():
            self.address_sets[row["name"]] = tuple(sorted(row["addresses"]))
        for row in tables.get("Port_Group", {}).values():
            self.port_groups[row["name"]] = tuple(sorted(row["ports"]))

    def _add_flows(self, rows: Mapping[str, Row], groups: Mapping[str, Row]) -> None:
        for uuid, row in rows.items():
            dps: Iterable[str] = row.get("logical_datapath", ())
            if isinstance(dps, str):
                dps = (dps,)
            group = row.get("logical_dp_group", ())
            for ref in (group,) if isinstance(group, str) else group:
                if ref in groups:
                    dps = (*dps, *groups[ref]["datapaths"])
            ids = row.get("external_ids", {})
            entry = FlowEntry(
                uuid=uuid,
                pipeline=row["pipeline"],
                table=int(row["table_id"]),
                priority=int(row["priority"]),
                match=row["match"],
                actions=row["actions"],
                stage=ids.get("stage-name", ""),
                source=ids.get("source", ""),
            )
            self.flows.add(entry, [dp for dp in dps if dp in self.datapaths])
        self.flows.sort()

    # ---- queries -------------------------------------------------------------

    def find_datapath(self, name: str) -> Datapath:
        """A datapath by name, NB UUID or SB UUID."""
        if name in self.datapaths:
            return self.datapaths[name]
        if name in self.datapath_names:
            return self.datapath_names[name]
        for dp in self.datapaths.values():
            ids = dp.external_ids
            if name in (dp.name, ids.get("name2"), ids.get("logical-switch")):
                return dp
            if name == ids.get("logical-router"):
                return dp
        raise UnknownDatapathError(f'unknown datapath "{name}"')

    def is_gateway(self, datapath: Datapath) -> bool:
        """A gateway router: one with an l3gateway port (pinned to a chassis)."""
        return datapath.kind == "router" and datapath.uuid in self.gateway_routers

    def port_on(self, datapath: str, key: int) -> Port | None:
        return self.ports_by_key.get((datapath, key))

    def group_on(self, datapath: str, key: int) -> McGroup | None:
        return self.mcgroups_by_key.get((datapath, key))

    def port_keys(self, datapath: str) -> dict[str, int]:
        """Names usable in `inport`/`outport` on `datapath`: ports and groups."""
        names = {p.name: p.key for p in self.ports.values() if p.datapath == datapath}
        names.update({g.name: g.key for g in self.mcgroups[datapath].values()})
        names.setdefault("none", 0)
        return names

    def all_port_keys(self) -> dict[str, int]:
        """Every logical port name with its tunnel key (for microflows)."""
        return self.global_port_keys

    def port_group(self, datapath: Datapath, name: str) -> tuple[str, ...] | None:
        """Members of `@name` on `datapath` (northd writes `<dp key>_<name>`)."""
        scoped = self.port_groups.get(f"{datapath.key}_{name}")
        return scoped if scoped is not None else self.port_groups.get(name)


def _ip_value(text: str) -> int | None:
    try:
        return int(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def _mac_value(text: str) -> int:
    return int(text.replace(":", ""), 16)


async def _fetch(remote: str, timeout: float, connect_timeout: float) -> dict[str, dict[str, Row]]:
    from pyovn.ovsdb.client import OvsdbClient
    from pyovn.ovsdb.replica import Replica

    client = OvsdbClient(remote, reconnect=False)
    await client.connect(timeout=connect_timeout)
    try:
        replica = Replica(client, "OVN_Southbound", tables={t: None for t in SB_TABLES})
        await asyncio.wait_for(replica.start(), timeout)
        return {name: dict(table.rows) for name, table in replica.tables.items()}
    finally:
        await client.close()
