"""Where the Southbound rows northd owns are, by their natural keys.

Kept current from the SB replica's change events, so northd can compare a
few desired rows with the SB without scanning whole tables. A second row
with a key already taken is a duplicate: it is recorded for deletion.
"""

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from pyovn.ovsdb.database import Change

__all__ = ["INDEXED", "KeyIndex", "SbIndex"]

Row = dict[str, Any]


def _datapath_key(row: Row) -> Hashable:
    ids: dict[str, str] = row["external_ids"]
    return ids.get("logical-switch") or ids.get("logical-router")


#: table -> the key northd identifies its rows by
INDEXED: dict[str, Callable[[Row], Hashable]] = {
    "Datapath_Binding": _datapath_key,
    "Port_Binding": lambda r: r["logical_port"],
    "Multicast_Group": lambda r: (r["datapath"], r["name"]),
    "Port_Group": lambda r: r["name"],
    "Address_Set": lambda r: r["name"],
    "HA_Chassis_Group": lambda r: r["name"],
    "IP_Multicast": lambda r: r["datapath"],
    "Static_MAC_Binding": lambda r: (r["logical_port"], r["ip"]),
    "SB_Global": lambda r: "global",
}


class KeyIndex:
    """key -> UUID for one table, plus the duplicates found."""

    def __init__(self, key_of: Callable[[Row], Hashable]) -> None:
        self.key_of = key_of
        self.by_key: dict[Hashable, str] = {}
        self.key_by_uuid: dict[str, Hashable] = {}
        self.duplicates: set[str] = set()

    def add(self, uuid: str, row: Row) -> None:
        key = self.key_of(row)
        if key is None:
            self.duplicates.add(uuid)
            return
        holder = self.by_key.get(key)
        if holder is not None and holder != uuid:
            self.duplicates.add(uuid)
            return
        self.by_key[key] = uuid
        self.key_by_uuid[uuid] = key

    def remove(self, uuid: str) -> None:
        self.duplicates.discard(uuid)
        key = self.key_by_uuid.pop(uuid, None)
        if key is not None and self.by_key.get(key) == uuid:
            del self.by_key[key]


class SbIndex:
    """Key indexes of the SB tables northd owns, plus MAC bindings by datapath."""

    def __init__(self) -> None:
        self.tables: dict[str, KeyIndex] = {t: KeyIndex(k) for t, k in INDEXED.items()}
        #: SB datapath UUID -> MAC_Binding UUIDs on it
        self.mac_bindings: dict[str, set[str]] = {}
        self.mac_binding_port: dict[str, tuple[str, str]] = {}

    def rebuild(self, tables: Mapping[str, Mapping[str, Row]]) -> None:
        self.__init__()  # type: ignore[misc]
        for name in INDEXED:
            for uuid, row in tables.get(name, {}).items():
                self.tables[name].add(uuid, row)
        for uuid, row in tables.get("MAC_Binding", {}).items():
            self._add_mac_binding(uuid, row)

    def apply(self, changes: Iterable[Change]) -> None:
        for ch in changes:
            index = self.tables.get(ch.table)
            if index is not None:
                if ch.old is not None:
                    index.remove(ch.uuid)
                if ch.new is not None:
                    index.add(ch.uuid, ch.new)
            elif ch.table == "MAC_Binding":
                if ch.old is not None:
                    self._drop_mac_binding(ch.uuid)
                if ch.new is not None:
                    self._add_mac_binding(ch.uuid, ch.new)

    def _add_mac_binding(self, uuid: str, row: Row) -> None:
        self.mac_bindings.setdefault(row["datapath"], set()).add(uuid)
        self.mac_binding_port[uuid] = (row["datapath"], row["logical_port"])

    def _drop_mac_binding(self, uuid: str) -> None:
        where = self.mac_binding_port.pop(uuid, None)
        if where is not None:
            self.mac_bindings.get(where[0], set()).discard(uuid)

    def uuid(self, table: str, key: Hashable) -> str | None:
        return self.tables[table].by_key.get(key)

    def duplicates(self, table: str) -> set[str]:
        return self.tables[table].duplicates
