"""The chassis's identity: local configuration and its Southbound rows.

ovn-controller is configured through the `external_ids` of the local
Open_vSwitch row (see ovn-controller(8)):

    system-id              the chassis name (required)
    ovn-remote             the Southbound DB remote(s) (required)
    ovn-encap-type         tunnel types, comma-separated (geneve)
    ovn-encap-ip           the tunnel endpoint address (required)
    ovn-bridge             the integration bridge (default br-int)
    ovn-bridge-mappings    physnet:bridge pairs for localnet ports
    hostname               reported in Chassis.hostname

`ChassisConfig.from_ovs` reads them; `register` writes the chassis's
Chassis, Encap and Chassis_Private rows into a Southbound transaction,
changing only what differs from the replica.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pyovn.controller.errors import ConfigError
from pyovn.controller.txn import Named, Txn

__all__ = ["SUPPORTED_ENCAPS", "ChassisConfig", "register"]

SUPPORTED_ENCAPS = ("geneve",)


@dataclass(frozen=True)
class ChassisConfig:
    """What the local Open_vSwitch row says about this chassis."""

    system_id: str
    remote: str
    encap_type: str
    encap_ip: str
    hostname: str
    integration_bridge: str = "br-int"
    bridge_mappings: Mapping[str, str] = field(default_factory=dict)
    raw: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_ovs(cls, external_ids: Mapping[str, str]) -> ChassisConfig:
        """Parse the Open_vSwitch row's external_ids (ConfigError if unusable)."""
        missing = [
            k for k in ("system-id", "ovn-remote", "ovn-encap-ip") if not external_ids.get(k)
        ]
        if missing:
            raise ConfigError("Open_vSwitch external_ids lack " + ", ".join(missing))
        types = [t.strip() for t in external_ids.get("ovn-encap-type", "geneve").split(",")]
        usable = [t for t in types if t in SUPPORTED_ENCAPS]
        if not usable:
            raise ConfigError(f"ovn-encap-type {','.join(types)}: only geneve is supported")
        ip = external_ids["ovn-encap-ip"].split(",")[0].strip()
        try:
            ipaddress.ip_address(ip)
        except ValueError as error:
            raise ConfigError(f"ovn-encap-ip {ip!r} is not an IP address") from error
        return cls(
            system_id=external_ids["system-id"],
            remote=external_ids["ovn-remote"],
            encap_type=usable[0],
            encap_ip=ip,
            hostname=external_ids.get("hostname") or socket.gethostname(),
            integration_bridge=external_ids.get("ovn-bridge", "br-int"),
            bridge_mappings=parse_bridge_mappings(external_ids.get("ovn-bridge-mappings", "")),
            raw=dict(external_ids),
        )


def parse_bridge_mappings(text: str) -> dict[str, str]:
    """`physnet1:br-ex,physnet2:br-vlan` as a dict (ConfigError if malformed)."""
    mappings: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        network, sep, bridge = item.partition(":")
        if not sep or not network or not bridge:
            raise ConfigError(f"ovn-bridge-mappings: bad entry {item!r} (want physnet:bridge)")
        mappings[network] = bridge
    return mappings


def _other_config(config: ChassisConfig) -> dict[str, str]:
    return {
        "ovn-bridge-mappings": ",".join(f"{k}:{v}" for k, v in config.bridge_mappings.items()),
        "datapath-type": config.raw.get("ovn-bridge-datapath-type", ""),
        "iface-types": "geneve,internal,patch,system,tap",
        "ovn-cms-options": config.raw.get("ovn-cms-options", ""),
        "ovn-chassis-mac-mappings": "",
        "is-interconn": "false",
        "ovn-enable-lflow-cache": "true",
        "ovn-limit-lflow-cache": "",
        "ovn-memlimit-lflow-cache-kb": "",
        "ovn-trim-limit-lflow-cache": "",
        "ovn-trim-wmark-perc-lflow-cache": "",
        "ovn-trim-timeout-ms": "",
        "ovn-monitor-all": config.raw.get("ovn-monitor-all", "false"),
        "port-up-notif": "true",
        "ct-no-masked-label": "true",
        "mac-binding-timestamp": "true",
        # ct_commit_nat for related traffic: ovn-northd only emits it when
        # every chassis says it can translate it (as ovn-controller 23.03 does)
        "ovn-ct-lb-related": "true",
    }


def register(
    txn: Txn, tables: Mapping[str, Mapping[str, Mapping[str, Any]]], config: ChassisConfig
) -> str | Named:
    """Make this chassis's Chassis/Encap/Chassis_Private rows right; returns
    the Chassis row's UUID (or the handle of its insert)."""
    name = config.system_id
    chassis = next(((u, r) for u, r in tables["Chassis"].items() if r["name"] == name), None)
    encaps = tables["Encap"]
    wanted_encap = (config.encap_type, config.encap_ip)
    wanted = {
        "hostname": config.hostname,
        "other_config": _other_config(config),
        "external_ids": {},
    }
    if chassis is None:
        encap = txn.insert(
            "Encap",
            {
                "type": config.encap_type,
                "ip": config.encap_ip,
                "chassis_name": name,
                "options": {"csum": "true"},
            },
        )
        chassis_ref: str | Named = txn.insert(
            "Chassis", {"name": name, **wanted, "encaps": frozenset({encap})}
        )
    else:
        uuid, row = chassis
        chassis_ref = uuid
        txn.update("Chassis", uuid, {k: v for k, v in wanted.items() if row[k] != v})
        current = {(encaps[e]["type"], encaps[e]["ip"]) for e in row["encaps"] if e in encaps}
        if current != {wanted_encap}:
            encap = txn.insert(
                "Encap",
                {
                    "type": config.encap_type,
                    "ip": config.encap_ip,
                    "chassis_name": name,
                    "options": {"csum": "true"},
                },
            )
            txn.update("Chassis", uuid, {"encaps": frozenset({encap})})
    private = next(
        ((u, r) for u, r in tables["Chassis_Private"].items() if r["name"] == name), None
    )
    if private is None:
        txn.insert("Chassis_Private", {"name": name, "chassis": frozenset({chassis_ref})})
    elif chassis is None or private[1]["chassis"] != frozenset({chassis_ref}):
        txn.update("Chassis_Private", private[0], {"chassis": frozenset({chassis_ref})})
    return chassis_ref
