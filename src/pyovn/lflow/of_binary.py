"""OpenFlow 1.5 wire encoding of actions, for controller `userdata`.

ovn-controller hands nested actions (the body of `arp { ... }`,
`icmp4 { ... }`, ...) to its packet-in handler inside `userdata`, encoded
as OpenFlow 1.5 actions.  This module encodes the subset such bodies use:
set_field, copy_field (move), Nicira stack push/pop, resubmit, dec_ttl,
ct_clear and clone.  Field headers follow ovs-fields(7): OXM when the field
has one, Nicira NXM otherwise; stack operations use NXM first, as OVS does.
"""

from __future__ import annotations

import struct

from pyovn.lflow.errors import LflowCompileError
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
)

__all__ = ["encode_actions", "field_header"]

_NX_VENDOR = 0x00002320
_OFPAT_SET_FIELD = 25
_OFPAT_COPY_FIELD = 28
_OFPAT_DEC_NW_TTL = 24
_OFPAT_EXPERIMENTER = 0xFFFF
_NXAST_RESUBMIT_TABLE = 14
_NXAST_STACK_PUSH = 27
_NXAST_STACK_POP = 28
_NXAST_CONTROLLER2 = 37
_NXAST_CLONE = 42
_NXAC2PT_USERDATA = 3
_NXAC2PT_PAUSE = 4
_NXAC2PT_METER_ID = 5
_NXAST_CT_CLEAR = 43
_OFPP_IN_PORT = 0xFFF8


def field_header(row: OfField, *, masked: bool = False, prefer_nxm: bool = False) -> int:
    """The 32-bit OXM/NXM header of `row` (class, field, hasmask, length)."""
    choices = (row.nxm, row.oxm) if prefer_nxm else (row.oxm, row.nxm)
    header = next((h for h in choices if h is not None), None)
    if header is None:  # pragma: no cover - every row has one
        raise LflowCompileError(f"no OXM/NXM header for {row.name}")
    oxm_class, field = header
    length = row.n_bytes * (2 if masked else 1)
    return (oxm_class << 16) | (field << 9) | (int(masked) << 8) | length


def encode_actions(actions: tuple[OfAction, ...] | list[OfAction]) -> bytes:
    """OpenFlow 1.5 bytes of `actions` (LflowCompileError if unsupported)."""
    return b"".join(_encode(action) for action in actions)


def _pad8(body: bytes) -> bytes:
    return body + bytes(-len(body) % 8)


def _with_length(kind: int, payload: bytes) -> bytes:
    total = len(_pad8(b"\0" * 4 + payload))
    return _pad8(struct.pack("!HH", kind, total) + payload)


def _nicira(subtype: int, payload: bytes) -> bytes:
    body = struct.pack("!IH", _NX_VENDOR, subtype) + payload
    return _with_length(_OFPAT_EXPERIMENTER, body)


def _encode(action: OfAction) -> bytes:
    if isinstance(action, SetField):
        return _set_field(action)
    if isinstance(action, MoveOf):
        return _copy_field(action.src, action.dst)
    if isinstance(action, PushOf | PopOf):
        subtype = _NXAST_STACK_PUSH if isinstance(action, PushOf) else _NXAST_STACK_POP
        sub = action.sub
        header = field_header(sub.field, prefer_nxm=True)
        payload = struct.pack("!HIH", sub.offset, header, sub.n_bits) + bytes(6)
        return _nicira(subtype, payload)
    if isinstance(action, Resubmit):
        return _nicira(_NXAST_RESUBMIT_TABLE, struct.pack("!HB3x", _OFPP_IN_PORT, action.table))
    if isinstance(action, DecTtlOf):
        return struct.pack("!HH4x", _OFPAT_DEC_NW_TTL, 8)
    if isinstance(action, CtClearOf):
        return _nicira(_NXAST_CT_CLEAR, bytes(6))
    if isinstance(action, Controller):
        return _controller(action)
    if isinstance(action, Clone):
        return _nicira(_NXAST_CLONE, bytes(6) + encode_actions(action.actions))
    raise LflowCompileError(f"cannot encode {type(action).__name__} inside controller userdata")


def _set_field(action: SetField) -> bytes:
    row = OF_FIELDS[action.storage]
    full = (1 << row.width) - 1
    size = row.n_bytes
    masked = action.mask != full
    header = field_header(row, masked=masked)
    payload = struct.pack("!I", header) + action.value.to_bytes(size, "big")
    if masked:
        payload += action.mask.to_bytes(size, "big")
    return _with_length(_OFPAT_SET_FIELD, payload)


def _copy_field(src: Sub, dst: Sub) -> bytes:
    payload = struct.pack(
        "!HHH2xII",
        src.n_bits,
        src.offset,
        dst.offset,
        field_header(src.field),
        field_header(dst.field),
    )
    return _with_length(_OFPAT_COPY_FIELD, payload)


def _property(kind: int, body: bytes) -> bytes:
    return _pad8(struct.pack("!HH", kind, 4 + len(body)) + body)


def _controller(action: Controller) -> bytes:
    """NXAST_CONTROLLER2 with userdata, pause and meter properties."""
    properties = _property(_NXAC2PT_USERDATA, action.userdata)
    if action.pause:
        properties += _property(_NXAC2PT_PAUSE, b"")
    if action.meter_id is not None:
        properties += _property(_NXAC2PT_METER_ID, struct.pack("!I", action.meter_id))
    return _nicira(_NXAST_CONTROLLER2, bytes(6) + properties)
