"""The seam between whoever computes OpenFlow and whoever runs it.

`pyovn.controller` computes a chassis's OpenFlow flows and groups; it hands
them to a `FlowSink`. The simulator's `Bridge` is one; a backend driving a
real ovs-vswitchd (over OpenFlow or ovs-ofctl) is another. Tests pick a
sink; nothing needs patching.

Flows are identified, as in OpenFlow's strict flow-mod matching, by
(table, priority, match). Flows and groups may be given as typed values
(`Flow`, `Group`) or as ovs-ofctl text (`"table=8,priority=50,metadata=0x1,
actions=resubmit(,9)"`, `"group_id=1,type=select,bucket=…"`); for deletion
the text may leave out `actions=`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from pyovn.dataplane.flow import Flow
from pyovn.dataplane.groups import Group

__all__ = ["FlowDiff", "FlowLike", "FlowSink", "GroupLike", "as_flow", "as_group"]

FlowLike = Flow | str
GroupLike = Group | str


@dataclass(frozen=True)
class FlowDiff:
    """An incremental change to a flow table set.

    `add` installs flows, replacing any flow with the same key (counters
    restart); `modify` changes the actions and cookie of existing flows with
    the same key, keeping their counters (a missing flow is added); `delete`
    removes flows by key (their actions are ignored). Deletions apply first,
    then modifications, then additions.
    """

    add: tuple[FlowLike, ...] = ()
    modify: tuple[FlowLike, ...] = ()
    delete: tuple[FlowLike, ...] = ()


@runtime_checkable
class FlowSink(Protocol):
    """Something that holds OpenFlow flows and groups for one bridge."""

    def replace_flows(self, flows: Iterable[FlowLike]) -> None:
        """Atomically make the bridge's flows exactly `flows`.

        Flows already present with the same key and actions keep their
        counters. If any flow fails to parse, nothing changes.
        """
        ...

    def apply_flow_diff(self, diff: FlowDiff) -> None:
        """Atomically apply an incremental change (all of it, or nothing)."""
        ...

    def replace_groups(self, groups: Iterable[GroupLike]) -> None:
        """Atomically make the bridge's groups exactly `groups`."""
        ...

    def set_group(self, group: GroupLike) -> None:
        """Add a group, or replace the group with the same id."""
        ...

    def delete_group(self, group_id: int) -> None:
        """Remove a group (no error if it does not exist)."""
        ...

    def flows(self) -> list[Flow]:
        """The installed flows, ordered by table then decreasing priority."""
        ...


def as_flow(flow: FlowLike, *, require_actions: bool = True) -> Flow:
    """A `Flow` from a flow or its ovs-ofctl text."""
    if isinstance(flow, Flow):
        return flow
    if not require_actions and "actions=" not in flow:
        return Flow.parse(flow.rstrip(", ") + ",actions=drop")
    return Flow.parse(flow)


def as_group(group: GroupLike) -> Group:
    """A `Group` from a group or its ovs-ofctl text."""
    return group if isinstance(group, Group) else Group.parse(group)
