"""OpenFlow groups: parse `dump-groups`/`add-group` text, choose buckets.

`Group.parse("group_id=1,type=select,bucket=weight:100,actions=output:2,…")`
accepts both ovs-ofctl's add-group syntax and its dump-groups output
(`bucket=bucket_id:0,weight:100,actions=…`). `select` groups choose a bucket
by a hash of the packet's addresses, protocol and ports, weighted, so one
connection always takes the same bucket (what OVN's load balancers need);
`all` runs every bucket on a copy of the packet; `indirect` runs its only
bucket; `ff` runs the first bucket (ports are always live here).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace

from pyovn.dataplane.action_parser import parse_actions
from pyovn.dataplane.actions import Action, format_actions
from pyovn.dataplane.errors import FlowSyntaxError
from pyovn.dataplane.field_syntax import parse_int
from pyovn.dataplane.spelling import openflow15_spelling
from pyovn.dataplane.tokens import split_items, split_key_value

__all__ = ["Bucket", "Group"]

_GROUP_TYPES = ("all", "select", "indirect", "ff", "fast_failover")
_BUCKET = re.compile(r"(?:^|,)\s*bucket=")
_HASH_SLOTS = ("nw_src", "nw_dst", "ipv6_src", "ipv6_dst", "nw_proto", "tp_src", "tp_dst")


@dataclass(frozen=True)
class Bucket:
    """One bucket: an id, a weight and an action list."""

    bucket_id: int
    actions: tuple[Action, ...]
    weight: int = 100
    watch_port: int | None = None

    def text(self, with_weight: bool = False) -> str:
        """`bucket=bucket_id:N,[weight:W,]actions=…` as dump-groups prints it."""
        parts = [f"bucket_id:{self.bucket_id}"]
        if with_weight:
            parts.append(f"weight:{self.weight}")
        if self.watch_port is not None:
            parts.append(f"watch_port:{self.watch_port}")
        parts.append("actions=" + format_actions(self.actions))
        return "bucket=" + ",".join(parts)


@dataclass(frozen=True)
class Group:
    """An OpenFlow group."""

    group_id: int
    group_type: str
    buckets: tuple[Bucket, ...] = ()
    selection_method: str | None = None

    @classmethod
    def parse(cls, text: str) -> Group:
        """Parse add-group or dump-groups syntax."""
        pieces = _BUCKET.split(text.strip())
        head, bucket_texts = pieces[0], pieces[1:]
        options = _parse_group_head(head)
        buckets = tuple(
            _parse_bucket(bucket_text, index) for index, bucket_text in enumerate(bucket_texts)
        )
        if "group_id" not in options:
            raise FlowSyntaxError("group has no group_id", text[:40], 0)
        return cls(
            group_id=int(options["group_id"]),
            group_type=str(options.get("type", "all")),
            buckets=buckets,
            selection_method=options.get("selection_method"),
        )

    def text(self) -> str:
        """The group as `ovs-ofctl dump-groups` prints it."""
        head = f"group_id={self.group_id},type={self.group_type}"
        if self.selection_method:
            head += f",selection_method={self.selection_method}"
        weighted = self.group_type == "select"
        return ",".join([head, *(bucket.text(weighted) for bucket in self.buckets)])

    def __str__(self) -> str:
        return self.text()

    def with_openflow15_spelling(self) -> Group:
        """This group as an OpenFlow 1.1+ client installs it (`set_field:`)."""
        buckets = tuple(
            replace(bucket, actions=openflow15_spelling(bucket.actions)) for bucket in self.buckets
        )
        return replace(self, buckets=buckets)

    def select(self, values: Mapping[str, int]) -> Bucket | None:
        """The bucket a `select` group sends this packet to (weighted, by flow hash)."""
        live = [bucket for bucket in self.buckets if bucket.weight > 0]
        if not live:
            return None
        key = ",".join(str(values.get(slot, 0)) for slot in _HASH_SLOTS).encode()
        point = zlib.crc32(key) % sum(bucket.weight for bucket in live)
        for bucket in live:
            if point < bucket.weight:
                return bucket
            point -= bucket.weight
        return live[-1]  # pragma: no cover - the loop always returns

    def buckets_to_run(self, values: Mapping[str, int]) -> tuple[Bucket, ...]:
        """The buckets a packet runs through, in order."""
        if self.group_type == "select":
            chosen = self.select(values)
            return (chosen,) if chosen else ()
        if self.group_type in ("indirect", "ff", "fast_failover"):
            return self.buckets[:1]
        return self.buckets


def _parse_group_head(head: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for item in split_items(head):
        key, value = split_key_value(item.text)
        if value is None:
            raise FlowSyntaxError("unknown group keyword", key, item.position)
        if key == "group_id":
            options[key] = str(parse_int(value, "group_id"))
        elif key == "type":
            if value not in _GROUP_TYPES:
                raise FlowSyntaxError("unknown group type", value, item.position)
            options[key] = value
        elif key == "selection_method":
            options[key] = value
        elif key not in ("fields", "selection_method_param"):
            raise FlowSyntaxError("unknown group keyword", key, item.position)
    return options


def _parse_bucket(text: str, index: int) -> Bucket:
    options: dict[str, int] = {}
    remaining = text
    while True:
        found = re.match(r"\s*(bucket_id|weight|watch_port|watch_group)[:=](\w+)\s*,?", remaining)
        if not found:
            break
        key, value = found.group(1), found.group(2)
        options[key] = parse_int(value, key)
        remaining = remaining[found.end() :]
    remaining = remaining.strip()
    if remaining.startswith("actions="):
        remaining = remaining[len("actions=") :]
    return Bucket(
        bucket_id=options.get("bucket_id", index),
        actions=parse_actions(remaining.rstrip(",")),
        weight=options.get("weight", 100),
        watch_port=options.get("watch_port"),
    )
