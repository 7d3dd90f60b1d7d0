"""Indexes over the Southbound replica that every controller job reads.

`SbView` is rebuilt at the start of each run from the replica's rows (it is
linear in the number of datapaths, port bindings, multicast groups and
chassis; logical flows are indexed incrementally by `lflow.py`). Rows stay
in `pyovn.ovsdb`'s in-memory form; the helpers below read the optional
columns (`chassis`, `tag`, `up`, which are sets of at most one element).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class SbView:
    """Port bindings, datapaths, groups and chassis by the keys the jobs use."""

    datapaths: dict[str, Datapath] = field(default_factory=dict)
    datapath_by_key: dict[int, Datapath] = field(default_factory=dict)
    ports: dict[str, Port] = field(default_factory=dict)
    port_by_uuid: dict[str, Port] = field(default_factory=dict)
    ports_by_datapath: dict[str, list[Port]] = field(default_factory=lambda: defaultdict(list))
    groups_by_datapath: dict[str, list[MulticastGroup]] = field(
        default_factory=lambda: defaultdict(list)
    )
    chassis_name: dict[str, str] = field(default_factory=dict)
    chassis_uuid: dict[str, str] = field(default_factory=dict)
    encaps: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def build(cls, tables: Mapping[str, Mapping[str, Row]]) -> SbView:
        """Index the rows of the replicated SB tables."""
        view = cls()
        for uuid, row in tables["Datapath_Binding"].items():
            ids = row["external_ids"]
            router = ids.get("logical-router")
            datapath = Datapath(
                uuid,
                row["tunnel_key"],
                router is None,
                ids.get("name", uuid[:8]),
                router or ids.get("logical-switch", uuid),
            )
            view.datapaths[uuid] = datapath
            view.datapath_by_key[datapath.key] = datapath
        for uuid, row in tables["Port_Binding"].items():
            port = Port.from_row(uuid, row)
            view.ports[port.name] = port
            view.port_by_uuid[uuid] = port
            view.ports_by_datapath[port.datapath].append(port)
        for uuid, row in tables["Multicast_Group"].items():
            group = MulticastGroup(
                uuid, row["name"], row["tunnel_key"], row["datapath"], row["ports"]
            )
            view.groups_by_datapath[group.datapath].append(group)
        encaps = tables["Encap"]
        for uuid, row in tables["Chassis"].items():
            view.chassis_name[uuid] = row["name"]
            view.chassis_uuid[row["name"]] = uuid
            view.encaps[row["name"]] = sorted(
                (encaps[e]["type"], encaps[e]["ip"]) for e in row["encaps"] if e in encaps
            )
        return view

    def port_chassis_name(self, port: Port) -> str | None:
        """The name of the chassis a port is bound to (None when unbound)."""
        return self.chassis_name.get(port.chassis) if port.chassis else None

    def peer(self, port: Port) -> Port | None:
        """The other end of a patch (or l3gateway) port."""
        name = port.options.get("peer")
        return self.ports.get(name) if name else None
