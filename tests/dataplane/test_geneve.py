"""Geneve encoding, checked against scapy's own Geneve layer."""

from __future__ import annotations

import pytest
from scapy.contrib.geneve import GENEVE

from pyovn.dataplane import PacketError
from pyovn.dataplane.geneve import GeneveFrame, GeneveOption, ovn_option, ovn_port_keys


def test_ovn_option_packs_ingress_and_egress_keys() -> None:
    option = ovn_option(ingress_key=0x1, egress_key=0x8004)
    assert (option.option_class, option.option_type) == (0x0102, 0x80)
    assert option.data == bytes.fromhex("00018004")
    assert ovn_port_keys(int.from_bytes(option.data, "big")) == (1, 0x8004)
    with pytest.raises(PacketError):
        ovn_option(1 << 15, 0)


def test_frames_decode_as_scapy_reads_them() -> None:
    frame = GeneveFrame(vni=0x000004, options=(ovn_option(3, 2),), inner=b"\x01" * 60)
    data = frame.encode()
    parsed = GENEVE(data)
    assert parsed.vni == 4 and parsed.proto == 0x6558 and parsed.optionlen == 2
    assert bytes(parsed.payload) == b"\x01" * 60
    assert GeneveFrame.decode(data) == frame
    assert GeneveFrame.decode(data).option_value(0x0102, 0x80) == (3 << 16) | 2


def test_decode_rejects_garbage() -> None:
    with pytest.raises(PacketError):
        GeneveFrame.decode(b"\x00\x00")
    with pytest.raises(PacketError):
        GeneveFrame.decode(bytes.fromhex("0000080000000100"))
    with pytest.raises(PacketError):
        GeneveFrame(1 << 24, (), b"").encode()
    with pytest.raises(PacketError):
        GeneveOption(0x102, 0x80, b"\x01\x02\x03").encode()
