"""Actions that involve ovn-controller or its lookup tables.

Packet generators with nested bodies (`arp { ... };`, `icmp4 { ... };`,
`reject { ... };`), MAC-binding and FDB lookups, DHCP/DNS/RA responders,
logging, events, port-security checks and the load-balancer helpers.
Shapes are shared through small bases: `FieldCall` (`put_arp(P, A, E);`),
`ResultCall` (`R = lookup_arp(P, A, M);`), `OptionsCall`
(`log(name="x", verdict=drop);`) and `ResultOptionsCall`
(`R = put_dhcp_opts(offerip = 10.0.0.2, ...);`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pyovn.lflow.actions import Action, KeywordAction, NestedAction
from pyovn.lflow.expr import ConstantSet, FieldRef, StringConst, Value
from pyovn.lflow.layout import TokenWriter
from pyovn.lflow.printer import write_field, write_term

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


# ---- calls with `key = value` options ---------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    """A bare word used as an option value (`severity=alert`, `proto = tcp`)."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Option:
    """`key = value`; the value is a constant, a set, a string or a word."""

    key: str
    value: Value | ConstantSet | Word


def _write_options(w: TokenWriter, options: tuple[Option, ...], spaced: bool) -> None:
    around = " " if spaced else ""
    for index, option in enumerate(options):
        if index:
            w.emit(",", "")
        w.emit(option.key, (" " if spaced else "") if index else "")
        w.emit("=", around)
        if isinstance(option.value, Word):
            w.emit(option.value.text, around)
        else:
            write_term(w, option.value, around)


@dataclass(frozen=True, slots=True)
class OptionsCall(Action):
    """`name(key=value, ...);`.  `SPACED`: canonical text has ` = ` and `, `."""

    SPACED: ClassVar[bool] = True
    options: tuple[Option, ...] = ()

    def write(self, w: TokenWriter, sep: str) -> None:
        w.emit(self.NAME, sep)
        w.emit("(", "")
        _write_options(w, self.options, self.SPACED)
        w.emit(")", "")
        _end(w)

    def get(self, key: str) -> Value | ConstantSet | Word | None:
        """The value of option `key`, or None."""
        for option in self.options:
            if option.key == key:
                return option.value
        return None


@dataclass(frozen=True, slots=True)
class Log(OptionsCall):
    """`log(name="...", severity=..., verdict=..., meter="...");`."""

    NAME = "log"
    SPACED = False


@dataclass(frozen=True, slots=True)
class TriggerEvent(OptionsCall):
    """`trigger_event(event = "empty_lb_backends", vip = "...", ...);`."""

    NAME = "trigger_event"


@dataclass(frozen=True, slots=True)
class CommitLbAff(OptionsCall):
    """`commit_lb_aff(vip = "...", backend = "...", proto = tcp, timeout = N);`."""

    NAME = "commit_lb_aff"


@dataclass(frozen=True, slots=True)
class CommitEcmpNh(OptionsCall):
    """`commit_ecmp_nh(ipv6 = B, proto = P);`: learn the ECMP next hop."""

    NAME = "commit_ecmp_nh"


@dataclass(frozen=True, slots=True)
class Sample(OptionsCall):
    """`sample(probability=N,collector_set=N,obs_domain=N,obs_point=N);`."""

    NAME = "sample"
    SPACED = False


@dataclass(frozen=True, slots=True)
class ResultOptionsCall(Action):
    """`R = name(key = value, ...);` (DHCP and router-advertisement options)."""

    dst: FieldRef
    options: tuple[Option, ...] = ()

    def write(self, w: TokenWriter, sep: str) -> None:
        write_field(w, self.dst, sep)
        w.emit("=")
        w.emit(self.NAME)
        w.emit("(", "")
        _write_options(w, self.options, True)
        w.emit(")", "")
        _end(w)


@dataclass(frozen=True, slots=True)
class PutDhcpOpts(ResultOptionsCall):
    """`R = put_dhcp_opts(offerip = A, router = B, ...);`."""

    NAME = "put_dhcp_opts"


@dataclass(frozen=True, slots=True)
class PutDhcpv6Opts(ResultOptionsCall):
    """`R = put_dhcpv6_opts(ia_addr = A, server_id = M, ...);`."""

    NAME = "put_dhcpv6_opts"


@dataclass(frozen=True, slots=True)
class PutNdRaOpts(ResultOptionsCall):
    """`R = put_nd_ra_opts(addr_mode = "slaac", slla = M, ...);`."""

    NAME = "put_nd_ra_opts"


# ---- the rest ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SelectChoice:
    """One `N[=W]` of select (weight None: the default 100)."""

    value: int
    weight: int | None = None


@dataclass(frozen=True, slots=True)
class Select(Action):
    """`R = select(N1[=W1], N2[=W2], ...);`: pick one by 5-tuple hash."""

    NAME = "select"
    dst: FieldRef
    choices: tuple[SelectChoice, ...]

    def write(self, w: TokenWriter, sep: str) -> None:
        write_field(w, self.dst, sep)
        w.emit("=")
        w.emit(self.NAME)
        w.emit("(", "")
        for index, choice in enumerate(self.choices):
            if index:
                w.emit(",", "")
            w.emit(str(choice.value), " " if index else "")
            if choice.weight is not None:
                w.emit("=", "")
                w.emit(str(choice.weight), "")
        w.emit(")", "")
        _end(w)


@dataclass(frozen=True, slots=True)
class SetQueue(Action):
    """`set_queue(N);`."""

    NAME = "set_queue"
    queue: int

    def write(self, w: TokenWriter, sep: str) -> None:
        w.emit(self.NAME, sep)
        _write_field_args(w, (self.queue,))
        _end(w)


@dataclass(frozen=True, slots=True)
class SetMeter(Action):
    """`set_meter(rate[, burst]);` in kbps."""

    NAME = "set_meter"
    rate: int
    burst: int | None = None

    def write(self, w: TokenWriter, sep: str) -> None:
        w.emit(self.NAME, sep)
        args = (self.rate,) if self.burst is None else (self.rate, self.burst)
        _write_field_args(w, args)
        _end(w)


@dataclass(frozen=True, slots=True)
class BindVport(Action):
    """`bind_vport("V", P);`: bind virtual port V with parent P."""

    NAME = "bind_vport"
    vport: StringConst
    port: FieldRef

    def write(self, w: TokenWriter, sep: str) -> None:
        w.emit(self.NAME, sep)
        w.emit("(", "")
        w.emit(self.vport.text, "")
        w.emit(",", "")
        write_field(w, self.port, " ")
        w.emit(")", "")
        _end(w)


@dataclass(frozen=True, slots=True)
class FwdGroup(Action):
    """`fwd_group(liveness="true", childports="p1", "p2");`."""

    NAME = "fwd_group"
    liveness: StringConst | Word | None = None
    childports: tuple[StringConst, ...] = ()

    def write(self, w: TokenWriter, sep: str) -> None:
        w.emit(self.NAME, sep)
        w.emit("(", "")
        if self.liveness is not None:
            w.emit("liveness", "")
            w.emit("=", "")
            w.emit(str(self.liveness), "")
            w.emit(",", "")
        w.emit("childports", " " if self.liveness is not None else "")
        w.emit("=", "")
        for index, port in enumerate(self.childports):
            if index:
                w.emit(",", "")
            w.emit(port.text, " " if index else "")
        w.emit(")", "")
        _end(w)
