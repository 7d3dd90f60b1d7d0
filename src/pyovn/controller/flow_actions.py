"""OpenFlow 1.5 encoding of the controller's actions (ovs-ofctl action syntax).

Covers what ovn-controller's flows use: set_field (masked too), move,
push/pop, resubmit, ct (commit, force, table, zone, nat, exec), ct_clear,
clone, controller (userdata, pause, meter_id), conjunction, group, output
to a port number, pop_vlan, dec_ttl and drop. `dec_ttl` is encoded as
NXAST_DEC_TTL_CNT_IDS with no controller ids, as ovn-controller installs
it. Anything else raises `Unsupported` (the caller falls back to ovs-ofctl).
Action layouts follow the Nicira extension headers of Open vSwitch.
"""

from __future__ import annotations

import ipaddress
import re
import struct

from pyovn.controller.flow_match import Unsupported, resolve_target, split_top, value_of
from pyovn.lflow.errors import LflowCompileError
from pyovn.lflow.of_binary import encode_actions, field_header
from pyovn.lflow.of_fields import OF_FIELDS
from pyovn.lflow.of_ir import (
    Controller,
    CtClearOf,
    MoveOf,
    OfAction,
    PopOf,
    PushOf,
    Resubmit,
    SetField,
    Sub,
)

__all__ = ["encode_action_text"]

_NX_VENDOR = 0x00002320
_OFPAT_OUTPUT, _OFPAT_POP_VLAN, _OFPAT_GROUP, _OFPAT_EXPERIMENTER = 0, 18, 22, 0xFFFF
_NXAST_DEC_TTL_CNT_IDS, _NXAST_CONJUNCTION, _NXAST_CT, _NXAST_NAT = 21, 34, 35, 36
_NX_CT_F_COMMIT, _NX_CT_F_FORCE = 1, 2
_NAT_SRC, _NAT_DST, _NAT_PERSISTENT, _NAT_HASH, _NAT_RANDOM = 1, 2, 4, 8, 16
_BY_ACTION_NAME = {row.action_name: row for row in OF_FIELDS.values()}
_SUB = re.compile(r"^([A-Z0-9_]+)\[(?:(\d+)(?:\.\.(\d+))?)?\]$")


def _nicira(subtype: int, payload: bytes) -> bytes:
    body = struct.pack("!IH", _NX_VENDOR, subtype) + payload
    length = 4 + len(body)
    total = length + (-length % 8)
    return struct.pack("!HH", _OFPAT_EXPERIMENTER, total) + body + bytes(total - length)


def _sub(text: str) -> Sub:
    """`NXM_NX_REG10[12]`, `NXM_NX_XXREG0[64..111]`, `NXM_OF_ETH_SRC[]`."""
    match = _SUB.match(text.strip())
    row = _BY_ACTION_NAME.get(match.group(1)) if match else None
    if match is None or row is None:
        raise Unsupported(f"field reference {text!r}")
    if match.group(2) is None:
        return Sub(row.name, 0, row.width)
    low = int(match.group(2))
    high = int(match.group(3)) if match.group(3) is not None else low
    return Sub(row.name, low, high - low + 1)


def _set_field(arg: str) -> OfAction:
    value_text, sep, target = arg.rpartition("->")
    if not sep:
        raise Unsupported(f"set_field:{arg}")
    row = resolve_target(target)
    value, mask = value_of(row, value_text)
    return SetField(row.name, value & mask, mask)


def _controller(args: list[str]) -> OfAction:
    userdata, pause, meter = b"", False, None
    for arg in args:
        key, _, value = arg.partition("=")
        if key == "userdata":
            userdata = bytes.fromhex(value.replace(".", ""))
        elif key == "pause" and not value:
            pause = True
        elif key == "meter_id":
            meter = int(value, 0)
        else:
            raise Unsupported(f"controller option {arg}")
    return Controller(userdata, pause, meter)


def _zone(text: str) -> tuple[int, int]:
    """(zone_src header, ofs_nbits or immediate zone)."""
    if text[:1].isdigit():
        return 0, int(text, 0)
    sub = _sub(text)
    return field_header(sub.field, prefer_nxm=True), (sub.offset << 6) | (sub.n_bits - 1)


def _nat(args: list[str]) -> bytes:
    flags = present = 0
    params = b""
    for arg in args:
        if arg in ("persistent", "hash", "random"):
            flags |= {"persistent": _NAT_PERSISTENT, "hash": _NAT_HASH, "random": _NAT_RANDOM}[arg]
            continue
        kind, _, spec = arg.partition("=")
        if kind not in ("src", "dst"):
            raise Unsupported(f"nat option {arg}")
        flags |= _NAT_SRC if kind == "src" else _NAT_DST
        if not spec:
            continue
        if "[" in spec or spec.count(":") > 1:
            raise Unsupported(f"nat range {spec}")
        addresses, _, ports = spec.partition(":")
        low, _, high = addresses.partition("-")
        first = ipaddress.ip_address(low)
        if first.version != 4:
            raise Unsupported(f"nat range {spec}")
        params += first.packed
        present |= 1
        if high:
            params += ipaddress.ip_address(high).packed
            present |= 2
        if ports:
            port_low, _, port_high = ports.partition("-")
            params += struct.pack("!H", int(port_low))
            present |= 16
            if port_high:
                params += struct.pack("!H", int(port_high))
                present |= 32
    return _nicira(_NXAST_NAT, struct.pack("!2xHH", flags, present) + params)


