"""Actions that involve ovn-controller or its lookup tables.

Packet generators with nested bodies (`arp { ... };`, `icmp4 { ... };`,
`reject { ... };`), MAC-binding and FDB lookups, DHCP/DNS/RA responders,
logging, events, port-security checks and the load-balancer helpers.
Shapes are shared through small bases: `FieldCall` (`put_arp(P, A, E);`)
and `ResultCall` (`R = lookup_arp(P, A, M);`).  Actions with `key = value`
options (`log(...)`, `R = put_dhcp_opts(...)`, ...) live in
`option_actions.py` and are re-exported here, so `controller_actions` names
every controller-related action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pyovn.lflow.actions import Action, KeywordAction, NestedAction
from pyovn.lflow.expr import FieldRef
from pyovn.lflow.layout import TokenWriter
from pyovn.lflow.option_actions import (
    BindVport,
    CommitEcmpNh,
    CommitLbAff,
    FwdGroup,
    Log,
    Option,
    OptionsCall,
    PutDhcpOpts,
    PutDhcpv6Opts,
    PutNdRaOpts,
    ResultOptionsCall,
    Sample,
    Select,
    SelectChoice,
    SetMeter,
    SetQueue,
    TriggerEvent,
    Word,
)
from pyovn.lflow.printer import write_field

__all__ = [
    "Arp",
    "BindVport",
    "CheckInPortSec",
    "CheckOutPortSec",
    "CheckPktLarger",
    "ChkEcmpNh",
    "ChkEcmpNhMac",
    "ChkLbAff",
    "ChkLbHairpin",
    "ChkLbHairpinReply",
    "CommitEcmpNh",
    "CommitLbAff",
    "DnsLookup",
    "FieldCall",
    "FwdGroup",
    "GetArp",
    "GetFdb",
    "GetNd",
    "HandleBfdMsg",
    "HandleDhcpv6Reply",
    "HandleSvcCheck",
    "Icmp4",
    "Icmp4Error",
    "Icmp6",
    "Icmp6Error",
    "Igmp",
    "Log",
    "LookupArp",
    "LookupArpIp",
    "LookupFdb",
    "LookupNd",
    "LookupNdIp",
    "NdNa",
    "NdNaRouter",
    "NdNs",
    "Option",
    "OptionsCall",
    "PutArp",
    "PutDhcpOpts",
    "PutDhcpv6Opts",
    "PutFdb",
    "PutNd",
    "PutNdRaOpts",
    "Reject",
    "ResultCall",
    "ResultOptionsCall",
    "Sample",
    "SctpAbort",
    "Select",
    "SelectChoice",
    "SetMeter",
    "SetQueue",
    "TcpReset",
    "TriggerEvent",
    "Word",
]


def _end(w: TokenWriter) -> None:
    w.emit(";", "")


# ---- packet generators ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Arp(NestedAction):
    """`arp { ... };`: turn an IPv4 packet into an ARP request."""

    NAME = "arp"


@dataclass(frozen=True, slots=True)
class NdNs(NestedAction):
    """`nd_ns { ... };`: turn an IPv6 packet into a neighbour solicitation."""

    NAME = "nd_ns"


@dataclass(frozen=True, slots=True)
class NdNa(NestedAction):
    """`nd_na { ... };`: answer a solicitation with an advertisement."""

    NAME = "nd_na"


@dataclass(frozen=True, slots=True)
class NdNaRouter(NestedAction):
    """`nd_na_router { ... };`: as nd_na, with the router flag set."""

    NAME = "nd_na_router"


@dataclass(frozen=True, slots=True)
class Icmp4(NestedAction):
    """`icmp4 { ... };`: turn an IPv4 packet into ICMPv4 (default 3/1)."""

    NAME = "icmp4"


@dataclass(frozen=True, slots=True)
class Icmp4Error(NestedAction):
    """`icmp4_error { ... };`: ICMPv4 error quoting the original datagram."""

    NAME = "icmp4_error"


@dataclass(frozen=True, slots=True)
class Icmp6(NestedAction):
    """`icmp6 { ... };`: turn an IPv6 packet into ICMPv6 (default 1/1)."""

    NAME = "icmp6"


@dataclass(frozen=True, slots=True)
class Icmp6Error(NestedAction):
    """`icmp6_error { ... };`: ICMPv6 error quoting the original datagram."""

    NAME = "icmp6_error"


@dataclass(frozen=True, slots=True)
class TcpReset(NestedAction):
    """`tcp_reset { ... };`: answer a TCP segment with a RST."""

    NAME = "tcp_reset"


@dataclass(frozen=True, slots=True)
class SctpAbort(NestedAction):
    """`sctp_abort { ... };`: answer an SCTP packet with an ABORT."""

    NAME = "sctp_abort"


@dataclass(frozen=True, slots=True)
class Reject(NestedAction):
    """`reject { ... };`: TCP RST for TCP, ICMP unreachable otherwise."""

    NAME = "reject"


@dataclass(frozen=True, slots=True)
class Igmp(KeywordAction):
    """`igmp;`: hand the packet to ovn-controller for multicast snooping."""

    NAME = "igmp"


@dataclass(frozen=True, slots=True)
class HandleDhcpv6Reply(KeywordAction):
    """`handle_dhcpv6_reply;`: prefix-delegation replies to ovn-controller."""

    NAME = "handle_dhcpv6_reply"


@dataclass(frozen=True, slots=True)
class HandleBfdMsg(Action):
    """`handle_bfd_msg();`."""

    NAME = "handle_bfd_msg"

    def write(self, w: TokenWriter, sep: str) -> None:
        w.emit(self.NAME, sep)
        w.emit("(", "")
        w.emit(")", "")
        _end(w)


# ---- calls on fields --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldCall(Action):
    """`name(F1, F2, ...);` where every argument is a field."""

    ARITY: ClassVar[int] = 0
    args: tuple[FieldRef, ...] = ()

    def write(self, w: TokenWriter, sep: str) -> None:
        w.emit(self.NAME, sep)
        _write_field_args(w, self.args)
        _end(w)


def _write_field_args(w: TokenWriter, args: tuple[FieldRef | int, ...]) -> None:
    w.emit("(", "")
    for index, arg in enumerate(args):
        if index:
            w.emit(",", "")
        if isinstance(arg, FieldRef):
            write_field(w, arg, " " if index else "")
        else:
            w.emit(str(arg), " " if index else "")
    w.emit(")", "")


@dataclass(frozen=True, slots=True)
class GetArp(FieldCall):
    """`get_arp(P, A);`: eth.dst = MAC bound to IPv4 A on port P (or zeros)."""

    NAME = "get_arp"
    ARITY = 2


@dataclass(frozen=True, slots=True)
class PutArp(FieldCall):
    """`put_arp(P, A, E);`: learn IPv4 A at MAC E on port P."""

    NAME = "put_arp"
    ARITY = 3


@dataclass(frozen=True, slots=True)
class GetNd(FieldCall):
    """`get_nd(P, A);`: eth.dst = MAC bound to IPv6 A on port P (or zeros)."""

    NAME = "get_nd"
    ARITY = 2


@dataclass(frozen=True, slots=True)
class PutNd(FieldCall):
    """`put_nd(P, A, E);`: learn IPv6 A at MAC E on port P."""

    NAME = "put_nd"
    ARITY = 3


@dataclass(frozen=True, slots=True)
class PutFdb(FieldCall):
    """`put_fdb(P, A);`: learn MAC A behind port P."""

    NAME = "put_fdb"
    ARITY = 2


@dataclass(frozen=True, slots=True)
class HandleSvcCheck(FieldCall):
    """`handle_svc_check(P);`: a service-monitor reply from port P."""

    NAME = "handle_svc_check"
    ARITY = 1


# ---- calls whose result is stored in a field --------------------------------


@dataclass(frozen=True, slots=True)
class ResultCall(Action):
    """`R = name(args);`.  `ARGS` lists argument kinds ("field" or "int");
    `RESULT_BITS` is the width R must have (0: any; -1: a port string)."""

    ARGS: ClassVar[tuple[str, ...]] = ()
    RESULT_BITS: ClassVar[int] = 1
    dst: FieldRef
    args: tuple[FieldRef | int, ...] = ()

    def write(self, w: TokenWriter, sep: str) -> None:
        write_field(w, self.dst, sep)
        w.emit("=")
        w.emit(self.NAME)
        _write_field_args(w, self.args)
        _end(w)


@dataclass(frozen=True, slots=True)
class LookupArp(ResultCall):
    """`R = lookup_arp(P, A, M);`: 1 if port P has IPv4 A bound to MAC M."""

    NAME = "lookup_arp"
    ARGS = ("field", "field", "field")


@dataclass(frozen=True, slots=True)
class LookupArpIp(ResultCall):
    """`R = lookup_arp_ip(P, A);`: 1 if port P has a binding for IPv4 A."""

    NAME = "lookup_arp_ip"
    ARGS = ("field", "field")


@dataclass(frozen=True, slots=True)
class LookupNd(ResultCall):
    """`R = lookup_nd(P, A, M);`: 1 if port P has IPv6 A bound to MAC M."""

    NAME = "lookup_nd"
    ARGS = ("field", "field", "field")


@dataclass(frozen=True, slots=True)
class LookupNdIp(ResultCall):
    """`R = lookup_nd_ip(P, A);`: 1 if port P has a binding for IPv6 A."""

    NAME = "lookup_nd_ip"
    ARGS = ("field", "field")


@dataclass(frozen=True, slots=True)
class GetFdb(ResultCall):
    """`P = get_fdb(A);`: the port the FDB learned MAC A behind."""

    NAME = "get_fdb"
    ARGS = ("field",)
    RESULT_BITS = -1


@dataclass(frozen=True, slots=True)
class LookupFdb(ResultCall):
    """`R = lookup_fdb(P, A);`: 1 if the FDB has MAC A behind port P."""

    NAME = "lookup_fdb"
    ARGS = ("field", "field")


@dataclass(frozen=True, slots=True)
class CheckPktLarger(ResultCall):
    """`R = check_pkt_larger(L);`: 1 if the packet is longer than L bytes."""

    NAME = "check_pkt_larger"
    ARGS = ("int",)


@dataclass(frozen=True, slots=True)
class ChkLbHairpin(ResultCall):
    """`R = chk_lb_hairpin();`: LB traffic whose backend is its source."""

    NAME = "chk_lb_hairpin"


@dataclass(frozen=True, slots=True)
class ChkLbHairpinReply(ResultCall):
    """`R = chk_lb_hairpin_reply();`: reply of hairpinned LB traffic."""

    NAME = "chk_lb_hairpin_reply"


@dataclass(frozen=True, slots=True)
class CheckInPortSec(ResultCall):
    """`R = check_in_port_sec();`: 1 if the packet fails inport security."""

    NAME = "check_in_port_sec"


@dataclass(frozen=True, slots=True)
class CheckOutPortSec(ResultCall):
    """`R = check_out_port_sec();`: 1 if the packet fails outport security."""

    NAME = "check_out_port_sec"


@dataclass(frozen=True, slots=True)
class ChkEcmpNhMac(ResultCall):
    """`R = chk_ecmp_nh_mac();`: packet matches a learned ECMP next-hop MAC."""

    NAME = "chk_ecmp_nh_mac"


@dataclass(frozen=True, slots=True)
class ChkEcmpNh(ResultCall):
    """`R = chk_ecmp_nh();`: packet matches a learned ECMP next hop."""

    NAME = "chk_ecmp_nh"


@dataclass(frozen=True, slots=True)
class ChkLbAff(ResultCall):
    """`R = chk_lb_aff();`: packet matches a learned LB affinity flow."""

    NAME = "chk_lb_aff"


@dataclass(frozen=True, slots=True)
class DnsLookup(ResultCall):
    """`R = dns_lookup();`: answer a DNS query from the DNS table."""

    NAME = "dns_lookup"
