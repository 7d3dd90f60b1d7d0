"""Parsing the `ct(...)` action and its `nat(...)` argument (ovs-actions(7))."""

from __future__ import annotations

import ipaddress

from pyovn.dataplane.actions import Ct, Nat, Subfield
from pyovn.dataplane.errors import FlowSyntaxError
from pyovn.dataplane.field_syntax import parse_int
from pyovn.dataplane.tokens import split_items

__all__ = ["parse_ct", "parse_nat"]

_ALGS = {"ftp": 21, "tftp": 69}


def parse_ct(inside: str, position: int = 0) -> Ct:
    """The arguments of `ct(...)`: commit, force, table=, zone=, nat, exec(), alg=."""
    from pyovn.dataplane.action_parser import parse_actions, parse_subfield

    options: dict[str, object] = {}
    for item in split_items(inside, position):
        text = item.text
        key, equals, value = text.partition("=")
        if text in ("commit", "force"):
            options[text] = True
        elif key == "table" and equals:
            table = parse_int(value, "table")
            if table > 254:
                raise FlowSyntaxError("table outside the range 0 through 254", value, item.position)
            options["table"] = table
        elif key == "zone" and equals:
            zone: int | Subfield
            if value[:1].isdigit():
                zone = parse_int(value, "zone")
            else:
                zone = parse_subfield(value, item.position)
            if isinstance(zone, Subfield) and zone.n_bits != 16:
                raise FlowSyntaxError("zone field must be 16 bits wide", value, item.position)
            options["zone"] = zone
        elif text == "nat" or text.startswith("nat("):
            options["nat"] = parse_nat(text[4:-1] if text != "nat" else "", item.position)
        elif text.startswith("exec(") and text.endswith(")"):
            options["actions"] = parse_actions(text[5:-1], item.position + 5)
        elif key == "alg" and equals:
            options["alg"] = _ALGS.get(value) or parse_int(value, "alg")
        else:
            raise FlowSyntaxError("unknown ct argument", text, item.position)
    return Ct(**options)  # type: ignore[arg-type]


def parse_nat(inside: str, position: int = 0) -> Nat:
    """The arguments of `nat(...)`: src|dst[=ADDR[-ADDR][:PORT[-PORT]]], flags."""
    options: dict[str, object] = {}
    for item in split_items(inside, position):
        text = item.text
        key, equals, value = text.partition("=")
        if key in ("src", "dst"):
            if "kind" in options:
                raise FlowSyntaxError("nat takes only one of src and dst", text, item.position)
            options["kind"] = key
            if equals:
                options.update(_parse_range(value, item.position))
        elif text in ("persistent", "hash", "random") and not equals:
            options[text] = True
        else:
            raise FlowSyntaxError("unknown nat argument", text, item.position)
    if options.get("hash") and options.get("random"):
        raise FlowSyntaxError("nat takes only one of hash and random", inside, position)
    return Nat(**options)  # type: ignore[arg-type]


def _parse_address(text: str, ipv6: bool, position: int) -> int:
    try:
        if ipv6:
            return int(ipaddress.IPv6Address(text))
        return int(ipaddress.IPv4Address(text))
    except ValueError:
        raise FlowSyntaxError("bad address in nat", text, position) from None


def _parse_range(text: str, position: int) -> dict[str, object]:
    """`10.0.0.1-10.0.0.9:1000-2000` or `[fd00::1]-[fd00::9]:80`."""
    result: dict[str, object] = {}
    if text.startswith("["):
        end = text.index("]") if "]" in text else -1
        if end < 0:
            raise FlowSyntaxError("unterminated [ in nat address", text, position)
        low, rest = text[1:end], text[end + 1 :]
        high = None
        if rest.startswith("-["):
            close = rest.find("]")
            high, rest = rest[2:close], rest[close + 1 :]
        result["ipv6"] = True
        result["address_min"] = _parse_address(low, True, position)
        result["address_max"] = _parse_address(high or low, True, position)
    else:
        addresses, colon, ports = text.partition(":")
        rest = colon + ports
        low, _, high_text = addresses.partition("-")
        result["address_min"] = _parse_address(low, False, position)
        result["address_max"] = _parse_address(high_text or low, False, position)
    if rest:
        if not rest.startswith(":"):
            raise FlowSyntaxError("bad nat range", text, position)
        port_low, _, port_high = rest[1:].partition("-")
        result["port_min"] = parse_int(port_low, "nat port")
        result["port_max"] = parse_int(port_high or port_low, "nat port")
    return result
