"""Running a flow's actions on the traced packet, one node per action.

Each action first appears as an `ACTION` node with its canonical text, then
runs. Assignments change the packet and, for packet data, add a `MODIFY`
node with the value reduced to a constant. `next` continues in the next
table (a subroutine call: the next table's node joins the same list);
`ct_next` and the NAT actions continue inside a `TRANSFORMATION` node with
the conntrack state or addresses they set; nested actions (`clone`,
`arp`, `icmp4`, ...) run their body on a new packet inside one. Lookups
answer from the snapshot (MAC_Binding, FDB, port security); actions that
only matter to ovn-controller (`put_arp`, `ct_commit`, `log`) do nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence

from pyovn.lflow import Packet, format_actions
from pyovn.lflow import actions as la
from pyovn.lflow import controller_actions as ca
from pyovn.lflow import option_actions as oa
from pyovn.lflow.expr import FieldRef, StringConst
from pyovn.lflow.packet_generators import GENERATORS
from pyovn.trace import portsec
from pyovn.trace.fieldtext import format_value, is_packet_data
from pyovn.trace.flowline import format_flow_line, format_mac
from pyovn.trace.logical import CT_TRK, Context, Tracer, ct_state_text
from pyovn.trace.model import NodeKind, TraceNode

__all__ = ["run_actions"]

_CT_SNAT, _CT_DNAT = 0x40, 0x80
_TCP_RST = 0x04
_PORT_STORAGE = {"inport": "reg14", "outport": "reg15"}

Nodes = list[TraceNode]
Handler = Callable[[Tracer, Context, la.Action, Packet, list[TraceNode]], bool]


def run_actions(
    tracer: Tracer,
    ctx: Context,
    actions: Sequence[la.Action],
    packet: Packet,
    out: list[TraceNode],
) -> None:
    """Run `actions` on `packet` (in place), appending nodes to `out`."""
    for action in actions:
        text = log_text(action) if isinstance(action, oa.Log) else format_actions([action])
        out.append(TraceNode(NodeKind.ACTION, text))
        if not _dispatch(tracer, ctx, action, packet, out):
            return


def _dispatch(
    tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: list[TraceNode]
) -> bool:
    handler = _HANDLERS.get(type(action))
    if handler is not None:
        return handler(tracer, ctx, action, packet, out)
    if type(action) in _GENERATED:
        return _nested(tracer, ctx, action, packet, out)
    if isinstance(action, ca.ResultCall):
        return _result(tracer, ctx, action, packet, out)
    return True


# ---- reading and writing fields -------------------------------------------------


def read(packet: Packet, ref: FieldRef) -> int:
    if ref.name in _PORT_STORAGE:
        return packet.values.get(_PORT_STORAGE[ref.name], 0)
    return packet.get(ref)


def write(packet: Packet, ref: FieldRef, value: int) -> None:
    if ref.name in _PORT_STORAGE:
        packet.values[_PORT_STORAGE[ref.name]] = value
    else:
        packet.set(ref, value)


def _modify(out: list[TraceNode], ref: FieldRef, value: int, shown_as: FieldRef) -> None:
    if is_packet_data(ref):
        out.append(TraceNode(NodeKind.MODIFY, f"{ref} = {format_value(shown_as, value)}"))


def _load(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    assert isinstance(action, la.Load)
    value = action.value
    if isinstance(value, StringConst):
        number = tracer.env(ctx.datapath).port_keys.get(value.value, 0)
    elif value.mask is not None:
        number = (read(packet, action.dst) & ~value.mask) | (value.value & value.mask)
    else:
        number = value.value
    write(packet, action.dst, number)
    _modify(out, action.dst, number, action.dst)
    return True


def _move(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    assert isinstance(action, la.Move)
    value = read(packet, action.src)
    write(packet, action.dst, value)
    _modify(out, action.dst, value, action.src)
    return True


def _exchange(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    assert isinstance(action, la.Exchange)
    left, right = read(packet, action.left), read(packet, action.right)
    write(packet, action.left, right)
    write(packet, action.right, left)
    _modify(out, action.left, right, action.right)
    _modify(out, action.right, left, action.left)
    return True


def _dec_ttl(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    ttl = packet.get("ip.ttl")
    if ttl == 0:
        out.append(TraceNode(NodeKind.ERROR, "*** ip.ttl underflow, packet dropped"))
        return False
    packet.set("ip.ttl", ttl - 1)
    out.append(TraceNode(NodeKind.MODIFY, "ip.ttl--"))
    return True


def _push(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    assert isinstance(action, la.Push)
    tracer.stack.append(read(packet, action.field))
    return True


def _pop(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    assert isinstance(action, la.Pop)
    value = tracer.stack.pop() if tracer.stack else 0
    write(packet, action.field, value)
    _modify(out, action.field, value, action.field)
    return True


# ---- control flow -----------------------------------------------------------------


def _next(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    assert isinstance(action, la.Next)
    pipeline = action.pipeline or ctx.pipeline
    table = ctx.table + 1 if action.table is None else action.table
    tracer.run_table(ctx.datapath, pipeline, table, packet, out)
    return True


def _output(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    tracer.output(ctx, packet, out)
    return True


def _drop(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    return False


def _nothing(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    return True


# ---- conntrack ----------------------------------------------------------------------


def _ct_next(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    state, comment = tracer.next_ct_state()
    copy = packet.copy()
    copy.values["ct_state"] = state
    tracer.ct_transform(ctx, ct_state_text(state, comment), copy, out)
    return True


def _ct_clear(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    for storage in ("ct_state", "ct_mark", "ct_label"):
        packet.values.pop(storage, None)
    return True


def _tracked(tracer: Tracer, packet: Packet) -> str:
    """Give an untracked packet the next --ct state; return the comment."""
    if packet.values.get("ct_state", 0) & CT_TRK:
        return ""
    state, comment = tracer.next_ct_state()
    packet.values["ct_state"] = state
    return comment


def _ct_nat(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    assert isinstance(action, la.CtNat)
    if isinstance(action, la.CtSnat) and action.ip is None and tracer.sb.is_gateway(ctx.datapath):
        return False  # ovn-trace: un-SNAT on a gateway router is a no-op that ends here
    kind = "snat" if action.is_snat else "dnat"
    name = f"ct_{kind}{'in_czone' if action.in_czone else ''}"
    copy = packet.copy()
    comment = _tracked(tracer, copy)
    if action.ip is None:
        title = f"{name} /* assuming no un-{kind} entry, so no change */"
    else:
        family = "ip6" if action.ip.number.width == 128 else "ip4"
        ref = FieldRef(f"{family}.{'src' if action.is_snat else 'dst'}")
        copy.set(ref, action.ip.value)
        copy.values["ct_state"] |= _CT_SNAT if action.is_snat else _CT_DNAT
        title = f"{name}({ref}={format_value(ref, action.ip.value)})"
    tracer.ct_transform(ctx, title + comment, copy, out)
    return True


def _ct_lb(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    """Like ct_next (it takes the next --ct state), but the packet keeps the
    state bits it already had, as in ovn-trace (a switch's egress ct_lb_mark
    after its ingress one sees new and est); with backends, the packet also
    goes to the first (or the --lb-dst) backend, which ovn-trace does not
    print."""
    assert isinstance(action, la.CtLb)
    state, comment = tracer.next_ct_state()
    copy = packet.copy()
    copy.values["ct_state"] = state | copy.values.get("ct_state", 0)
    backends = list(action.backends or ())
    wanted = [b for b in backends if b.ip.value == _lb_dst(tracer.options.lb_dst)]
    if wanted or backends:
        chosen = (wanted or backends)[0]
        copy.set("ip6.dst" if chosen.is_ipv6 else "ip4.dst", chosen.ip.value)
        copy.values["ct_state"] |= _CT_DNAT
        proto = {6: "tcp", 17: "udp", 132: "sctp"}.get(copy.values.get("nw_proto", 0))
        if chosen.port is not None and proto is not None:
            copy.set(f"{proto}.dst", chosen.port)
    tracer.ct_transform(ctx, f"{action.NAME}{comment}", copy, out)
    return True


def _lb_dst(text: str | None) -> int | None:
    """The address of --lb-dst IP[:PORT] ([IPv6]:PORT for IPv6)."""
    if not text:
        return None
    if text.startswith("["):
        host = text[1 : text.find("]")]
    else:
        host = text.rsplit(":", 1)[0] if text.count(":") == 1 else text
    try:
        return int(ipaddress.ip_address(host))
    except ValueError:
        return None


def _ct_resume(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    """ct_commit_nat: continue in the next table after a conntrack pass."""
    copy = packet.copy()
    comment = _tracked(tracer, copy)
    title = f"{action.NAME} /* assuming no un-nat entry, so no change */"
    tracer.ct_transform(ctx, title + comment, copy, out)
    return True


# ---- nested actions -----------------------------------------------------------------

_GENERATED = {
    la.Clone,
    ca.Arp,
    ca.NdNs,
    ca.NdNa,
    ca.NdNaRouter,
    ca.Icmp4,
    ca.Icmp4Error,
    ca.Icmp6,
    ca.Icmp6Error,
    ca.TcpReset,
    ca.SctpAbort,
    ca.Reject,
}


def _reply_name(action: la.NestedAction, packet: Packet) -> str | None:
    """What `reject` sends (None: nothing, a reset is never answered)."""
    if not isinstance(action, ca.Reject):
        return action.NAME
    if packet.values.get("nw_proto", 0) == 6:
        return None if packet.values.get("tcp_flags", 0) & _TCP_RST else "tcp_reset"
    return "icmp6" if packet.values.get("eth_type", 0) == 0x86DD else "icmp4"


def _nested(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    assert isinstance(action, la.NestedAction)
    name = _reply_name(action, packet)
    if name is None:
        return True
    node = TraceNode(NodeKind.TRANSFORMATION, name)
    out.append(node)
    generated = GENERATORS[action.NAME](packet)
    run_actions(tracer, ctx, action.body, generated, node.children)
    return True


# ---- lookups and controller actions -----------------------------------------------


def _port_of(tracer: Tracer, ctx: Context, packet: Packet, ref: FieldRef | int) -> str:
    if not isinstance(ref, FieldRef):
        return ""
    return tracer.port_name(ctx.datapath, read(packet, ref))


def _value(packet: Packet, ref: FieldRef | int) -> int:
    return read(packet, ref) if isinstance(ref, FieldRef) else ref


def _get_neighbor(
    tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes
) -> bool:
    assert isinstance(action, ca.GetArp | ca.GetNd)
    port, ip = action.args
    mac = tracer.sb.mac_bindings.get((_port_of(tracer, ctx, packet, port), _value(packet, ip)))
    text = "/* No MAC binding. */" if mac is None else f"/* MAC binding to {format_mac(mac)}. */"
    out.append(TraceNode(NodeKind.ACTION, text))
    packet.set("eth.dst", mac or 0)
    out.append(TraceNode(NodeKind.MODIFY, f"eth.dst = {format_mac(mac or 0)}"))
    return True


def _lookup_neighbor(
    tracer: Tracer, ctx: Context, action: ca.ResultCall, packet: Packet
) -> tuple[int, str]:
    port = _port_of(tracer, ctx, packet, action.args[0])
    ip = _value(packet, action.args[1])
    bound = tracer.sb.mac_bindings.get((port, ip))
    ip_only = isinstance(action, ca.LookupArpIp | ca.LookupNdIp)
    if bound is None or not (ip_only or bound == _value(packet, action.args[2])):
        return 0, "/* lookup failed - No MAC binding. */"
    # ovn-trace names the packet's eth.dst here, not the bound MAC.
    return 1, f"/* MAC binding to {format_mac(packet.values.get('eth_dst', 0))} found. */"


def _result(
    tracer: Tracer, ctx: Context, action: ca.ResultCall, packet: Packet, out: Nodes
) -> bool:
    comment = ""
    if isinstance(action, ca.LookupArp | ca.LookupNd | ca.LookupArpIp | ca.LookupNdIp):
        result, comment = _lookup_neighbor(tracer, ctx, action, packet)
    elif isinstance(action, ca.CheckInPortSec | ca.CheckOutPortSec):
        ref = "reg14" if isinstance(action, ca.CheckInPortSec) else "reg15"
        port = tracer.sb.port_on(ctx.datapath.uuid, packet.values.get(ref, 0))
        security = port.port_security if port is not None else ()
        check = portsec.check_in if isinstance(action, ca.CheckInPortSec) else portsec.check_out
        result = check(security, packet)
    elif isinstance(action, ca.GetFdb):
        key = (ctx.datapath.key, _value(packet, action.args[0]))
        result = tracer.sb.fdb.get(key, 0)
    elif isinstance(action, ca.LookupFdb):
        key = (ctx.datapath.key, _value(packet, action.args[1]))
        result = int(tracer.sb.fdb.get(key, -1) == _value(packet, action.args[0]))
    else:
        result = 0
    write(packet, action.dst, result)
    if comment:
        out.append(TraceNode(NodeKind.ACTION, comment))
    if isinstance(action, ca.ChkLbHairpin | ca.ChkLbHairpinReply):
        # ovn-trace shows these results in the minimal form, registers or not.
        out.append(TraceNode(NodeKind.MODIFY, f"{action.dst} = {result}"))
    return True


_ASSUMPTIONS = {
    "put_dhcp_opts": "/* We assume that this packet is DHCPDISCOVER or DHCPREQUEST. */",
    # ovn-trace 23.03 prints the DHCPv4 wording for DHCPv6 requests too.
    "put_dhcpv6_opts": "/* We assume that this packet is DHCPDISCOVER or DHCPREQUEST. */",
    "put_nd_ra_opts": "/* We assume that this packet is a router solicitation. */",
}


def _put_options(
    tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes
) -> bool:
    assert isinstance(action, oa.ResultOptionsCall)
    write(packet, action.dst, 1)
    out.append(TraceNode(NodeKind.ERROR, _ASSUMPTIONS[action.NAME]))
    text = format_actions([action]).rstrip(";")
    out.append(TraceNode(NodeKind.MODIFY, text.split(" = ", 1)[1]))
    return True


def _select(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    assert isinstance(action, oa.Select)
    values = [c.value for c in action.choices]
    wanted = tracer.options.select_id
    write(packet, action.dst, wanted if wanted in values else values[0])
    tracer.run_table(ctx.datapath, ctx.pipeline, ctx.table + 1, packet, out)
    return True


_LOG_ORDER = ("name", "verdict", "severity", "meter")


def log_text(action: oa.Log) -> str:
    """`log(...)` with its options in OVN's canonical order."""
    rank = {key: index for index, key in enumerate(_LOG_ORDER)}
    options = sorted(action.options, key=lambda o: rank.get(o.key, len(rank)))
    return format_actions([oa.Log(options=tuple(options))])


