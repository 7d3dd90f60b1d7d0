"""Write the difference between the desired SB rows and the SB's rows.

Rows northd owns are found by their natural keys (a datapath by its NB
UUID in external_ids, a port binding by logical_port, ...). Only the
columns northd owns are compared and written: `chassis` and `up` of a port
binding belong to the controllers. Rows that depend on a deleted datapath
(port bindings, multicast groups, MAC bindings, ...) go in the same
transaction, since their references to it are strong.
"""

from collections.abc import Mapping
from typing import Any

from pyovn.northd.sb.desired import DesiredPort, DesiredSb
from pyovn.northd.sb.txn import SbTxn

__all__ = ["RefMap", "SbTables", "reconcile"]

Row = dict[str, Any]
SbTables = Mapping[str, Mapping[str, Row]]
#: NB datapath UUID (or port name) -> SB UUID, existing or named in this txn.
RefMap = dict[str, str]


def _opt(value: Any) -> frozenset[Any]:
    return frozenset() if value is None else frozenset((value,))


def _update(txn: SbTxn, table: str, uuid: str, row: Row, wanted: Row) -> None:
    changed = {c: v for c, v in wanted.items() if row.get(c) != v}
    txn.update(table, uuid, changed)


def reconcile(sb: SbTables, desired: DesiredSb, txn: SbTxn) -> tuple[RefMap, RefMap]:
    """Emit ops into `txn`; returns (datapath refs, port binding refs)."""
    dp_refs = _datapaths(sb, desired, txn)
    dead_dps = {
        uuid for uuid, row in sb.get("Datapath_Binding", {}).items() if uuid not in dp_refs.values()
    }
    ha_refs = _ha_groups(sb, desired, txn)
    pb_refs = _port_bindings(sb, desired, txn, dp_refs, ha_refs)
    _multicast_groups(sb, desired, txn, dp_refs, pb_refs)
    _named_sets(sb, txn, "Port_Group", "ports", desired.port_groups)
    _named_sets(sb, txn, "Address_Set", "addresses", desired.address_sets)
    _ip_multicast(sb, desired, txn, dp_refs)
    _static_mac_bindings(sb, desired, txn, dp_refs)
    _dead_datapath_rows(sb, txn, dead_dps, pb_refs)
    return dp_refs, pb_refs


def _datapaths(sb: SbTables, desired: DesiredSb, txn: SbTxn) -> RefMap:
    refs: RefMap = {}
    for uuid, row in sb.get("Datapath_Binding", {}).items():
        ids = row["external_ids"]
        nb_uuid = ids.get("logical-switch") or ids.get("logical-router")
        want = desired.datapaths.get(nb_uuid or "")
        if want is None or want.nb_uuid in refs:
            txn.delete("Datapath_Binding", uuid)
            continue
        refs[want.nb_uuid] = uuid
        _update(
            txn,
            "Datapath_Binding",
            uuid,
            row,
            {"tunnel_key": want.tunnel_key, "external_ids": want.external_ids()},
        )
    for nb_uuid, want in desired.datapaths.items():
        if nb_uuid not in refs:
            refs[nb_uuid] = txn.insert(
                "Datapath_Binding",
                {"tunnel_key": want.tunnel_key, "external_ids": want.external_ids()},
            )
    return refs


def _ha_groups(sb: SbTables, desired: DesiredSb, txn: SbTxn) -> RefMap:
    chassis_by_name = {row["name"]: uuid for uuid, row in sb.get("Chassis", {}).items()}
    ha_rows = sb.get("HA_Chassis", {})
    refs: RefMap = {}
    for uuid, row in sb.get("HA_Chassis_Group", {}).items():
        members = desired.ha_groups.get(row["name"])
        if members is None or row["name"] in refs:
            txn.delete("HA_Chassis_Group", uuid)
            continue
        refs[row["name"]] = uuid
        have = sorted(
            (
                ha_rows[h]["external_ids"].get("chassis-name", ""),
                ha_rows[h]["priority"],
                ha_rows[h]["chassis"],
            )
            for h in row["ha_chassis"]
            if h in ha_rows
        )
        want = sorted((name, prio, _opt(chassis_by_name.get(name))) for name, prio in members)
        if have != want:
            new = [_insert_ha_chassis(txn, name, prio, chassis_by_name) for name, prio in members]
            txn.update("HA_Chassis_Group", uuid, {"ha_chassis": frozenset(new)})
    for name, members in desired.ha_groups.items():
        if name not in refs:
            new = [_insert_ha_chassis(txn, c, prio, chassis_by_name) for c, prio in members]
            refs[name] = txn.insert(
                "HA_Chassis_Group", {"name": name, "ha_chassis": frozenset(new)}
            )
    return refs


def _insert_ha_chassis(txn: SbTxn, name: str, priority: int, chassis: dict[str, str]) -> str:
    return txn.insert(
        "HA_Chassis",
        {
            "chassis": _opt(chassis.get(name)),
            "priority": priority,
            "external_ids": {"chassis-name": name},
        },
    )


