"""Southbound rows that do not depend on the NB: the DHCP option catalogue
that ovn-controller reads to encode options, and the RBAC role that limits
what a chassis may write (both interface facts of OVN 23.03)."""

from collections.abc import Mapping
from typing import Any

from pyovn.northd.sb.txn import SbTxn

__all__ = ["DHCPV4_OPTIONS", "DHCPV6_OPTIONS", "RBAC_CONTROLLER", "sync_static"]

Row = dict[str, Any]

#: (name, code, type) of every DHCPv4 option OVN can put in a reply.
DHCPV4_OPTIONS: tuple[tuple[str, int, str], ...] = (
    ("offerip", 0, "ipv4"),
    ("netmask", 1, "ipv4"),
    ("router", 3, "ipv4"),
    ("dns_server", 6, "ipv4"),
    ("log_server", 7, "ipv4"),
    ("lpr_server", 9, "ipv4"),
    ("hostname", 12, "str"),
    ("domain_name", 15, "str"),
    ("swap_server", 16, "ipv4"),
    ("ip_forward_enable", 19, "bool"),
    ("policy_filter", 21, "ipv4"),
    ("default_ttl", 23, "uint8"),
    ("mtu", 26, "uint16"),
    ("broadcast_address", 28, "ipv4"),
    ("router_discovery", 31, "bool"),
    ("router_solicitation", 32, "ipv4"),
    ("arp_cache_timeout", 35, "uint32"),
    ("ethernet_encap", 36, "bool"),
    ("tcp_ttl", 37, "uint8"),
    ("tcp_keepalive_interval", 38, "uint32"),
    ("nis_server", 41, "ipv4"),
    ("ntp_server", 42, "ipv4"),
    ("netbios_name_server", 44, "ipv4"),
    ("netbios_node_type", 46, "uint8"),
    ("lease_time", 51, "uint32"),
    ("server_id", 54, "ipv4"),
    ("T1", 58, "uint32"),
    ("T2", 59, "uint32"),
    ("tftp_server", 66, "host_id"),
    ("bootfile_name", 67, "str"),
    ("domain_search_list", 119, "domains"),
    ("classless_static_route", 121, "static_routes"),
    ("tftp_server_address", 150, "ipv4"),
    ("path_prefix", 210, "str"),
    ("ms_classless_static_route", 249, "static_routes"),
    ("wpad", 252, "str"),
    ("next_server", 253, "ipv4"),
    ("bootfile_name_alt", 254, "str"),
)

DHCPV6_OPTIONS: tuple[tuple[str, int, str], ...] = (
    ("server_id", 2, "mac"),
    ("ia_addr", 5, "ipv6"),
    ("dns_server", 23, "ipv6"),
    ("domain_search", 24, "str"),
)

#: table -> (authorization, insert_delete, updatable columns) for role ovn-controller.
RBAC_CONTROLLER: dict[str, tuple[str, bool, tuple[str, ...]]] = {
    "Chassis": (
        "name",
        True,
        (
            "encaps",
            "external_ids",
            "nb_cfg",
            "other_config",
            "transport_zones",
            "vtep_logical_switches",
        ),
    ),
    "Chassis_Private": ("name", True, ("chassis", "external_ids", "nb_cfg", "nb_cfg_timestamp")),
    "Encap": ("chassis_name", True, ("ip", "options", "type")),
    "Port_Binding": (
        "",
        False,
        (
            "additional_chassis",
            "additional_encap",
            "chassis",
            "encap",
            "options",
            "up",
            "virtual_parent",
        ),
    ),
    "MAC_Binding": ("", True, ("datapath", "ip", "logical_port", "mac", "timestamp")),
    "Service_Monitor": ("", False, ("status",)),
    "IGMP_Group": ("", True, ("address", "chassis", "datapath", "ports")),
    "Controller_Event": ("", True, ("chassis", "event_info", "event_type", "seq_num")),
    "FDB": ("", True, ("dp_key", "mac", "port_key")),
    "BFD": ("", False, ("status",)),
}


def _option_rows(
    table: str,
    sb: Mapping[str, Mapping[str, Row]],
    wanted: tuple[tuple[str, int, str], ...],
    txn: SbTxn,
) -> None:
    have = {(r["name"], r["code"], r["type"]): u for u, r in sb.get(table, {}).items()}
    want = set(wanted)
    for key, uuid in have.items():
        if key not in want:
            txn.delete(table, uuid)
    for name, code, kind in wanted:
        if (name, code, kind) not in have:
            txn.insert(table, {"name": name, "code": code, "type": kind})


def _rbac(sb: Mapping[str, Mapping[str, Row]], txn: SbTxn) -> None:
    perms = sb.get("RBAC_Permission", {})
    roles = [(u, r) for u, r in sb.get("RBAC_Role", {}).items() if r["name"] == "ovn-controller"]
    if len(roles) == 1:
        _, role = roles[0]
        current = {
            table: (
                next(iter(perms[p]["authorization"]), ""),
                perms[p]["insert_delete"],
                tuple(sorted(perms[p]["update"])),
            )
            for table, p in role["permissions"].items()
            if p in perms
        }
        wanted = {t: (a, i, tuple(sorted(u))) for t, (a, i, u) in RBAC_CONTROLLER.items()}
        if current == wanted:
            return
    for uuid, _ in roles:
        txn.delete("RBAC_Role", uuid)
    for uuid in perms:
        txn.delete("RBAC_Permission", uuid)
    refs = {}
    for table, (auth, insert_delete, update) in RBAC_CONTROLLER.items():
        refs[table] = txn.insert(
            "RBAC_Permission",
            {
                "table": table,
                "authorization": frozenset({auth}),
                "insert_delete": insert_delete,
                "update": frozenset(update),
            },
        )
    txn.insert("RBAC_Role", {"name": "ovn-controller", "permissions": refs})


def sync_static(sb: Mapping[str, Mapping[str, Row]], txn: SbTxn) -> None:
    """Make the DHCP option catalogues and the RBAC role what OVN 23.03 has."""
    _option_rows("DHCP_Options", sb, DHCPV4_OPTIONS, txn)
    _option_rows("DHCPv6_Options", sb, DHCPV6_OPTIONS, txn)
    _rbac(sb, txn)
