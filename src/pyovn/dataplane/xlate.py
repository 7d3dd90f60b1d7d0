"""Translation: running a packet's flow through a bridge's OpenFlow tables.

This is the simulator's equivalent of ovs-vswitchd's `ofproto-dpif-xlate`:
given a flow (a packet's field map), it looks up table 0 (or the table a
frozen state resumes at), executes the matched flow's actions with Open
vSwitch semantics, follows resubmits, and produces

* the datapath actions (`odp.py`) to run on the real packet,
* the final flow, the packet-ins requested, the recirculations created,
* optionally the trace tree `ofproto/trace` prints.

Semantics kept from OVS: registers/metadata start at zero for each packet;
resubmit looks up with an optional temporary `in_port`; going back to the
same or an earlier table deepens recursion, limited to 64 levels, and all
resubmits are limited to 4096 (the packet is then dropped with the reason);
output to the input port is skipped; `clone` restores the flow; `ct` clears
the flow's conntrack fields and, with `table=`, forks a recirculation;
`ct_clear` only reaches the datapath when the packet is actually tracked;
header changes are committed lazily as masked `set()` actions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyovn.dataplane import actions as act
from pyovn.dataplane.classifier import FlowTable, Rule
from pyovn.dataplane.field_syntax import format_value
from pyovn.dataplane.fields import Prereq, prereq_satisfied
from pyovn.dataplane.match_format import format_match
from pyovn.dataplane.odp import OdpAction, OdpCtClear, OdpUserspace, commit_sets
from pyovn.dataplane.packet import HEADER_SLOTS
from pyovn.dataplane.packet_in import FROZEN_SLOTS, FrozenState, PacketInRequest
from pyovn.dataplane.trace_tree import TraceNode

if TYPE_CHECKING:
    from pyovn.dataplane.bridge import Bridge

__all__ = ["MAX_DEPTH", "MAX_RESUBMITS", "Recirculation", "Xlate", "XlateResult", "translate"]

MAX_DEPTH = 64
MAX_RESUBMITS = 4096
OFPP_IN_PORT, OFPP_TABLE, OFPP_NORMAL, OFPP_FLOOD = 0xFFF8, 0xFFF9, 0xFFFA, 0xFFFB
OFPP_ALL, OFPP_CONTROLLER, OFPP_LOCAL, OFPP_NONE = 0xFFFC, 0xFFFD, 0xFFFE, 0xFFFF
CT_SLOTS = (
    "ct_state",
    "ct_zone",
    "ct_mark",
    "ct_label",
    "ct_nw_src",
    "ct_nw_dst",
    "ct_ipv6_src",
    "ct_ipv6_dst",
    "ct_nw_proto",
    "ct_tp_src",
    "ct_tp_dst",
)
_COMMIT_SLOTS = (*HEADER_SLOTS, "pkt_mark")


@dataclass
class Recirculation:
    """A recirculation translation created: its id, state, and the ct that preceded it."""

    recirc_id: int
    state: FrozenState
    flow: dict[str, int]
    zone: int
    mark: tuple[int, int] | None
    label: tuple[int, int] | None
    nat: act.Nat | None


@dataclass
class XlateResult:
    """Everything one translation produced."""

    odp: list[OdpAction]
    flow: dict[str, int]
    nodes: list[TraceNode]
    error: str | None = None
    recirculations: list[Recirculation] = field(default_factory=list)
    packet_ins: list[PacketInRequest] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)


class _Stop(Exception):
    """Translation failed; the packet is dropped (`Translation failed (...)`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Xlate:
    """One translation in progress."""

    def __init__(
        self,
        bridge: Bridge,
        flow: dict[str, int],
        packet_length: int,
        *,
        tracing: bool,
        side_effects: bool,
    ) -> None:
        self.bridge = bridge
        self.flow = flow
        self.base = {slot: flow.get(slot, 0) for slot in _COMMIT_SLOTS}
        self.packet_length = packet_length
        self.tracing = tracing
        self.side_effects = side_effects
        self.odp: list[OdpAction] = []
        self.nodes: list[TraceNode] = []
        self.root = self.nodes
        self.depth = 0
        self.resubmits = 0
        self.stack: list[int] = []
        self.exit = False
        self.table_id = 0
        self.rule: Rule | None = None
        self.conntracked = False
        self.freezing: list[act.Action] | None = None
        self.pause: PacketInRequest | None = None
        # Where a pause happened (table, metadata, stack, conntracked): the
        # continuation resumes there, not where enclosing clones restore to.
        self.pause_point: tuple[int, tuple[tuple[str, int], ...], tuple[int, ...], bool] = (
            0,
            (),
            (),
            False,
        )
        self.recirculations: list[Recirculation] = []
        self.packet_ins: list[PacketInRequest] = []
        self.matched: list[Rule] = []

    # ------------------------------------------------------------ reporting

    def report(self, kind: str, text: str) -> TraceNode | None:
        """Append a trace node to the current list (when tracing)."""
        if not self.tracing:
            return None
        node = TraceNode(kind, text)
        self.nodes.append(node)
        return node

    # ------------------------------------------------------------ tables

    def run_table(
        self,
        table_id: int,
        *,
        in_port: int | None = None,
        initial: bool = False,
        is_last: bool = True,
    ) -> None:
        """Look up `table_id` and execute the matching flow's actions."""
        if not initial:
            if self.depth >= MAX_DEPTH:
                self.report("error", f"over max translation depth {MAX_DEPTH}")
                raise _Stop("Recursion too deep")
            if self.resubmits >= MAX_RESUBMITS:
                self.report("error", f"over {MAX_RESUBMITS} resubmit actions")
                raise _Stop("Too many resubmits")
            self.resubmits += 1
        rule = self._lookup(table_id, in_port)
        node = self.report("table", _table_text(table_id, rule)) if self.tracing else None
        if rule is None:
            if node is not None:
                node.children.append(TraceNode("action", "drop"))
            return
        self.matched.append(rule)
        if self.side_effects:
            rule.count(self.packet_length)
        deepens = not initial and table_id <= self.table_id
        self.depth += deepens
        saved = (self.table_id, self.rule, self.nodes)
        self.table_id, self.rule = table_id, rule
        if node is not None:
            self.nodes = node.children
            if not rule.flow.actions:
                self.report("action", "drop")
        try:
            self.do_actions(rule.flow.actions, is_last)
        finally:
            self.table_id, self.rule, self.nodes = saved
            self.depth -= deepens

    def _lookup(self, table_id: int, in_port: int | None) -> Rule | None:
        table: FlowTable | None = self.bridge.tables.get(table_id)
        if table is None:
            return None
        if in_port is None or in_port == OFPP_IN_PORT:
            return table.lookup(self.flow)
        saved = self.flow.get("in_port", 0)
        self.flow["in_port"] = in_port
        try:
            return table.lookup(self.flow)
        finally:
            self.flow["in_port"] = saved

    # ------------------------------------------------------------ actions

    def do_actions(self, action_list: tuple[act.Action, ...], is_last: bool) -> None:
        """Execute an action list (recording each action when tracing)."""
        count = len(action_list)
        for index, action in enumerate(action_list):
            if self.exit:
                return
            if self.freezing is not None:
                self.freezing.extend(action_list[index:])
                return
            if self.tracing:
                self.report("action", action.text())
            handler = _HANDLERS.get(type(action))
            if handler is None:
                continue
            if handler(self, action, is_last and index == count - 1):
                return

    def commit(self) -> None:
        """Emit `set()` actions so the datapath packet matches the flow."""
        self.odp.extend(commit_sets(self.flow, self.base))

    def metadata_snapshot(self) -> tuple[tuple[str, int], ...]:
        """The pipeline metadata a freeze carries (non-zero slots only)."""
        return tuple((slot, self.flow[slot]) for slot in FROZEN_SLOTS if self.flow.get(slot, 0))

    def clear_conntrack(self) -> None:
        """Forget the flow's conntrack fields (the packet becomes untracked)."""
        for slot in CT_SLOTS:
            self.flow.pop(slot, None)

    def output(self, port: int, max_len: int | None = None) -> None:
        """Send the packet to OpenFlow port `port` (reserved ports included)."""
        from pyovn.dataplane.xlate_datapath import output_to_port

        output_to_port(self, port, max_len)

    def packet_in(self, reason: str, controller: act.Controller) -> PacketInRequest:
        """Ask the datapath to send the packet, as it is now, to the controller."""
        self.commit()
        metadata = {slot: value for slot, value in self.flow.items() if slot not in HEADER_SLOTS}
        request = PacketInRequest(
            bridge=self.bridge.name,
            reason=reason,
            table_id=self.table_id,
            cookie=self.rule.flow.cookie if self.rule else 0,
            userdata=controller.userdata,
            max_len=controller.max_len,
            controller_id=controller.controller_id,
            metadata=metadata,
            pause=controller.pause,
            dont_send=self.tracing,
        )
        if self.tracing:
            # ovs-vswitchd freezes the pipeline state for every packet-in; only the
            # trace shows its id, so only tracing allocates one.
            snapshot = FrozenState(
                bridge=self.bridge.name,
                table_id=self.table_id,
                metadata=self.metadata_snapshot(),
                cookie=request.cookie,
            )
            request.recirc_id = self.bridge.freeze(snapshot)
        self.odp.append(OdpUserspace(request))
        self.packet_ins.append(request)
        return request


def _table_text(table_id: int, rule: Rule | None) -> str:
    if rule is None:
        return f"{table_id:2d}. No match."
    match = format_match(rule.flow.match)
    text = f"{table_id:2d}. " + (f"{match}, " if match else "")
    text += f"priority {rule.priority}"
    if rule.flow.cookie:
        text += f", cookie {hex(rule.flow.cookie)}"
    return text


# ------------------------------------------------------------------ handlers
# Each handler executes one action; returning True stops the current list.


def _lookup_prereqs(xlate: Xlate) -> Callable[[str], tuple[int, int]]:
    flow = xlate.flow

    def lookup(slot: str) -> tuple[int, int]:
        return flow.get(slot, 0), -1

    return lookup


def _set_field(xlate: Xlate, action: act.SetField, _: bool) -> None:
    field_ = action.field
    if field_.prereq is not Prereq.NONE and not prereq_satisfied(
        field_.prereq, _lookup_prereqs(xlate)
    ):
        xlate.report("detail", f"{field_.name} is not present in this packet, skipped")
        return
    if field_.name in ("ct_mark", "ct_label"):
        return  # only meaningful inside ct(exec(...)), handled by compose_ct
    flow = xlate.flow
    for slot, value, mask in action.writes:
        flow[slot] = (flow.get(slot, 0) & ~mask) | value


def _read_subfield(xlate: Xlate, subfield: act.Subfield) -> int:
    return (subfield.field.read(xlate.flow) >> subfield.offset) & ((1 << subfield.n_bits) - 1)


def _write_subfield(xlate: Xlate, subfield: act.Subfield, value: int) -> None:
    subfield.field.write(xlate.flow, value << subfield.offset, subfield.mask)
    if xlate.tracing:
        shown = _read_subfield(xlate, subfield)
        whole = subfield.n_bits == subfield.field.width
        text = format_value(subfield.field, shown) if whole else (hex(shown) if shown else "0")
        xlate.report("detail", f"{subfield.text()} is now {text}")


def _move(xlate: Xlate, action: act.Move, _: bool) -> None:
    _write_subfield(xlate, action.destination, _read_subfield(xlate, action.source))


def _push(xlate: Xlate, action: act.Push, _: bool) -> None:
    xlate.stack.append(_read_subfield(xlate, action.source))


def _pop(xlate: Xlate, action: act.Pop, _: bool) -> None:
    if not xlate.stack:
        xlate.report("warn", "stack underflow")
        return
    _write_subfield(xlate, action.destination, xlate.stack.pop())


def _resubmit(xlate: Xlate, action: act.Resubmit, is_last: bool) -> None:
    table = xlate.table_id if action.table is None else action.table
    xlate.run_table(table, in_port=action.port, is_last=is_last)


def _goto_table(xlate: Xlate, action: act.GotoTable, is_last: bool) -> None:
    xlate.run_table(action.table, is_last=is_last)


def _output(xlate: Xlate, action: act.Output, _: bool) -> None:
    xlate.output(action.port, action.max_len)


def _output_reg(xlate: Xlate, action: act.OutputReg, _: bool) -> None:
    port = _read_subfield(xlate, action.source)
    xlate.report("detail", f"output port is {port}")
    xlate.output(port, action.max_len)


def _dec_ttl(xlate: Xlate, action: act.DecTtl, _: bool) -> bool:
    dl_type = xlate.flow.get("dl_type", 0)
    if dl_type not in (0x0800, 0x86DD):
        return False
    ttl = xlate.flow.get("nw_ttl", 0)
    if ttl > 1:
        xlate.flow["nw_ttl"] = ttl - 1
        return False
    ids = (0,) if action.controller_ids is None else action.controller_ids
    for controller_id in ids:
        xlate.packet_in("invalid_ttl", act.Controller(controller_id=controller_id))
    xlate.report("warn", f"IPv{4 if dl_type == 0x0800 else 6} decrement TTL exception")
    return True


def _controller(xlate: Xlate, action: act.Controller, _: bool) -> None:
    request = xlate.packet_in(action.reason, action)
    if action.pause:
        xlate.freezing = []
        xlate.pause = request
        snapshot = xlate.metadata_snapshot()
        xlate.pause_point = (xlate.table_id, snapshot, tuple(xlate.stack), xlate.conntracked)


def _clone(xlate: Xlate, action: act.Clone, is_last: bool) -> None:
    saved_flow = dict(xlate.flow)
    saved_stack = list(xlate.stack)
    saved_conntracked = xlate.conntracked
    xlate.do_actions(action.actions, is_last)
    if xlate.freezing is not None:
        xlate.freezing[:] = [act.Clone(tuple(xlate.freezing))]
    xlate.flow.clear()
    xlate.flow.update(saved_flow)
    xlate.stack = saved_stack
    xlate.conntracked = saved_conntracked


def _ct_clear(xlate: Xlate, _action: act.CtClear, _: bool) -> None:
    xlate.clear_conntrack()
    if xlate.conntracked:
        xlate.odp.append(OdpCtClear())
        xlate.conntracked = False


def _check_pkt_larger(xlate: Xlate, action: act.CheckPktLarger, _: bool) -> None:
    larger = 1 if xlate.packet_length > action.length else 0
    action.destination.field.write(
        xlate.flow, larger << action.destination.offset, action.destination.mask
    )


def _exit(xlate: Xlate, _action: act.Exit, _: bool) -> None:
    xlate.exit = True


def _vlan(xlate: Xlate, action: Any, _: bool) -> None:
    tci = xlate.flow.get("vlan_tci", 0)
    if isinstance(action, act.PopVlan):
        tci = 0
    elif isinstance(action, act.PushVlan):
        tci = tci if tci & 0x1000 else 0x1000
    elif isinstance(action, act.ModVlanVid):
        tci = (tci & 0xE000) | 0x1000 | action.vid
    elif isinstance(action, act.ModVlanPcp):
        tci = (tci & 0x0FFF) | 0x1000 | (action.pcp << 13)
    xlate.flow["vlan_tci"] = tci


def _learn(xlate: Xlate, action: Any, _: bool) -> None:
    if not xlate.side_effects:
        xlate.report("warn", "suppressing side effects, so learn action ignored")
        return
    xlate.bridge.execute_learn(action, xlate.flow, xlate.rule)


def _ct(xlate: Xlate, action: act.Ct, is_last: bool) -> None:
    from pyovn.dataplane.xlate_datapath import compose_ct

    compose_ct(xlate, action)


def _group(xlate: Xlate, action: act.Group, is_last: bool) -> None:
    from pyovn.dataplane.xlate_datapath import run_group

    run_group(xlate, action.group_id, is_last)


def _no_op(xlate: Xlate, action: act.Action, _: bool) -> None:
    return None


_HANDLERS: dict[type, Callable[[Xlate, Any, bool], bool | None]] = {
    act.SetField: _set_field,
    act.Move: _move,
    act.Push: _push,
    act.Pop: _pop,
    act.Resubmit: _resubmit,
    act.GotoTable: _goto_table,
    act.Output: _output,
    act.OutputReg: _output_reg,
    act.DecTtl: _dec_ttl,
    act.Controller: _controller,
    act.Clone: _clone,
    act.Ct: _ct,
    act.CtClear: _ct_clear,
    act.Group: _group,
    act.CheckPktLarger: _check_pkt_larger,
    act.Exit: _exit,
    act.PopVlan: _vlan,
    act.PushVlan: _vlan,
    act.ModVlanVid: _vlan,
    act.ModVlanPcp: _vlan,
    act.Conjunction: _no_op,
    act.Note: _no_op,
    act.Meter: _no_op,
    act.Sample: _no_op,
    act.SetQueue: _no_op,
}


def register_learn_handler() -> None:
    """Register `learn` (kept separate so `learn.py` can import translation types)."""
    from pyovn.dataplane.learn import Learn

    _HANDLERS[Learn] = _learn


register_learn_handler()


# ------------------------------------------------------------------ entry point


def translate(
    bridge: Bridge,
    flow: dict[str, int],
    packet_length: int,
    *,
    frozen: FrozenState | None = None,
    start_table: int = 0,
    tracing: bool = False,
    side_effects: bool = True,
) -> XlateResult:
    """Translate one packet's flow through `bridge` (or resume a frozen state)."""
    xlate = Xlate(bridge, flow, packet_length, tracing=tracing, side_effects=side_effects)
    error: str | None = None
    try:
        if frozen is None:
            xlate.run_table(start_table, initial=True)
        else:
            _thaw(xlate, frozen)
        if xlate.pause is not None:
            table_id, metadata, stack, conntracked = xlate.pause_point
            xlate.pause.continuation = FrozenState(
                bridge=bridge.name,
                table_id=table_id,
                metadata=metadata,
                actions=tuple(xlate.freezing or ()),
                stack=stack,
                conntracked=conntracked,
                resume_with_actions=True,
            )
    except _Stop as stop:
        error = stop.reason
        xlate.odp.clear()
    return XlateResult(
        odp=xlate.odp,
        flow=xlate.flow,
        nodes=xlate.root,
        error=error,
        recirculations=xlate.recirculations,
        packet_ins=xlate.packet_ins,
        rules=xlate.matched,
    )


def _thaw(xlate: Xlate, frozen: FrozenState) -> None:
    flow = xlate.flow
    for slot in FROZEN_SLOTS:
        flow.pop(slot, None)
    flow.update(frozen.metadata_map())
    xlate.stack = list(frozen.stack)
    xlate.conntracked = frozen.conntracked
    xlate.table_id = frozen.table_id
    thaw = xlate.report("thaw", "thaw")
    if frozen.resume_with_actions:
        if thaw is not None:
            thaw.children.append(TraceNode("action", "Resuming from actions"))
        xlate.do_actions(frozen.actions, True)
        return
    if thaw is not None:
        thaw.children.append(TraceNode("action", f"Resuming from table {frozen.table_id}"))
    xlate.run_table(frozen.table_id, initial=True)
