"""Actions with `key = value` option lists, and the remaining odd shapes.

`log(...)`, `trigger_event(...)`, `commit_lb_aff(...)`, `commit_ecmp_nh(...)`,
`sample(...)`, the DHCP / router-advertisement responders
(`R = put_dhcp_opts(...)`), `select(...)`, `set_queue`, `set_meter`,
`bind_vport` and `fwd_group`.  `controller_actions` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pyovn.lflow.actions import Action
from pyovn.lflow.expr import ConstantSet, FieldRef, StringConst, Value
from pyovn.lflow.layout import TokenWriter
from pyovn.lflow.printer import write_field, write_term

__all__ = [
    "BindVport",
    "CommitEcmpNh",
    "CommitLbAff",
    "FwdGroup",
    "Log",
    "Option",
    "OptionsCall",
    "PutDhcpOpts",
    "PutDhcpv6Opts",
    "PutNdRaOpts",
    "ResultOptionsCall",
    "Sample",
    "Select",
    "SelectChoice",
    "SetMeter",
    "SetQueue",
    "TriggerEvent",
    "Word",
]


def _end(w: TokenWriter) -> None:
    w.emit(";", "")


def _write_int_args(w: TokenWriter, args: tuple[int, ...]) -> None:
    w.emit("(", "")
    for index, arg in enumerate(args):
        if index:
            w.emit(",", "")
        w.emit(str(arg), " " if index else "")
    w.emit(")", "")


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


def _write_options(
    w: TokenWriter, options: tuple[Option, ...], spaced: bool, after_comma: str = " "
) -> None:
    around = " " if spaced else ""
    for index, option in enumerate(options):
        if index:
            w.emit(",", "")
        w.emit(option.key, after_comma if index else "")
        w.emit("=", around)
        if isinstance(option.value, Word):
            w.emit(option.value.text, around)
        else:
            write_term(w, option.value, around)


@dataclass(frozen=True, slots=True)
class OptionsCall(Action):
    """`name(key=value, ...);`.  Canonical text has ` = ` when `SPACED` and
    `AFTER_COMMA` after each comma."""

    SPACED: ClassVar[bool] = True
    AFTER_COMMA: ClassVar[str] = " "
    options: tuple[Option, ...] = ()

    def write(self, w: TokenWriter, sep: str) -> None:
        w.emit(self.NAME, sep)
        w.emit("(", "")
        _write_options(w, self.options, self.SPACED, self.AFTER_COMMA)
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
    AFTER_COMMA = ""


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
        _write_int_args(w, (self.queue,))
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
        _write_int_args(w, args)
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
