"""A packet: the field map Open vSwitch's `struct flow` holds, plus payload.

`Packet.fields` maps storage slots (see `fields.py`) to integers: metadata
(`in_port`, registers, conntrack state, tunnel), L2, L3 and L4 headers.
Header fields OpenFlow cannot see but real bytes need (IP identification,
TCP sequence numbers, ICMP echo id/sequence) live in `Packet.extra`, and the
L4 payload (DHCP, application data, an ICMP error's quoted packet) in
`Packet.payload`. `packet_bytes.py` converts to and from real frames.

Fields are read and written by their OpenFlow names: `packet["ip_src"]`,
`packet["reg14"]`, `packet["xxreg0"]`, or set from text with
`Packet.from_flow_text("in_port=2,icmp,dl_src=…,nw_ttl=64")`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyovn.dataplane.errors import PacketError
from pyovn.dataplane.field_syntax import parse_value
from pyovn.dataplane.fields import find_field
from pyovn.dataplane.match import MatchBuilder

__all__ = ["HEADER_SLOTS", "METADATA_SLOTS", "Packet"]

# Slots a datapath packet carries from hop to hop; registers and `metadata`
# are pipeline state and are zero whenever a packet enters a bridge.
METADATA_SLOTS = frozenset(
    {"metadata", "conj_id", "actset_output", *(f"reg{i}" for i in range(16))}
)
HEADER_SLOTS = (
    "vlan_tci",
    "dl_src",
    "dl_dst",
    "dl_type",
    "nw_src",
    "nw_dst",
    "ipv6_src",
    "ipv6_dst",
    "ipv6_label",
    "nw_proto",
    "nw_tos",
    "nw_ttl",
    "nw_frag",
    "arp_sha",
    "arp_tha",
    "nd_target",
    "tp_src",
    "tp_dst",
    "tcp_flags",
)

_L4_HEADER_BYTES = {6: 20, 17: 8, 132: 12, 1: 8, 58: 8}


class Packet:
    """A packet as a field map, an L4 payload and the extra header fields."""

    __slots__ = ("extra", "fields", "payload")

    def __init__(
        self,
        fields: Mapping[str, int] | None = None,
        payload: bytes = b"",
        extra: Mapping[str, int] | None = None,
    ) -> None:
        self.fields: dict[str, int] = dict(fields or {})
        self.payload = payload
        self.extra: dict[str, int] = dict(extra or {})

    # ------------------------------------------------------------ construction

    @classmethod
    def from_flow_text(cls, text: str, payload: bytes = b"") -> Packet:
        """A packet from `ofproto/trace` flow syntax; unnamed fields are zero."""
        from pyovn.dataplane.tokens import split_items, split_key_value

        builder = MatchBuilder()
        for item in split_items(text, separators=", "):
            key, value = split_key_value(item.text)
            builder.add(key, value, item.position)
        match = builder.build()
        return cls({slot: value for slot, value, _ in match.items if value}, payload)

    @classmethod
    def build(cls, payload: bytes = b"", **values: int | str) -> Packet:
        """A packet from field names and values (`ip_src="10.0.0.1"`, `nw_ttl=64`)."""
        packet = cls(payload=payload)
        for name, value in values.items():
            packet[name] = value
        return packet

    @classmethod
    def from_bytes(cls, data: bytes, in_port: int = 0) -> Packet:
        """Parse an Ethernet frame (see `packet_bytes.packet_from_bytes`)."""
        from pyovn.dataplane.packet_bytes import packet_from_bytes

        return packet_from_bytes(data, in_port)

    def to_bytes(self) -> bytes:
        """Serialise to an Ethernet frame (see `packet_bytes.packet_to_bytes`)."""
        from pyovn.dataplane.packet_bytes import packet_to_bytes

        return packet_to_bytes(self)

    def copy(self) -> Packet:
        """An independent copy."""
        return Packet(self.fields, self.payload, self.extra)

    # ------------------------------------------------------------ field access

    def __getitem__(self, name: str) -> int:
        field = find_field(name)
        if field is None:
            raise PacketError(f"unknown field {name}")
        return field.read(self.fields)

    def __setitem__(self, name: str, value: int | str) -> None:
        field = find_field(name)
        if field is None:
            raise PacketError(f"unknown field {name}")
        if isinstance(value, str):
            parsed, mask = parse_value(field, value)
            if mask is not None:
                raise PacketError(f"a packet field takes no mask: {name}={value}")
            value = parsed
        field.write(self.fields, value)

    def get(self, slot: str) -> int:
        """The raw value of a storage slot (0 when absent)."""
        return self.fields.get(slot, 0)

    @property
    def length(self) -> int:
        """Frame length in bytes, as OpenFlow counters count it (no FCS)."""
        fields = self.fields
        size = 14 + (4 if fields.get("vlan_tci", 0) & 0x1000 else 0)
        dl_type = fields.get("dl_type", 0)
        if dl_type in (0x0806, 0x8035):
            return size + 28
        if dl_type == 0x0800:
            size += 20
        elif dl_type == 0x86DD:
            size += 40
        else:
            return size + len(self.payload)
        proto = fields.get("nw_proto", 0)
        if fields.get("nw_frag", 0) & 2:
            return size + len(self.payload)
        size += _L4_HEADER_BYTES.get(proto, 0)
        if dl_type == 0x86DD and proto == 58 and fields.get("tp_src", 0) in (135, 136):
            # Neighbour discovery carries its target and options, not a payload.
            return size + 16 + (8 if fields.get("arp_sha", 0) or fields.get("arp_tha", 0) else 0)
        return size + len(self.payload)

    def flow_text(self) -> str:
        """The packet as `ofproto/trace` prints it on its `Flow:` line."""
        from pyovn.dataplane.match_format import format_flow

        return format_flow(self.fields)

    def headers(self) -> dict[str, int]:
        """Only the header slots (what a wire capture could tell)."""
        return {slot: self.fields[slot] for slot in HEADER_SLOTS if slot in self.fields}

    def __repr__(self) -> str:
        extra = f", payload={len(self.payload)}B" if self.payload else ""
        return f"Packet({self.flow_text()}{extra})"

    def __eq__(self, other: Any) -> bool:
        """Equal fields, payload and extra header fields (absent counts as zero)."""
        if not isinstance(other, Packet):
            return NotImplemented
        return (
            _nonzero(self.fields) == _nonzero(other.fields)
            and self.payload == other.payload
            and _nonzero(self.extra) == _nonzero(other.extra)
        )

    __hash__ = None  # type: ignore[assignment]


def _nonzero(values: Mapping[str, int]) -> dict[str, int]:
    return {key: value for key, value in values.items() if value}
