"""OpenFlow for actions that involve ovn-controller or its lookup tables.

Three patterns, as in ovn-controller:

* **packet-in**: `controller(userdata=OPCODE,0,payload)`; nested bodies
  (`arp { ... }`) travel as OpenFlow 1.5 actions in the payload;
* **lookup table**: arguments are staged into fixed fields with stack
  push/pop, a flag bit in reg10 is cleared, the lookup table (66/67, 71-78)
  is resubmitted to, and the flag is moved into the result;
* **group**: `select` and `fwd_group` become OpenFlow select groups.

Opcodes are ovn-controller's packet-in opcodes (`ActionOpcode`).
"""

from __future__ import annotations

import struct
from enum import IntEnum
from typing import TYPE_CHECKING

from pyovn.lflow import actions as la
from pyovn.lflow import controller_actions as ca
from pyovn.lflow.dhcp_options import encode_dhcp_options
from pyovn.lflow.errors import LflowCompileError
from pyovn.lflow.expr import Constant, FieldRef, StringConst
from pyovn.lflow.of_binary import encode_actions, field_header
from pyovn.lflow.of_ir import (
    CheckPktLarger,
    Controller,
    GroupOf,
    MeterOf,
    MoveOf,
    OfAction,
    PopOf,
    PushOf,
    RawOf,
    Resubmit,
    SetField,
    SetQueueOf,
    Sub,
)

if TYPE_CHECKING:
    from pyovn.lflow.of_actions import ActionCompiler

__all__ = ["ActionOpcode", "ControllerActions"]


class ActionOpcode(IntEnum):
    """ovn-controller packet-in opcodes (first 4 bytes of userdata)."""

    ARP = 0
    PUT_ARP = 1
    PUT_DHCP_OPTS = 2
    ND_NA = 3
    PUT_ND = 4
    PUT_DHCPV6_OPTS = 5
    DNS_LOOKUP = 6
    LOG = 7
    PUT_ND_RA_OPTS = 8
    ND_NS = 9
    ICMP = 10
    TCP_RESET = 11
    ND_NA_ROUTER = 12
    PUT_ICMP4_FRAG_MTU = 13
    ICMP4_ERROR = 14
    EVENT = 15
    IGMP = 16
    BIND_VPORT = 17
    HANDLE_SVC_CHECK = 18
    DHCP6_SERVER = 19
    ICMP6_ERROR = 20
    PUT_ICMP6_FRAG_MTU = 21
    REJECT = 22
    BFD_MSG = 23
    SCTP_ABORT = 24
    PUT_FDB = 25


# Logical flag bits in reg10 that lookup tables report through.
_FLAG_LOOKUP_MAC = 6
_FLAG_LB_HAIRPIN = 7
_FLAG_LOOKUP_FDB = 8
_FLAG_CHECK_PORT_SEC = 12
_FLAG_ECMP_NH = 13
_FLAG_LB_AFF = 14

_NESTED_OPCODES: dict[type[la.NestedAction], ActionOpcode] = {
    ca.Arp: ActionOpcode.ARP,
    ca.NdNa: ActionOpcode.ND_NA,
    ca.NdNaRouter: ActionOpcode.ND_NA_ROUTER,
    ca.NdNs: ActionOpcode.ND_NS,
    ca.Icmp4: ActionOpcode.ICMP,
    ca.Icmp6: ActionOpcode.ICMP,
    ca.Icmp4Error: ActionOpcode.ICMP4_ERROR,
    ca.Icmp6Error: ActionOpcode.ICMP6_ERROR,
    ca.TcpReset: ActionOpcode.TCP_RESET,
    ca.SctpAbort: ActionOpcode.SCTP_ABORT,
    ca.Reject: ActionOpcode.REJECT,
}
_SEVERITIES = {"alert": 1, "warning": 4, "notice": 5, "info": 6, "debug": 7}
_VERDICTS = {"allow": 0, "drop": 1, "reject": 2}

REG0 = Sub("reg0", 0, 32)
XXREG0 = Sub("xxreg0", 0, 128)
ETH_SRC = Sub("eth_src", 0, 48)
ETH_DST = Sub("eth_dst", 0, 48)
INPORT = Sub("reg14", 0, 32)
OUTPORT = Sub("reg15", 0, 32)


def _flag(bit: int) -> Sub:
    return Sub("reg10", bit, 1)


def userdata(opcode: ActionOpcode, payload: bytes = b"") -> bytes:
    return struct.pack("!I4x", opcode) + payload


