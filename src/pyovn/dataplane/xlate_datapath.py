"""Translation of the actions that reach the datapath: output, ct, groups.

Split from `xlate.py` to keep modules small. `output_to_port` handles
physical, internal, tunnel and patch ports and the reserved ports
(`IN_PORT`, `NORMAL`, `FLOOD`, `ALL`, `CONTROLLER`, `LOCAL`); `compose_ct`
the `ct()` action and its recirculation; `run_group` group buckets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyovn.dataplane import actions as act
from pyovn.dataplane.field_syntax import format_mac
from pyovn.dataplane.odp import OdpCt, OdpOutput, OdpRecirc
from pyovn.dataplane.packet_in import FROZEN_SLOTS, FrozenState
from pyovn.dataplane.xlate import (
    MAX_DEPTH,
    OFPP_ALL,
    OFPP_CONTROLLER,
    OFPP_FLOOD,
    OFPP_IN_PORT,
    OFPP_LOCAL,
    OFPP_NORMAL,
    Recirculation,
    Xlate,
    _Stop,
)

if TYPE_CHECKING:
    from pyovn.dataplane.bridge import Port

__all__ = ["compose_ct", "output_to_port", "run_group"]

_TUNNEL_SLOTS = (
    "tun_id",
    "tun_src",
    "tun_dst",
    "tun_ipv6_src",
    "tun_ipv6_dst",
    "tun_tos",
    "tun_ttl",
    "tun_flags",
    *(f"tun_metadata{i}" for i in range(8)),
)


def output_to_port(xlate: Xlate, port: int, max_len: int | None) -> None:
    """Translate `output:port` for any port number."""
    in_port = xlate.flow.get("in_port", 0)
    if port == OFPP_IN_PORT:
        port = in_port
    elif port == in_port:
        xlate.report("warn", "skipping output to input port")
        return
    if port == OFPP_NORMAL:
        _normal(xlate)
        return
    if port in (OFPP_FLOOD, OFPP_ALL):
        for target in xlate.bridge.ports_in_order():
            if target.ofport != in_port:
                _emit(xlate, target)
        return
    if port == OFPP_CONTROLLER:
        xlate.packet_in("action", act.Controller(max_len=max_len or 0xFFFF))
        return
    found = xlate.bridge.ports.get(port)
    if found is None:
        xlate.report("warn", "Nonexistent output port" if port != OFPP_LOCAL else "no LOCAL port")
        return
    if found.kind == "patch":
        _patch(xlate, found)
        return
    _emit(xlate, found)


def _emit(xlate: Xlate, target: Port) -> None:
    if target.kind == "patch":
        _patch(xlate, target)
        return
    xlate.commit()
    tunnel: tuple[tuple[str, int], ...] = ()
    if target.kind == "geneve":
        tunnel = _tunnel_header(xlate, target)
    xlate.odp.append(
        OdpOutput(target.datapath_port, target.ofport, xlate.bridge.name, tunnel=tunnel)
    )


def _tunnel_header(xlate: Xlate, target: Port) -> tuple[tuple[str, int], ...]:
    flow = xlate.flow
    values = {slot: flow[slot] for slot in _TUNNEL_SLOTS if flow.get(slot, 0)}
    if target.remote_ip is not None:
        values["tun_dst"] = target.remote_ip
    if target.local_ip is not None:
        values["tun_src"] = target.local_ip
    if target.tunnel_key is not None:
        values["tun_id"] = target.tunnel_key
    values.setdefault("tun_metadata0", 0)
    return tuple(sorted(values.items()))


def _patch(xlate: Xlate, target: Port) -> None:
    peer = xlate.bridge.patch_peer(target)
    if peer is None:
        xlate.report("warn", f"patch port {target.name} has no peer")
        return
    peer_bridge, peer_port = peer
    if xlate.depth >= MAX_DEPTH:
        xlate.report("error", f"over max translation depth {MAX_DEPTH}")
        raise _Stop("Recursion too deep")
    saved_flow, saved_bridge = dict(xlate.flow), xlate.bridge
    saved_nodes, saved_table, saved_stack = xlate.nodes, xlate.table_id, xlate.stack
    for slot in (*FROZEN_SLOTS, *_TUNNEL_SLOTS):
        xlate.flow.pop(slot, None)
    xlate.clear_conntrack()
    xlate.flow["in_port"] = peer_port
    node = xlate.report("bridge", f'bridge("{peer_bridge.name}")')
    if node is not None:
        xlate.nodes = node.children
    xlate.bridge, xlate.table_id, xlate.stack = peer_bridge, 0, []
    xlate.depth += 1
    try:
        xlate.run_table(0, initial=True)
    finally:
        xlate.depth -= 1
        xlate.bridge, xlate.nodes, xlate.table_id = saved_bridge, saved_nodes, saved_table
        xlate.stack = saved_stack
        xlate.flow.clear()
        xlate.flow.update(saved_flow)


def _normal(xlate: Xlate) -> None:
    """A plain MAC-learning switch (`NORMAL`), VLAN-aware."""
    flow, bridge = xlate.flow, xlate.bridge
    in_port = flow.get("in_port", 0)
    vlan = flow.get("vlan_tci", 0) & 0x0FFF
    source, destination = flow.get("dl_src", 0), flow.get("dl_dst", 0)
    if xlate.side_effects and not source & (1 << 40):
        if bridge.mac_table.get((vlan, source)) != in_port:
            port = bridge.ports.get(in_port)
            name = port.name if port else str(in_port)
            xlate.report(
                "detail", f"learned that {format_mac(source)} is on port {name} in VLAN {vlan}"
            )
        bridge.mac_table[(vlan, source)] = in_port
    learned = bridge.mac_table.get((vlan, destination))
    if destination & (1 << 40) or learned is None:
        xlate.report("detail", "no learned MAC for destination, flooding")
        for target in bridge.ports_in_order():
            if target.ofport != in_port:
                _emit(xlate, target)
        return
    if learned == in_port:
        xlate.report("detail", "learned port is input port, dropping")
        return
    xlate.report("detail", "forwarding to learned port")
    learned_port = bridge.ports.get(learned)
    if learned_port is not None:
        _emit(xlate, learned_port)


def _merge(current: tuple[int, int] | None, value: int, mask: int) -> tuple[int, int]:
    old_value, old_mask = current or (0, 0)
    return (old_value & ~mask) | (value & mask), old_mask | mask


def compose_ct(xlate: Xlate, action: act.Ct) -> None:
    """Translate `ct(...)`: commit pending sets, emit ct, maybe fork a recirculation."""
    flow = xlate.flow
    if isinstance(action.zone, act.Subfield):
        zone_field = action.zone
        zone = (zone_field.field.read(flow) >> zone_field.offset) & ((1 << zone_field.n_bits) - 1)
    else:
        zone = action.zone
    xlate.commit()
    mark: tuple[int, int] | None = None
    label: tuple[int, int] | None = None
    if action.nat is not None:
        xlate.report("action", action.nat.text())
    for nested in action.actions:
        xlate.report("action", nested.text())
        if isinstance(nested, act.SetField):
            value, mask, target = nested.value, nested.mask, nested.field.name
        elif isinstance(nested, act.Move):
            source, destination = nested.source, nested.destination
            bits = (source.field.read(flow) >> source.offset) & ((1 << source.n_bits) - 1)
            value, mask = bits << destination.offset, destination.mask
            target = destination.field.name
            xlate.report("detail", f"{destination.text()} is now {hex(bits) if bits else '0'}")
        else:
            continue
        if target == "ct_mark":
            mark = _merge(mark, value, mask)
        elif target == "ct_label":
            label = _merge(label, value, mask)
    if action.nat is None and not action.actions:
        xlate.report("action", "drop")
    xlate.odp.append(OdpCt(zone, action.commit, action.force, mark, label, action.nat, action.alg))
    if action.table is not None:
        _fork_recirculation(xlate, action.table, action.nat, zone, (mark, label))
    xlate.report(
        "detail", "Sets the packet to an untracked state, and clears all the conntrack fields."
    )
    xlate.clear_conntrack()
    xlate.conntracked = False


def _fork_recirculation(
    xlate: Xlate,
    table: int,
    nat: act.Nat | None,
    zone: int,
    mark_and_label: tuple[tuple[int, int] | None, tuple[int, int] | None],
) -> None:
    mark, label = mark_and_label
    state = FrozenState(
        bridge=xlate.bridge.name,
        table_id=table,
        metadata=xlate.metadata_snapshot(),
        stack=tuple(xlate.stack),
        conntracked=True,
    )
    recirc_id = xlate.bridge.freeze(state)
    xlate.odp.append(OdpRecirc(recirc_id))
    xlate.recirculations.append(
        Recirculation(recirc_id, state, dict(xlate.flow), zone, mark, label, nat)
    )
    xlate.report(
        "detail",
        "A clone of the packet is forked to recirculate. The forked pipeline will be "
        f"resumed at table {table}.",
    )


def run_group(xlate: Xlate, group_id: int, is_last: bool) -> None:
    """Run a group's buckets (each on a copy of the flow, as OVS does)."""
    group = xlate.bridge.groups.get(group_id)
    if group is None:
        xlate.report("warn", f"group {group_id} does not exist")
        return
    for bucket in group.buckets_to_run(xlate.flow):
        node = xlate.report("bucket", f"bucket {bucket.bucket_id}")
        saved_nodes = xlate.nodes
        if node is not None:
            xlate.nodes = node.children
        saved_flow, saved_stack = dict(xlate.flow), list(xlate.stack)
        try:
            xlate.do_actions(bucket.actions, is_last)
        finally:
            xlate.nodes = saved_nodes
            xlate.flow.clear()
            xlate.flow.update(saved_flow)
            xlate.stack = saved_stack
