"""Write the difference between the desired SB rows and the SB's rows.

Only the keys in `Pending` are compared (all of them after a restart).
Rows are found through `SbIndex`; only the columns northd owns are compared
and written (`chassis` and `up` of a port binding belong to the
controllers). Rows that depend on a deleted datapath (port bindings,
multicast groups, MAC bindings, ...) go in the same transaction, since
their references to it are strong.
"""

from collections.abc import Hashable, Mapping
from typing import Any

from pyovn.northd.sb.desired import DesiredPort, DesiredState, Pending
from pyovn.northd.sb.index import SbIndex
from pyovn.northd.sb.txn import SbTxn

__all__ = ["DatapathRefs", "reconcile"]

Row = dict[str, Any]
SbTables = Mapping[str, Mapping[str, Row]]


def _opt(value: Any) -> frozenset[Any]:
    return frozenset() if value is None else frozenset((value,))


class DatapathRefs:
    """NB datapath UUID -> its SB row (existing, or inserted in this txn)."""

    def __init__(self, index: SbIndex) -> None:
        self.index = index
        self.inserted: dict[str, str] = {}
        self.deleted: set[str] = set()

    def get(self, nb_uuid: str) -> str | None:
        if nb_uuid in self.inserted:
            return self.inserted[nb_uuid]
        uuid = self.index.uuid("Datapath_Binding", nb_uuid)
        return None if uuid in self.deleted else uuid

    def __getitem__(self, nb_uuid: str) -> str:
        uuid = self.get(nb_uuid)
        if uuid is None:
            raise KeyError(nb_uuid)
        return uuid


