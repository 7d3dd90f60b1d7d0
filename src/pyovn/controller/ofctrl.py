"""Install the desired flows in the switch: a minimal diff per run.

`OfCtrl` keeps what it last installed, keyed like OpenFlow's strict
flow-mods (table, priority, match). Each run hands it the whole desired set;
it merges flows that only differ in their `conjunction(...)` actions (two
logical flows can contribute clauses to the same OpenFlow match), then
sends the switch a `FlowDiff`: new keys are added, keys whose actions or
cookie changed are modified (keeping their counters), and keys no longer
desired are deleted.

After a (re)connection the first install is a full atomic replacement: a
restarted controller leaves the previous controller's flows alone until it
has computed the complete new set, so established traffic keeps flowing.

`Switch` is what the controller needs from the switch behind the
integration bridge: flow and group installation plus the packet-in /
packet-out / resume of pinctrl. `ofchannel.RemoteSwitch` speaks to the
simulated ovs-vswitchd over a socket; any `FlowSink` (such as the
simulator's `Bridge`) can be wrapped by `SinkSwitch` when packet-ins are
not needed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pyovn.dataplane.sink import FlowDiff, FlowSink
from pyovn.lflow import OpenFlowFlow

__all__ = ["InstallStats", "OfCtrl", "PacketIn", "SinkSwitch", "Switch", "flow_key"]

log = logging.getLogger("pyovn.controller.ofctrl")

FlowKey = tuple[int, int, str]


def flow_key(flow: OpenFlowFlow) -> FlowKey:
    """(table, priority, match): what identifies a flow in the switch."""
    return (flow.table, flow.priority, flow.match)


@dataclass(frozen=True)
class PacketIn:
    """A packet-in as pinctrl sees it.

    `metadata` holds the pipeline registers by OpenFlow name (`metadata`,
    `reg0`…`reg15`, `in_port`); `continuation` is the switch's opaque
    handle for resuming a paused pipeline (None unless paused).
    """

    table_id: int
    cookie: int
    userdata: bytes
    frame: bytes
    metadata: Mapping[str, int]
    continuation: Any = None


PacketInHandler = Callable[[PacketIn], None]


class Switch(Protocol):
    """The switch behind the integration bridge, as the controller drives it."""

    packet_in_handler: PacketInHandler | None

    async def install(self, diff: FlowDiff, groups: Mapping[int, str]) -> None:
        """Set `groups` (add or replace), then apply the flow diff atomically."""
        ...

    async def replace(self, flows: list[str], groups: Mapping[int, str]) -> None:
        """Make the flows exactly `flows` (unchanged flows keep their counters)."""
        ...

    async def packet_out(
        self, frame: bytes, actions: str, metadata: Mapping[str, int], encoded: bytes = b""
    ) -> None:
        """Inject a frame with `actions`, pipeline fields preset from `metadata`
        (`encoded`: the same actions in OpenFlow 1.5 binary, for real switches)."""
        ...

    async def resume(
        self, packet_in: PacketIn, frame: bytes | None, metadata: Mapping[str, int] | None
    ) -> None:
        """Continue a paused pipeline, optionally with a new frame and registers."""
        ...


class SinkSwitch:
    """A `Switch` over any `FlowSink` (no packet-ins: pinctrl stays idle)."""

    def __init__(self, sink: FlowSink) -> None:
        self.sink = sink
        self.packet_in_handler: PacketInHandler | None = None

    async def install(self, diff: FlowDiff, groups: Mapping[int, str]) -> None:
        for gid, spec in groups.items():
            self.sink.set_group(f"group_id={gid},{spec}")
        self.sink.apply_flow_diff(diff)

    async def replace(self, flows: list[str], groups: Mapping[int, str]) -> None:
        self.sink.replace_groups(f"group_id={gid},{spec}" for gid, spec in groups.items())
        self.sink.replace_flows(flows)

    async def packet_out(
        self, frame: bytes, actions: str, metadata: Mapping[str, int], encoded: bytes = b""
    ) -> None:
        log.debug("packet-out dropped: this switch has no packet path")

    async def resume(
        self, packet_in: PacketIn, frame: bytes | None, metadata: Mapping[str, int] | None
    ) -> None:
        log.debug("resume dropped: this switch has no packet path")


@dataclass
class InstallStats:
    """What the last `OfCtrl.sync` sent."""

    added: int = 0
    modified: int = 0
    deleted: int = 0
    replaced: bool = False
    total: int = 0


def _conjunction_only(actions: str) -> bool:
    return all(part.startswith("conjunction(") for part in _split_actions(actions))


def _split_actions(actions: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for index, char in enumerate(actions):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(actions[start:index])
            start = index + 1
    parts.append(actions[start:])
    return parts


def merge_desired(flows: Iterable[OpenFlowFlow]) -> dict[FlowKey, OpenFlowFlow]:
    """Desired flows by key; conjunction clauses with the same match are merged."""
    desired: dict[FlowKey, OpenFlowFlow] = {}
    for flow in flows:
        key = flow_key(flow)
        previous = desired.get(key)
        if previous is None:
            desired[key] = flow
        elif previous.actions != flow.actions:
            if _conjunction_only(previous.actions) and _conjunction_only(flow.actions):
                parts = sorted(set(_split_actions(previous.actions) + _split_actions(flow.actions)))
                desired[key] = OpenFlowFlow(
                    flow.table, flow.priority, flow.match, ",".join(parts), previous.cookie
                )
            else:
                log.debug("duplicate flow %s: keeping %s", key, previous.actions)
    return desired


@dataclass
class OfCtrl:
    """The flows and groups installed in one switch."""

    switch: Switch
    installed: dict[FlowKey, OpenFlowFlow] = field(default_factory=dict)
    groups: dict[int, str] = field(default_factory=dict)
    synced: bool = False
    stats: InstallStats = field(default_factory=InstallStats)

    def reset(self) -> None:
        """The switch connection was (re)made: the next sync replaces everything."""
        self.synced = False

    async def sync(self, flows: Iterable[OpenFlowFlow], groups: Mapping[int, str]) -> InstallStats:
        """Make the switch hold `flows` and `groups`."""
        desired = merge_desired(flows)
        if not self.synced:
            await self.switch.replace([str(f) for f in desired.values()], groups)
            self.installed, self.groups, self.synced = desired, dict(groups), True
            self.stats = InstallStats(replaced=True, total=len(desired))
            return self.stats
        add, modify, delete = [], [], []
        for key, flow in desired.items():
            old = self.installed.get(key)
            if old is None:
                add.append(str(flow))
            elif old.actions != flow.actions or old.cookie != flow.cookie:
                modify.append(str(flow))
        for key, flow in self.installed.items():
            if key not in desired:
                delete.append(str(flow))
        new_groups = {g: s for g, s in groups.items() if self.groups.get(g) != s}
        if add or modify or delete or new_groups:
            diff = FlowDiff(add=tuple(add), modify=tuple(modify), delete=tuple(delete))
            await self.switch.install(diff, new_groups)
        self.installed = desired
        self.groups.update(new_groups)
        self.stats = InstallStats(len(add), len(modify), len(delete), False, len(desired))
        return self.stats
