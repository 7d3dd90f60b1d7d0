"""The OpenFlow 1.5 messages the controller exchanges with a real ovs-vswitchd.

Only what pinctrl's channel needs, with the Open vSwitch extensions
ovn-controller relies on (see ovs-fields(7) and the Nicira extension
headers of Open vSwitch):

* hello, echo request/reply, error, barrier;
* `OFPT_SET_CONFIG` with a non-zero `miss_send_len` (a connection to the
  bridge's management socket receives no asynchronous messages otherwise);
* `NXT_SET_PACKET_IN_FORMAT` asking for `NXT_PACKET_IN2`;
* `NXT_TLV_TABLE_MOD` mapping OVN's Geneve option (class 0x0102, type
  0x80, 4 bytes: the logical ingress and egress ports) to `tun_metadata0`,
  which the tunnel flows read and write;
* `NXT_PACKET_IN2` parsing: packet, table, cookie, userdata, pipeline
  metadata (OXM/NXM fields) and the continuation of a paused pipeline;
* `NXT_RESUME`, which hands a continuation back with a new packet and
  changed registers;
* `OFPT_PACKET_OUT` with its OF1.5 match of pipeline fields.

Properties are type/length/value records padded to 8 bytes; a field is a
32-bit header (class, field, hasmask, length) followed by its value.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from pyovn.controller.errors import ChannelError
from pyovn.lflow.of_binary import field_header
from pyovn.lflow.of_fields import OF_FIELDS

__all__ = [
    "OFP_VERSION",
    "Continuation",
    "Message",
    "PacketIn2",
    "barrier_request",
    "decode_packet_in2",
    "echo_reply",
    "hello",
    "packet_out",
    "parse_header",
    "resume",
    "set_config",
    "set_packet_in_format",
    "tlv_map_add",
]

OFP_VERSION = 0x06
HEADER = struct.Struct("!BBHI")
OFPT_HELLO, OFPT_ERROR, OFPT_ECHO_REQUEST, OFPT_ECHO_REPLY = 0, 1, 2, 3
OFPT_EXPERIMENTER, OFPT_SET_CONFIG, OFPT_PACKET_OUT = 4, 9, 13
OFPT_BARRIER_REQUEST, OFPT_BARRIER_REPLY = 20, 21
NX_VENDOR = 0x00002320
NXT_SET_PACKET_IN_FORMAT, NXT_TLV_TABLE_MOD, NXT_RESUME, NXT_PACKET_IN2 = 16, 24, 28, 30
NXPIF_NXT_PACKET_IN2 = 2
# NXT_PACKET_IN2 / NXT_RESUME properties
PACKET, FULL_LEN, BUFFER_ID, TABLE_ID, COOKIE, REASON, METADATA, USERDATA, CONTINUATION = range(9)
OFPP_CONTROLLER = 0xFFFFFFFD
_OXM_IN_PORT = (0x8000, 0)
_NAMES: dict[tuple[int, int], str] = {}
for _row in OF_FIELDS.values():
    for _h in (_row.oxm, _row.nxm):
        if _h is not None:
            _NAMES.setdefault(_h, _row.name)
_NAMES[_OXM_IN_PORT] = "in_port"


@dataclass(frozen=True)
class Message:
    """One OpenFlow message: type, transaction id and body."""

    type: int
    xid: int
    body: bytes

    @property
    def nicira_subtype(self) -> int | None:
        if self.type != OFPT_EXPERIMENTER or len(self.body) < 8:
            return None
        vendor, subtype = struct.unpack_from("!II", self.body)
        return int(subtype) if vendor == NX_VENDOR else None


def parse_header(data: bytes) -> tuple[int, int, int]:
    """(type, total length, xid) of an 8-byte header (ChannelError if not OF1.5)."""
    version, kind, length, xid = HEADER.unpack(data)
    if length < HEADER.size:
        raise ChannelError(f"OpenFlow message length {length} is too short")
    if kind != OFPT_HELLO and version != OFP_VERSION:
        raise ChannelError(f"the switch speaks OpenFlow version {version:#x}, not 1.5")
    return kind, length, xid


def _message(kind: int, xid: int, body: bytes = b"") -> bytes:
    return HEADER.pack(OFP_VERSION, kind, HEADER.size + len(body), xid) + body


def _nicira(subtype: int, xid: int, body: bytes) -> bytes:
    return _message(OFPT_EXPERIMENTER, xid, struct.pack("!II", NX_VENDOR, subtype) + body)


def hello(xid: int) -> bytes:
    # One version-bitmap element announcing OpenFlow 1.5 only.
    return _message(OFPT_HELLO, xid, struct.pack("!HHI", 1, 8, 1 << OFP_VERSION))


def echo_reply(request: Message) -> bytes:
    return _message(OFPT_ECHO_REPLY, request.xid, request.body)


def barrier_request(xid: int) -> bytes:
    return _message(OFPT_BARRIER_REQUEST, xid)


def set_config(xid: int, miss_send_len: int = 0xFFFF) -> bytes:
    return _message(OFPT_SET_CONFIG, xid, struct.pack("!HH", 0, miss_send_len))


def tlv_map_add(xid: int, option_class: int, option_type: int, length: int, index: int) -> bytes:
    """NXT_TLV_TABLE_MOD adding one Geneve option -> tun_metadata<index> mapping."""
    mapping = struct.pack("!HBBH2x", option_class, option_type, length, index)
    return _nicira(NXT_TLV_TABLE_MOD, xid, struct.pack("!H6x", 0) + mapping)


def set_packet_in_format(xid: int) -> bytes:
    return _nicira(NXT_SET_PACKET_IN_FORMAT, xid, struct.pack("!I", NXPIF_NXT_PACKET_IN2))


# ------------------------------------------------------------------ properties


def _prop(kind: int, value: bytes) -> bytes:
    length = 4 + len(value)
    return struct.pack("!HH", kind, length) + value + b"\0" * (-length % 8)


def _props(data: bytes) -> Iterator[tuple[int, bytes]]:
    offset = 0
    while offset + 4 <= len(data):
        kind, length = struct.unpack_from("!HH", data, offset)
        if length < 4 or offset + length > len(data):
            raise ChannelError(f"malformed property (type {kind}, length {length})")
        yield kind, data[offset + 4 : offset + length]
        offset += (length + 7) // 8 * 8


def _fields(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(header, value) of each OXM/NXM entry in `data` (masks are dropped)."""
    offset = 0
    while offset + 4 <= len(data):
        (header,) = struct.unpack_from("!I", data, offset)
        length = header & 0xFF
        value = data[offset + 4 : offset + 4 + length]
        if len(value) != length:
            raise ChannelError("truncated field in packet-in metadata")
        if header >> 16 == 0xFFFF:  # experimenter OXM: 4-byte experimenter id first
            value = value[4:]
        if header & 0x100:
            value = value[: len(value) // 2]
        yield header, value
        offset += 4 + length


def _name(header: int) -> str | None:
    return _NAMES.get((header >> 16, (header >> 9) & 0x7F))


def encode_fields(values: Mapping[str, int]) -> bytes:
    """OXM/NXM entries for pipeline fields by name (in_port as the OF1.5 OXM)."""
    out = b""
    for name, value in values.items():
        if name == "in_port":
            out += struct.pack("!II", 0x80000004, value)
            continue
        row = OF_FIELDS.get(name)
        if row is None:
            raise ChannelError(f"unknown pipeline field {name!r}")
        out += struct.pack("!I", field_header(row)) + value.to_bytes(row.n_bytes, "big")
    return out


# ------------------------------------------------------------------ packet-in


@dataclass(frozen=True)
class Continuation:
    """What a resume needs from its packet-in: the properties to hand back."""

    table_id: int
    cookie: int
    reason: int | None
    userdata: bytes
    metadata: bytes
    continuation: bytes


@dataclass(frozen=True)
class PacketIn2:
    table_id: int
    cookie: int
    userdata: bytes
    frame: bytes
    metadata: dict[str, int] = field(default_factory=dict)
    continuation: Continuation | None = None


def decode_packet_in2(message: Message) -> PacketIn2:
    """The packet-in of an NXT_PACKET_IN2 message (ChannelError if malformed)."""
    body = message.body[8:]
    frame, table_id, cookie, reason = b"", 0, 0, None
    userdata, raw_metadata, continuation = b"", b"", None
    for kind, value in _props(body):
        if kind == PACKET:
            frame = value
        elif kind == TABLE_ID and value:
            table_id = value[0]
        elif kind == COOKIE and len(value) >= 12:
            (cookie,) = struct.unpack_from("!Q", value, len(value) - 8)
        elif kind == REASON and value:
            reason = value[0]
        elif kind == METADATA:
            raw_metadata = value
        elif kind == USERDATA:
            userdata = value
        elif kind == CONTINUATION:
            continuation = value
    metadata: dict[str, int] = {}
    for header, value in _fields(raw_metadata):
        name = _name(header)
        if name is not None:
            number = int.from_bytes(value, "big")
            metadata.update(_split_xreg(name, number) or {name: number})
    paused = None
    if continuation is not None:
        paused = Continuation(table_id, cookie, reason, userdata, raw_metadata, continuation)
    return PacketIn2(table_id, cookie, userdata, frame, metadata, paused)


def _split_xreg(name: str, value: int) -> dict[str, int] | None:
    """OF1.5 carries registers in pairs: xregN is reg2N (high half) and reg2N+1."""
    if not (name.startswith("xreg") and name[4:].isdigit()):
        return None
    index = int(name[4:]) * 2
    return {f"reg{index}": value >> 32, f"reg{index + 1}": value & 0xFFFFFFFF}


def _patched_metadata(raw: bytes, changes: Mapping[str, int]) -> bytes:
    """`raw` OXM entries with the fields in `changes` set (added when absent)."""
    out, left = b"", dict(changes)
    offset = 0
    for header, value in _fields(raw):
        length = 4 + (header & 0xFF)
        name = _name(header) or ""
        plain = not header & 0x100 and header >> 16 != 0xFFFF
        halves = _split_xreg(name, int.from_bytes(value, "big"))
        if halves is not None and halves.keys() & left.keys():
            # (a masked xreg's value is already masked: written back unmasked)
            high, low = (left.pop(k, v) for k, v in halves.items())
            out += struct.pack("!IQ", (header & ~0x1FF) | 8, (high << 32) | low)
        elif plain and name in left:
            out += struct.pack("!I", header) + left.pop(name).to_bytes(len(value), "big")
        else:
            out += raw[offset : offset + length]
        offset += length
    return out + encode_fields(left)


def resume(
    xid: int, paused: Continuation, frame: bytes, changes: Mapping[str, int] | None
) -> bytes:
    """An NXT_RESUME continuing `paused` with `frame` and changed registers."""
    metadata = _patched_metadata(paused.metadata, changes or {})
    body = _prop(PACKET, frame) + _prop(TABLE_ID, bytes([paused.table_id]))
    body += _prop(COOKIE, b"\0" * 4 + struct.pack("!Q", paused.cookie))
    if paused.reason is not None:
        body += _prop(REASON, bytes([paused.reason]))
    body += _prop(METADATA, metadata)
    if paused.userdata:
        body += _prop(USERDATA, paused.userdata)
    body += _prop(CONTINUATION, paused.continuation)
    return _nicira(NXT_RESUME, xid, body)


# ------------------------------------------------------------------ packet-out


def packet_out(xid: int, frame: bytes, actions: bytes, metadata: Mapping[str, int]) -> bytes:
    """An OF1.5 packet-out of `frame` from the controller port with the
    pipeline fields `metadata` preset and the encoded `actions`."""
    fields = encode_fields({"in_port": OFPP_CONTROLLER, **metadata})
    match_len = 4 + len(fields)
    match = struct.pack("!HH", 1, match_len) + fields + b"\0" * (-match_len % 8)
    head = struct.pack("!IH2x", 0xFFFFFFFF, len(actions))
    return _message(OFPT_PACKET_OUT, xid, head + match + actions + frame)


def error_text(message: Message) -> str:
    """A one-line description of an OFPT_ERROR."""
    if len(message.body) < 4:
        return "malformed error message"
    kind, code = struct.unpack_from("!HH", message.body)
    return f"OpenFlow error type {kind} code {code} (xid {message.xid})"