class _Reconciler:
    def __init__(self, sb: SbTables, desired: DesiredState, index: SbIndex, txn: SbTxn) -> None:
        self.sb = sb
        self.want = desired
        self.index = index
        self.txn = txn
        self.dps = DatapathRefs(index)
        self.pb_inserted: dict[str, str] = {}
        self.ha_refs: dict[str, str] = {}

    def update(self, table: str, uuid: str, wanted: Row) -> None:
        row = self.sb[table][uuid]
        self.txn.update(table, uuid, {c: v for c, v in wanted.items() if row.get(c) != v})

    def keys(
        self, table: str, pending: set[Any], everything: bool, desired: Mapping[Any, Any]
    ) -> set[Any]:
        keys = set(pending)
        if everything:
            keys |= set(self.index.tables[table].by_key) | set(desired)
        for uuid in self.index.duplicates(table):
            self.txn.delete(table, uuid)
        return keys

    # -- datapaths -----------------------------------------------------------------
    def datapaths(self, pending: Pending) -> None:
        for nb_uuid in self.keys(
            "Datapath_Binding", pending.datapaths, pending.everything, self.want.datapaths
        ):
            uuid = self.index.uuid("Datapath_Binding", nb_uuid)
            want = self.want.datapaths.get(nb_uuid)
            columns = (
                {"tunnel_key": want.tunnel_key, "external_ids": want.external_ids()} if want else {}
            )
            if want is None:
                if uuid is not None:
                    self.txn.delete("Datapath_Binding", uuid)
                    self.dps.deleted.add(uuid)
                    self._dead_datapath(uuid)
            elif uuid is None:
                self.dps.inserted[nb_uuid] = self.txn.insert("Datapath_Binding", columns)
            else:
                self.update("Datapath_Binding", uuid, columns)

    def _dead_datapath(self, sb_uuid: str) -> None:
        for uuid in self.index.mac_bindings.get(sb_uuid, ()):
            self.txn.delete("MAC_Binding", uuid)
        ip_multicast = self.index.uuid("IP_Multicast", sb_uuid)
        if ip_multicast is not None:
            self.txn.delete("IP_Multicast", ip_multicast)

    # -- HA chassis groups ---------------------------------------------------------
    def ha_groups(self, pending: Pending) -> None:
        chassis = {row["name"]: uuid for uuid, row in self.sb.get("Chassis", {}).items()}
        names = self.keys(
            "HA_Chassis_Group", pending.ha_groups, pending.everything, self.want.ha_groups
        )
        for name in names:
            uuid = self.index.uuid("HA_Chassis_Group", name)
            members = self.want.ha_groups.get(name)
            if members is None:
                if uuid is not None:
                    self.txn.delete("HA_Chassis_Group", uuid)
                continue
            want = sorted((c, prio, _opt(chassis.get(c))) for c, prio in members)
            if uuid is None:
                self.ha_refs[name] = self.txn.insert(
                    "HA_Chassis_Group",
                    {"name": name, "ha_chassis": self._ha_chassis(members, chassis)},
                )
                continue
            self.ha_refs[name] = uuid
            if self._ha_members(uuid) != want:
                self.txn.update(
                    "HA_Chassis_Group", uuid, {"ha_chassis": self._ha_chassis(members, chassis)}
                )

    def _ha_members(self, group: str) -> list[tuple[str, int, frozenset[str]]]:
        rows = self.sb.get("HA_Chassis", {})
        return sorted(
            (
                rows[h]["external_ids"].get("chassis-name", ""),
                rows[h]["priority"],
                rows[h]["chassis"],
            )
            for h in self.sb["HA_Chassis_Group"][group]["ha_chassis"]
            if h in rows
        )

    def _ha_chassis(
        self, members: tuple[tuple[str, int], ...], chassis: dict[str, str]
    ) -> frozenset[str]:
        return frozenset(
            self.txn.insert(
                "HA_Chassis",
                {
                    "chassis": _opt(chassis.get(name)),
                    "priority": priority,
                    "external_ids": {"chassis-name": name},
                },
            )
            for name, priority in members
        )

    def ha_ref(self, name: str | None) -> frozenset[str]:
        if name is None:
            return frozenset()
        ref = self.ha_refs.get(name) or self.index.uuid("HA_Chassis_Group", name)
        return _opt(ref)

    # -- port bindings -----------------------------------------------------------
    def port_bindings(self, pending: Pending) -> None:
        for name in self.keys("Port_Binding", pending.ports, pending.everything, self.want.ports):
            uuid = self.index.uuid("Port_Binding", name)
            want = self.want.ports.get(name)
            if want is None:
                if uuid is not None:
                    self.txn.delete("Port_Binding", uuid)
                continue
            columns = self._port_columns(want)
            # As ovn-northd: `up` starts as false, since ovn-controller only
            # sets it (to true) when it was explicitly false.
            if uuid is None:
                columns["logical_port"] = name
                columns["up"] = frozenset({False})
                self.pb_inserted[name] = self.txn.insert("Port_Binding", columns)
            else:
                if not self.sb["Port_Binding"][uuid]["up"]:
                    columns["up"] = frozenset({False})
                self.update("Port_Binding", uuid, columns)

    def _port_columns(self, port: DesiredPort) -> Row:
        return {
            "datapath": self.dps[port.datapath],
            "tunnel_key": port.tunnel_key,
            "type": port.type,
            "options": dict(port.options),
            "mac": frozenset(port.mac),
            "port_security": frozenset(port.port_security),
            "external_ids": dict(port.external_ids),
            "nat_addresses": frozenset(port.nat_addresses),
            "parent_port": _opt(port.parent_port),
            "tag": _opt(port.tag),
            "ha_chassis_group": self.ha_ref(port.ha_chassis_group),
        }

    def pb_ref(self, name: str) -> str:
        ref = self.pb_inserted.get(name) or self.index.uuid("Port_Binding", name)
        assert ref is not None, name
        return ref

    # -- multicast groups, port groups, address sets, IP multicast ---------------
    def multicast_groups(self, pending: Pending) -> None:
        keys: set[tuple[str, str]] = set(pending.multicast_groups)
        if pending.everything:
            keys |= set(self.want.multicast_groups)
            by_sb = {uuid: nb for nb, uuid in self.index.tables["Datapath_Binding"].by_key.items()}
            for existing_key in self.index.tables["Multicast_Group"].by_key:
                sb_dp, name = _key_pair(existing_key)
                keys.add((str(by_sb.get(sb_dp, f"!{sb_dp}")), name))
        for uuid in self.index.duplicates("Multicast_Group"):
            self.txn.delete("Multicast_Group", uuid)
        for key in keys:
            nb_dp, name = key
            # The existing row is found by the datapath's current SB row, even if
            # that row is being deleted in this transaction.
            if nb_dp.startswith("!"):
                group_dp: str | None = nb_dp[1:]
            else:
                group_dp = self.dps.inserted.get(nb_dp) or self.index.uuid(
                    "Datapath_Binding", nb_dp
                )
            existing = self.index.uuid("Multicast_Group", (group_dp, name)) if group_dp else None
            want = self.want.multicast_groups.get(key)
            if want is None:
                if existing is not None:
                    self.txn.delete("Multicast_Group", existing)
                continue
            tunnel_key, members = want
            columns = {
                "tunnel_key": tunnel_key,
                "ports": frozenset(self.pb_ref(p) for p in members),
            }
            if existing is None:
                self.txn.insert(
                    "Multicast_Group", {"datapath": self.dps[nb_dp], "name": name, **columns}
                )
            else:
                self.update("Multicast_Group", existing, columns)

    def named_sets(
        self,
        table: str,
        column: str,
        pending: set[str],
        everything: bool,
        desired: Mapping[str, tuple[str, ...]],
    ) -> None:
        for name in self.keys(table, pending, everything, desired):
            uuid = self.index.uuid(table, name)
            want = desired.get(name)
            if want is None:
                if uuid is not None:
                    self.txn.delete(table, uuid)
            elif uuid is None:
                self.txn.insert(table, {"name": name, column: frozenset(want)})
            else:
                self.update(table, uuid, {column: frozenset(want)})

    def ip_multicast(self, pending: Pending) -> None:
        switches = {
            nb
            for nb in pending.datapaths
            if self.want.datapaths.get(nb, None) is not None
            and self.want.datapaths[nb].kind == "logical-switch"
        }
        if pending.everything:
            switches = {nb for nb, dp in self.want.datapaths.items() if dp.kind == "logical-switch"}
            wanted_sb = {self.dps.get(nb) for nb in switches}
            for sb_dp, uuid in list(self.index.tables["IP_Multicast"].by_key.items()):
                if sb_dp not in wanted_sb:
                    self.txn.delete("IP_Multicast", uuid)
        for uuid in self.index.duplicates("IP_Multicast"):
            self.txn.delete("IP_Multicast", uuid)
        for nb in switches:
            sb_dp = self.dps.get(nb)
            if sb_dp is not None and self.index.uuid("IP_Multicast", sb_dp) is None:
                self.txn.insert("IP_Multicast", _ip_multicast_row(sb_dp))

    def static_mac_bindings(self, pending: Pending) -> None:
        if not pending.static_mac_bindings:
            return
        want = self.want.static_mac_bindings
        index = self.index.tables["Static_MAC_Binding"]
        for uuid in self.index.duplicates("Static_MAC_Binding"):
            self.txn.delete("Static_MAC_Binding", uuid)
        for key in set(index.by_key) | set(want):
            existing = index.by_key.get(key)
            if key not in want:
                if existing is not None:
                    self.txn.delete("Static_MAC_Binding", existing)
                continue
            mac, override, dp = want[key]
            columns = {"mac": mac, "override_dynamic_mac": override, "datapath": self.dps[dp]}
            if existing is None:
                port, ip = _key_pair(key)
                self.txn.insert("Static_MAC_Binding", {"logical_port": port, "ip": ip, **columns})
            else:
                self.update("Static_MAC_Binding", existing, columns)

    def stale_mac_bindings(self, pending: Pending) -> None:
        """MAC bindings on ports that no longer exist."""
        for name in pending.ports:
            if name in self.want.ports:
                continue
            for uuid, (_, port) in list(self.index.mac_binding_port.items()):
                if port == name:
                    self.txn.delete("MAC_Binding", uuid)


