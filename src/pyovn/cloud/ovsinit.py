"""Initialise a chassis's Open_vSwitch DB, as `ovs-vsctl` would.

`init_chassis_db` is the chassis's `ovs-vsctl --no-wait init` plus `set
Open_vSwitch . external_ids:system-id=… ovn-remote=… ovn-encap-type=geneve
ovn-encap-ip=…` (and `ovn-bridge-mappings`), and `add-br` for provider
bridges. ovn-controller creates br-int itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyovn.cloud.errors import RunDirError
from pyovn.ovsdb.client import OvsdbClient

__all__ = ["chassis_external_ids", "init_chassis_db"]


def chassis_external_ids(
    name: str, sb_remote: str, encap_ip: str, mappings: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The Open_vSwitch external_ids that make a host an OVN chassis."""
    ids = {
        "system-id": name,
        "hostname": name,
        "ovn-remote": sb_remote,
        "ovn-encap-type": "geneve",
        "ovn-encap-ip": encap_ip,
    }
    if mappings:
        ids["ovn-bridge-mappings"] = ",".join(f"{k}:{v}" for k, v in mappings.items())
    return ids


def _map(values: Mapping[str, str]) -> list[Any]:
    return ["map", sorted([k, v] for k, v in values.items())]


async def init_chassis_db(
    remote: str, external_ids: Mapping[str, str], bridges: tuple[str, ...] = ()
) -> None:
    """Create the Open_vSwitch row (and provider bridges) in a fresh DB."""
    client = OvsdbClient(remote, reconnect=False)
    await client.connect(timeout=20)
    try:
        ops: list[dict[str, Any]] = []
        refs = []
        for index, name in enumerate(bridges):
            rows = (
                ("Interface", f"i{index}", {"name": name, "type": "internal"}),
                ("Port", f"p{index}", {"name": name, "interfaces": ["named-uuid", f"i{index}"]}),
                ("Bridge", f"b{index}", {"name": name, "ports": ["named-uuid", f"p{index}"]}),
            )
            for table, handle, row in rows:
                ops.append({"op": "insert", "table": table, "uuid-name": handle, "row": row})
            refs.append(["named-uuid", f"b{index}"])
        ops.append(
            {
                "op": "insert",
                "table": "Open_vSwitch",
                "row": {"external_ids": _map(external_ids), "bridges": ["set", refs]},
            }
        )
        results = await client.transact("Open_vSwitch", ops, timeout=20)
        errors = [r for r in results if isinstance(r, dict) and "error" in r]
        if errors:
            raise RunDirError(f"initialising the Open_vSwitch DB at {remote}: {errors[0]}")
    finally:
        await client.close()
