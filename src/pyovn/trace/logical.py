"""Tracing a packet through the logical pipelines, as ovn-trace does.

`trace(sb, datapath, microflow)` starts in the ingress pipeline of
`datapath` at table 0 and follows the packet: the highest-priority flow that
matches in each table runs its actions (see `actions.py`); `output` from
ingress runs the egress pipeline (once per member for a multicast group);
`output` from egress crosses a patch port into the peer's ingress pipeline
or leaves the logical network. Flows with match `1` and action `next;` are
stepped over silently, as in ovn-trace. A trace deeper than
`TraceOptions.max_depth` nested lookups, or longer than `max_lookups` in
all, stops with a "loop detected" error node.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from pyovn.lflow import Packet
from pyovn.lflow.evaluate import Environment
from pyovn.trace.errors import MicroflowError
from pyovn.trace.flowline import format_ct_state, format_flow_line
from pyovn.trace.microflow import solve_microflow
from pyovn.trace.model import Delivery, NodeKind, Step, Trace, TraceNode
from pyovn.trace.snapshot import Datapath, Port, SouthboundSnapshot

__all__ = ["CT_DEFAULT", "TraceEnvironment", "TraceOptions", "trace"]

CT_TRK = 0x20
#: ct_state a ct_next reports once the --ct states are used up.
CT_DEFAULT = 0x22
_DEFAULT_COMMENT = " /* default (use --ct to customize) */"
_OMITTED = "/* omitting output because inport == outport && !flags.loopback */"
_REGISTERS = ("xxreg0", "xxreg1", "xreg4", "reg10", "reg11", "reg12", "reg13", "reg15")


@dataclass(frozen=True)
class TraceOptions:
    """Knobs of one trace (ovn-trace's options)."""

    ct_states: Sequence[int] = ()
    select_id: int | None = None
    lb_dst: str | None = None
    friendly_names: bool = True
    max_depth: int = 300
    max_lookups: int = 20000


class TraceEnvironment(Environment):
    """Names as seen from one datapath: its ports, groups and port groups."""

    def __init__(self, sb: SouthboundSnapshot, datapath: Datapath) -> None:
        super().__init__(port_keys=sb.port_keys(datapath.uuid))
        self.sb = sb
        self.datapath = datapath

    def address_set(self, name: str) -> Sequence[str] | None:
        return self.sb.address_sets.get(name)

    def port_group(self, name: str) -> Sequence[str] | None:
        return self.sb.port_group(self.datapath, name)

    def is_chassis_resident(self, port: str) -> bool:
        return True


class _GlobalNames(Environment):
    """For the microflow: port groups and address sets by their plain names."""

    def __init__(self, sb: SouthboundSnapshot) -> None:
        super().__init__()
        self.sb = sb

    def address_set(self, name: str) -> Sequence[str] | None:
        return self.sb.address_sets.get(name)

    def port_group(self, name: str) -> Sequence[str] | None:
        return self.sb.port_groups.get(name)

    def is_chassis_resident(self, port: str) -> bool:
        return True


@dataclass
class Context:
    """Where actions run: datapath, pipeline and table of the current flow."""

    datapath: Datapath
    pipeline: str
    table: int


@dataclass
class Tracer:
    """One trace in progress (state: --ct states used, lookups, outputs)."""

    sb: SouthboundSnapshot
    options: TraceOptions
    deliveries: list[Delivery] = field(default_factory=list)
    lookups: int = 0
    ct_used: int = 0
    loop_detected: bool = False
    stack: list[int] = field(default_factory=list)
    depth: int = 0

    def env(self, datapath: Datapath) -> TraceEnvironment:
        cache = self.sb.cache
        env = cache.get(datapath.uuid)
        if not isinstance(env, TraceEnvironment):
            env = cache[datapath.uuid] = TraceEnvironment(self.sb, datapath)
        return env

    def next_ct_state(self) -> tuple[int, str]:
        """The next --ct state (always tracked), or est|trk with a comment."""
        if self.ct_used < len(self.options.ct_states):
            state = self.options.ct_states[self.ct_used] | CT_TRK
            self.ct_used += 1
            return state, ""
        return CT_DEFAULT, _DEFAULT_COMMENT

    def port_name(self, datapath: Datapath, key: int) -> str:
        port = self.sb.port_on(datapath.uuid, key)
        if port is not None:
            return port.name
        group = self.sb.group_on(datapath.uuid, key)
        return group.name if group is not None else ""

    def dp_name(self, datapath: Datapath) -> str:
        return datapath.friendly_name if self.options.friendly_names else datapath.name

    # ---- tables ----------------------------------------------------------------

    def run_table(
        self, datapath: Datapath, pipeline: str, table: int, packet: Packet, out: list[TraceNode]
    ) -> None:
        """Look `packet` up from `table` on and run what matches (ovn-trace's trace__)."""
        depth = self.depth
        if depth >= self.options.max_depth or self.lookups >= self.options.max_lookups:
            self._loop(out)
            return
        env = self.env(datapath)
        while True:
            self.lookups += 1
            entry = self.sb.flows.lookup(datapath.uuid, pipeline, table, packet, env)
            if entry is None or not entry.is_trivial:
                break
            table += 1
        if entry is None:
            step = Step(self.dp_name(datapath), pipeline, table, "", None, "", "", "", "")
            out.append(
                TraceNode(NodeKind.TABLE, f"{table:2d}. no match (implicit drop)", step=step)
            )
            return
        step = Step(
            self.dp_name(datapath),
            pipeline,
            table,
            entry.stage,
            entry.priority,
            entry.match,
            entry.actions,
            entry.uuid,
            entry.source,
        )
        node = TraceNode(NodeKind.TABLE, _table_text(step), step=step)
        out.append(node)
        actions = entry.action_list()
        assert actions is not None
        from pyovn.trace.actions import run_actions

        self.depth = depth + 1
        try:
            run_actions(self, Context(datapath, pipeline, table), actions, packet, node.children)
        finally:
            self.depth = depth

    def _loop(self, out: list[TraceNode]) -> None:
        self.loop_detected = True
        reason = (
            f"more than {self.options.max_depth} nested table lookups"
            if self.depth >= self.options.max_depth
            else f"more than {self.options.max_lookups} table lookups"
        )
        out.append(TraceNode(NodeKind.ERROR, f"*** loop detected: {reason}; trace stopped"))

    # ---- output ----------------------------------------------------------------

    def output(self, ctx: Context, packet: Packet, out: list[TraceNode]) -> None:
        if ctx.pipeline == "ingress":
            self._ingress_output(ctx.datapath, packet, out)
        else:
            self._egress_output(ctx.datapath, packet, out)

    def _ingress_output(self, datapath: Datapath, packet: Packet, out: list[TraceNode]) -> None:
        key = packet.values.get("reg15", 0)
        group = self.sb.group_on(datapath.uuid, key)
        if group is not None:
            node = TraceNode(
                NodeKind.PIPELINE,
                f'multicast(dp="{self.dp_name(datapath)}", mcgroup="{group.name}")',
            )
            out.append(node)
            for name in group.ports:
                member = packet.copy()
                member.values["reg15"] = self.sb.ports[name].key
                self._egress(datapath, member, node.children, in_group=True)
            return
        port = self.sb.port_on(datapath.uuid, key)
        if port is not None and port.type == "chassisredirect":
            target = self.sb.ports.get(port.options.get("distributed-port", ""))
            if target is not None:
                out.append(
                    TraceNode(
                        NodeKind.OUTPUT,
                        f'/* Replacing type "chassisredirect" outport "{port.name}" with '
                        f'distributed port "{target.name}". */',
                    )
                )
                packet = packet.copy()
                packet.values["reg15"] = target.key
        self._egress(datapath, packet.copy(), out, in_group=False)

    def _egress(
        self, datapath: Datapath, packet: Packet, out: list[TraceNode], *, in_group: bool
    ) -> None:
        inport = self.port_name(datapath, packet.values.get("reg14", 0))
        outport = self.port_name(datapath, packet.values.get("reg15", 0))
        same = packet.values.get("reg14", 0) == packet.values.get("reg15", 0)
        omit = same and not packet.get("flags.loopback")
        if omit and not in_group:
            # Unicast back to the inport: ovn-trace says so without an egress section.
            out.append(TraceNode(NodeKind.OUTPUT, _OMITTED))
            return
        node = TraceNode(
            NodeKind.PIPELINE,
            f'egress(dp="{self.dp_name(datapath)}", inport="{inport}", outport="{outport}")',
        )
        out.append(node)
        if omit:
            node.children.append(TraceNode(NodeKind.OUTPUT, _OMITTED))
            return
        node.always_indent = in_group
        for storage in _REGISTERS[:-1]:
            packet.values.pop(storage, None)
        self.run_table(datapath, "egress", 0, packet, node.children)

    def _egress_output(self, datapath: Datapath, packet: Packet, out: list[TraceNode]) -> None:
        key = packet.values.get("reg15", 0)
        port = self.sb.port_on(datapath.uuid, key)
        if port is None:
            out.append(TraceNode(NodeKind.OUTPUT, f"/* no logical port with key {key} */"))
            return
        out.append(TraceNode(NodeKind.OUTPUT, f'/* output to "{port.name}", type "{port.type}" */'))
        peer = self.sb.ports.get(port.peer or "")
        if peer is not None:
            self._cross(peer, packet, out)
            return
        out.append(TraceNode(NodeKind.MODIFY, f'output("{port.name}")'))
        self.deliveries.append(
            Delivery(
                self.dp_name(datapath),
                port.name,
                port.type,
                format_flow_line(packet.values),
            )
        )

    def _cross(self, peer: Port, packet: Packet, out: list[TraceNode]) -> None:
        datapath = self.sb.datapaths[peer.datapath]
        crossed = packet.copy()
        for storage in _REGISTERS:
            crossed.values.pop(storage, None)
        crossed.values["reg14"] = peer.key
        crossed.values["reg15"] = 0
        node = TraceNode(
            NodeKind.PIPELINE, f'ingress(dp="{self.dp_name(datapath)}", inport="{peer.name}")'
        )
        out.append(node)
        self.run_table(datapath, "ingress", 0, crossed, node.children)

    def ct_transform(
        self, ctx: Context, title: str, packet: Packet, out: list[TraceNode]
    ) -> TraceNode:
        node = TraceNode(NodeKind.TRANSFORMATION, title)
        out.append(node)
        self.run_table(ctx.datapath, ctx.pipeline, ctx.table + 1, packet, node.children)
        return node


def _table_text(step: Step) -> str:
    where = step.stage
    if step.source:
        where = f"{where} ({step.source})" if where else f"({step.source})"
    return f"{step.table:2d}. {where}: {step.match}, priority {step.priority}, uuid {step.uuid[:8]}"


def ct_state_text(state: int, comment: str) -> str:
    return f"ct_next(ct_state={format_ct_state(state)}{comment})"


def trace(
    sb: SouthboundSnapshot,
    datapath: str | None,
    microflow: str,
    *,
    ct_states: Sequence[int] = (),
    options: TraceOptions | None = None,
) -> Trace:
    """Trace `microflow` entering `datapath` (None: the inport's datapath).

    `ct_states` are the ct_state bits successive `ct_next`s report (see
    `parse_ct_states`); `options` sets the rest (and `ct_states`, if this
    argument is empty).
    """
    if options is None:
        opts = TraceOptions(ct_states=tuple(ct_states))
    else:
        opts = replace(options, ct_states=tuple(ct_states)) if ct_states else options
    packet, ports = solve_microflow(microflow, _GlobalNames(sb), sb.all_port_keys())
    if ports.inport is None:
        raise MicroflowError('microflow does not specify an ingress port (inport == "...")')
    port = sb.ports[ports.inport]
    dp = sb.find_datapath(datapath) if datapath is not None else sb.datapaths[port.datapath]
    if port.datapath != dp.uuid:
        raise MicroflowError(f'logical port "{port.name}" is not on datapath "{dp.name}"')
    tracer = Tracer(sb, opts)
    flow_line = format_flow_line(packet.values)
    root = TraceNode(NodeKind.PIPELINE, f'ingress(dp="{tracer.dp_name(dp)}", inport="{port.name}")')
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 40 * opts.max_depth + 1000))
    try:
        tracer.run_table(dp, "ingress", 0, packet, root.children)
    finally:
        sys.setrecursionlimit(limit)
    return Trace(
        tracer.dp_name(dp), microflow, flow_line, [root], tracer.deliveries, tracer.loop_detected
    )
