"""Reading and writing field values in ovs-ofctl's syntax.

Each `ValueKind` has one parser (text → value and optional mask) and one
printer, so that `dump-flows` matches, `set_field` values and trace lines all
spell numbers, addresses and flag sets the way ovs-ofctl does: registers in
hex (`0x5`, `0` for zero), ports and TTLs in decimal, MACs and IP addresses in
their usual notation with CIDR masks where the mask is a prefix.
"""

from __future__ import annotations

import ipaddress

from pyovn.dataplane.errors import FlowSyntaxError
from pyovn.dataplane.fields import Field, ValueKind

__all__ = [
    "CT_STATE_FLAGS",
    "PORT_NAMES",
    "TCP_FLAG_NAMES",
    "format_ipv4",
    "format_ipv6",
    "format_mac",
    "format_masked",
    "format_port",
    "format_value",
    "parse_int",
    "parse_ipv4",
    "parse_mac",
    "parse_port",
    "parse_value",
]

CT_STATE_FLAGS: tuple[tuple[str, int], ...] = (
    ("new", 0x01),
    ("est", 0x02),
    ("rel", 0x04),
    ("rpl", 0x08),
    ("inv", 0x10),
    ("trk", 0x20),
    ("snat", 0x40),
    ("dnat", 0x80),
)
TCP_FLAG_NAMES: tuple[tuple[str, int], ...] = (
    ("fin", 0x001),
    ("syn", 0x002),
    ("rst", 0x004),
    ("psh", 0x008),
    ("ack", 0x010),
    ("urg", 0x020),
    ("ece", 0x040),
    ("cwr", 0x080),
    ("ns", 0x100),
)
TUN_FLAG_NAMES: tuple[tuple[str, int], ...] = (("oam", 0x1),)
FRAG_NAMES: dict[str, tuple[int, int]] = {
    "no": (0, 3),
    "yes": (1, 1),
    "first": (1, 3),
    "later": (3, 3),
    "not_later": (0, 2),
}
PORT_NAMES: dict[str, int] = {
    "IN_PORT": 0xFFF8,
    "TABLE": 0xFFF9,
    "NORMAL": 0xFFFA,
    "FLOOD": 0xFFFB,
    "ALL": 0xFFFC,
    "CONTROLLER": 0xFFFD,
    "LOCAL": 0xFFFE,
    "ANY": 0xFFFF,
    "NONE": 0xFFFF,
}
_PORT_PRINT = {value: name for name, value in PORT_NAMES.items() if name != "NONE"}


# ------------------------------------------------------------------- numbers


def parse_int(text: str, what: str = "value") -> int:
    """An integer written in decimal or `0x` hexadecimal."""
    try:
        if text[:2].lower() == "0x":
            return int(text[2:], 16)
        return int(text, 10)
    except ValueError:
        raise FlowSyntaxError(f"bad syntax for {what}", text) from None


def _check_fits(value: int, width: int, text: str, what: str) -> int:
    if value < 0 or value >> width:
        raise FlowSyntaxError(f"value does not fit into {width} bits for {what}", text)
    return value


# ------------------------------------------------------------------- MAC / IP


def parse_mac(text: str) -> int:
    """An Ethernet address `aa:bb:cc:dd:ee:ff`."""
    parts = text.split(":")
    if len(parts) != 6 or not all(1 <= len(part) <= 2 for part in parts):
        raise FlowSyntaxError("bad Ethernet address", text)
    try:
        return int("".join(part.zfill(2) for part in parts), 16)
    except ValueError:
        raise FlowSyntaxError("bad Ethernet address", text) from None


def format_mac(value: int) -> str:
    """`aa:bb:cc:dd:ee:ff`."""
    raw = f"{value:012x}"
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


def parse_ipv4(text: str) -> int:
    """A dotted-quad IPv4 address."""
    try:
        return int(ipaddress.IPv4Address(text))
    except ValueError:
        raise FlowSyntaxError("bad IPv4 address", text) from None


def format_ipv4(value: int) -> str:
    """Dotted quad."""
    return str(ipaddress.IPv4Address(value))


def _parse_ipv6(text: str) -> int:
    try:
        return int(ipaddress.IPv6Address(text))
    except ValueError:
        raise FlowSyntaxError("bad IPv6 address", text) from None