def _port_columns(port: DesiredPort, dp_refs: RefMap, ha_refs: RefMap) -> Row:
    return {
        "datapath": dp_refs[port.datapath],
        "tunnel_key": port.tunnel_key,
        "type": port.type,
        "options": dict(port.options),
        "mac": frozenset(port.mac),
        "port_security": frozenset(port.port_security),
        "external_ids": dict(port.external_ids),
        "nat_addresses": frozenset(port.nat_addresses),
        "parent_port": _opt(port.parent_port),
        "tag": _opt(port.tag),
        "ha_chassis_group": _opt(ha_refs.get(port.ha_chassis_group or "")),
    }


def _port_bindings(
    sb: SbTables, desired: DesiredSb, txn: SbTxn, dp_refs: RefMap, ha_refs: RefMap
) -> RefMap:
    refs: RefMap = {}
    for uuid, row in sb.get("Port_Binding", {}).items():
        name = row["logical_port"]
        want = desired.ports.get(name)
        if want is None or name in refs:
            txn.delete("Port_Binding", uuid)
            continue
        refs[name] = uuid
        _update(txn, "Port_Binding", uuid, row, _port_columns(want, dp_refs, ha_refs))
    for name, want in desired.ports.items():
        if name not in refs:
            columns = _port_columns(want, dp_refs, ha_refs)
            columns["logical_port"] = name
            refs[name] = txn.insert("Port_Binding", columns)
    return refs


def _multicast_groups(
    sb: SbTables, desired: DesiredSb, txn: SbTxn, dp_refs: RefMap, pb_refs: RefMap
) -> None:
    by_sb_dp = {sb_uuid: nb_uuid for nb_uuid, sb_uuid in dp_refs.items()}
    seen: set[tuple[str, str]] = set()
    for uuid, row in sb.get("Multicast_Group", {}).items():
        key = (by_sb_dp.get(row["datapath"], ""), row["name"])
        want = desired.multicast_groups.get(key)
        if want is None or key in seen:
            txn.delete("Multicast_Group", uuid)
            continue
        seen.add(key)
        tunnel_key, members = want
        _update(
            txn,
            "Multicast_Group",
            uuid,
            row,
            {"tunnel_key": tunnel_key, "ports": frozenset(pb_refs[p] for p in members)},
        )
    for key, (tunnel_key, members) in desired.multicast_groups.items():
        if key not in seen:
            txn.insert(
                "Multicast_Group",
                {
                    "datapath": dp_refs[key[0]],
                    "name": key[1],
                    "tunnel_key": tunnel_key,
                    "ports": frozenset(pb_refs[p] for p in members),
                },
            )


def _named_sets(
    sb: SbTables, txn: SbTxn, table: str, column: str, desired: dict[str, tuple[str, ...]]
) -> None:
    seen: set[str] = set()
    for uuid, row in sb.get(table, {}).items():
        want = desired.get(row["name"])
        if want is None or row["name"] in seen:
            txn.delete(table, uuid)
            continue
        seen.add(row["name"])
        _update(txn, table, uuid, row, {column: frozenset(want)})
    for name, want in desired.items():
        if name not in seen:
            txn.insert(table, {"name": name, column: frozenset(want)})


def _ip_multicast(sb: SbTables, desired: DesiredSb, txn: SbTxn, dp_refs: RefMap) -> None:
    wanted = {
        dp_refs[nb_uuid] for nb_uuid, dp in desired.datapaths.items() if dp.kind == "logical-switch"
    }
    have: set[str] = set()
    for uuid, row in sb.get("IP_Multicast", {}).items():
        if row["datapath"] not in wanted or row["datapath"] in have:
            txn.delete("IP_Multicast", uuid)
        else:
            have.add(row["datapath"])
    for dp in sorted(wanted - have):
        txn.insert(
            "IP_Multicast",
            {
                "datapath": dp,
                "enabled": frozenset({False}),
                "querier": frozenset({True}),
                "idle_timeout": frozenset({300}),
                "query_interval": frozenset({150}),
                "query_max_resp": frozenset({1}),
                "table_size": frozenset({2048}),
                "eth_src": "",
                "ip4_src": "",
                "ip6_src": "",
            },
        )


def _static_mac_bindings(sb: SbTables, desired: DesiredSb, txn: SbTxn, dp_refs: RefMap) -> None:
    seen: set[tuple[str, str]] = set()
    for uuid, row in sb.get("Static_MAC_Binding", {}).items():
        key = (row["logical_port"], row["ip"])
        want = desired.static_mac_bindings.get(key)
        if want is None or key in seen:
            txn.delete("Static_MAC_Binding", uuid)
            continue
        seen.add(key)
        mac, override, dp = want
        _update(
            txn,
            "Static_MAC_Binding",
            uuid,
            row,
            {"mac": mac, "override_dynamic_mac": override, "datapath": dp_refs[dp]},
        )
    for key, (mac, override, dp) in desired.static_mac_bindings.items():
        if key not in seen:
            txn.insert(
                "Static_MAC_Binding",
                {
                    "logical_port": key[0],
                    "ip": key[1],
                    "mac": mac,
                    "override_dynamic_mac": override,
                    "datapath": dp_refs[dp],
                },
            )


def _dead_datapath_rows(sb: SbTables, txn: SbTxn, dead: set[str], pb_refs: RefMap) -> None:
    """MAC bindings of deleted datapaths or ports go with them."""
    for uuid, row in sb.get("MAC_Binding", {}).items():
        if row["datapath"] in dead or row["logical_port"] not in pb_refs:
            txn.delete("MAC_Binding", uuid)
