"""OpenFlow 1.5 match encoding of the controller's flows (ovs-ofctl match syntax).

`encode_match("ip,reg14=0x1,metadata=0x1,nw_src=10.0.0.0/24")` returns the
OXM/NXM entries (header, value, mask) of the match, prerequisites first
(eth_type, then VLAN, then ip_proto) as Open vSwitch checks them in order.
Field names resolve through `pyovn.lflow.of_fields`; names whose meaning
depends on the protocol (`tp_src`, `icmp_type`, ...) are resolved from the
match's own eth_type/ip_proto. Anything else raises `Unsupported`, and the
caller falls back to ovs-ofctl's parser.
"""

from __future__ import annotations

import ipaddress
import struct

from pyovn.lflow.of_binary import field_header
from pyovn.lflow.of_fields import OF_FIELDS, OfField

__all__ = ["Unsupported", "encode_match", "l4_of", "resolve_target", "split_top", "value_of"]


class Unsupported(ValueError):
    """Flow text this encoder does not cover (ovs-ofctl will encode it)."""


PROTOCOLS: dict[str, tuple[int, int | None]] = {
    "ip": (0x0800, None),
    "icmp": (0x0800, 1),
    "tcp": (0x0800, 6),
    "udp": (0x0800, 17),
    "sctp": (0x0800, 132),
    "ipv6": (0x86DD, None),
    "icmp6": (0x86DD, 58),
    "tcp6": (0x86DD, 6),
    "udp6": (0x86DD, 17),
    "sctp6": (0x86DD, 132),
    "arp": (0x0806, None),
    "rarp": (0x8035, None),
}
CT_STATE_BITS = {"new": 0x01, "est": 0x02, "rel": 0x04, "rpl": 0x08, "inv": 0x10, "trk": 0x20,
                 "snat": 0x40, "dnat": 0x80}  # fmt: skip
FRAG = {"no": (0, 1), "yes": (1, 1), "first": (1, 3), "later": (3, 3), "not_later": (0, 2)}
PORTS = {"IN_PORT": 0xFFF8, "TABLE": 0xFFF9, "NORMAL": 0xFFFA, "FLOOD": 0xFFFB, "ALL": 0xFFFC,
         "CONTROLLER": 0xFFFD, "LOCAL": 0xFFFE, "ANY": 0xFFFF, "NONE": 0xFFFF}  # fmt: skip
_BY_MATCH_NAME = {row.match_name: row for row in OF_FIELDS.values()}
_L4 = {6: "tcp", 17: "udp", 132: "sctp"}


