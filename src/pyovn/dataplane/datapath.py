"""The simulated datapath: runs datapath actions on real packets.

A `Datapath` is shared by the bridges of one simulated host, as the
userspace datapath `ovs-netdev` is: it numbers their ports, owns the
connection tracker and the recirculation table, and executes translation's
datapath actions on a `Packet` — header rewrites, `ct` (with NAT),
`recirc` (which translates the frozen pipeline again), outputs and
packet-ins. Outputs and packet-ins are collected, not delivered, so the
bridge can hand them out once the packet is completely processed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyovn.dataplane.conntrack import Conntrack
from pyovn.dataplane.errors import ConntrackError
from pyovn.dataplane.odp import (
    OdpAction,
    OdpCt,
    OdpCtClear,
    OdpOutput,
    OdpPopVlan,
    OdpPushVlan,
    OdpRecirc,
    OdpSet,
    OdpUserspace,
)
from pyovn.dataplane.packet import Packet
from pyovn.dataplane.packet_in import FrozenState, PacketIn, PacketInRequest
from pyovn.dataplane.xlate import CT_SLOTS

if TYPE_CHECKING:
    from pyovn.dataplane.bridge import Bridge

__all__ = ["Datapath", "Delivery", "Execution"]

MAX_RECIRCULATIONS = 32
_TUNNEL_SLOTS = (
    "tun_id",
    "tun_src",
    "tun_dst",
    "tun_ipv6_src",
    "tun_ipv6_dst",
    "tun_tos",
    "tun_ttl",
    "tun_flags",
    "tun_gbp_id",
    "tun_gbp_flags",
    *(f"tun_metadata{i}" for i in range(8)),
)
_PIPELINE_SLOTS = ("metadata", "conj_id", "actset_output", *(f"reg{i}" for i in range(16)))


@dataclass
class Delivery:
    """A packet leaving a bridge port."""

    bridge: str
    port: str
    ofport: int
    packet: Packet
    tunnel: dict[str, int] = field(default_factory=dict)


@dataclass
class Execution:
    """What happened to one received packet: deliveries, packet-ins, drops."""

    deliveries: list[Delivery] = field(default_factory=list)
    packet_ins: list[PacketIn] = field(default_factory=list)
    passes: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def dropped(self) -> bool:
        """True if the packet went nowhere (no output, no packet-in)."""
        return not self.deliveries and not self.packet_ins


class Datapath:
    """Ports, conntrack and recirculations shared by a host's bridges."""

    def __init__(self, name: str = "ovs-netdev") -> None:
        self.name = name
        self.conntrack = Conntrack()
        self.bridges: dict[str, Bridge] = {}
        self._next_port = 1
        self._recirc_by_state: dict[FrozenState, int] = {}
        self._recirc_states: dict[int, FrozenState] = {}

    def allocate_port(self) -> int:
        """The next datapath port number (0 is the datapath's own port)."""
        number = self._next_port
        self._next_port += 1
        return number

    def freeze(self, state: FrozenState) -> int:
        """The recirculation id for a frozen state (equal states share an id)."""
        recirc_id = self._recirc_by_state.get(state)
        if recirc_id is None:
            recirc_id = len(self._recirc_states) + 1
            self._recirc_by_state[state] = recirc_id
            self._recirc_states[recirc_id] = state
        return recirc_id

    def frozen_state(self, recirc_id: int) -> FrozenState | None:
        """The state a recirculation id resumes."""
        return self._recirc_states.get(recirc_id)

    # ------------------------------------------------------------ execution

    def execute(
        self, packet: Packet, actions: list[OdpAction], execution: Execution, depth: int = 0
    ) -> None:
        """Run datapath actions on `packet` (modified in place)."""
        count = len(actions)
        for index, action in enumerate(actions):
            last = index == count - 1
            if isinstance(action, OdpSet):
                self._set(packet, action)
            elif isinstance(action, OdpCt):
                if not self._ct(packet, action, execution):
                    return
            elif isinstance(action, OdpCtClear):
                for slot in CT_SLOTS:
                    packet.fields.pop(slot, None)
            elif isinstance(action, OdpRecirc):
                self._recirculate(packet if last else packet.copy(), action, execution, depth)
            elif isinstance(action, OdpOutput):
                self._output(packet if last else packet.copy(), action, execution)
            elif isinstance(action, OdpUserspace):
                self._userspace(packet.copy(), action.request, execution)
            elif isinstance(action, OdpPushVlan):
                packet.fields["vlan_tci"] = action.tci | 0x1000
            elif isinstance(action, OdpPopVlan):
                packet.fields.pop("vlan_tci", None)

    @staticmethod
    def _set(packet: Packet, action: OdpSet) -> None:
        fields = packet.fields
        for slot, value, mask in action.values:
            if mask is None:
                fields[slot] = value
            else:
                fields[slot] = (fields.get(slot, 0) & ~mask) | (value & mask)

    def _ct(self, packet: Packet, action: OdpCt, execution: Execution) -> bool:
        try:
            self.conntrack.execute(
                packet,
                action.zone,
                commit=action.commit,
                force=action.force,
                mark=action.mark,
                label=action.label,
                nat=action.nat,
            )
        except ConntrackError as error:
            execution.errors.append(str(error))
            return False
        return True

    def _recirculate(
        self, packet: Packet, action: OdpRecirc, execution: Execution, depth: int
    ) -> None:
        state = self._recirc_states.get(action.recirc_id)
        if state is None or depth >= MAX_RECIRCULATIONS:
            execution.errors.append(f"recirculation {hex(action.recirc_id)} dropped")
            return
        packet.fields["recirc_id"] = action.recirc_id
        self.bridges[state.bridge].run_frozen(packet, state, execution, depth + 1)

    def _output(self, packet: Packet, action: OdpOutput, execution: Execution) -> None:
        bridge = self.bridges[action.bridge]
        port = bridge.ports.get(action.ofport)
        leaving = Packet(
            {k: v for k, v in packet.fields.items() if k not in _PIPELINE_SLOTS},
            packet.payload,
            packet.extra,
        )
        for slot in (*CT_SLOTS, *_TUNNEL_SLOTS, "recirc_id", "in_port"):
            leaving.fields.pop(slot, None)
        execution.deliveries.append(
            Delivery(
                bridge.name,
                port.name if port else str(action.ofport),
                action.ofport,
                leaving,
                dict(action.tunnel),
            )
        )

    def _userspace(self, packet: Packet, request: PacketInRequest, execution: Execution) -> None:
        for slot in (*_PIPELINE_SLOTS, *CT_SLOTS, "recirc_id"):
            packet.fields.pop(slot, None)
        metadata = dict(request.metadata)
        execution.packet_ins.append(
            PacketIn(
                bridge=request.bridge,
                reason=request.reason,
                table_id=request.table_id,
                cookie=request.cookie,
                userdata=request.userdata,
                packet=packet,
                metadata=metadata,
                continuation=request.continuation,
            )
        )
