"""Option codes and wire encodings for put_dhcp_opts / put_dhcpv6_opts /
put_nd_ra_opts, as carried in controller userdata.

DHCPv4 options are RFC 2132 TLVs (1-byte code and length) in the order
the action lists them, except `offerip`, which leads as 4 bare bytes;
DHCPv6 options are RFC 8415 TLVs (2-byte code and length).  Codes and
types are those of OVN's DHCP_Options table (interface facts); router
advertisement options use an OVN-internal numbering.
"""

from __future__ import annotations

import ipaddress
import struct

from pyovn.lflow.controller_actions import Option, Word
from pyovn.lflow.errors import LflowCompileError
from pyovn.lflow.expr import Constant, ConstantSet, StringConst, Value

__all__ = ["DHCPV4_OPTIONS", "DHCPV6_OPTIONS", "encode_dhcp_options"]

#: name -> (code, type) for DHCPv4.
DHCPV4_OPTIONS: dict[str, tuple[int, str]] = {
    "offerip": (0, "ipv4"),
    "netmask": (1, "ipv4"),
    "router": (3, "ipv4"),
    "dns_server": (6, "ipv4"),
    "log_server": (7, "ipv4"),
    "lpr_server": (9, "ipv4"),
    "hostname": (12, "str"),
    "domain_name": (15, "str"),
    "swap_server": (16, "ipv4"),
    "ip_forward_enable": (19, "bool"),
    "policy_filter": (21, "ipv4"),
    "default_ttl": (23, "uint8"),
    "mtu": (26, "uint16"),
    "broadcast_address": (28, "ipv4"),
    "router_discovery": (31, "bool"),
    "router_solicitation": (32, "ipv4"),
    "arp_cache_timeout": (35, "uint32"),
    "ethernet_encap": (36, "bool"),
    "tcp_ttl": (37, "uint8"),
    "tcp_keepalive_interval": (38, "uint32"),
    "nis_server": (41, "ipv4"),
    "ntp_server": (42, "ipv4"),
    "netbios_name_server": (44, "ipv4"),
    "netbios_node_type": (46, "uint8"),
    "lease_time": (51, "uint32"),
    "server_id": (54, "ipv4"),
    "T1": (58, "uint32"),
    "T2": (59, "uint32"),
    "tftp_server": (66, "host_id"),
    "bootfile_name": (67, "str"),
    "domain_search_list": (119, "domains"),
    "classless_static_route": (121, "static_routes"),
    "tftp_server_address": (150, "ipv4"),
    "path_prefix": (210, "str"),
    "ms_classless_static_route": (249, "static_routes"),
    "wpad": (252, "str"),
    "next_server": (253, "ipv4"),
    "bootfile_name_alt": (254, "str"),
}

#: name -> (code, type) for DHCPv6.
DHCPV6_OPTIONS: dict[str, tuple[int, str]] = {
    "server_id": (2, "mac"),
    "ia_addr": (5, "ipv6"),
    "dns_server": (23, "ipv6"),
    "domain_search": (24, "str"),
    "fqdn": (39, "str"),
}

_RA_MANAGED, _RA_OTHER = 0x80, 0x40
_RA_PREFERENCE = {"HIGH": 0x08, "MEDIUM": 0x00, "LOW": 0x18}
_PREFIX_ON_LINK, _PREFIX_AUTONOMOUS = 0x80, 0x40
_INFINITE = 0xFFFFFFFF
_RA_KEYS = frozenset({"addr_mode", "router_preference", "slla", "mtu", "prefix"})


