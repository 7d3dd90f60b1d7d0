"""What executing actions did, as typed events.

Executing a logical flow's actions (`evaluate.execute_actions`) changes the
packet in place and returns a list of events: field writes, control
transfers (`NextEvent`, `OutputEvent`), conntrack requests (`CtEvent`),
packets handed to ovn-controller (`ControllerEvent`), lookups and their
results, and nested executions on copies (`NestedEvent` for clone, arp,
icmp4, ...).  The tracer prints them; a simulator acts on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyovn.lflow.actions import Action
from pyovn.lflow.packet import Packet

__all__ = [
    "ControllerEvent",
    "CtEvent",
    "DropEvent",
    "Event",
    "FieldSetEvent",
    "LookupEvent",
    "NestedEvent",
    "NextEvent",
    "OutputEvent",
    "StopEvent",
]


@dataclass(frozen=True, slots=True)
class Event:
    """Base of all events; `action` is the logical action responsible."""

    action: Action | None


@dataclass(frozen=True, slots=True)
class FieldSetEvent(Event):
    """`field` (logical name) now holds `value` (int or port name)."""

    field: str
    value: int | str


@dataclass(frozen=True, slots=True)
class NextEvent(Event):
    """Continue in logical table `table` of `pipeline` (a subroutine call)."""

    pipeline: str
    table: int


@dataclass(frozen=True, slots=True)
class OutputEvent(Event):
    """`output;`: from ingress, run egress for `outport`; from egress, deliver."""

    pipeline: str
    outport: str | None


@dataclass(frozen=True, slots=True)
class DropEvent(Event):
    """The packet is dropped (explicit `drop;` or no actions)."""


@dataclass(frozen=True, slots=True)
class StopEvent(Event):
    """Processing stops here (e.g. TTL would reach zero); `reason` says why."""

    reason: str


@dataclass(frozen=True, slots=True)
class CtEvent(Event):
    """A conntrack operation.

    `kind` is the action name (ct_next, ct_commit, ct_dnat, ct_lb_mark, ...),
    `zone` the logical zone ("ct", "dnat", "snat"), `nat` the NAT target text
    or "" for un-NAT, `commit` whether the connection is committed and
    `sets` the ct_mark/ct_label bits written on commit.  `then` is where
    processing continues afterwards (None: after this action).
    """

    kind: str
    zone: str
    commit: bool = False
    nat: str | None = None
    sets: tuple[tuple[str, int], ...] = ()
    then: NextEvent | None = None


@dataclass(frozen=True, slots=True)
class ControllerEvent(Event):
    """The packet (a copy, as it is now) goes to ovn-controller for `name`."""

    name: str
    packet: Packet
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class LookupEvent(Event):
    """A table lookup (`lookup_arp`, `get_fdb`, `check_in_port_sec`, ...)
    and the value stored into `result_field`."""

    name: str
    result_field: str
    result: int | str


@dataclass(frozen=True, slots=True)
class NestedEvent(Event):
    """`name { ... }` ran on `packet` (a transformed copy) producing `events`."""

    name: str
    packet: Packet
    events: tuple[Event, ...] = field(default=())