def format_ipv6(value: int) -> str:
    """Compressed IPv6 notation."""
    return str(ipaddress.IPv6Address(value))


def _prefix_length(mask: int, width: int) -> int | None:
    """The CIDR prefix length of `mask`, or None if it is not a prefix."""
    inverted = ~mask & ((1 << width) - 1)
    if inverted & (inverted + 1):
        return None
    return width - inverted.bit_length()


# ------------------------------------------------------------------- flags


def _parse_flags(
    text: str, names: tuple[tuple[str, int], ...], what: str, allow_mask: bool = True
) -> tuple[int, int | None]:
    """`+a-b` (value and mask), `a|b` (exact), or a number with optional mask."""
    by_name = dict(names)
    if text[:1] in "+-":
        value = mask = 0
        position = 0
        while position < len(text):
            sign = text[position]
            if sign not in "+-":
                raise FlowSyntaxError(f"bad value for {what}", text)
            end = position + 1
            while end < len(text) and text[end] not in "+-":
                end += 1
            name = text[position + 1 : end]
            if name not in by_name:
                raise FlowSyntaxError(f"unknown {what} flag", name)
            bit = by_name[name]
            mask |= bit
            value |= bit if sign == "+" else 0
            position = end
        return value, mask
    if text[:1].isdigit():
        number, _, mask_text = text.partition("/")
        return parse_int(number, what), parse_int(mask_text, what) if mask_text else None
    value = 0
    for name in text.split("|"):
        if name not in by_name:
            raise FlowSyntaxError(f"unknown {what} flag", name)
        value |= by_name[name]
    return value, None


def _format_flags_exact(value: int, names: tuple[tuple[str, int], ...]) -> str:
    chosen = [name for name, bit in names if value & bit]
    return "|".join(chosen) if chosen else "0"


def _format_flags_masked(value: int, mask: int, names: tuple[tuple[str, int], ...]) -> str:
    return "".join(("+" if value & bit else "-") + name for name, bit in names if mask & bit)


# ------------------------------------------------------------------- ports


def parse_port(text: str) -> int:
    """An OpenFlow port number or one of the reserved names (LOCAL, ANY, …)."""
    upper = text.upper()
    if upper in PORT_NAMES:
        return PORT_NAMES[upper]
    if not text[:1].isdigit():
        raise FlowSyntaxError("invalid or unknown port", text)
    value = parse_int(text, "port")
    if value > 0xFFFF:
        raise FlowSyntaxError("port is outside the supported range 0 through 0xffff", text)
    return value


def format_port(value: int) -> str:
    """A port number, or its reserved name."""
    return _PORT_PRINT.get(value, str(value))


# ------------------------------------------------------------------- parsing


def _split_mask(text: str) -> tuple[str, str | None]:
    value, slash, mask = text.partition("/")
    return value, (mask if slash else None)


def _parse_ip_like(text: str, field: Field, width: int, ipv6: bool) -> tuple[int, int | None]:
    value_text, mask_text = _split_mask(text)
    parse = _parse_ipv6 if ipv6 else parse_ipv4
    value = parse(value_text)
    if mask_text is None:
        return value, None
    if mask_text.isdigit():
        length = int(mask_text)
        if length > width:
            raise FlowSyntaxError(f"bad prefix length for {field.name}", mask_text)
        mask = ((1 << width) - 1) ^ ((1 << (width - length)) - 1)
        return value & mask, mask
    mask = parse(mask_text)
    return value & mask, mask


def _parse_number(text: str, field: Field) -> tuple[int, int | None]:
    value_text, mask_text = _split_mask(text)
    width = field.width
    if field.kind is ValueKind.PORT:
        value = parse_port(value_text)
    else:
        value = _check_fits(parse_int(value_text, f"{field.name} value"), width, text, field.name)
    if mask_text is None:
        return value, None
    mask = _check_fits(parse_int(mask_text, f"{field.name} mask"), width, text, field.name)
    return value, mask


