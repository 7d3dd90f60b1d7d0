"""The OpenFlow 1.5 messages of the real-switch backend, byte by byte.

Packet-ins are built the way ovs-vswitchd 3.1 sends them to a controller
(NXT_PACKET_IN2; registers in pairs as OXM xregN, some masked); the
resume and packet-out are checked field by field, and the bundle file
against ovs-ofctl's syntax.
"""

from __future__ import annotations

import struct

import pytest

from pyovn.controller import ofwire
from pyovn.controller.errors import ChannelError
from pyovn.controller.ovs_switch import bundle_lines, flow_key_text
from pyovn.dataplane.sink import FlowDiff


def _prop(kind: int, value: bytes) -> bytes:
    length = 4 + len(value)
    return struct.pack("!HH", kind, length) + value + b"\0" * (-length % 8)


# what OVS put in a DHCP packet-in's metadata: in_port, xreg0 masked, xreg6, metadata
METADATA = (
    bytes.fromhex("8000000400000002")
    + bytes.fromhex("800101100000030000000000ffffffff00000000")
    + bytes.fromhex("80010c080000000600000008")
    + bytes.fromhex("800004080000000000000001")
)


def _packet_in2(paused: bool = True) -> ofwire.Message:
    body = struct.pack("!II", ofwire.NX_VENDOR, ofwire.NXT_PACKET_IN2)
    body += _prop(ofwire.PACKET, b"\x01" * 60)
    body += _prop(ofwire.TABLE_ID, bytes([27]))
    body += _prop(ofwire.COOKIE, b"\0" * 4 + struct.pack("!Q", 0xB64B621B))
    body += _prop(ofwire.METADATA, METADATA)
    body += _prop(ofwire.USERDATA, b"\0\0\0\x05\0\0\0\0")
    if paused:
        body += _prop(ofwire.CONTINUATION, b"opaque-continuation")
    return ofwire.Message(ofwire.OFPT_EXPERIMENTER, 0, body)


def test_packet_in2_is_decoded_with_registers_split_from_xregs() -> None:
    message = _packet_in2()
    assert message.nicira_subtype == ofwire.NXT_PACKET_IN2
    pin = ofwire.decode_packet_in2(message)
    assert (pin.table_id, pin.cookie, pin.frame) == (27, 0xB64B621B, b"\x01" * 60)
    assert pin.userdata == b"\0\0\0\x05\0\0\0\0"
    assert pin.metadata == {
        "in_port": 2,
        "reg0": 0x300,
        "reg1": 0,
        "reg12": 6,
        "reg13": 8,
        "metadata": 1,
    }
    assert pin.continuation is not None
    assert pin.continuation.continuation == b"opaque-continuation"
    assert ofwire.decode_packet_in2(_packet_in2(paused=False)).continuation is None


def test_resume_rewrites_the_register_pair_unmasked_and_keeps_the_continuation() -> None:
    pin = ofwire.decode_packet_in2(_packet_in2())
    assert pin.continuation is not None
    data = ofwire.resume(9, pin.continuation, b"\x02" * 80, {"reg0": 0x308})
    kind, length, xid = ofwire.parse_header(data[:8])
    assert (kind, length, xid) == (ofwire.OFPT_EXPERIMENTER, len(data), 9)
    resumed = ofwire.decode_packet_in2(ofwire.Message(kind, xid, data[8:]))
    assert resumed.frame == b"\x02" * 80
    assert resumed.metadata["reg0"] == 0x308 and resumed.metadata["reg13"] == 8
    assert resumed.continuation is not None
    assert resumed.continuation.continuation == b"opaque-continuation"
    # one unmasked xreg0, no separate reg0 (OVS rejects duplicate fields)
    assert bytes.fromhex("800100080000030800000000") in resumed.continuation.metadata
    assert bytes.fromhex("00010004") not in resumed.continuation.metadata


def test_packet_out_carries_the_pipeline_fields_and_actions() -> None:
    actions = bytes.fromhex("ffff0010000023200001000000000000")  # 16-byte NX action
    data = ofwire.packet_out(4, b"\x03" * 42, actions, {"metadata": 5, "reg14": 2})
    _, length, _ = ofwire.parse_header(data[:8])
    assert length == len(data)
    buffer_id, actions_len = struct.unpack_from("!IH", data, 8)
    assert (buffer_id, actions_len) == (0xFFFFFFFF, 16)
    match_type, match_len = struct.unpack_from("!HH", data, 16)
    fields = data[20 : 16 + match_len]
    assert match_type == 1
    assert fields.startswith(bytes.fromhex("80000004fffffffd"))  # from the controller port
    assert bytes.fromhex("800004080000000000000005") in fields
    assert bytes.fromhex("00011c0400000002") in fields  # NXM_NX_REG14
    start = 16 + match_len + (-match_len % 8)
    assert data[start : start + 16] == actions and data[start + 16 :] == b"\x03" * 42


def test_bad_input_is_one_error() -> None:
    with pytest.raises(ChannelError, match="too short"):
        ofwire.parse_header(struct.pack("!BBHI", 6, 0, 4, 0))
    with pytest.raises(ChannelError, match=r"not 1\.5"):
        ofwire.parse_header(struct.pack("!BBHI", 4, 10, 8, 0))
    broken = ofwire.Message(ofwire.OFPT_EXPERIMENTER, 0, _packet_in2().body[:-3])
    with pytest.raises(ChannelError):
        ofwire.decode_packet_in2(broken)
    with pytest.raises(ChannelError, match="unknown pipeline field"):
        ofwire.encode_fields({"nope": 1})


def test_bundle_lines_name_strict_keys_and_put_groups_first() -> None:
    add = "cookie=0x1, table=8, priority=50, reg14=0x1,metadata=0x1 actions=resubmit(,9)"
    gone = "cookie=0x2, table=9, priority=0, metadata=0x1 actions=drop"
    assert flow_key_text(gone) == "table=9,priority=0,metadata=0x1"
    lines = bundle_lines(
        FlowDiff(add=(add,), modify=(add,), delete=(gone,)), {1: "type=select,bucket=actions=drop"}
    )
    assert lines == [
        "group add_or_mod group_id=1,type=select,bucket=actions=drop",
        f"flow add {add}",
        f"flow modify_strict {add}",
        "flow delete_strict table=9,priority=0,metadata=0x1",
    ]