def _ct(args: list[str], l4: str | None) -> bytes:
    flags, table, zone_src, zone, nested = 0, 0xFF, 0, 0, b""
    for arg in args:
        key, _, value = arg.partition("=")
        if arg == "commit":
            flags |= _NX_CT_F_COMMIT
        elif arg == "force":
            flags |= _NX_CT_F_FORCE
        elif key == "table":
            table = int(value, 0)
        elif key == "zone":
            zone_src, zone = _zone(value)
        elif arg == "nat":
            nested += _nat([])
        elif arg.startswith("nat(") and arg.endswith(")"):
            nested += _nat(split_top(arg[4:-1]))
        elif arg.startswith("exec(") and arg.endswith(")"):
            nested += encode_action_text(arg[5:-1], l4)
        else:
            raise Unsupported(f"ct option {arg}")
    head = struct.pack("!HIHB3xH", flags, zone_src, zone, table, 0)
    return _nicira(_NXAST_CT, head + nested)


def _conjunction(arg: str) -> bytes:
    ident, _, clause = arg.partition(",")
    k, _, n = clause.partition("/")
    return _nicira(_NXAST_CONJUNCTION, struct.pack("!BBI", int(k) - 1, int(n), int(ident)))


_OF10_SETTERS = {"mod_dl_src": "eth_src", "mod_dl_dst": "eth_dst", "mod_nw_src": "ip_src",
                 "mod_nw_dst": "ip_dst"}  # fmt: skip


def _load(arg: str) -> OfAction:
    """`load:V->SUB`, OVS's register load: a set_field of the bits of SUB."""
    value_text, sep, target = arg.partition("->")
    if not sep:
        raise Unsupported(f"load:{arg}")
    sub = _sub(target)
    bits = (1 << sub.n_bits) - 1
    return SetField(sub.storage, (int(value_text, 0) & bits) << sub.offset, bits << sub.offset)


def _one(action: str, l4: str | None) -> bytes:
    name, _, rest = action.partition(":")
    if name == "set_field":
        return _ir(_set_field(rest))
    if name == "load":
        return _ir(_load(rest))
    if name in _OF10_SETTERS:
        return _ir(_set_field(f"{rest}->{_OF10_SETTERS[name]}"))
    if name in ("mod_tp_src", "mod_tp_dst"):
        if l4 is None:
            raise Unsupported(f"{name} without tcp/udp/sctp in the match")
        return _ir(_set_field(f"{rest}->{l4}_{name[7:]}"))
    if name == "mod_nw_tos":
        return _ir(_set_field(f"{int(rest, 0) >> 2}->ip_dscp"))
    if name == "move":
        src, sep, dst = rest.partition("->")
        if not sep:
            raise Unsupported(action)
        return _ir(MoveOf(_sub(src), _sub(dst)))
    if name in ("push", "pop"):
        sub = _sub(rest)
        return _ir(PushOf(sub) if name == "push" else PopOf(sub))
    if name == "group" and rest.isdigit():
        return struct.pack("!HHI", _OFPAT_GROUP, 8, int(rest))
    if name == "output" and rest.isdigit():
        return struct.pack("!HHIH6x", _OFPAT_OUTPUT, 16, int(rest), 0)
    call = re.match(r"^([a-z_]+)\((.*)\)$", action)
    if call is None:
        return _bare(action)
    keyword, body = call.groups()
    if keyword == "resubmit" and body.startswith(","):
        return _ir(Resubmit(int(body[1:])))
    if keyword == "ct":
        return _ct(split_top(body), l4)
    if keyword == "clone":
        return _nicira(42, bytes(6) + encode_action_text(body, l4))
    if keyword == "controller":
        return _ir(_controller(split_top(body)))
    if keyword == "conjunction":
        return _conjunction(body)
    if keyword == "dec_ttl" and not body:
        return _bare("dec_ttl")
    raise Unsupported(f"action {action}")


def _bare(action: str) -> bytes:
    if action == "ct_clear":
        return _ir(CtClearOf())
    if action in ("pop_vlan", "strip_vlan"):
        return struct.pack("!HH4x", _OFPAT_POP_VLAN, 8)
    if action == "dec_ttl":
        return _nicira(_NXAST_DEC_TTL_CNT_IDS, struct.pack("!H4x", 0))
    raise Unsupported(f"action {action}")


def _ir(action: OfAction) -> bytes:
    try:
        return encode_actions([action])
    except LflowCompileError as error:
        raise Unsupported(str(error)) from error


def encode_action_text(text: str, l4: str | None = None) -> bytes:
    """The OpenFlow 1.5 bytes of an ovs-ofctl action list (`drop` is empty);
    `l4` (tcp, udp, sctp) is the match's transport, for mod_tp_src/dst."""
    text = text.strip()
    if text in ("", "drop"):
        return b""
    return b"".join(_one(action, l4) for action in split_top(text))
