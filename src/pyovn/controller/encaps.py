"""Tunnel ports and the integration bridge in the local Open_vSwitch DB.

ovn-controller creates the integration bridge when it is missing (with
`fail_mode=secure`, so nothing passes before flows are installed) and one
Geneve port per other chassis that has an Encap: `ovn-<chassis>-0`, with
`options:remote_ip`, `key=flow` (the VNI comes from the flows) and
`csum=true`, marked `external_ids:ovn-chassis-id=<chassis>` so it can tell
which tunnel leads where. Tunnels to chassis that disappeared are removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyovn.controller.index import SbView
from pyovn.controller.txn import Named, Txn

__all__ = ["CHASSIS_ID", "ensure_bridge", "ensure_tunnels", "find_bridge"]

CHASSIS_ID = "ovn-chassis-id"
Tables = Mapping[str, Mapping[str, Mapping[str, Any]]]


def find_bridge(ovs: Tables, name: str) -> tuple[str, Mapping[str, Any]] | None:
    """The Bridge row named `name`."""
    return next(((u, r) for u, r in ovs["Bridge"].items() if r["name"] == name), None)


def add_port(
    txn: Txn,
    bridge_uuid: str | Named,
    name: str,
    iface: dict[str, Any],
    external_ids: Mapping[str, str] | None = None,
) -> None:
    """Insert Port + Interface `name` on a bridge."""
    ids = dict(external_ids or {})
    interface = txn.insert("Interface", {"name": name, "external_ids": ids, **iface})
    port = txn.insert(
        "Port", {"name": name, "interfaces": frozenset({interface}), "external_ids": ids}
    )
    txn.add_refs("Bridge", bridge_uuid, "ports", [port])


def ensure_bridge(txn: Txn, ovs: Tables, name: str, *, secure: bool = True) -> str | None:
    """The bridge's UUID, or None after adding its creation to `txn`."""
    found = find_bridge(ovs, name)
    if found is not None:
        return found[0]
    root = next(iter(ovs["Open_vSwitch"]), None)
    if root is None:
        return None
    interface = txn.insert("Interface", {"name": name, "type": "internal"})
    port = txn.insert("Port", {"name": name, "interfaces": frozenset({interface})})
    row: dict[str, Any] = {"name": name, "ports": frozenset({port})}
    if secure:
        row.update(fail_mode=frozenset({"secure"}), other_config={"disable-in-band": "true"})
    bridge = txn.insert("Bridge", row)
    txn.add_refs("Open_vSwitch", root, "bridges", [bridge])
    return None


def ensure_tunnels(
    txn: Txn, ovs: Tables, bridge: str, view: SbView, me: str, encap_type: str
) -> None:
    """Add, fix and remove the tunnel ports of `bridge` to match the SB chassis."""
    wanted: dict[str, str] = {}
    for chassis, encaps in view.encaps.items():
        if chassis == me:
            continue
        ips = [ip for kind, ip in encaps if kind == encap_type]
        if ips:
            wanted[chassis] = ips[0]
    bridge_row = ovs["Bridge"][bridge]
    existing: dict[str, tuple[str, str, Mapping[str, Any]]] = {}
    names: set[str] = set()
    for port_uuid in bridge_row["ports"]:
        port = ovs["Port"].get(port_uuid)
        if port is None:
            continue
        names.add(port["name"])
        chassis = port["external_ids"].get(CHASSIS_ID)
        if chassis is None:
            continue
        iface_uuid = next(iter(port["interfaces"]), "")
        iface = ovs["Interface"].get(iface_uuid)
        if iface is not None:
            existing[chassis] = (port_uuid, iface_uuid, iface)
    stale = [port for chassis, (port, _, _) in existing.items() if chassis not in wanted]
    txn.remove_refs("Bridge", bridge, "ports", stale)
    for chassis, ip in sorted(wanted.items()):
        options = {"remote_ip": ip, "key": "flow", "csum": "true"}
        if chassis in existing:
            _, iface_uuid, iface = existing[chassis]
            if iface["options"] != options or iface["type"] != encap_type:
                txn.update("Interface", iface_uuid, {"options": options, "type": encap_type})
            continue
        name = _tunnel_name(chassis, names)
        names.add(name)
        add_port(txn, bridge, name, {"type": encap_type, "options": options}, {CHASSIS_ID: chassis})


def _tunnel_name(chassis: str, taken: set[str]) -> str:
    index = 0
    while f"ovn-{chassis[:6]}-{index}" in taken:
        index += 1
    return f"ovn-{chassis[:6]}-{index}"
