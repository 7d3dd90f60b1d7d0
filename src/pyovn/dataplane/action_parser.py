"""Parsing ovs-ofctl action lists into `actions.py` values.

`parse_actions("load:0x1->NXM_NX_REG14[],resubmit(,8)")` returns the typed
actions. Errors raise `FlowSyntaxError` naming the offending token and its
offset in the text; unknown or unsupported actions are rejected by name,
never with a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pyovn.dataplane.actions import (
    Action,
    CheckPktLarger,
    Clone,
    Conjunction,
    Controller,
    Ct,
    CtClear,
    DecTtl,
    Exit,
    GotoTable,
    Group,
    Meter,
    ModVlanPcp,
    ModVlanVid,
    Move,
    Note,
    Output,
    OutputReg,
    Pop,
    PopVlan,
    Push,
    PushVlan,
    Resubmit,
    Sample,
    SetField,
    SetQueue,
    Subfield,
)
from pyovn.dataplane.errors import FlowSyntaxError
from pyovn.dataplane.field_syntax import PORT_NAMES, parse_int, parse_port, parse_value
from pyovn.dataplane.fields import FIELDS, find_field
from pyovn.dataplane.tokens import split_items

__all__ = ["parse_actions", "parse_subfield"]

_HEAD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SUBFIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d*)(?:\.\.(\d+))?\])?$")
_UNSUPPORTED = (
    "bundle",
    "bundle_load",
    "multipath",
    "enqueue",
    "encap",
    "decap",
    "fin_timeout",
    "write_actions",
    "write_metadata",
    "clear_actions",
    "set_mpls_label",
    "set_mpls_tc",
    "set_mpls_ttl",
    "dec_mpls_ttl",
    "push_mpls",
    "pop_mpls",
    "dec_nsh_ttl",
    "debug_recirc",
    "debug_slow",
    "delete_field",
    "output_trunc",
    "set_vlan_vid",
    "set_vlan_pcp",
)
_CONTROLLER_REASONS = (
    "action",
    "no_match",
    "invalid_ttl",
    "action_set",
    "group",
    "packet_out",
)


class _Context:
    """Where we are in the text, for error positions."""

    def __init__(self, position: int) -> None:
        self.position = position

    def error(self, message: str, token: str) -> FlowSyntaxError:
        return FlowSyntaxError(message, token, self.position)


def parse_subfield(text: str, position: int | None = None) -> Subfield:
    """`NXM_NX_REG13[0..15]`, `reg0[3]`, `NXM_OF_IN_PORT[]` (or a bare field name)."""
    found = _SUBFIELD.match(text.strip())
    if not found:
        raise FlowSyntaxError("bad field syntax", text, position)
    name, start, end = found.groups()
    field = find_field(name)
    if field is None:
        raise FlowSyntaxError("unknown field", name, position)
    if not start:
        if end is not None:
            raise FlowSyntaxError("bad bit range", text, position)
        return Subfield.whole(field)
    first = int(start)
    last = int(end) if end is not None else first
    if last < first or last >= field.width:
        raise FlowSyntaxError(f"bit range outside the {field.width}-bit field", text, position)
    return Subfield(field, first, last - first + 1)


def parse_actions(text: str, base: int = 0) -> tuple[Action, ...]:
    """Parse an action list (`drop` alone is the empty list)."""
    items = split_items(text, base)
    actions: list[Action] = []
    saw_drop = False
    for item in items:
        if item.text.lower() == "drop":
            saw_drop = True
            continue
        actions.append(_parse_one(item.text, _Context(item.position)))
    if saw_drop and actions:
        raise FlowSyntaxError(
            '"drop" must not be accompanied by any other action', "drop", items[0].position
        )
    return tuple(actions)


def _inner(rest: str, head: str, ctx: _Context) -> tuple[str, str]:
    """Split `(inside)tail` into inside and tail."""
    depth = 0
    for index, char in enumerate(rest):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return rest[1:index], rest[index + 1 :]
    raise ctx.error("unbalanced parenthesis", head + rest)


def _parse_one(text: str, ctx: _Context) -> Action:
    found = _HEAD.match(text)
    if not found:
        if text[:1].isdigit():
            return Output(parse_port(text))
        raise ctx.error("unknown action", text)
    head = found.group(0)
    rest = text[found.end() :]
    lowered = head.lower()
    if lowered in _UNSUPPORTED:
        raise ctx.error("unsupported action", head)
    if rest.startswith("("):
        inside, tail = _inner(rest, head, ctx)
        return _parse_call(lowered, head, inside, tail, ctx)
    if rest.startswith((":", "=")):
        return _parse_argument(lowered, head, rest[1:], ctx)
    if rest:
        raise ctx.error("bad syntax in action", text)
    return _parse_word(lowered, head, ctx)


def _parse_word(lowered: str, head: str, ctx: _Context) -> Action:
    words: dict[str, Callable[[], Action]] = {
        "ct_clear": CtClear,
        "dec_ttl": DecTtl,
        "strip_vlan": lambda: PopVlan("strip_vlan"),
        "pop_vlan": lambda: PopVlan("pop_vlan"),
        "exit": Exit,
        "pop_queue": lambda: SetQueue(None),
        "controller": Controller,
        "ct": Ct,
    }
    if lowered in words:
        return words[lowered]()
    if head.upper() in PORT_NAMES:
        port = PORT_NAMES[head.upper()]
        return Controller() if head.upper() == "CONTROLLER" else Output(port)
    raise ctx.error("unknown action", head)


def _parse_argument(lowered: str, head: str, argument: str, ctx: _Context) -> Action:
    simple: dict[str, Callable[[str, _Context], Action]] = {
        "output": _parse_output,
        "resubmit": lambda arg, c: Resubmit(port=parse_port(arg)),
        "goto_table": lambda arg, c: GotoTable(_table(arg, c)),
        "load": _parse_load,
        "set_field": _parse_set_field,
        "move": _parse_move,
        "push": lambda arg, c: Push(parse_subfield(arg, c.position)),
        "pop": lambda arg, c: Pop(_writable(parse_subfield(arg, c.position), c)),
        "note": _parse_note,
        "group": lambda arg, c: Group(parse_int(arg, "group")),
        "meter": lambda arg, c: Meter(parse_int(arg, "meter")),
        "controller": lambda arg, c: Controller(max_len=parse_int(arg, "max_len")),
        "push_vlan": lambda arg, c: PushVlan(parse_int(arg, "ethertype")),
        "mod_vlan_vid": lambda arg, c: ModVlanVid(parse_int(arg, "vid") & 0xFFF),
        "mod_vlan_pcp": lambda arg, c: ModVlanPcp(parse_int(arg, "pcp") & 0x7),
        "set_queue": lambda arg, c: SetQueue(parse_int(arg, "queue")),
    }
    if lowered in simple:
        return simple[lowered](argument, ctx)
    if lowered in _MOD_FIELDS:
        return _parse_mod(lowered, argument, ctx)
    if head.upper() == "CONTROLLER":
        return Controller(max_len=parse_int(argument, "max_len"))
    raise ctx.error("unknown action", head)


def _parse_call(lowered: str, head: str, inside: str, tail: str, ctx: _Context) -> Action:
    if lowered == "check_pkt_larger":
        if not tail.startswith("->"):
            raise ctx.error("check_pkt_larger needs ->DST", head + "(" + inside + ")" + tail)
        destination = parse_subfield(tail[2:], ctx.position)
        if destination.n_bits != 1:
            raise ctx.error("check_pkt_larger destination must be one bit", tail[2:])
        return CheckPktLarger(parse_int(inside, "length"), destination)
    if tail:
        raise ctx.error("bad syntax after action", tail)
    calls: dict[str, Callable[[str, _Context], Action]] = {
        "resubmit": _parse_resubmit,
        "ct": _parse_ct,
        "clone": lambda arg, c: Clone(parse_actions(arg, c.position + len("clone("))),
        "conjunction": _parse_conjunction,
        "controller": _parse_controller,
        "dec_ttl": _parse_dec_ttl,
        "output": _parse_output_call,
        "sample": lambda arg, c: Sample(arg),
        "learn": _parse_learn,
    }
    if lowered in calls:
        return calls[lowered](inside, ctx)
    raise ctx.error("unknown action", head)


# ------------------------------------------------------------------ helpers


def _table(text: str, ctx: _Context) -> int:
    table = parse_int(text, "table")
    if table > 254:
        raise ctx.error("table is outside the supported range 0 through 254", text)
    return table


def _parse_output(argument: str, ctx: _Context) -> Action:
    if argument[:1].isdigit() or argument.upper() in PORT_NAMES:
        return Output(parse_port(argument))
    return OutputReg(parse_subfield(argument, ctx.position))


def _parse_output_call(inside: str, ctx: _Context) -> Action:
    port: str | None = None
    max_len: int | None = None
    for item in split_items(inside, ctx.position):
        key, _, value = item.text.partition("=")
        if key == "port":
            port = value
        elif key == "max_len":
            max_len = parse_int(value, "max_len")
        else:
            raise ctx.error("unknown output argument", item.text)
    if port is None:
        raise ctx.error("output needs port=", inside)
    if port[:1].isdigit() or port.upper() in PORT_NAMES:
        return Output(parse_port(port), max_len)
    return OutputReg(parse_subfield(port, ctx.position), max_len)


def _parse_resubmit(inside: str, ctx: _Context) -> Action:
    parts = [part.strip() for part in inside.split(",")]
    if len(parts) > 3 or (len(parts) == 3 and parts[2] != "ct"):
        raise ctx.error("bad resubmit syntax", inside)
    port = parse_port(parts[0]) if parts[0] else None
    table = _table(parts[1], ctx) if len(parts) > 1 and parts[1] else None
    if port is None and table is None:
        raise ctx.error("at least one main argument is required", f"resubmit({inside})")
    return Resubmit(port, table, len(parts) == 3)


def _writable(subfield: Subfield, ctx: _Context) -> Subfield:
    if not subfield.field.writable:
        raise ctx.error(f"destination field {subfield.field.name} is not writable", subfield.text())
    return subfield


def _parse_load(argument: str, ctx: _Context) -> Action:
    value_text, arrow, destination_text = argument.partition("->")
    if not arrow:
        raise ctx.error("load needs VALUE->DST", argument)
    destination = _writable(parse_subfield(destination_text, ctx.position), ctx)
    value = parse_int(value_text.strip(), "load value")
    if value >> destination.n_bits:
        raise ctx.error(f"value does not fit into {destination.n_bits} bits", value_text)
    return SetField(
        destination.field, value << destination.offset, destination.mask, spelling="load"
    )


def _parse_set_field(argument: str, ctx: _Context) -> Action:
    value_text, arrow, field_name = argument.rpartition("->")
    if not arrow:
        raise ctx.error("set_field needs VALUE->FIELD", argument)
    field = find_field(field_name.strip())
    if field is None:
        raise ctx.error("unknown field", field_name)
    if not field.writable:
        raise ctx.error(f"{field.name} is not writable", field_name.strip())
    value, mask = parse_value(field, value_text.strip())
    full = field.all_ones
    return SetField(field, value, full if mask is None else mask, spelling="set_field")


def _parse_move(argument: str, ctx: _Context) -> Action:
    source_text, arrow, destination_text = argument.partition("->")
    if not arrow:
        raise ctx.error("move needs SRC->DST", argument)
    source = parse_subfield(source_text, ctx.position)
    destination = _writable(parse_subfield(destination_text, ctx.position), ctx)
    if source.n_bits != destination.n_bits:
        raise ctx.error("source and destination widths differ", argument)
    return Move(source, destination)


def _parse_note(argument: str, ctx: _Context) -> Action:
    digits = argument.replace(".", "")
    try:
        data = bytes.fromhex(digits) if len(digits) % 2 == 0 else bytes.fromhex("0" + digits)
    except ValueError:
        raise ctx.error("bad hex digit in note", argument) from None
    padded = -(-(len(data) + 10) // 8) * 8 - 10
    return Note(data + bytes(padded - len(data)))


_MOD_FIELDS = {
    "mod_dl_src": "eth_src",
    "mod_dl_dst": "eth_dst",
    "mod_nw_src": "ip_src",
    "mod_nw_dst": "ip_dst",
    "mod_nw_tos": "nw_tos",
    "mod_nw_ecn": "nw_ecn",
    "mod_nw_ttl": "nw_ttl",
    "mod_tp_src": "tp_src",
    "mod_tp_dst": "tp_dst",
    "set_tunnel": "tun_id",
    "set_tunnel64": "tun_id",
}


def _parse_mod(lowered: str, argument: str, ctx: _Context) -> Action:
    field = FIELDS[_MOD_FIELDS[lowered]]
    value, mask = parse_value(field, argument)
    if mask is not None:
        raise ctx.error(f"{lowered} takes no mask", argument)
    if lowered == "mod_nw_tos" and value & 0x03:
        raise ctx.error("mod_nw_tos value has ECN bits set", argument)
    if lowered == "set_tunnel" and value >> 32:
        raise ctx.error("set_tunnel value does not fit in 32 bits", argument)
    return SetField(field, value, field.all_ones, spelling=lowered)


def _parse_conjunction(inside: str, ctx: _Context) -> Action:
    found = re.fullmatch(r"\s*(\d+)\s*,\s*(\d+)\s*/\s*(\d+)\s*", inside)
    if not found:
        raise ctx.error("bad conjunction syntax", inside)
    conjunction_id, clause, n_clauses = (int(group) for group in found.groups())
    if not 1 <= clause <= n_clauses or not 2 <= n_clauses <= 64:
        raise ctx.error("conjunction clause out of range", inside)
    return Conjunction(conjunction_id, clause, n_clauses)


def _parse_dec_ttl(inside: str, ctx: _Context) -> Action:
    ids = tuple(parse_int(part.strip(), "controller id") for part in inside.split(",") if part)
    return DecTtl(ids)


def _parse_controller(inside: str, ctx: _Context) -> Action:
    options: dict[str, object] = {}
    for item in split_items(inside, ctx.position):
        key, _, value = item.text.partition("=")
        if key == "max_len":
            options["max_len"] = parse_int(value, "max_len")
        elif key == "id":
            options["controller_id"] = parse_int(value, "controller id")
        elif key == "reason":
            if value not in _CONTROLLER_REASONS:
                raise ctx.error("unknown controller reason", value)
            options["reason"] = value
        elif key == "userdata":
            options["userdata"] = _parse_hex_bytes(value, ctx)
        elif key == "pause" and not value:
            options["pause"] = True
        elif key == "meter_id":
            options["meter_id"] = parse_int(value, "meter_id")
        else:
            raise ctx.error("unknown controller argument", item.text)
    return Controller(**options)  # type: ignore[arg-type]


def _parse_hex_bytes(text: str, ctx: _Context) -> bytes:
    try:
        return bytes(int(part, 16) for part in text.split(".")) if text else b""
    except ValueError:
        raise ctx.error("bad hex byte", text) from None


def _parse_ct(inside: str, ctx: _Context) -> Action:
    from pyovn.dataplane.ct_syntax import parse_ct

    return parse_ct(inside, ctx.position)


def _parse_learn(inside: str, ctx: _Context) -> Action:
    from pyovn.dataplane.learn import parse_learn

    return parse_learn(inside, ctx.position)
