"""Indexes over the Southbound replica that every controller job reads.

`SbView` follows the replica's changes (logical flows are indexed
separately, by `lflow.py`). Rows stay
in `pyovn.ovsdb`'s in-memory form; the helpers below read the optional
columns (`chassis`, `tag`, `up`, which are sets of at most one element).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = ["Datapath", "Port", "SbView", "optional"]

Row = Mapping[str, Any]


def optional(value: Any) -> Any:
    """The element of an optional (0-or-1) column, or None."""
    if isinstance(value, frozenset):
        for item in value:
            return item
        return None
    return value


@dataclass(frozen=True, slots=True)
class Datapath:
    """A Datapath_Binding: tunnel key, kind, and the NB row it comes from."""

    uuid: str
    key: int
    is_switch: bool
    name: str
    nb_uuid: str


@dataclass(frozen=True, slots=True)
class Port:
    """The columns of a Port_Binding the controller uses."""

    uuid: str
    name: str
    type: str
    key: int
    datapath: str
    chassis: str | None
    options: Mapping[str, str]
    mac: frozenset[str]
    port_security: frozenset[str]
    tag: int | None
    up: bool
    ha_chassis_group: str | None
    gateway_chassis: frozenset[str]
    requested_chassis: str | None

    @classmethod
    def from_row(cls, uuid: str, row: Row) -> Port:
        return cls(
            uuid,
            row["logical_port"],
            row["type"],
            row["tunnel_key"],
            row["datapath"],
            optional(row["chassis"]),
            row["options"],
            row["mac"],
            row["port_security"],
            optional(row["tag"]),
            bool(optional(row["up"])),
            optional(row["ha_chassis_group"]),
            row["gateway_chassis"],
            optional(row["requested_chassis"]),
        )


@dataclass(frozen=True, slots=True)
class MulticastGroup:
    """A Multicast_Group of one datapath; `ports` are Port_Binding UUIDs."""

    uuid: str
    name: str
    key: int
    datapath: str
    ports: frozenset[str]


class SbView:
    """Port bindings, datapaths, groups and chassis by the keys the jobs use.

    `build` indexes whole tables; `apply` keeps the index current from the
    replica's changes (the daemon registers it as a listener, so runs cost
    what changed, not the size of the Southbound DB). Chassis and Encap
    changes only mark the chassis maps stale: `refresh_chassis` rebuilds
    them (both tables are small).
    """

    def __init__(self) -> None:
        self.datapaths: dict[str, Datapath] = {}
        self.datapath_by_key: dict[int, Datapath] = {}
        self.ports: dict[str, Port] = {}
        self.port_by_uuid: dict[str, Port] = {}
        self.by_datapath: dict[str, dict[str, Port]] = defaultdict(dict)
        self.groups: dict[str, MulticastGroup] = {}
        self.groups_by_datapath: dict[str, dict[str, MulticastGroup]] = defaultdict(dict)
        self.bound_to: dict[str, set[str]] = defaultdict(set)  # chassis uuid -> port names
        self.gateways: dict[str, Port] = {}  # chassisredirect and l3gateway ports by uuid
        self.chassis_name: dict[str, str] = {}
        self.chassis_uuid: dict[str, str] = {}
        self.encaps: dict[str, list[tuple[str, str]]] = {}
        self.chassis_stale = True

    @classmethod
    def build(cls, tables: Mapping[str, Mapping[str, Row]]) -> SbView:
        """Index the rows of the replicated SB tables."""
        view = cls()
        for table in ("Datapath_Binding", "Port_Binding", "Multicast_Group"):
            for uuid, row in tables[table].items():
                view._HANDLERS[table](view, uuid, None, row)
        view.refresh_chassis(tables)
        return view

    def apply(self, changes: list[Any]) -> None:
        """Replica listener: follow inserts, updates and deletes."""
        for change in changes:
            handler = self._HANDLERS.get(change.table)
            if handler is not None:
                handler(self, change.uuid, change.old, change.new)
            elif change.table in ("Chassis", "Encap"):
                self.chassis_stale = True

    def _datapath(self, uuid: str, old: Row | None, new: Row | None) -> None:
        previous = self.datapaths.pop(uuid, None)
        if previous is not None and self.datapath_by_key.get(previous.key) is previous:
            del self.datapath_by_key[previous.key]
        if new is None:
            return
        ids = new["external_ids"]
        router = ids.get("logical-router")
        datapath = Datapath(
            uuid,
            new["tunnel_key"],
            router is None,
            ids.get("name", uuid[:8]),
            router or ids.get("logical-switch", uuid),
        )
        self.datapaths[uuid] = datapath
        self.datapath_by_key[datapath.key] = datapath

    def _port(self, uuid: str, old: Row | None, new: Row | None) -> None:
        previous = self.port_by_uuid.pop(uuid, None)
        if previous is not None:
            if self.ports.get(previous.name) is previous:
                del self.ports[previous.name]
            self.by_datapath[previous.datapath].pop(uuid, None)
            if previous.chassis:
                self.bound_to[previous.chassis].discard(previous.name)
            self.gateways.pop(uuid, None)
        if new is None:
            return
        port = Port.from_row(uuid, new)
        self.ports[port.name] = port
        self.port_by_uuid[uuid] = port
        self.by_datapath[port.datapath][uuid] = port
        if port.chassis:
            self.bound_to[port.chassis].add(port.name)
        if port.type in ("chassisredirect", "l3gateway"):
            self.gateways[uuid] = port

    def _group(self, uuid: str, old: Row | None, new: Row | None) -> None:
        previous = self.groups.pop(uuid, None)
        if previous is not None:
            self.groups_by_datapath[previous.datapath].pop(uuid, None)
        if new is None:
            return
        group = MulticastGroup(uuid, new["name"], new["tunnel_key"], new["datapath"], new["ports"])
        self.groups[uuid] = group
        self.groups_by_datapath[group.datapath][uuid] = group

    _HANDLERS: ClassVar[dict[str, Callable[[SbView, str, Row | None, Row | None], None]]] = {
        "Datapath_Binding": _datapath,
        "Port_Binding": _port,
        "Multicast_Group": _group,
    }

    def refresh_chassis(self, tables: Mapping[str, Mapping[str, Row]]) -> None:
        """Rebuild the chassis maps if a Chassis or Encap row changed."""
        if not self.chassis_stale:
            return
        encaps = tables["Encap"]
        self.chassis_name, self.chassis_uuid, self.encaps = {}, {}, {}
        for uuid, row in tables["Chassis"].items():
            self.chassis_name[uuid] = row["name"]
            self.chassis_uuid[row["name"]] = uuid
            self.encaps[row["name"]] = sorted(
                (encaps[e]["type"], encaps[e]["ip"]) for e in row["encaps"] if e in encaps
            )
        self.chassis_stale = False

    def ports_of(self, datapath: str) -> Iterable[Port]:
        """The port bindings of a datapath."""
        found = self.by_datapath.get(datapath)
        return found.values() if found else ()

    def groups_of(self, datapath: str) -> Iterable[MulticastGroup]:
        """The multicast groups of a datapath."""
        found = self.groups_by_datapath.get(datapath)
        return found.values() if found else ()

    def port_chassis_name(self, port: Port) -> str | None:
        """The name of the chassis a port is bound to (None when unbound)."""
        return self.chassis_name.get(port.chassis) if port.chassis else None

    def peer(self, port: Port) -> Port | None:
        """The other end of a patch (or l3gateway) port."""
        name = port.options.get("peer")
        return self.ports.get(name) if name else None
