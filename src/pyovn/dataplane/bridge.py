"""A simulated Open vSwitch bridge: ports, flow tables, groups, packets.

`Bridge` is what ovn-controller programs (it implements `FlowSink`) and
what packets enter (`receive`). A packet is translated through the tables
(`xlate.py`) and the resulting datapath actions run on it (`datapath.py`);
outputs go to whatever is attached to the port (a simulated VM, a tunnel),
and `controller(...)` actions reach the packet-in handler. `packet_out` and
`resume` are the controller's way back in. `trace` explains one packet the
way `ovs-appctl ofproto/trace` does.

Port kinds: `internal`/`system` (deliver to an attached receiver), `patch`
(continue in the peer bridge of the same datapath), `geneve` (encapsulate
and send through the fabric; see `fabric.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pyovn.dataplane.action_parser import parse_actions
from pyovn.dataplane.actions import Action
from pyovn.dataplane.classifier import FlowTable, Rule
from pyovn.dataplane.datapath import Datapath, Delivery, Execution
from pyovn.dataplane.errors import FlowError
from pyovn.dataplane.flow import Flow, FlowStats, parse_flows
from pyovn.dataplane.groups import Group
from pyovn.dataplane.learn import Learn, learned_flow_parts
from pyovn.dataplane.packet import Packet
from pyovn.dataplane.packet_in import FROZEN_SLOTS, FrozenState, PacketIn
from pyovn.dataplane.sink import FlowDiff, FlowLike, GroupLike, as_flow, as_group
from pyovn.dataplane.spelling import openflow10_spelling
from pyovn.dataplane.xlate import CT_SLOTS, translate

if TYPE_CHECKING:
    from pyovn.dataplane.trace import TraceReport

__all__ = ["OFPP_CONTROLLER", "OFPP_LOCAL", "Bridge", "Port"]

OFPP_CONTROLLER = 0xFFFD
OFPP_LOCAL = 0xFFFE
Receiver = Callable[[Packet], None]


@dataclass
class Port:
    """A bridge port."""

    name: str
    ofport: int
    kind: str = "internal"
    datapath_port: int = 0
    peer: str | None = None
    remote_ip: int | None = None
    local_ip: int | None = None
    tunnel_key: int | None = None
    receiver: Receiver | None = None
    external_ids: dict[str, str] = field(default_factory=dict)


class Bridge:
    """An OpenFlow switch with Open vSwitch semantics."""

    def __init__(self, name: str = "br-int", datapath: Datapath | None = None) -> None:
        self.name = name
        self.datapath = datapath or Datapath()
        self.datapath.bridges[name] = self
        self.ports: dict[int, Port] = {}
        self.tables: dict[int, FlowTable] = {}
        self.groups: dict[int, Group] = {}
        self.mac_table: dict[tuple[int, int], int] = {}
        self.packet_in_handler: Callable[[PacketIn], None] | None = None
        self.tunnel_sender: Callable[[Delivery], None] | None = None
        self.add_port(name, OFPP_LOCAL, "internal")

    # ------------------------------------------------------------------ ports

    def add_port(
        self,
        name: str,
        ofport: int | None = None,
        kind: str = "internal",
        *,
        datapath_port: int | None = None,
        peer: str | None = None,
        remote_ip: int | None = None,
        local_ip: int | None = None,
        tunnel_key: int | None = None,
        external_ids: dict[str, str] | None = None,
    ) -> Port:
        """Add a port (the lowest free OpenFlow port number unless `ofport` is given)."""
        if any(port.name == name for port in self.ports.values()):
            raise FlowError(f"bridge {self.name} already has a port named {name}")
        if ofport is None:
            ofport = next(n for n in range(1, 0xFF00) if n not in self.ports)
        if ofport in self.ports:
            raise FlowError(f"OpenFlow port {ofport} is in use on {self.name}")
        if datapath_port is None:
            datapath_port = 0 if kind == "patch" else self.datapath.allocate_port()
        port = Port(
            name,
            ofport,
            kind,
            datapath_port,
            peer,
            remote_ip,
            local_ip,
            tunnel_key,
            external_ids=dict(external_ids or {}),
        )
        self.ports[ofport] = port
        return port

    def delete_port(self, name: str) -> None:
        """Remove a port by name."""
        port = self.port(name)
        del self.ports[port.ofport]

    def port(self, name_or_number: str | int) -> Port:
        """A port by name or OpenFlow number."""
        if isinstance(name_or_number, int):
            if name_or_number in self.ports:
                return self.ports[name_or_number]
        else:
            for port in self.ports.values():
                if port.name == name_or_number:
                    return port
        raise FlowError(f"bridge {self.name} has no port {name_or_number}")

    def attach(self, port: str | int, receiver: Receiver) -> Port:
        """Deliver packets output to `port` to `receiver` (e.g. a simulated VM)."""
        found = self.port(port)
        found.receiver = receiver
        return found

    def ports_in_order(self) -> list[Port]:
        """Ports in the order they were added (how NORMAL floods in ovs-vswitchd)."""
        return list(self.ports.values())

    def patch_peer(self, port: Port) -> tuple[Bridge, int] | None:
        """The bridge and OpenFlow port a patch port leads to."""
        for bridge in self.datapath.bridges.values():
            for candidate in bridge.ports.values():
                if candidate.name == port.peer and candidate.kind == "patch":
                    return bridge, candidate.ofport
        return None

    def freeze(self, state: FrozenState) -> int:
        """A recirculation id for a frozen state."""
        return self.datapath.freeze(state)

    # ------------------------------------------------------------------ flows

    def _table(self, table_id: int) -> FlowTable:
        table = self.tables.get(table_id)
        if table is None:
            table = self.tables[table_id] = FlowTable(table_id)
        return table

    def add_flow(self, flow: FlowLike) -> None:
        """Install one flow (replacing a flow with the same key)."""
        self.apply_flow_diff(FlowDiff(add=(flow,)))

    def add_flows(self, flows: str | Iterable[FlowLike]) -> None:
        """Install flows given as dump-flows/flow-file text or as an iterable."""
        items = list(parse_flows(flows)) if isinstance(flows, str) else list(flows)
        self.apply_flow_diff(FlowDiff(add=tuple(items)))

    def replace_flows(self, flows: Iterable[FlowLike]) -> None:
        """FlowSink: make the flows exactly `flows`, keeping unchanged flows' counters."""
        parsed = [as_flow(flow) for flow in flows]
        old = {rule.flow.key(): rule for rule in self._rules()}
        self.tables = {}
        for flow in parsed:
            previous = old.get(flow.key())
            rule = Rule(flow)
            if previous is not None and previous.flow == flow:
                rule = previous
            self._table(flow.table).insert(rule)
        self._forget_learned_orphans()

    def apply_flow_diff(self, diff: FlowDiff) -> None:
        """FlowSink: delete, then modify, then add (parsed first: all or nothing)."""
        deletes = [as_flow(flow, require_actions=False) for flow in diff.delete]
        modifies = [as_flow(flow) for flow in diff.modify]
        adds = [as_flow(flow) for flow in diff.add]
        for flow in deletes:
            table = self.tables.get(flow.table)
            if table is not None:
                table.remove(flow)
        for flow in modifies:
            previous = self._table(flow.table).get(flow)
            rule = Rule(flow)
            if previous is not None:
                rule.n_packets, rule.n_bytes = previous.n_packets, previous.n_bytes
                rule.installed = previous.installed
            self._table(flow.table).insert(rule)
        for flow in adds:
            self._table(flow.table).insert(Rule(flow))
        if deletes:
            self._forget_learned_orphans()

    def delete_flows(self, table: int | None = None, cookie: int | None = None) -> int:
        """Delete flows (of one table, and/or with one cookie); returns how many."""
        doomed = [
            rule.flow
            for rule in self._rules()
            if (table is None or rule.flow.table == table)
            and (cookie is None or rule.flow.cookie == cookie)
        ]
        for flow in doomed:
            self.tables[flow.table].remove(flow)
        self._forget_learned_orphans()
        return len(doomed)

    def _forget_learned_orphans(self) -> None:
        """`learn(delete_learned,…)`: flows go when the flow that learned them goes."""
        installed = {rule.flow for rule in self._rules() if rule.learned_by is None}
        for rule in self._rules():
            if rule.learned_by is not None and rule.learned_by not in installed:
                self.tables[rule.flow.table].remove(rule.flow)

    def expire_flows(self, now: float | None = None) -> list[Flow]:
        """Remove flows past their idle or hard timeout (ovs-vswitchd does this
        periodically; the simulator does it when asked). Returns what expired."""
        now = time.monotonic() if now is None else now
        expired = []
        for rule in self._rules():
            flow = rule.flow
            hard = flow.hard_timeout and now - rule.installed >= flow.hard_timeout
            idle = flow.idle_timeout and now - (rule.used or rule.installed) >= flow.idle_timeout
            if hard or idle:
                self.tables[flow.table].remove(flow)
                expired.append(flow)
        return expired

    def _rules(self) -> list[Rule]:
        return [rule for table_id in sorted(self.tables) for rule in self.tables[table_id]]

    def rules(self) -> list[Rule]:
        """Installed rules (flow plus counters), by table then priority."""
        return self._rules()

    def flows(self) -> list[Flow]:
        """FlowSink: the installed flows, by table then decreasing priority."""
        return [rule.flow for rule in self._rules()]

    def dump_flows(self, openflow10: bool = True) -> str:
        """`ovs-ofctl dump-flows` text (OpenFlow 1.0 spelling by default)."""
        now = time.monotonic()
        lines = ["NXST_FLOW reply (xid=0x4):"]
        for rule in self._rules():
            flow = rule.flow
            if openflow10:
                flow = replace(flow, actions=openflow10_spelling(flow.actions))
            stats = FlowStats(
                rule.n_packets,
                rule.n_bytes,
                f"{now - rule.installed:.3f}s",
                int(now - (rule.used or rule.installed)),
            )
            lines.append(flow.dump_text(stats))
        return "\n".join(lines)

    def execute_learn(self, learn: Learn, values: dict[str, int], rule: Rule | None) -> None:
        """Install the flow a `learn` action builds from a packet's fields."""
        match, learned_actions = learned_flow_parts(learn, values)
        flow = Flow(
            table=learn.table,
            priority=learn.priority,
            match=match,
            actions=learned_actions,
            cookie=learn.cookie,
            idle_timeout=learn.idle_timeout,
            hard_timeout=learn.hard_timeout,
        )
        learned = Rule(flow, learned_by=rule.flow if rule and learn.delete_learned else None)
        self._table(flow.table).insert(learned)

    # ------------------------------------------------------------------ groups

    def replace_groups(self, groups: Iterable[GroupLike]) -> None:
        """FlowSink: make the groups exactly `groups`."""
        parsed = [as_group(group) for group in groups]
        self.groups = {group.group_id: group for group in parsed}

    def set_group(self, group: GroupLike) -> None:
        """FlowSink: add or replace one group."""
        parsed = as_group(group)
        self.groups[parsed.group_id] = parsed

    def delete_group(self, group_id: int) -> None:
        """FlowSink: remove one group."""
        self.groups.pop(group_id, None)

    def dump_groups(self) -> str:
        """`ovs-ofctl dump-groups` text."""
        lines = ["NXST_GROUP_DESC reply (xid=0x2):"]
        lines.extend(f" {self.groups[group_id].text()}" for group_id in sorted(self.groups))
        return "\n".join(lines)

    # ------------------------------------------------------------------ packets

    def receive(self, packet: Packet, in_port: str | int, *, deliver: bool = True) -> Execution:
        """A packet arrives on `in_port`: process it completely, then deliver outputs."""
        port = self.port(in_port)
        work = packet.copy()
        for slot in (*FROZEN_SLOTS, *CT_SLOTS, "recirc_id", "conj_id"):
            work.fields.pop(slot, None)
        work.fields["in_port"] = port.ofport
        execution = Execution()
        self._run(work, execution)
        if deliver:
            self.dispatch(execution)
        return execution

    def _run(self, packet: Packet, execution: Execution) -> None:
        result = translate(self, dict(packet.fields), packet.length)
        execution.passes += 1
        if result.error:
            execution.errors.append(result.error)
        self.datapath.execute(packet, result.odp, execution)

    def run_frozen(
        self, packet: Packet, state: FrozenState, execution: Execution, depth: int = 0
    ) -> None:
        """Resume a frozen pipeline (after a recirculation or a pause) on `packet`."""
        result = translate(self, dict(packet.fields), packet.length, frozen=state)
        execution.passes += 1
        if result.error:
            execution.errors.append(result.error)
        self.datapath.execute(packet, result.odp, execution, depth)

    def dispatch(self, execution: Execution) -> None:
        """Hand deliveries to port receivers / the fabric and packet-ins to the handler."""
        for delivery in execution.deliveries:
            bridge = self.datapath.bridges[delivery.bridge]
            port = bridge.ports.get(delivery.ofport)
            if port is None:
                continue
            if port.kind == "geneve":
                if bridge.tunnel_sender is not None:
                    bridge.tunnel_sender(delivery)
            elif port.receiver is not None:
                port.receiver(delivery.packet)
        for packet_in in execution.packet_ins:
            bridge = self.datapath.bridges[packet_in.bridge]
            if bridge.packet_in_handler is not None:
                bridge.packet_in_handler(packet_in)

    def packet_out(
        self,
        packet: Packet,
        actions: str | Iterable[Action],
        *,
        in_port: int = OFPP_CONTROLLER,
        metadata: dict[str, int] | None = None,
        deliver: bool = True,
    ) -> Execution:
        """Inject a packet with actions, as OFPT_PACKET_OUT does (e.g. `resubmit(,8)`)."""
        parsed = parse_actions(actions) if isinstance(actions, str) else tuple(actions)
        state_metadata = {"in_port": in_port, **(metadata or {})}
        state = FrozenState(
            bridge=self.name,
            table_id=0,
            metadata=tuple((slot, value) for slot, value in state_metadata.items() if value),
            actions=parsed,
            resume_with_actions=True,
        )
        return self._resume_state(packet, state, deliver)

    def resume(
        self,
        packet_in: PacketIn,
        *,
        packet: Packet | None = None,
        metadata: dict[str, int] | None = None,
        deliver: bool = True,
    ) -> Execution:
        """Resume a paused pipeline (NXT_RESUME), optionally with a changed packet/registers."""
        state = packet_in.continuation
        if state is None:
            raise FlowError("this packet-in was not paused; there is nothing to resume")
        if metadata:
            merged = state.metadata_map()
            merged.update(metadata)
            state = replace(state, metadata=tuple((k, v) for k, v in merged.items() if v))
        return self._resume_state(packet or packet_in.packet, state, deliver)

    def _resume_state(self, packet: Packet, state: FrozenState, deliver: bool) -> Execution:
        work = packet.copy()
        for slot in (*FROZEN_SLOTS, *CT_SLOTS, "recirc_id"):
            work.fields.pop(slot, None)
        execution = Execution()
        self.run_frozen(work, state, execution)
        if deliver:
            self.dispatch(execution)
        return execution

    def trace(self, flow: str | Packet, *, ct_next: list[str] | None = None) -> TraceReport:
        """Explain one packet, like `ovs-appctl ofproto/trace` (see `trace.py`).

        `ct_next` gives the ct_state each recirculation resumes with, in order
        (default `trk|new`), like ofproto/trace's `--ct-next`.
        """
        from pyovn.dataplane.trace import ofproto_trace

        return ofproto_trace(self, flow, ct_next=ct_next)
