"""OpenFlow 1.5 group-mods from the controller's group specs (ovs-ofctl syntax).

The controller's groups are select groups for load balancing:

    type=select,selection_method=dp_hash,bucket=bucket_id:0,weight:100,actions=ct(...),...

`group_mod(xid, "add_or_mod", "group_id=1,<spec>")` encodes one as an
OFPT_GROUP_MOD: the buckets (id, weight property, actions) and Open
vSwitch's selection-method group property (method name and parameter).
Anything else — hash `fields(...)` among them — raises `Unsupported`
(ovs-ofctl encodes it instead).
"""

from __future__ import annotations

import struct

from pyovn.controller.flow_actions import encode_action_text
from pyovn.controller.flow_match import Unsupported, split_top
from pyovn.controller.ofwire import HEADER, OFP_VERSION

__all__ = ["group_mod"]

OFPT_GROUP_MOD = 15
COMMANDS = {"add": 0, "modify": 1, "delete": 2, "add_or_mod": 0x8000}
TYPES = {"all": 0, "select": 1, "indirect": 2, "ff": 3, "fast_failover": 3}
_BUCKET_ALL = 0xFFFFFFFF
_NTR_VENDOR, _NTRT_SELECTION_METHOD = 0x0000154D, 1


def _bucket(items: list[str]) -> tuple[int, int, bytes]:
    """(bucket id, weight, actions) of `bucket=...` and the items after it."""
    bucket_id, weight, actions = 0, 1, b""
    for index, item in enumerate(items):
        key, _, value = item.partition("=") if "=" in item.split(":")[0] else item.partition(":")
        if key == "bucket" and value.startswith("bucket_id:"):
            bucket_id = int(value.split(":", 1)[1], 0)
        elif key == "bucket_id":
            bucket_id = int(value, 0)
        elif key == "weight":
            weight = int(value, 0)
        elif key == "actions":
            actions = encode_action_text(",".join([value, *items[index + 1 :]]))
            break
        elif key != "bucket" or value:
            raise Unsupported(f"bucket option {item}")
    return bucket_id, weight, actions


def _selection_method(method: str, param: int) -> bytes:
    if len(method) >= 16:
        raise Unsupported(f"selection_method {method}")
    body = struct.pack("!II4x16sQ", _NTR_VENDOR, _NTRT_SELECTION_METHOD, method.encode(), param)
    return struct.pack("!HH", 0xFFFF, 4 + len(body)) + body


def group_mod(xid: int, command: str, text: str) -> bytes:
    """The OFPT_GROUP_MOD of `group_id=N,<spec>` (Unsupported if not covered)."""
    if command not in COMMANDS:
        raise Unsupported(f"group command {command}")
    items = split_top(text)
    group_id, kind, method, param = None, 0, "", 0
    starts = [i for i, item in enumerate(items) if item.startswith("bucket=")]
    head = items[: starts[0]] if starts else items
    for item in head:
        key, _, value = item.partition("=")
        if key == "group_id":
            group_id = int(value, 0)
        elif key == "type" and value in TYPES:
            kind = TYPES[value]
        elif key == "selection_method":
            method = value
        elif key == "selection_method_param":
            param = int(value, 0)
        else:  # hash fields(...) among them: ovs-ofctl encodes those
            raise Unsupported(f"group option {item}")
    if group_id is None:
        raise Unsupported("group without group_id")
    buckets = b""
    for first, end in zip(starts, [*starts[1:], len(items)], strict=True):
        bucket_id, weight, actions = _bucket(items[first:end])
        weight_prop = struct.pack("!HHH2x", 0, 8, weight)  # OFPGBPT15_WEIGHT
        size = 8 + len(actions) + len(weight_prop)
        buckets += struct.pack("!HHI", size, len(actions), bucket_id) + actions + weight_prop
    props = _selection_method(method, param) if method else b""
    body = struct.pack("!HBxIH2xI", COMMANDS[command], kind, group_id, len(buckets), _BUCKET_ALL)
    body += buckets + props
    return HEADER.pack(OFP_VERSION, OFPT_GROUP_MOD, HEADER.size + len(body), xid) + body