def split_top(text: str, separators: str = ",") -> list[str]:
    """`text` split at separators outside parentheses (empty items dropped)."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char in separators and depth == 0:
            parts.append(text[start:index].strip())
            start = index + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _resolve(name: str, eth_type: int | None, proto: int | None) -> OfField:
    if name in ("tp_src", "tp_dst"):
        if proto not in _L4:
            raise Unsupported(f"{name} without tcp/udp/sctp")
        return OF_FIELDS[f"{_L4[proto]}_{name[3:]}"]
    if name in ("icmp_type", "icmp_code"):
        return OF_FIELDS[("icmpv6_" if eth_type == 0x86DD else "icmp_") + name[5:]]
    if name in ("nw_src", "nw_dst") and eth_type in (0x0806, 0x8035):
        return OF_FIELDS["arp_spa" if name == "nw_src" else "arp_tpa"]
    row = OF_FIELDS.get(name) or _BY_MATCH_NAME.get(name)
    if row is None:
        raise Unsupported(f"match field {name}")
    return row


def resolve_target(name: str) -> OfField:
    """The field a set_field writes (`reg14`, `eth_src`, `icmp_type`, ...)."""
    row = OF_FIELDS.get(name) or _BY_MATCH_NAME.get(name)
    if row is None:
        raise Unsupported(f"set_field target {name}")
    return row


def _number(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError as error:
        raise Unsupported(f"value {text!r}") from error


def value_of(row: OfField, text: str) -> tuple[int, int]:
    """(value, mask) of `text` for `row` (mask all-ones when not given)."""
    full = (1 << row.width) - 1
    fmt = row.fmt.value
    if fmt == "ct_state":
        return _ct_state(text)
    if fmt == "frag":
        if text not in FRAG:
            raise Unsupported(f"nw_frag={text}")
        return FRAG[text]
    if row.name == "in_port" and text in PORTS:
        return PORTS[text], full
    value, _, mask = text.partition("/")
    if fmt == "ethernet":
        return _mac(value), _mac(mask) if mask else full
    if fmt in ("ipv4", "ipv6"):
        try:
            if ":" in mask or "." in mask:  # address/mask, not a prefix
                address, bits = ipaddress.ip_address(value), ipaddress.ip_address(mask)
                if address.version != bits.version:
                    raise ValueError(text)
                return int(address) & int(bits), int(bits)
            network = ipaddress.ip_network(text, strict=False)
        except ValueError as error:
            raise Unsupported(f"{row.name}={text}") from error
        if network.version != (4 if fmt == "ipv4" else 6):
            raise Unsupported(f"{row.name}={text}")
        return int(network.network_address), int(network.netmask)
    if fmt in ("hex", "decimal"):
        return _number(value), _number(mask) if mask else full
    raise Unsupported(f"{row.name} format {fmt}")


def _mac(text: str) -> int:
    parts = text.split(":")
    if len(parts) != 6:
        raise Unsupported(f"MAC {text!r}")
    return int("".join(p.zfill(2) for p in parts), 16)


def _ct_state(text: str) -> tuple[int, int]:
    if text[:1] not in "+-":
        number, _, bits = text.partition("/")
        return _number(number), _number(bits) if bits else 0xFFFFFFFF
    value = mask = 0
    for sign, name in _flags(text):
        bit = CT_STATE_BITS.get(name)
        if bit is None:
            raise Unsupported(f"ct_state flag {name}")
        mask |= bit
        value |= bit if sign == "+" else 0
    return value, mask


def _flags(text: str) -> list[tuple[str, str]]:
    out, index = [], 0
    while index < len(text):
        sign, end = text[index], index + 1
        while end < len(text) and text[end] not in "+-":
            end += 1
        out.append((sign, text[index + 1 : end]))
        index = end
    return out


def _entry(row: OfField, value: int, mask: int) -> bytes:
    full = (1 << row.width) - 1
    masked = (mask & full) != full
    size = row.n_bytes
    body = (value & mask & full).to_bytes(size, "big")
    if masked:
        body += (mask & full).to_bytes(size, "big")
    return struct.pack("!I", field_header(row, masked=masked)) + body


def l4_of(text: str) -> str | None:
    """The transport (tcp, udp, sctp) a match selects, if any."""
    proto = None
    for item in split_top(text, ", "):
        key, sep, value = item.partition("=")
        if not sep and key in PROTOCOLS:
            proto = PROTOCOLS[key][1]
        elif key in ("nw_proto", "ip_proto"):
            proto = _number(value)
    return _L4.get(proto) if proto is not None else None


def encode_match(text: str) -> bytes:
    """The OXM/NXM entries of an ovs-ofctl match (Unsupported if not covered)."""
    eth_type: int | None = None
    proto: int | None = None
    pairs: list[tuple[str, str]] = []
    for item in split_top(text, ", "):
        key, sep, value = item.partition("=")
        if not sep:
            if key not in PROTOCOLS:
                raise Unsupported(f"match keyword {key}")
            eth_type, proto = PROTOCOLS[key]
            continue
        if key in ("dl_type", "eth_type"):
            eth_type = _number(value)
        elif key in ("nw_proto", "ip_proto"):
            proto = _number(value)
        else:
            pairs.append((key, value))
    head = b""
    if eth_type is not None:
        head += _entry(OF_FIELDS["eth_type"], eth_type, 0xFFFF)
    vlan, rest = b"", b""
    for key, value in pairs:
        if key == "dl_vlan":  # VLAN id with the "present" bit (OVS's vlan_tci)
            vlan += _entry(OF_FIELDS["vlan_tci"], 0x1000 | _number(value), 0x1FFF)
            continue
        row = _resolve(key, eth_type, proto)
        entry = _entry(row, *value_of(row, value))
        if row.name == "vlan_tci":
            vlan += entry
        else:
            rest += entry
    if proto is not None:
        vlan += _entry(OF_FIELDS["nw_proto"], proto, 0xFF)
    return head + vlan + rest
