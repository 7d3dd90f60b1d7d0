"""Decode the OpenFlow 1.5 actions a packet-in's userdata carries.

Nested logical actions (`arp { ... }`, `icmp4 { ... }`) reach pinctrl as
OpenFlow 1.5 action bytes inside the controller action's userdata; pinctrl
sends them back with the packet it builds. This reads the subset
`pyovn.lflow` encodes (set_field, copy_field, Nicira stack push/pop,
resubmit, dec_ttl, ct_clear, clone, controller2) into `pyovn.lflow`'s
OpenFlow values, which print in `ovs-ofctl` syntax.
"""

from __future__ import annotations

import struct

from pyovn.controller.errors import PinctrlError
from pyovn.lflow.of_fields import OF_FIELDS, OfField
from pyovn.lflow.of_ir import (
    Clone,
    Controller,
    CtClearOf,
    DecTtlOf,
    MoveOf,
    OfAction,
    PopOf,
    PushOf,
    Resubmit,
    SetField,
    Sub,
    render_actions,
)

__all__ = ["decode_actions", "decode_actions_text"]

_NX_VENDOR = 0x00002320
_SET_FIELD, _COPY_FIELD, _DEC_NW_TTL, _EXPERIMENTER = 25, 28, 24, 0xFFFF
_RESUBMIT_TABLE, _STACK_PUSH, _STACK_POP = 14, 27, 28
_CONTROLLER2, _CLONE, _CT_CLEAR = 37, 42, 43
_USERDATA, _PAUSE, _METER_ID = 3, 4, 5


def _by_header() -> dict[tuple[int, int], OfField]:
    table: dict[tuple[int, int], OfField] = {}
    for row in OF_FIELDS.values():
        for header in (row.oxm, row.nxm):
            if header is not None:
                table.setdefault(header, row)
    return table


_FIELDS = _by_header()


def _field(header: int) -> tuple[OfField, bool]:
    """The field of a 32-bit OXM/NXM header, and whether it is masked."""
    key = (header >> 16, (header >> 9) & 0x7F)
    row = _FIELDS.get(key)
    if row is None:
        raise PinctrlError(f"unknown field header {header:#010x} in userdata")
    return row, bool(header & 0x100)


def decode_actions(data: bytes) -> list[OfAction]:
    """The actions encoded in `data` (PinctrlError if truncated or unknown)."""
    actions: list[OfAction] = []
    offset = 0
    while offset < len(data):
        if len(data) - offset < 8:
            raise PinctrlError("truncated action in userdata")
        kind, length = struct.unpack_from("!HH", data, offset)
        if length < 8 or offset + length > len(data):
            raise PinctrlError(f"bad action length {length} in userdata")
        body = data[offset + 4 : offset + length]
        actions.append(_decode_one(kind, body))
        offset += length
    return actions


def decode_actions_text(data: bytes) -> str:
    """The actions encoded in `data`, in ovs-ofctl syntax."""
    return render_actions(decode_actions(data))


def _decode_one(kind: int, body: bytes) -> OfAction:
    if kind == _SET_FIELD:
        (header,) = struct.unpack_from("!I", body)
        row, masked = _field(header)
        size = row.n_bytes
        value = int.from_bytes(body[4 : 4 + size], "big")
        mask = (
            int.from_bytes(body[4 + size : 4 + 2 * size], "big") if masked else (1 << row.width) - 1
        )
        return SetField(row.name, value, mask)
    if kind == _COPY_FIELD:
        n_bits, src_ofs, dst_ofs, src, dst = struct.unpack_from("!HHH2xII", body)
        return MoveOf(
            Sub(_field(src)[0].name, src_ofs, n_bits), Sub(_field(dst)[0].name, dst_ofs, n_bits)
        )
    if kind == _DEC_NW_TTL:
        return DecTtlOf()
    if kind == _EXPERIMENTER:
        return _decode_nicira(body)
    raise PinctrlError(f"unsupported action type {kind} in userdata")


def _decode_nicira(body: bytes) -> OfAction:
    vendor, subtype = struct.unpack_from("!IH", body)
    if vendor != _NX_VENDOR:
        raise PinctrlError(f"unknown experimenter {vendor:#x} in userdata")
    rest = body[6:]
    if subtype == _RESUBMIT_TABLE:
        _, table = struct.unpack_from("!HB", rest)
        return Resubmit(table)
    if subtype in (_STACK_PUSH, _STACK_POP):
        offset, header, n_bits = struct.unpack_from("!HIH", rest)
        sub = Sub(_field(header)[0].name, offset, n_bits)
        return PushOf(sub) if subtype == _STACK_PUSH else PopOf(sub)
    if subtype == _CT_CLEAR:
        return CtClearOf()
    if subtype == _CLONE:
        return Clone(tuple(decode_actions(rest[6:])))
    if subtype == _CONTROLLER2:
        return _decode_controller(rest[6:])
    raise PinctrlError(f"unsupported Nicira action {subtype} in userdata")


def _decode_controller(properties: bytes) -> Controller:
    userdata, pause, meter = b"", False, None
    offset = 0
    while offset + 4 <= len(properties):
        kind, length = struct.unpack_from("!HH", properties, offset)
        if length < 4:
            break
        value = properties[offset + 4 : offset + length]
        if kind == _USERDATA:
            userdata = value
        elif kind == _PAUSE:
            pause = True
        elif kind == _METER_ID:
            (meter,) = struct.unpack("!I", value[:4])
        offset += (length + 7) // 8 * 8
    return Controller(userdata, pause, meter)
