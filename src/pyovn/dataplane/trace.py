"""`ofproto/trace` for the simulator: explain one packet through a bridge.

The output has the structure and wording of `ovs-appctl ofproto/trace`:
a `Flow:` line, the bridge's tables with the actions executed (resubmits
nested), `Final flow:`, `Megaflow:` and `Datapath actions:`, and one more
section per recirculation (`recirc(0x1) - resume conntrack with default
ct_state=trk|new`). As in ovs-vswitchd, tracing has no side effects: the
connection tracker is not consulted (each recirculation assumes the next
`ct_next` state, default `trk|new`, and a NAT address range is simulated by
rewriting the flow), learn actions are not executed and counters do not
move.

Known difference: the `Megaflow:` line is an approximation (the fields of
the flows that matched), since the simulator has no megaflow cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyovn.dataplane.errors import FlowSyntaxError
from pyovn.dataplane.field_syntax import CT_STATE_FLAGS, format_ipv4, format_ipv6, format_value
from pyovn.dataplane.fields import FIELDS
from pyovn.dataplane.match import Match
from pyovn.dataplane.match_format import format_flow, format_match
from pyovn.dataplane.odp import OdpSet, OdpUserspace, format_odp_actions
from pyovn.dataplane.packet import HEADER_SLOTS, Packet
from pyovn.dataplane.tokens import split_items, split_key_value
from pyovn.dataplane.trace_tree import TraceNode, render_nodes
from pyovn.dataplane.xlate import Recirculation, XlateResult, translate

if TYPE_CHECKING:
    from pyovn.dataplane.bridge import Bridge

__all__ = ["TracePass", "TraceReport", "ofproto_trace"]

_RULE = "=" * 79
_DEFAULT_CT = 0x21  # trk|new


@dataclass
class TracePass:
    """One translation of a trace: the first pass or one recirculation."""

    flow: dict[str, int]
    result: XlateResult
    header: list[str] = field(default_factory=list)
    recirc_id: int = 0

    @property
    def tables(self) -> list[int]:
        """Tables looked up, in the order the trace shows them."""
        found: list[int] = []
        _walk_tables(self.result.nodes, found)
        return found

    @property
    def datapath_actions(self) -> str:
        """The `Datapath actions:` text."""
        if self.result.error:
            return "drop"
        shown = [a for a in self.result.odp if not _paused(a)]
        return format_odp_actions(shown)


def _paused(action: object) -> bool:
    return isinstance(action, OdpUserspace) and action.request.pause


def _walk_tables(nodes: list[TraceNode], found: list[int]) -> None:
    for node in nodes:
        if node.kind == "table":
            found.append(int(node.text.split(".")[0]))
        _walk_tables(node.children, found)


@dataclass
class TraceReport:
    """A complete trace: its passes and its text."""

    bridge: str
    passes: list[TracePass]

    @property
    def text(self) -> str:
        """The trace, as ofproto/trace prints it."""
        return "\n".join(
            _render_pass(self.bridge, index, item) for index, item in enumerate(self.passes)
        )

    def __str__(self) -> str:
        return self.text

    @property
    def final_flow(self) -> dict[str, int]:
        """The flow at the end of the last pass."""
        return self.passes[-1].result.flow


def _render_pass(bridge: str, index: int, trace_pass: TracePass) -> str:
    lines: list[str] = []
    if index:
        lines.extend(("", _RULE, *trace_pass.header, _RULE, ""))
    initial = format_flow(trace_pass.flow)
    lines.extend((f"Flow: {initial}", "", f'bridge("{bridge}")', "-" * (len(bridge) + 10)))
    render_nodes(trace_pass.result.nodes, 1, lines)
    final = format_flow(trace_pass.result.flow)
    lines.extend(("", f"Final flow: {'unchanged' if final == initial else final}"))
    lines.append(f"Megaflow: {_megaflow(trace_pass)}")
    lines.append(f"Datapath actions: {trace_pass.datapath_actions}")
    if any(isinstance(a, OdpSet) and a.layer == "arp" for a in trace_pass.result.odp):
        lines.extend(
            (
                "This flow is handled by the userspace slow path because it:",
                "  - Uses action(s) not supported by datapath.",
            )
        )
    if trace_pass.result.error:
        lines.append(f"Translation failed ({trace_pass.result.error}), packet is dropped.")
    return "\n".join(lines)


_MEGAFLOW_SLOTS = (
    "ct_state",
    "ct_zone",
    "ct_mark",
    "ct_label",
    "pkt_mark",
    "tun_id",
    "tun_src",
    "tun_dst",
    "tun_metadata0",
    "in_port",
    *HEADER_SLOTS,
)


def _megaflow(trace_pass: TracePass) -> str:
    """The datapath fields the matched flows looked at (an approximation)."""
    flow = trace_pass.flow
    masks: dict[str, int] = {"in_port": 0xFFFF, "dl_type": 0xFFFF}
    if flow.get("dl_type") in (0x0800, 0x86DD):
        masks["nw_frag"] = 3
    for rule in trace_pass.result.rules:
        for slot, _, mask in rule.flow.match.items:
            if slot in _MEGAFLOW_SLOTS:
                masks[slot] = masks.get(slot, 0) | mask
    if "nw_proto" not in masks and flow.get("dl_type") in (0x0800, 0x86DD):
        masks["nw_proto"] = 0
    constraints = {slot: (flow.get(slot, 0), mask) for slot, mask in masks.items() if mask}
    text = format_match(Match.from_constraints(constraints))
    recirc = hex(trace_pass.recirc_id) if trace_pass.recirc_id else "0"
    return _insert_eth(f"recirc_id={recirc},{text}")


def _insert_eth(text: str) -> str:
    """Put `eth` after the conntrack fields, where ovs-vswitchd prints it."""
    parts = text.split(",")
    index = 1
    while index < len(parts) and parts[index].startswith(("ct_", "pkt_mark")):
        index += 1
    parts.insert(index, "eth")
    return ",".join(parts)


def _parse_flow(bridge: Bridge, text: str) -> Packet:
    """Trace flow syntax; `in_port` may name a port, as ofproto/trace allows."""
    items = []
    for item in split_items(text, separators=", "):
        key, value = split_key_value(item.text)
        if key == "in_port" and value and not value[:1].isdigit() and value.upper() != "LOCAL":
            try:
                value = str(bridge.port(value).ofport)
            except Exception as error:
                raise FlowSyntaxError("invalid or unknown port for in_port", value) from error
        items.append(f"{key}={value}" if value is not None else key)
    return Packet.from_flow_text(",".join(items))


def _ct_state(text: str) -> int:
    names = dict(CT_STATE_FLAGS)
    value = 0
    for name in text.replace("+", "|").replace(",", "|").split("|"):
        if name:
            if name not in names:
                raise FlowSyntaxError("unknown ct_state flag", name)
            value |= names[name]
    return value


def _nat_fields(flow: dict[str, int]) -> str:
    if flow.get("dl_type") == 0x86DD:
        src, dst = format_ipv6(flow.get("ipv6_src", 0)), format_ipv6(flow.get("ipv6_dst", 0))
        names = ("ipv6_src", "ipv6_dst")
    else:
        src, dst = format_ipv4(flow.get("nw_src", 0)), format_ipv4(flow.get("nw_dst", 0))
        names = ("nw_src", "nw_dst")
    return (
        f"{names[0]}={src},tp_src={flow.get('tp_src', 0)},"
        f"{names[1]}={dst},tp_dst={flow.get('tp_dst', 0)}"
    )


def _thaw_flow(recirculation: Recirculation, ct_state: int) -> tuple[dict[str, int], list[str]]:
    flow = dict(recirculation.flow)
    flow["recirc_id"] = recirculation.recirc_id
    flow["ct_state"] = ct_state
    flow["ct_zone"] = recirculation.zone
    if recirculation.mark is not None:
        flow["ct_mark"] = recirculation.mark[0] & recirculation.mark[1]
    if recirculation.label is not None:
        flow["ct_label"] = recirculation.label[0] & recirculation.label[1]
    header: list[str] = []
    nat = recirculation.nat
    if nat is None:
        return flow, header
    # ovs-vswitchd prints this block for any ct(nat...) that recirculates; with a
    # bare `nat` (no src/dst) its flow lines stay empty.
    before = _nat_fields(flow) if nat.kind else ""
    if nat.kind and nat.address_min is not None:
        side = "src" if nat.kind == "src" else "dst"
        flow[f"ipv6_{side}" if nat.ipv6 else f"nw_{side}"] = nat.address_min
        if nat.port_min is not None:
            flow[f"tp_{side}"] = nat.port_min
    after = _nat_fields(flow) if nat.kind else ""
    header = [
        "Replacing src/dst IP/ports to simulate NAT:",
        f" Initial flow: {before}",
        f" Modified flow: {after}",
    ]
    return flow, header


def ofproto_trace(
    bridge: Bridge, flow: str | Packet, *, ct_next: list[str] | None = None
) -> TraceReport:
    """Trace one packet through `bridge`, following recirculations."""
    packet = _parse_flow(bridge, flow) if isinstance(flow, str) else flow.copy()
    initial = dict(packet.fields)
    first = translate(bridge, dict(initial), packet.length, tracing=True, side_effects=False)
    passes = [TracePass(initial, first)]
    queue = list(first.recirculations)
    states = list(ct_next or [])
    while queue and len(passes) < 64:
        recirculation = queue.pop(0)
        given = states.pop(0) if states else None
        ct_state = _ct_state(given) if given else _DEFAULT_CT
        thawed, nat_header = _thaw_flow(recirculation, ct_state)
        result = translate(
            bridge,
            dict(thawed),
            packet.length,
            frozen=recirculation.state,
            tracing=True,
            side_effects=False,
        )
        title = f"recirc({hex(recirculation.recirc_id)}) - resume conntrack with "
        if given:
            title += f"ct_state={format_value(FIELDS['ct_state'], ct_state)}"
        else:
            title += "default ct_state=trk|new (use --ct-next to customize)"
        header = [title, *nat_header]
        passes.append(TracePass(thawed, result, header, recirculation.recirc_id))
        queue.extend(result.recirculations)
    return TraceReport(bridge.name, passes)