class ControllerActions:
    """Compiles controller-related actions for an `ActionCompiler`."""

    def __init__(self, owner: ActionCompiler) -> None:
        self.owner = owner
        self.ctx = owner.ctx

    def packet_in(
        self, opcode: ActionOpcode, payload: bytes = b"", *, pause: bool = False
    ) -> Controller:
        return Controller(userdata(opcode, payload), pause, self.ctx.controller_meter_id)

    def compile(self, action: la.Action) -> list[OfAction]:
        if isinstance(action, la.NestedAction):
            return [self.nested(action)]
        if isinstance(action, ca.FieldCall):
            return self.field_call(action)
        if isinstance(action, ca.ResultCall):
            return self.result_call(action)
        if isinstance(action, ca.ResultOptionsCall):
            return [self.options_call(action)]
        handler = _SIMPLE.get(type(action))
        if handler is None:
            raise LflowCompileError(f"no OpenFlow translation for {type(action).__name__}")
        return handler(self, action)

    # ---- packet-ins ------------------------------------------------------------

    def nested(self, action: la.NestedAction) -> Controller:
        opcode = _NESTED_OPCODES[type(action)]
        body = self.owner.compile(action.body)
        return self.packet_in(opcode, encode_actions(body))

    def ovn_field_load(self, action: la.Load) -> list[OfAction]:
        assert isinstance(action.value, Constant)
        if action.dst.name == "icmp4.frag_mtu":
            payload = struct.pack("!H", action.value.value)
            return [self.packet_in(ActionOpcode.PUT_ICMP4_FRAG_MTU, payload, pause=True)]
        payload = struct.pack("!I", action.value.value)
        return [self.packet_in(ActionOpcode.PUT_ICMP6_FRAG_MTU, payload, pause=True)]

    def options_call(self, action: ca.ResultOptionsCall) -> Controller:
        from pyovn.lflow.of_actions import field_sub

        dst = field_sub(action.dst)
        result = struct.pack("!II", field_header(dst.field), dst.offset)
        if isinstance(action, ca.PutDhcpOpts):
            opcode, family = ActionOpcode.PUT_DHCP_OPTS, 4
        elif isinstance(action, ca.PutDhcpv6Opts):
            opcode, family = ActionOpcode.PUT_DHCPV6_OPTS, 6
        else:
            opcode, family = ActionOpcode.PUT_ND_RA_OPTS, 0
        payload = result + encode_dhcp_options(action.options, family)
        return self.packet_in(opcode, payload, pause=True)

    # ---- calls with staged arguments -----------------------------------------

    def staged(self, pairs: list[tuple[FieldRef, Sub]], body: list[OfAction]) -> list[OfAction]:
        """Copy each argument into the field the table or handler reads,
        run `body`, then restore those fields (through the stack)."""
        from pyovn.lflow.of_actions import field_sub

        pending = [(field_sub(ref), dst) for ref, dst in pairs]
        pending = [(src, dst) for src, dst in pending if src != dst]
        setup: list[OfAction] = [PushOf(dst) for _, dst in pending]
        setup += [PushOf(src) for src, _ in reversed(pending)]
        setup += [PopOf(dst) for _, dst in pending]
        restore: list[OfAction] = [PopOf(dst) for _, dst in reversed(pending)]
        return setup + body + restore

    def field_call(self, action: ca.FieldCall) -> list[OfAction]:
        args = action.args
        if isinstance(action, ca.GetArp | ca.GetNd):
            ip = REG0 if isinstance(action, ca.GetArp) else XXREG0
            body: list[OfAction] = [
                SetField("eth_dst", 0, (1 << 48) - 1),
                Resubmit(self.ctx.tables.mac_binding),
            ]
            return self.staged([(args[0], OUTPORT), (args[1], ip)], body)
        if isinstance(action, ca.PutArp | ca.PutNd):
            ip = REG0 if isinstance(action, ca.PutArp) else XXREG0
            opcode = ActionOpcode.PUT_ARP if isinstance(action, ca.PutArp) else ActionOpcode.PUT_ND
            pairs = [(args[0], INPORT), (args[1], ip), (args[2], ETH_SRC)]
            return self.staged(pairs, [self.packet_in(opcode)])
        if isinstance(action, ca.PutFdb):
            pairs = [(args[0], INPORT), (args[1], ETH_SRC)]
            return self.staged(pairs, [self.packet_in(ActionOpcode.PUT_FDB)])
        assert isinstance(action, ca.HandleSvcCheck)
        return self.staged([(args[0], INPORT)], [self.packet_in(ActionOpcode.HANDLE_SVC_CHECK)])

    def result_call(self, action: ca.ResultCall) -> list[OfAction]:
        from pyovn.lflow.of_actions import field_sub

        dst = field_sub(action.dst)
        tables = self.ctx.tables
        args = [a for a in action.args if isinstance(a, FieldRef)]
        if isinstance(action, ca.LookupArp | ca.LookupNd):
            ip = REG0 if isinstance(action, ca.LookupArp) else XXREG0
            pairs = [(args[0], INPORT), (args[1], ip), (args[2], ETH_SRC)]
            return self.staged(pairs, _flag_lookup(_FLAG_LOOKUP_MAC, tables.mac_lookup, dst))
        if isinstance(action, ca.LookupArpIp | ca.LookupNdIp):
            # Any binding for the address: the MAC-binding table (which writes
            # eth.dst, so that is saved) with the port in outport.
            ip = REG0 if isinstance(action, ca.LookupArpIp) else XXREG0
            lookup = _flag_lookup(_FLAG_LOOKUP_MAC, tables.mac_binding, dst)
            body: list[OfAction] = [PushOf(ETH_DST), *lookup, PopOf(ETH_DST)]
            return self.staged([(args[0], OUTPORT), (args[1], ip)], body)
        if isinstance(action, ca.GetFdb):
            body = [SetField("reg15", 0, 0xFFFFFFFF), Resubmit(tables.get_fdb)]
            if dst != OUTPORT:
                body.append(MoveOf(OUTPORT, dst))
            return self.staged([(args[0], ETH_DST)], body)
        if isinstance(action, ca.LookupFdb):
            pairs = [(args[0], INPORT), (args[1], ETH_SRC)]
            return self.staged(pairs, _flag_lookup(_FLAG_LOOKUP_FDB, tables.lookup_fdb, dst))
        if isinstance(action, ca.CheckPktLarger):
            length = action.args[0]
            assert isinstance(length, int)
            return [CheckPktLarger(length, dst)]
        if isinstance(action, ca.DnsLookup):
            payload = struct.pack("!II", field_header(dst.field), dst.offset)
            return [self.packet_in(ActionOpcode.DNS_LOOKUP, payload, pause=True)]
        bit, table_name = _FLAG_TABLES[type(action)]
        table: int = getattr(tables, table_name)
        return _flag_lookup(bit, table, dst)

    # ---- the rest --------------------------------------------------------------

    def select(self, action: la.Action) -> list[OfAction]:
        from pyovn.lflow.of_actions import field_sub

        assert isinstance(action, ca.Select)
        dst = field_sub(action.dst)
        row = dst.field
        full_mask = ((1 << dst.n_bits) - 1) << dst.offset
        buckets = []
        for index, choice in enumerate(action.choices):
            weight = 100 if choice.weight is None else choice.weight
            value = choice.value << dst.offset
            load = f"set_field:{value:#x}/{full_mask:#x}->{row.match_name}"
            if full_mask == (1 << row.width) - 1:
                load = f"set_field:{value:#x}->{row.match_name}"
            buckets.append(
                f"bucket=bucket_id:{index},weight:{weight},actions={load},"
                f"resubmit(,{self.owner.next_table()})"
            )
        spec = "type=select,selection_method=dp_hash,selection_method_param=4294967296," + ",".join(
            buckets
        )
        return [GroupOf(self.ctx.groups.allocate(spec))]

    def log(self, action: la.Action) -> list[OfAction]:
        assert isinstance(action, ca.Log)
        verdict = _VERDICTS.get(str(action.get("verdict") or "allow"), 0)
        severity = _SEVERITIES.get(str(action.get("severity") or "info"), 6)
        name = action.get("name")
        text = name.value if isinstance(name, StringConst) else ""
        payload = struct.pack("!BB", verdict, severity) + text.encode()
        meter = action.get("meter")
        meter_id = self.ctx.controller_meter_id
        if isinstance(meter, StringConst):
            meter_id = self.ctx.meters.allocate(f"name={meter.value}")
        return [Controller(userdata(ActionOpcode.LOG, payload), False, meter_id)]

    def keyword_packet_in(self, action: la.Action) -> list[OfAction]:
        opcode = {
            ca.Igmp: ActionOpcode.IGMP,
            ca.HandleDhcpv6Reply: ActionOpcode.DHCP6_SERVER,
            ca.HandleBfdMsg: ActionOpcode.BFD_MSG,
        }[type(action)]
        return [self.packet_in(opcode)]

    def trigger_event(self, action: la.Action) -> list[OfAction]:
        """Event type (be32) then (code, length, text) per option; the codes
        are the positions of the options of that event type."""
        assert isinstance(action, ca.TriggerEvent)
        payload = struct.pack("!I", 0)
        for code, option in enumerate(action.options):
            if option.key == "event":
                continue
            value = option.value
            text = (value.value if isinstance(value, StringConst) else str(value)).encode()
            payload += struct.pack("!HH", code, len(text)) + text
        return [self.packet_in(ActionOpcode.EVENT, payload)]

    def bind_vport(self, action: la.Action) -> list[OfAction]:
        assert isinstance(action, ca.BindVport)
        payload = struct.pack("!I", self.ctx.port_key(action.vport.value))
        return self.staged(
            [(action.port, INPORT)], [self.packet_in(ActionOpcode.BIND_VPORT, payload)]
        )

    def set_queue(self, action: la.Action) -> list[OfAction]:
        assert isinstance(action, ca.SetQueue)
        return [SetQueueOf(action.queue)]

    def set_meter(self, action: la.Action) -> list[OfAction]:
        assert isinstance(action, ca.SetMeter)
        if not self.ctx.dp_meters:
            return []
        spec = f"kbps burst stats bands=type=drop rate={action.rate}"
        if action.burst is not None:
            spec += f" burst_size={action.burst}"
        return [MeterOf(self.ctx.meters.allocate(spec))]

    def ct_snat_to_vip(self, action: la.Action) -> list[OfAction]:
        return [Resubmit(self.ctx.tables.ct_snat_hairpin)]

    def fwd_group(self, action: la.Action) -> list[OfAction]:
        """A select group with one bucket per child port (no liveness: the
        tunnel ports to watch are the chassis's, not known here)."""
        assert isinstance(action, ca.FwdGroup)
        output = self.ctx.tables.output
        buckets = [
            f"bucket=bucket_id:{index},actions="
            f"set_field:{self.ctx.port_key(port.value):#x}/0xffff->reg15,resubmit(,{output})"
            for index, port in enumerate(action.childports)
        ]
        spec = "type=select,selection_method=dp_hash," + ",".join(buckets)
        return [GroupOf(self.ctx.groups.allocate(spec))]

    def commit_lb_aff(self, action: la.Action) -> list[OfAction]:
        """A learn() that remembers client -> backend in the affinity table."""
        assert isinstance(action, ca.CommitLbAff)
        from pyovn.lflow.learn_actions import learn_affinity

        return [RawOf(learn_affinity(action, self.ctx.tables.chk_lb_affinity))]

    def commit_ecmp_nh(self, action: la.Action) -> list[OfAction]:
        assert isinstance(action, ca.CommitEcmpNh)
        from pyovn.lflow.learn_actions import learn_ecmp_next_hop

        tables = self.ctx.tables
        return [RawOf(t) for t in learn_ecmp_next_hop(action, tables.ecmp_nh_mac, tables.ecmp_nh)]

    def sample(self, action: la.Action) -> list[OfAction]:
        """OVS sample(): the observation domain's low 24 bits are the datapath."""
        assert isinstance(action, ca.Sample)

        def number(key: str) -> int:
            value = action.get(key)
            return value.value if isinstance(value, Constant) else 0

        domain = (number("obs_domain") << 24) | (self.ctx.datapath_key & 0xFFFFFF)
        text = (
            f"sample(probability={number('probability')},"
            f"collector_set_id={number('collector_set')},obs_domain_id={domain},"
            f"obs_point_id={number('obs_point')})"
        )
        return [RawOf(text)]