def _key_pair(key: Hashable) -> tuple[str, str]:
    assert isinstance(key, tuple)
    return str(key[0]), str(key[1])


def _ip_multicast_row(datapath: str) -> Row:
    return {
        "datapath": datapath,
        "enabled": frozenset({False}),
        "querier": frozenset({True}),
        "idle_timeout": frozenset({300}),
        "query_interval": frozenset({150}),
        "query_max_resp": frozenset({1}),
        "table_size": frozenset({2048}),
        "eth_src": "",
        "ip4_src": "",
        "ip6_src": "",
    }


def reconcile(
    sb: SbTables, desired: DesiredState, pending: Pending, index: SbIndex, txn: SbTxn
) -> DatapathRefs:
    """Emit ops for the pending keys into `txn`; returns the datapath references."""
    r = _Reconciler(sb, desired, index, txn)
    r.datapaths(pending)
    r.ha_groups(pending)
    r.port_bindings(pending)
    r.multicast_groups(pending)
    r.named_sets(
        "Port_Group", "ports", pending.port_groups, pending.everything, desired.port_groups
    )
    r.named_sets(
        "Address_Set", "addresses", pending.address_sets, pending.everything, desired.address_sets
    )
    r.ip_multicast(pending)
    r.static_mac_bindings(pending)
    r.stale_mac_bindings(pending)
    return r.dps
