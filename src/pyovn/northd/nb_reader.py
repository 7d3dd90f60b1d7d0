"""Parse single Northbound rows into model values (`model.py`).

Each function reads one row (plus the rows it references) and reports
malformed content through `Diagnostics` once, leaving the bad part out.
`RowCache` remembers results by row identity: the replica replaces a row's
dict whenever the row changes, so an unchanged row is never parsed twice.
"""

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from pyovn.lflow import LflowError, parse_match
from pyovn.northd.addresses import (
    AddressEntry,
    parse_address_entry,
    parse_mac,
    parse_router_networks,
)
from pyovn.northd.errors import AddressError
from pyovn.northd.model import (
    Acl,
    DhcpOptions,
    Diagnostics,
    Nat,
    RouterPort,
    StaticRoute,
    SwitchPort,
)

__all__ = [
    "RowCache",
    "items",
    "optional",
    "read_acl",
    "read_nat",
    "read_route",
    "read_router_port",
    "read_switch_port",
]

Row = dict[str, Any]
T = TypeVar("T")


def items(value: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(value.items()))


def optional(value: frozenset[Any]) -> Any:
    return next(iter(value)) if value else None


class RowCache(Generic[T]):
    """Parsed values by row UUID, valid while the row dict is the same object."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[object, tuple[object, ...], T]] = {}

    def get(self, uuid: str, row: Row, deps: tuple[object, ...], parse: Callable[[], T]) -> T:
        entry = self._entries.get(uuid)
        if entry is not None and entry[0] is row and _same(entry[1], deps):
            return entry[2]
        value = parse()
        self._entries[uuid] = (row, deps, value)
        return value

    def discard(self, uuids: Iterable[str]) -> None:
        for uuid in uuids:
            self._entries.pop(uuid, None)


def _same(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _dhcp(ref: str | None, row: Row | None) -> DhcpOptions | None:
    if ref is None or row is None:
        return None
    return DhcpOptions(ref, row["cidr"], items(row["options"]))


def read_switch_port(
    uuid: str,
    row: Row,
    switch: str,
    dhcp_rows: tuple[Row | None, Row | None],
    diag: Diagnostics,
) -> SwitchPort:
    """A Logical_Switch_Port; `dhcp_rows` are its DHCPv4 and DHCPv6 options rows."""
    name = row["name"]
    addresses: list[AddressEntry] = []
    has_unknown = is_router = False
    for text in sorted(row["addresses"]):
        word = text.strip()
        if word == "unknown":
            has_unknown = True
        elif word == "router":
            is_router = True
        elif word == "dynamic" or word.endswith(" dynamic"):
            continue  # dynamic addressing is resolved into dynamic_addresses
        else:
            entry = _entry(name, "addresses", text, diag)
            if entry is not None:
                addresses.append(entry)
    for text in row.get("dynamic_addresses", ()):
        entry = _entry(name, "dynamic_addresses", text, diag)
        if entry is not None:
            addresses.append(entry)
    security = [
        e
        for e in (_entry(name, "port_security", t, diag) for t in sorted(row["port_security"]))
        if e is not None
    ]
    dhcp = _dhcp(optional(row["dhcpv4_options"]), dhcp_rows[0])
    dhcp6 = _dhcp(optional(row["dhcpv6_options"]), dhcp_rows[1])
    return SwitchPort(
        uuid=uuid,
        name=name,
        switch=switch,
        type=row["type"],
        addresses=tuple(addresses),
        has_unknown=has_unknown,
        is_router_addresses=is_router,
        port_security=tuple(security),
        options=items(row["options"]),
        enabled=optional(row["enabled"]) is not False,
        dhcpv4=dhcp,
        dhcpv6=dhcp6,
        tag=optional(row["tag"]),
        parent=optional(row["parent_name"]),
        raw_addresses=tuple(sorted(row["addresses"])),
        raw_port_security=tuple(sorted(row["port_security"])),
    )


def _entry(port: str, column: str, text: str, diag: Diagnostics) -> AddressEntry | None:
    try:
        return parse_address_entry(text)
    except AddressError as exc:
        diag.report(
            f"addr-{port}-{column}-{text}",
            f"Logical_Switch_Port {port}: bad {column} entry {text!r}: {exc}",
        )
        return None


def read_acl(uuid: str, row: Row, owner: str, diag: Diagnostics) -> Acl | None:
    """The ACL, or None (reported) when its match is not valid OVN syntax."""
    try:
        parse_match(row["match"])
    except LflowError as exc:
        diag.report(
            f"acl-{uuid}",
            f"ACL {uuid} on {owner} ({row['direction']} {row['priority']} {row['action']}): "
            f"bad match {row['match']!r}: {exc}; ACL skipped",
        )
        return None
    return Acl(
        uuid=uuid,
        direction=row["direction"],
        priority=row["priority"],
        match=row["match"],
        action=row["action"],
        log=row["log"],
        name=optional(row["name"]),
        severity=optional(row["severity"]),
        label=row.get("label", 0),
        options=items(row["options"]),
    )


def sort_acls(acls: Iterable[Acl]) -> tuple[Acl, ...]:
    return tuple(sorted(acls, key=lambda a: (a.direction, -a.priority, a.match, a.uuid)))


def read_router_port(
    uuid: str, row: Row, router: str, gateway_rows: list[Row], diag: Diagnostics
) -> RouterPort | None:
    try:
        networks = parse_router_networks(row["mac"], sorted(row["networks"]))
    except AddressError as exc:
        diag.report(f"lrp-{row['name']}", f"Logical_Router_Port {row['name']}: {exc}; port skipped")
        return None
    gateways = sorted(
        ((g["chassis_name"], g["priority"]) for g in gateway_rows),
        key=lambda item: (-item[1], item[0]),
    )
    return RouterPort(
        uuid=uuid,
        name=row["name"],
        router=router,
        networks=networks,
        gateway_chassis=tuple(gateways),
        options=items(row["options"]),
        enabled=optional(row["enabled"]) is not False,
        peer_router_port=optional(row["peer"]),  # a port name; resolved by the builder
        ipv6_ra_configs=items(row["ipv6_ra_configs"]),
    )


def read_nat(uuid: str, row: Row, router: str, diag: Diagnostics) -> Nat | None:
    problem = _nat_problem(row)
    if problem is not None:
        diag.report(
            f"nat-{uuid}",
            f"router {router}: NAT {uuid} ({row['type']} {row['external_ip']} -> "
            f"{row['logical_ip']}): {problem}; rule skipped",
        )
        return None
    return Nat(
        uuid=uuid,
        type=row["type"],
        external_ip=row["external_ip"],
        logical_ip=row["logical_ip"],
        external_mac=optional(row["external_mac"]),
        logical_port=optional(row["logical_port"]),
        external_port_range=row["external_port_range"],
        options=items(row["options"]),
        gateway_port=optional(row.get("gateway_port", frozenset())),
    )


def _nat_problem(row: Row) -> str | None:
    try:
        external = ipaddress.ip_address(row["external_ip"])
    except ValueError:
        return f"bad external_ip {row['external_ip']!r}"
    logical = row["logical_ip"]
    try:
        if row["type"] == "snat":
            version = ipaddress.ip_network(logical, strict=False).version
        else:
            version = ipaddress.ip_address(logical).version
    except ValueError:
        return f"bad logical_ip {logical!r}"
    if version != external.version:
        return "external and logical addresses are of different IP versions"
    mac = optional(row["external_mac"])
    if mac is not None:
        try:
            parse_mac(mac)
        except AddressError:
            return f"bad external_mac {mac!r}"
    return None


def read_route(uuid: str, row: Row) -> StaticRoute:
    return StaticRoute(
        uuid=uuid,
        ip_prefix=row["ip_prefix"],
        nexthop=row["nexthop"],
        output_port=optional(row["output_port"]),
        policy=optional(row["policy"]) or "dst-ip",
        route_table=row["route_table"],
        options=items(row["options"]),
    )