def encode_router_advertisement(options: tuple[Option, ...]) -> bytes:
    """An ICMPv6 Router Advertisement (RFC 4861) template: the header, then
    source link-layer address, MTU and prefix-information options in the
    order given.  The address mode decides the M/O flags and the prefix
    A flag."""
    values = {o.key: o.value for o in options}
    mode = _text(values.get("addr_mode"), "slaac")
    flags = {"dhcpv6_stateful": _RA_MANAGED, "dhcpv6_stateless": _RA_OTHER}.get(mode, 0)
    flags |= _RA_PREFERENCE.get(_text(values.get("router_preference"), "MEDIUM"), 0)
    out = bytearray(struct.pack("!BBHBBHII", 134, 0, 0, 255, flags, 0xFFFF, 0, 0))
    prefix_flags = _PREFIX_ON_LINK | (0 if mode == "dhcpv6_stateful" else _PREFIX_AUTONOMOUS)
    for option in options:
        if option.key not in _RA_KEYS:
            raise LflowCompileError(f"put_nd_ra_opts option {option.key!r} is not supported")
        items = _items(option.value)
        for item in items:
            if not isinstance(item, Constant):
                continue
            if option.key == "slla":
                out += bytes([1, 1]) + item.value.to_bytes(6, "big")
            elif option.key == "mtu":
                out += struct.pack("!BBHI", 5, 1, 0, item.value)
            elif option.key == "prefix":
                length = bin(item.mask or 0).count("1")
                out += struct.pack("!BBBBIII", 3, 4, length, prefix_flags, _INFINITE, _INFINITE, 0)
                out += item.value.to_bytes(16, "big")
    return bytes(out)


def _text(value: object, default: str) -> str:
    if isinstance(value, StringConst):
        return value.value
    if isinstance(value, Word):
        return value.text
    return default


def encode_dhcp_options(options: tuple[Option, ...], family: int) -> bytes:
    """Encode `options` for DHCPv4 (`family` 4), DHCPv6 (6) or RA (0)."""
    if family == 0:
        return encode_router_advertisement(options)
    table = DHCPV4_OPTIONS if family == 4 else DHCPV6_OPTIONS
    out = bytearray()
    for option in options:
        spec = table.get(option.key)
        if spec is None:
            raise LflowCompileError(f"unknown option {option.key!r}")
        code, kind = spec
        value = _encode_value(option.value, kind)
        if family == 4 and code == 0:
            out += value
        elif family == 6:
            out += struct.pack("!HH", code, len(value)) + value
        else:
            out += struct.pack("!BB", code, len(value)) + value
    return bytes(out)


def _items(value: Value | ConstantSet | Word) -> list[Value | Word]:
    return list(value.items) if isinstance(value, ConstantSet) else [value]


def _encode_value(value: Value | ConstantSet | Word, kind: str) -> bytes:
    items = _items(value)
    if kind == "static_routes":
        return _static_routes(items)
    out = bytearray()
    for item in items:
        out += _encode_item(item, kind)
    return bytes(out)


def _encode_item(item: Value | Word, kind: str) -> bytes:
    if isinstance(item, StringConst | Word):
        text = item.value if isinstance(item, StringConst) else item.text
        if kind == "bool":
            return bytes([text in ("true", "1")])
        return text.encode()
    if not isinstance(item, Constant):
        raise LflowCompileError(f"unsupported option value {item}")
    sizes = {"ipv4": 4, "uint8": 1, "uint16": 2, "uint32": 4, "bool": 1, "ipv6": 16, "mac": 6}
    size = sizes.get(kind, max(1, (item.value.bit_length() + 7) // 8))
    if kind == "ipv6" and item.mask is not None:
        prefix = bin(item.mask).count("1")
        return bytes([prefix]) + item.value.to_bytes(16, "big")
    return item.value.to_bytes(size, "big")


def _static_routes(items: list[Value | Word]) -> bytes:
    """RFC 3442: (prefix length, significant destination octets, router) per route."""
    out = bytearray()
    for destination, router in zip(items[::2], items[1::2], strict=False):
        if not isinstance(destination, Constant) or not isinstance(router, Constant):
            raise LflowCompileError("static routes need address pairs")
        prefix = 32 if destination.mask is None else bin(destination.mask).count("1")
        network = ipaddress.IPv4Address(destination.value).packed
        out += bytes([prefix]) + network[: (prefix + 7) // 8]
        out += ipaddress.IPv4Address(router.value).packed
    return bytes(out)
