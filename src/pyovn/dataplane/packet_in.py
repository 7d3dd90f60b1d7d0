"""Packet-ins, continuations and frozen pipeline states.

`controller(...)` actions become packet-ins delivered to the bridge's
controller callback, as OpenFlow's OFPT_PACKET_IN (NXT_PACKET_IN2) would
deliver them to ovn-controller's pinctrl: table id, cookie, reason, userdata
bytes, the packet as it is at that point, and its pipeline metadata
(registers, `metadata`, `in_port`, conntrack fields).

With `pause`, the pipeline is frozen and the packet-in carries a
`FrozenState` continuation; `Bridge.resume()` thaws it, optionally with a
packet and registers the controller changed, exactly as NXT_RESUME does.
The same `FrozenState` describes where a recirculation after `ct(table=N)`
resumes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyovn.dataplane.actions import Action
from pyovn.dataplane.fields import find_field
from pyovn.dataplane.packet import Packet

__all__ = ["FROZEN_SLOTS", "FrozenState", "PacketIn", "PacketInRequest"]

# Pipeline state a freeze carries across (everything else comes from the packet).
FROZEN_SLOTS = ("in_port", "metadata", "actset_output", *(f"reg{i}" for i in range(16)))
REASON_CODES = {
    "no_match": 0,
    "action": 1,
    "invalid_ttl": 2,
    "action_set": 3,
    "group": 4,
    "packet_out": 5,
}


@dataclass(frozen=True)
class FrozenState:
    """Where and how a frozen pipeline resumes.

    A recirculation resumes with a lookup in `table_id`; a paused
    `controller` action resumes by running `actions` (the rest of the action
    lists that were interrupted, innermost first).
    """

    bridge: str
    table_id: int
    metadata: tuple[tuple[str, int], ...]
    actions: tuple[Action, ...] = ()
    stack: tuple[int, ...] = ()
    conntracked: bool = False
    resume_with_actions: bool = False
    cookie: int = 0

    def metadata_map(self) -> dict[str, int]:
        """The frozen pipeline metadata as a slot map."""
        return dict(self.metadata)


@dataclass
class PacketInRequest:
    """What translation knows about a packet-in; the datapath adds the packet."""

    bridge: str
    reason: str
    table_id: int
    cookie: int
    userdata: bytes
    max_len: int
    controller_id: int
    metadata: dict[str, int]
    pause: bool = False
    continuation: FrozenState | None = None
    dont_send: bool = False
    recirc_id: int = 0

    @property
    def reason_code(self) -> int:
        """OpenFlow's numeric packet-in reason."""
        return REASON_CODES.get(self.reason, 1)


@dataclass
class PacketIn:
    """A packet-in as the controller callback receives it."""

    bridge: str
    reason: str
    table_id: int
    cookie: int
    userdata: bytes
    packet: Packet
    metadata: dict[str, int] = field(default_factory=dict)
    continuation: FrozenState | None = None

    def field(self, name: str) -> int:
        """A metadata field by OpenFlow name (`reg14`, `metadata`, `in_port`, `xxreg0`)."""
        found = find_field(name)
        if found is None:
            raise KeyError(name)
        return found.read(self.metadata)

    @property
    def frame(self) -> bytes:
        """The packet as an Ethernet frame."""
        return self.packet.to_bytes()
