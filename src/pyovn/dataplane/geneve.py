"""Geneve encapsulation (RFC 8926) as OVN uses it between chassis.

A Geneve header carries a 24-bit VNI and TLV options. OVN puts the logical
datapath's tunnel key in the VNI and one option of class 0x0102 (OVN),
type 0x80, 4 bytes long, holding 1 reserved bit, the 15-bit logical
ingress port key and the 16-bit logical egress port key (ovn-architecture(7),
"Tunnel Encapsulations"). Open vSwitch exposes that option as
`tun_metadata0` once the TLV map `{class=0x102,type=0x80,len=4}->tun_metadata0`
is installed, which is what ovn-controller does.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pyovn.dataplane.errors import PacketError

__all__ = [
    "GENEVE_PORT",
    "OVN_OPTION_CLASS",
    "OVN_OPTION_TYPE",
    "GeneveFrame",
    "GeneveOption",
    "ovn_option",
    "ovn_port_keys",
]

GENEVE_PORT = 6081
OVN_OPTION_CLASS = 0x0102
OVN_OPTION_TYPE = 0x80
TRANSPARENT_ETHERNET = 0x6558


@dataclass(frozen=True)
class GeneveOption:
    """One Geneve TLV option."""

    option_class: int
    option_type: int
    data: bytes

    def encode(self) -> bytes:
        if len(self.data) % 4 or len(self.data) > 124:
            raise PacketError("Geneve option data must be a multiple of 4 bytes, at most 124")
        return struct.pack(
            "!HBB", self.option_class, self.option_type, len(self.data) // 4
        ) + bytes(self.data)


def ovn_option(ingress_key: int, egress_key: int) -> GeneveOption:
    """OVN's option: 15-bit logical ingress port key, 16-bit egress port key."""
    if not 0 <= ingress_key < 1 << 15 or not 0 <= egress_key < 1 << 16:
        raise PacketError(f"port keys out of range: ingress {ingress_key}, egress {egress_key}")
    value = (ingress_key << 16) | egress_key
    return GeneveOption(OVN_OPTION_CLASS, OVN_OPTION_TYPE, value.to_bytes(4, "big"))


def ovn_port_keys(value: int) -> tuple[int, int]:
    """(ingress key, egress key) from OVN's option value (`tun_metadata0`)."""
    return (value >> 16) & 0x7FFF, value & 0xFFFF


@dataclass(frozen=True)
class GeneveFrame:
    """A Geneve packet: VNI, options and the inner Ethernet frame."""

    vni: int
    options: tuple[GeneveOption, ...]
    inner: bytes
    oam: bool = False
    critical: bool = False

    def encode(self) -> bytes:
        """The UDP payload: Geneve header, options, inner frame."""
        if not 0 <= self.vni < 1 << 24:
            raise PacketError(f"VNI {self.vni} does not fit in 24 bits")
        options = b"".join(option.encode() for option in self.options)
        if len(options) > 252:
            raise PacketError("Geneve options exceed 252 bytes")
        flags = (0x80 if self.oam else 0) | (0x40 if self.critical else 0)
        header = struct.pack("!BBHI", len(options) // 4, flags, TRANSPARENT_ETHERNET, self.vni << 8)
        return header + options + self.inner

    @classmethod
    def decode(cls, data: bytes) -> GeneveFrame:
        """Parse a Geneve UDP payload."""
        if len(data) < 8:
            raise PacketError("Geneve header truncated")
        first, flags, protocol, vni_word = struct.unpack("!BBHI", data[:8])
        if first >> 6 != 0:
            raise PacketError(f"unsupported Geneve version {first >> 6}")
        if protocol != TRANSPARENT_ETHERNET:
            raise PacketError(f"Geneve protocol {hex(protocol)} is not Ethernet")
        end = 8 + (first & 0x3F) * 4
        if len(data) < end:
            raise PacketError("Geneve options truncated")
        options: list[GeneveOption] = []
        position = 8
        while position < end:
            option_class, option_type, length = struct.unpack("!HBB", data[position : position + 4])
            size = (length & 0x1F) * 4
            body = data[position + 4 : position + 4 + size]
            options.append(GeneveOption(option_class, option_type & 0xFF, body))
            position += 4 + size
        return cls(
            vni_word >> 8, tuple(options), data[end:], bool(flags & 0x80), bool(flags & 0x40)
        )

    def option_value(self, option_class: int, option_type: int) -> int | None:
        """The integer value of an option, if present."""
        for option in self.options:
            if option.option_class == option_class and option.option_type == option_type:
                return int.from_bytes(option.data, "big")
        return None