def _flag_lookup(bit: int, table: int, dst: Sub) -> list[OfAction]:
    flag = _flag(bit)
    return [SetField("reg10", 0, 1 << bit), Resubmit(table), MoveOf(flag, dst)]


# Boolean table lookups: action -> (reg10 flag bit, TableLayout attribute).
_FLAG_TABLES: dict[type[la.Action], tuple[int, str]] = {
    ca.CheckInPortSec: (_FLAG_CHECK_PORT_SEC, "chk_in_port_sec"),
    ca.CheckOutPortSec: (_FLAG_CHECK_PORT_SEC, "chk_out_port_sec"),
    ca.ChkLbHairpin: (_FLAG_LB_HAIRPIN, "chk_lb_hairpin"),
    ca.ChkLbHairpinReply: (_FLAG_LB_HAIRPIN, "chk_lb_hairpin_reply"),
    ca.ChkEcmpNhMac: (_FLAG_ECMP_NH, "ecmp_nh_mac"),
    ca.ChkEcmpNh: (_FLAG_ECMP_NH, "ecmp_nh"),
    ca.ChkLbAff: (_FLAG_LB_AFF, "chk_lb_affinity"),
}

_SIMPLE = {
    ca.Select: ControllerActions.select,
    ca.Log: ControllerActions.log,
    ca.Igmp: ControllerActions.keyword_packet_in,
    ca.HandleDhcpv6Reply: ControllerActions.keyword_packet_in,
    ca.HandleBfdMsg: ControllerActions.keyword_packet_in,
    ca.TriggerEvent: ControllerActions.trigger_event,
    ca.BindVport: ControllerActions.bind_vport,
    ca.SetQueue: ControllerActions.set_queue,
    ca.SetMeter: ControllerActions.set_meter,
    la.CtSnatToVip: ControllerActions.ct_snat_to_vip,
    ca.FwdGroup: ControllerActions.fwd_group,
    ca.CommitLbAff: ControllerActions.commit_lb_aff,
    ca.CommitEcmpNh: ControllerActions.commit_ecmp_nh,
    ca.Sample: ControllerActions.sample,
}
