"""Build CompileContexts from a real Southbound DB (test support).

Reads Datapath_Binding, Port_Binding, Multicast_Group, Port_Group,
Address_Set and Chassis through `ovn-sbctl --format=json`, the way
ovn-controller sees them on chassis "hv1".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pyovn.lflow import CompileContext

Rows = Callable[..., list[dict[str, object]]]


@dataclass
class DatapathInfo:
    key: int
    is_router: bool
    ports: dict[str, int] = field(default_factory=dict)
    port_groups: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class SbView:
    datapaths: dict[str, DatapathInfo]
    address_sets: dict[str, list[str]]
    resident: set[str]

    def context(self, datapath: str, pipeline: str, table_id: int) -> CompileContext:
        info = self.datapaths[datapath]
        return CompileContext(
            datapath_key=info.key,
            pipeline=pipeline,
            table_id=table_id,
            ports=info.ports,
            address_sets=self.address_sets,
            port_groups=info.port_groups,
            resident_ports=self.resident,
            is_switch=not info.is_router,
        )


def _uuid(value: object) -> str:
    return value[1] if isinstance(value, list) and value and value[0] == "uuid" else ""


def _set(value: object) -> list[str]:
    if isinstance(value, list) and value and value[0] == "set":
        return [str(v) for v in value[1]]
    return [str(value)] if value not in ("", None) else []


def _map(value: object) -> dict[str, str]:
    return dict(value[1]) if isinstance(value, list) and value[0] == "map" else {}


def read_sb(rows: Rows, chassis_name: str = "hv1") -> SbView:
    """`rows(table, *columns)` returns the rows of an SB table as dicts."""
    by_uuid: dict[str, str] = {}
    datapaths: dict[str, DatapathInfo] = {}
    key_to_name: dict[int, str] = {}
    for row in rows("Datapath_Binding", "_uuid", "tunnel_key", "external_ids"):
        ids = _map(row["external_ids"])
        name = ids.get("name", "")
        by_uuid[_uuid(row["_uuid"])] = name
        key = int(str(row["tunnel_key"]))
        datapaths[name] = DatapathInfo(key, "logical-router" in ids)
        key_to_name[key] = name
    chassis = {
        _uuid(r["_uuid"]) for r in rows("Chassis", "_uuid", "name") if r["name"] == chassis_name
    }
    resident: set[str] = set()
    for row in rows("Port_Binding", "logical_port", "tunnel_key", "datapath", "chassis"):
        datapath = by_uuid.get(_uuid(row["datapath"]))
        if datapath in datapaths:
            datapaths[datapath].ports[str(row["logical_port"])] = int(str(row["tunnel_key"]))
        if _uuid(row["chassis"]) in chassis:
            resident.add(str(row["logical_port"]))
    for row in rows("Multicast_Group", "name", "tunnel_key", "datapath"):
        datapath = by_uuid.get(_uuid(row["datapath"]))
        if datapath in datapaths:
            datapaths[datapath].ports[str(row["name"])] = int(str(row["tunnel_key"]))
    for row in rows("Port_Group", "name", "ports"):
        prefix, _, name = str(row["name"]).partition("_")
        if prefix.isdigit() and int(prefix) in key_to_name:
            datapaths[key_to_name[int(prefix)]].port_groups[name] = _set(row["ports"])
    address_sets = {
        str(r["name"]): _set(r["addresses"]) for r in rows("Address_Set", "name", "addresses")
    }
    return SbView(datapaths, address_sets, resident)
