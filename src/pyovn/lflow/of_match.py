"""OpenFlow matches in `ovs-ofctl` syntax, from normalised clauses.

`clause_matches()` turns one DNF clause into concrete matches: one per
combination when at most one field has several alternatives, otherwise a
conjunctive match (`conjunction(id,k/n)` flows per dimension plus one flow
on `conj_id`), as ovn-controller does.  `render_match()` writes a match
the way `ovs-ofctl dump-flows` prints it: protocol shorthands (`tcp`,
`icmp6`), 128- and 64-bit registers split into 32-bit `regN`, CIDR masks,
`ct_state` flags and `nw_frag` keywords.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from pyovn.lflow.normalize import Alt
from pyovn.lflow.of_fields import OF_FIELDS, ValueFormat

__all__ = ["MatchFields", "render_match", "split_registers"]

#: One concrete match: OVS field -> (value, mask).
MatchFields = dict[str, Alt]

_SHORTHANDS = {
    (0x0800, None): "ip",
    (0x86DD, None): "ipv6",
    (0x0806, None): "arp",
    (0x8035, None): "rarp",
    (0x0800, 1): "icmp",
    (0x0800, 6): "tcp",
    (0x0800, 17): "udp",
    (0x0800, 132): "sctp",
    (0x86DD, 58): "icmp6",
    (0x86DD, 6): "tcp6",
    (0x86DD, 17): "udp6",
    (0x86DD, 132): "sctp6",
}
_CT_STATE_BITS = ("new", "est", "rel", "rpl", "inv", "trk", "snat", "dnat")
_TCP_FLAGS = ("fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns")
_FRAG_NAMES = {
    (0, 1): "no",
    (1, 1): "yes",
    (0, 3): "no",
    (1, 3): "first",
    (3, 3): "later",
    (0, 2): "not_later",
    (2, 2): "later",
}
# Printing order after the protocol shorthand (ovs-ofctl's order).
_ORDER = (
    "in_port",
    "vlan_tci",
    "eth_src",
    "eth_dst",
    "eth_type",
    "ipv6_src",
    "ipv6_dst",
    "ipv6_label",
    "ip_src",
    "ip_dst",
    "arp_spa",
    "arp_tpa",
    "nw_proto",
    "arp_op",
    "ip_dscp",
    "nw_ecn",
    "nw_ttl",
    "ip_frag",
    "arp_sha",
    "arp_tha",
    "tcp_src",
    "tcp_dst",
    "udp_src",
    "udp_dst",
    "sctp_src",
    "sctp_dst",
    "icmp_type",
    "icmp_code",
    "icmpv6_type",
    "icmpv6_code",
    "tcp_flags",
    "nd_target",
    "nd_sll",
    "nd_tll",
)
_LEADING = ("ct_state", "ct_mark", "ct_label", "conj_id", "pkt_mark")


def split_registers(fields: Mapping[str, Alt]) -> dict[str, Alt]:
    """Replace xxregN/xregN constraints by the 32-bit regN they cover."""
    out: dict[str, Alt] = {}
    for name, (value, mask) in fields.items():
        if name.startswith(("xxreg", "xreg")):
            wide = name.startswith("xxreg")
            index = int(name[5:] if wide else name[4:])
            count = 4 if wide else 2
            for piece in range(count):
                shift = 32 * (count - 1 - piece)
                piece_mask = (mask >> shift) & 0xFFFFFFFF
                if piece_mask:
                    reg = f"reg{index * count + piece}"
                    previous = out.get(reg, (0, 0))
                    out[reg] = (
                        previous[0] | (value >> shift) & piece_mask,
                        previous[1] | piece_mask,
                    )
        else:
            out[name] = (value, mask)
    return out


def render_match(fields: Mapping[str, Alt]) -> str:
    """`ovs-ofctl` text of a match (empty string: match everything)."""
    fields = split_registers(fields)
    parts: list[str] = [_render(name, fields[name]) for name in _LEADING if name in fields]
    shorthand = _shorthand(fields)
    consumed = set(_LEADING)
    if shorthand:
        parts.append(shorthand)
        consumed.add("eth_type")
        if shorthand not in ("ip", "ipv6", "arp", "rarp"):
            consumed.add("nw_proto")
    registers = sorted(
        (name for name in fields if name.startswith("reg")), key=lambda n: int(n[3:])
    )
    parts.extend(_render(name, fields[name]) for name in registers)
    if "metadata" in fields:
        parts.append(_render("metadata", fields["metadata"]))
    consumed.update(registers)
    consumed.add("metadata")
    parts.extend(
        _render(name, fields[name]) for name in _ORDER if name in fields and name not in consumed
    )
    return ",".join(parts)


def _shorthand(fields: Mapping[str, Alt]) -> str | None:
    eth = fields.get("eth_type")
    if eth is None:
        return None
    proto = fields.get("nw_proto")
    if proto is not None and (eth[0], proto[0]) in _SHORTHANDS:
        return _SHORTHANDS[(eth[0], proto[0])]
    return _SHORTHANDS.get((eth[0], None))


def _render(name: str, alt: Alt) -> str:
    value, mask = alt
    row = OF_FIELDS[name]
    full = (1 << row.width) - 1
    keyword = row.match_name
    if name == "vlan_tci":
        return f"vlan_tci={value:#06x}" + ("" if mask == full else f"/{mask:#06x}")
    if row.fmt is ValueFormat.CT_STATE:
        return "ct_state=" + "".join(
            ("+" if value >> bit & 1 else "-") + flag
            for bit, flag in enumerate(_CT_STATE_BITS)
            if mask >> bit & 1
        )
    if row.fmt is ValueFormat.TCP_FLAGS:
        return "tcp_flags=" + "".join(
            ("+" if value >> bit & 1 else "-") + flag
            for bit, flag in enumerate(_TCP_FLAGS)
            if mask >> bit & 1
        )
    if name == "ip_dscp":
        return f"nw_tos={value << 2}"
    if row.fmt is ValueFormat.FRAG:
        # Only the low two bits of nw_frag exist ("is fragment", "later").
        value, mask = value & 3, mask & 3
        return f"nw_frag={_FRAG_NAMES.get((value, mask), f'{value:#x}/{mask:#x}')}"
    if name in ("arp_op",) or (name == "nw_proto" and mask == full):
        return f"{keyword}={value}"
    return f"{keyword}={format_value(row.fmt, row.width, value, mask)}"


def format_value(fmt: ValueFormat, width: int, value: int, mask: int) -> str:
    """A (value, mask) in ovs-ofctl's notation for the field's format."""
    full = (1 << width) - 1
    if fmt is ValueFormat.ETHERNET:
        text = _mac(value)
        return text if mask == full else f"{text}/{_mac(mask)}"
    if fmt in (ValueFormat.IPV4, ValueFormat.IPV6):
        ip_class = ipaddress.IPv4Address if fmt is ValueFormat.IPV4 else ipaddress.IPv6Address
        text = str(ip_class(value))
        if mask == full:
            return text
        prefix = _prefix_length(mask, width)
        return f"{text}/{prefix}" if prefix is not None else f"{text}/{ip_class(mask)}"
    if fmt is ValueFormat.DECIMAL:
        return str(value) if mask == full else f"{_hex(value)}/{_hex(mask)}"
    return _hex(value) if mask == full else f"{_hex(value)}/{_hex(mask)}"


def _hex(value: int) -> str:
    return "0" if value == 0 else hex(value)


def _mac(value: int) -> str:
    return ":".join(f"{(value >> shift) & 0xFF:02x}" for shift in range(40, -8, -8))


def _prefix_length(mask: int, width: int) -> int | None:
    inverted = ~mask & ((1 << width) - 1)
    if inverted & (inverted + 1):
        return None
    return width - inverted.bit_length()
