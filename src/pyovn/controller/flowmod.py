"""OpenFlow 1.5 flow-mods and bundles from the controller's bundle lines.

`OvsSwitch` describes a change as `ovs-ofctl bundle` lines (`flow add ...`,
`flow modify_strict ...`, `flow delete_strict ...`, `flow delete`, `group
add_or_mod ...`). `bundle_messages` turns them into the messages of one
atomic, ordered OpenFlow bundle to send on the controller's own connection:
OFPT_BUNDLE_CONTROL open, one OFPT_BUNDLE_ADD_MESSAGE per flow-mod (the inner
message carries the same xid, as Open vSwitch requires), commit. Group
lines are encoded by `groupmod`; lines neither covers raise `Unsupported`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from pyovn.controller.flow_actions import encode_action_text
from pyovn.controller.flow_match import Unsupported, encode_match, l4_of, split_top
from pyovn.controller.groupmod import group_mod
from pyovn.controller.ofwire import HEADER, OFP_VERSION

__all__ = ["OFPT_BUNDLE_CONTROL", "Bundle", "bundle_messages", "flow_mod"]

OFPT_FLOW_MOD, OFPT_BUNDLE_CONTROL, OFPT_BUNDLE_ADD_MESSAGE = 14, 33, 34
OFPBCT_OPEN_REQUEST, OFPBCT_COMMIT_REQUEST, OFPBCT_COMMIT_REPLY = 0, 4, 5
OFPBF_ATOMIC, OFPBF_ORDERED = 1, 2
COMMANDS = {"add": 0, "modify": 1, "modify_strict": 2, "delete": 3, "delete_strict": 4}
_ANY = 0xFFFFFFFF
_FLOW_MOD = struct.Struct("!QQBBHHHIIIHH")


def _message(kind: int, xid: int, body: bytes) -> bytes:
    return HEADER.pack(OFP_VERSION, kind, HEADER.size + len(body), xid) + body


def flow_mod(xid: int, command: str, text: str) -> bytes:
    """The OFPT_FLOW_MOD of one flow in dump-flows syntax (`table=, priority=,
    cookie=`, the match, ` actions=`); Unsupported if not covered."""
    head, _, actions = text.partition(" actions=")
    cookie, table, priority, match = 0, 0, 0x8000, []
    for item in split_top(head, ", "):
        key, _, value = item.partition("=")
        if key == "cookie":
            cookie = int(value, 0)
        elif key == "table":
            table = int(value, 0)
        elif key == "priority":
            priority = int(value, 0)
        else:
            match.append(item)
    code = COMMANDS[command]
    if code >= COMMANDS["delete"]:
        cookie = 0
        if command == "delete" and not match:
            table = 0xFF  # every table
    elif code != COMMANDS["add"]:
        cookie = 0  # OpenFlow 1.1+ cannot change a cookie with a modify
    fields = encode_match(",".join(match))
    match_len = 4 + len(fields)
    body = _FLOW_MOD.pack(cookie, 0, table, code, 0, 0, priority, _ANY, _ANY, _ANY, 0, 0)
    body += struct.pack("!HH", 1, match_len) + fields + bytes(-match_len % 8)
    l4 = l4_of(",".join(match))
    encoded = encode_action_text(actions, l4) if code < COMMANDS["delete"] else b""
    if encoded:
        body += struct.pack("!HH4x", 4, 8 + len(encoded)) + encoded  # OFPIT_APPLY_ACTIONS
    return _message(OFPT_FLOW_MOD, xid, body)


def _control(xid: int, bundle_id: int, kind: int) -> bytes:
    flags = OFPBF_ATOMIC | OFPBF_ORDERED
    return _message(OFPT_BUNDLE_CONTROL, xid, struct.pack("!IHH", bundle_id, kind, flags))


@dataclass(frozen=True)
class Bundle:
    """The messages of one bundle and the xid whose reply ends it."""

    messages: list[bytes]
    commit_xid: int


def bundle_messages(lines: list[str], bundle_id: int, next_xid: Callable[[], int]) -> Bundle:
    """The bundle for `ovs-ofctl bundle` lines (Unsupported if any is not covered)."""
    messages = [_control(next_xid(), bundle_id, OFPBCT_OPEN_REQUEST)]
    for line in lines:
        kind, _, rest = line.partition(" ")
        command, _, text = rest.partition(" ")
        xid = next_xid()
        if kind == "group":
            inner = group_mod(xid, command, text)
        elif kind == "flow" and command in COMMANDS:
            inner = flow_mod(xid, command, text)
        else:
            raise Unsupported(f"bundle line {kind} {command}")
        add = struct.pack("!I2xH", bundle_id, OFPBF_ATOMIC | OFPBF_ORDERED) + inner
        messages.append(_message(OFPT_BUNDLE_ADD_MESSAGE, xid, add))
    commit = next_xid()
    messages.append(_control(commit, bundle_id, OFPBCT_COMMIT_REQUEST))
    return Bundle(messages, commit)
