"""Patch ports between the integration bridge and provider bridges.

A localnet port (`type=localnet`, `options:network_name=physnet1`) on a
local datapath reaches the physical network through the provider bridge
that `ovn-bridge-mappings` assigns to `physnet1`. ovn-controller joins the
two bridges with a pair of OVS patch ports, `patch-br-int-to-<port>` and
`patch-<port>-to-br-int`, marked `external_ids:ovn-localnet-port=<port>`,
and removes the pair when the localnet port stops being local.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyovn.controller.encaps import add_port, find_bridge
from pyovn.controller.index import SbView
from pyovn.controller.txn import Txn

__all__ = ["LOCALNET_PORT", "ensure_patch_ports", "wanted_localnets"]

LOCALNET_PORT = "ovn-localnet-port"
Tables = Mapping[str, Mapping[str, Mapping[str, Any]]]


def wanted_localnets(view: SbView, local: set[str], mappings: Mapping[str, str]) -> dict[str, str]:
    """localnet port name -> provider bridge, for the local datapaths."""
    wanted = {}
    for datapath in local:
        for port in view.ports_of(datapath):
            if port.type == "localnet":
                bridge = mappings.get(port.options.get("network_name", ""))
                if bridge:
                    wanted[port.name] = bridge
    return wanted


def ensure_patch_ports(
    txn: Txn, ovs: Tables, integration: str, wanted: Mapping[str, str]
) -> list[str]:
    """Make the patch pairs match `wanted`; returns provider bridges that are missing."""
    existing: dict[tuple[str, str], str] = {}  # (bridge uuid, port name) -> port uuid
    for bridge_uuid, bridge in ovs["Bridge"].items():
        for port_uuid in bridge["ports"]:
            port = ovs["Port"].get(port_uuid)
            if port is not None and LOCALNET_PORT in port["external_ids"]:
                existing[(bridge_uuid, port["name"])] = port_uuid
    desired: dict[tuple[str, str], tuple[str, str]] = {}
    missing = []
    int_bridge = find_bridge(ovs, integration)
    if int_bridge is None:
        return []
    for lsp, bridge_name in sorted(wanted.items()):
        provider = find_bridge(ovs, bridge_name)
        if provider is None:
            missing.append(bridge_name)
            continue
        inner, outer = f"patch-br-int-to-{lsp}", f"patch-{lsp}-to-br-int"
        desired[(int_bridge[0], inner)] = (outer, lsp)
        desired[(provider[0], outer)] = (inner, lsp)
    for (bridge_uuid, name), port_uuid in existing.items():
        if (bridge_uuid, name) not in desired:
            txn.remove_refs("Bridge", bridge_uuid, "ports", [port_uuid])
    for (bridge_uuid, name), (peer, lsp) in desired.items():
        if (bridge_uuid, name) not in existing:
            iface = {"type": "patch", "options": {"peer": peer}}
            add_port(txn, bridge_uuid, name, iface, {LOCALNET_PORT: lsp})
    return missing