def parse_value(field: Field, text: str) -> tuple[int, int | None]:
    """Parse `text` as a value of `field`, returning (value, mask or None)."""
    if not text:
        raise FlowSyntaxError(f"missing value for {field.name}", field.name)
    kind = field.kind
    if kind is ValueKind.MAC:
        value_text, mask_text = _split_mask(text)
        mask = parse_mac(mask_text) if mask_text is not None else None
        value = parse_mac(value_text)
        return (value & mask if mask is not None else value), mask
    if kind is ValueKind.IPV4:
        return _parse_ip_like(text, field, 32, ipv6=False)
    if kind is ValueKind.IPV6:
        return _parse_ip_like(text, field, 128, ipv6=True)
    if kind is ValueKind.CT_STATE:
        return _parse_flags(text, CT_STATE_FLAGS, "ct_state")
    if kind is ValueKind.TCP_FLAGS:
        return _parse_flags(text, TCP_FLAG_NAMES, "tcp_flags")
    if kind is ValueKind.TUN_FLAGS:
        return _parse_flags(text, TUN_FLAG_NAMES, "tun_flags")
    if kind is ValueKind.FRAG:
        if text not in FRAG_NAMES:
            raise FlowSyntaxError("bad value for nw_frag", text)
        return FRAG_NAMES[text]
    return _parse_number(text, field)


# ------------------------------------------------------------------- printing


def format_value(field: Field, value: int) -> str:
    """One value of `field` as ovs-ofctl prints it in actions and traces."""
    kind = field.kind
    if kind is ValueKind.MAC:
        return format_mac(value)
    if kind is ValueKind.IPV4:
        return format_ipv4(value)
    if kind is ValueKind.IPV6:
        return format_ipv6(value)
    if kind is ValueKind.PORT:
        return format_port(value)
    if kind is ValueKind.CT_STATE:
        return _format_flags_exact(value, CT_STATE_FLAGS)
    if kind is ValueKind.TCP_FLAGS:
        return _format_flags_exact(value, TCP_FLAG_NAMES)
    if kind is ValueKind.FRAG:
        return {0: "no", 1: "first", 3: "later"}.get(value, str(value))
    if kind is ValueKind.DECIMAL:
        return str(value)
    return hex(value) if value else "0"


def _format_address_masked(value: int, mask: int, width: int, ipv6: bool) -> str:
    text = format_ipv6(value) if ipv6 else format_ipv4(value)
    length = _prefix_length(mask, width)
    if length is not None:
        return f"{text}/{length}"
    return f"{text}/{format_ipv6(mask) if ipv6 else format_ipv4(mask)}"


def format_masked(field: Field, value: int, mask: int) -> str:
    """`value` or `value/mask` for a match on `field`, in dump-flows style."""
    full = mask == field.all_ones
    kind = field.kind
    if kind is ValueKind.MAC:
        return format_mac(value) if full else f"{format_mac(value)}/{format_mac(mask)}"
    if kind in (ValueKind.IPV4, ValueKind.IPV6):
        ipv6 = kind is ValueKind.IPV6
        if full:
            return format_ipv6(value) if ipv6 else format_ipv4(value)
        return _format_address_masked(value, mask, field.width, ipv6)
    if kind is ValueKind.CT_STATE:
        if full:
            return _format_flags_exact(value, CT_STATE_FLAGS)
        return _format_flags_masked(value, mask, CT_STATE_FLAGS)
    if kind is ValueKind.TCP_FLAGS:
        if full:
            return _format_flags_exact(value, TCP_FLAG_NAMES)
        return _format_flags_masked(value, mask, TCP_FLAG_NAMES)
    if kind is ValueKind.TUN_FLAGS:
        if full:
            return _format_flags_exact(value, TUN_FLAG_NAMES)
        return _format_flags_masked(value, mask, TUN_FLAG_NAMES)
    if kind is ValueKind.ETHERTYPE:
        return f"0x{value:04x}" if full else f"0x{value:04x}/0x{mask:04x}"
    if kind is ValueKind.VLAN_TCI:
        return f"0x{value:04x}" if full else f"0x{value:04x}/0x{mask:04x}"
    if kind is ValueKind.LABEL:
        return f"0x{value:05x}" if full else f"0x{value:05x}/0x{mask:05x}"
    if kind in (ValueKind.DECIMAL, ValueKind.PORT):
        if full:
            return format_port(value) if kind is ValueKind.PORT else str(value)
        return f"0x{value:x}/0x{mask:x}"
    text = hex(value) if value else "0"
    return text if full else f"{text}/{hex(mask)}"
