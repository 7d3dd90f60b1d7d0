"""NB rows as Neutron resources: the JSON objects the API answers with.

Each view reads only the rows of one resource (and the few it points at),
through the same `TxnContext` a command used, so a write request answers
with exactly what it committed.
"""

import json
from typing import Any

from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.neutron import records as rec
from pyovn.cms.neutron.naming import Key

__all__ = [
    "fip_view",
    "network_view",
    "port_view",
    "router_view",
    "rule_view",
    "security_group_view",
    "subnet_view",
]


def _common(ids: Any, resource_id: str) -> dict[str, Any]:
    project = str(ids.get(Key.PROJECT_ID, ""))
    return {
        "id": resource_id,
        "tenant_id": project,
        "project_id": project,
        "description": str(ids.get(Key.DESCRIPTION, "")),
        "revision_number": int(ids.get(Key.REVISION, "0") or 0),
        "tags": [],
    }


def network_view(ctx: TxnContext, switch: Row) -> dict[str, Any]:
    ids = switch["external_ids"]
    net_id = rec.network_id(switch)
    localnet = None
    for port in rec.rows_of(ctx, "Logical_Switch_Port", switch["ports"]):
        if port["type"] == "localnet":
            localnet = port
    physnet = localnet["options"].get("network_name") if localnet is not None else None
    return {
        **_common(ids, net_id),
        "name": str(ids.get(Key.NETWORK_NAME, "")),
        "admin_state_up": ids.get(Key.ADMIN_STATE_UP, "true") == "true",
        "status": "ACTIVE",
        "subnets": [s.id for s in rec.network_subnets(ctx, net_id)],
        "shared": rec.is_shared(switch),
        "router:external": rec.is_external(switch),
        "mtu": int(ids.get(Key.MTU, "1442")),
        "port_security_enabled": ids.get(Key.PORT_SECURITY, "true") == "true",
        "provider:network_type": "flat" if physnet else "geneve",
        "provider:physical_network": physnet,
        "provider:segmentation_id": None,
        "availability_zone_hints": [],
        "availability_zones": [],
        "ipv4_address_scope": None,
        "ipv6_address_scope": None,
    }


def subnet_view(subnet: rec.Subnet) -> dict[str, Any]:
    ids = subnet.row["external_ids"]
    return {
        **_common(ids, subnet.id),
        "name": str(ids.get(Key.NAME, "")),
        "network_id": subnet.network_id,
        "ip_version": subnet.cidr.version,
        "cidr": str(subnet.cidr),
        "gateway_ip": str(subnet.gateway) if subnet.gateway is not None else None,
        "allocation_pools": [{"start": str(a), "end": str(b)} for a, b in subnet.pools],
        "enable_dhcp": subnet.enable_dhcp,
        "dns_nameservers": subnet.dns_nameservers,
        "host_routes": subnet.host_routes,
        "ipv6_ra_mode": None,
        "ipv6_address_mode": None,
        "subnetpool_id": None,
        "service_types": [],
    }


def fixed_ips(ctx: TxnContext, port: Row) -> list[dict[str, str]]:
    subnets = rec.network_subnets(ctx, rec.port_network_id(port))
    out = []
    for address in rec.port_ips(port):
        owner = next((s.id for s in subnets if address in s.cidr), "")
        out.append({"subnet_id": owner, "ip_address": str(address)})
    return out


def port_view(ctx: TxnContext, port: Row) -> dict[str, Any]:
    ids = port["external_ids"]
    enabled = port["enabled"]
    up = port["up"]
    return {
        **_common(ids, port.name),
        "name": str(ids.get(Key.PORT_NAME, "")),
        "network_id": rec.port_network_id(port),
        "mac_address": rec.port_mac(port),
        "admin_state_up": not enabled or bool(next(iter(enabled))),
        "status": "ACTIVE" if up and next(iter(up)) else "DOWN",
        "device_id": str(ids.get(Key.DEVICE_ID, "")),
        "device_owner": str(ids.get(Key.DEVICE_OWNER, "")),
        "fixed_ips": fixed_ips(ctx, port),
        "security_groups": str(ids.get(Key.SECURITY_GROUP_IDS, "")).split(),
        "allowed_address_pairs": json.loads(ids.get(Key.ALLOWED_ADDRESS_PAIRS, "[]")),
        "port_security_enabled": ids.get(Key.PORT_SECURITY, "true") == "true",
        "binding:vnic_type": "normal",
        "binding:host_id": "",
    }


def gateway_port(ctx: TxnContext, router: Row) -> Row | None:
    port_id = router["external_ids"].get(Key.GW_PORT_ID)
    if not port_id:
        return None
    found = ctx.find("Logical_Switch_Port", "name", port_id)
    return found[0] if found else None


def router_view(ctx: TxnContext, router: Row) -> dict[str, Any]:
    ids = router["external_ids"]
    gateway = None
    port = gateway_port(ctx, router)
    if port is not None:
        gateway = {
            "network_id": rec.port_network_id(port),
            "enable_snat": ids.get(Key.ENABLE_SNAT, "true") == "true",
            "external_fixed_ips": fixed_ips(ctx, port),
        }
    enabled = router["enabled"]
    return {
        **_common(ids, rec.router_id(router)),
        "name": str(ids.get(Key.ROUTER_NAME, "")),
        "admin_state_up": not enabled or bool(next(iter(enabled))),
        "status": "ACTIVE",
        "external_gateway_info": gateway,
        "routes": [],
    }


def fip_nat(ctx: TxnContext, fip_id: str) -> tuple[Row, Row] | None:
    """The dnat_and_snat row of an associated floating IP, and its router."""
    for router in ctx.rows("Logical_Router"):
        for nat in rec.rows_of(ctx, "NAT", router["nat"]):
            if nat["external_ids"].get(Key.FIP_ID) == fip_id:
                return nat, router
    return None


def fip_view(ctx: TxnContext, port: Row) -> dict[str, Any]:
    ids = port["external_ids"]
    fip_id = str(ids[Key.DEVICE_ID])
    addresses = rec.port_ips(port)
    address = addresses[0] if addresses else None
    associated = fip_nat(ctx, fip_id)
    nat, router = associated if associated is not None else (None, None)
    return {
        **_common(ids, fip_id),
        "floating_ip_address": str(address) if address is not None else None,
        "floating_network_id": rec.port_network_id(port),
        "router_id": rec.router_id(router) if router is not None else None,
        "port_id": str(nat["logical_port"] and next(iter(nat["logical_port"])))
        if nat is not None
        else None,
        "fixed_ip_address": str(nat["logical_ip"]) if nat is not None else None,
        "status": "ACTIVE" if nat is not None else "DOWN",
    }


def rule_view(acl: Row) -> dict[str, Any]:
    ids = acl["external_ids"]
    rule: dict[str, Any] = json.loads(ids[Key.RULE])
    return {**_common(ids, str(ids[Key.SECURITY_GROUP_RULE_ID])), **rule}


def security_group_view(ctx: TxnContext, group: Row) -> dict[str, Any]:
    ids = group["external_ids"]
    rules = [
        rule_view(acl)
        for acl in rec.rows_of(ctx, "ACL", group["acls"])
        if Key.SECURITY_GROUP_RULE_ID in acl["external_ids"]
    ]
    return {
        **_common(ids, rec.security_group_id(group)),
        "name": str(ids.get(Key.NAME, "")),
        "stateful": True,
        "security_group_rules": sorted(rules, key=lambda r: r["id"]),
    }