def _log(tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes) -> bool:
    assert isinstance(action, oa.Log)
    values = {o.key: _option_text(o.value) for o in action.options}
    direction = "IN" if ctx.pipeline == "ingress" else "OUT"
    text = (
        f"LOG: ACL name={values.get('name', '<unnamed>')}, direction={direction}, "
        f"verdict={values.get('verdict', 'allow')}, severity={values.get('severity', 'info')}, "
        f'packet="{format_flow_line(packet.values)}"'
    )
    out.append(TraceNode(NodeKind.TRANSFORMATION, text))
    return True


def _option_text(value: object) -> str:
    if isinstance(value, StringConst):
        return value.value
    if isinstance(value, oa.Word):
        return value.text
    return str(value)


def _dns_lookup(
    tracer: Tracer, ctx: Context, action: la.Action, packet: Packet, out: Nodes
) -> bool:
    assert isinstance(action, ca.DnsLookup)
    write(packet, action.dst, 0)
    out.append(TraceNode(NodeKind.ERROR, "/* DNS records are not simulated; no answer. */"))
    return True


_HANDLERS: dict[type[la.Action], Handler] = {
    la.Load: _load,
    la.Move: _move,
    la.Exchange: _exchange,
    la.DecTtl: _dec_ttl,
    la.Push: _push,
    la.Pop: _pop,
    la.Next: _next,
    la.Output: _output,
    la.Drop: _drop,
    la.CtNext: _ct_next,
    la.CtClear: _ct_clear,
    la.CtCommit: _nothing,
    la.CtCommitV1: _nothing,
    la.CtDnat: _ct_nat,
    la.CtSnat: _ct_nat,
    la.CtDnatInCzone: _ct_nat,
    la.CtSnatInCzone: _ct_nat,
    la.CtLb: _ct_lb,
    la.CtLbMark: _ct_lb,
    la.CtCommitNat: _ct_resume,
    ca.GetArp: _get_neighbor,
    ca.GetNd: _get_neighbor,
    ca.DnsLookup: _dns_lookup,
    oa.PutDhcpOpts: _put_options,
    oa.PutDhcpv6Opts: _put_options,
    oa.PutNdRaOpts: _put_options,
    oa.Select: _select,
    oa.Log: _log,
}
