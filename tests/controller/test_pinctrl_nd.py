"""pinctrl's IPv6 packets (nd_na, nd_na_router, nd_ns, icmp6, put_nd_ra_opts) checked
against scapy's parsing, and put_nd's staged address read back."""

from __future__ import annotations

import re
import struct

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import (
    ICMPv6DestUnreach,
    ICMPv6EchoRequest,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6ND_RA,
    ICMPv6ND_RS,
    ICMPv6NDOptDstLLAddr,
    ICMPv6NDOptMTU,
    ICMPv6NDOptPrefixInfo,
    ICMPv6NDOptSrcLLAddr,
    IPv6,
)
from scapy.layers.l2 import Dot1Q, Ether

from pyovn.controller.errors import PinctrlError
from pyovn.controller.pinctrl.mac_binding import _address
from pyovn.controller.pinctrl.nd import (
    icmp6_unreachable,
    icmp_unreachable,
    nd_na,
    nd_na_router,
    nd_ns,
    router_advertisement,
)
from pyovn.lflow import CompileContext, compile_flow
from pyovn.lflow.of_controller import ActionOpcode

VM_MAC, ROUTER_MAC = "50:54:00:00:01:11", "00:00:00:00:ff:01"


def _solicit(target: str = "fd00:1::1", *, vlan: bool = False) -> bytes:
    """An NS from vm1 for `target`, as a VM's kernel sends it (multicast)."""
    eth = Ether(src=VM_MAC, dst="33:33:ff:00:00:01")
    head = eth / Dot1Q(vlan=7) if vlan else eth
    return bytes(
        head
        / IPv6(src="fd00:1::11", dst="ff02::1:ff00:1", hlim=255)
        / ICMPv6ND_NS(tgt=target)
        / ICMPv6NDOptSrcLLAddr(lladdr=VM_MAC)
    )


def _checksums_hold(frame: bytes) -> None:
    """Recomputing every checksum with scapy gives the same bytes."""
    packet = Ether(frame)
    layer = packet[IPv6].payload
    del layer.cksum
    assert bytes(Ether(bytes(packet))) == frame


def test_nd_na_answers_the_solicitation_with_solicited_and_override() -> None:
    frame = nd_na(_solicit())
    _checksums_hold(frame)
    reply = Ether(frame)
    # Ethernet source/destination exchanged; ip6.src is the target, ip6.dst the sender.
    assert (reply.src, reply.dst) == ("33:33:ff:00:00:01", VM_MAC)
    assert (reply[IPv6].src, reply[IPv6].dst, reply[IPv6].hlim) == ("fd00:1::1", "fd00:1::11", 255)
    na = reply[ICMPv6ND_NA]
    assert (na.type, na.code, na.tgt) == (136, 0, "fd00:1::1")
    assert (na.R, na.S, na.O) == (0, 1, 1)
    # nd.tll starts as the original eth.dst (the nested actions set the real MAC).
    assert reply[ICMPv6NDOptDstLLAddr].lladdr == "33:33:ff:00:00:01"
    assert reply[IPv6].plen == 32


def test_nd_na_router_also_sets_the_router_flag_and_keeps_the_vlan_tag() -> None:
    frame = nd_na_router(_solicit(vlan=True))
    _checksums_hold(frame)
    reply = Ether(frame)
    assert reply[Dot1Q].vlan == 7
    na = reply[ICMPv6ND_NA]
    assert (na.R, na.S, na.O) == (1, 1, 1)


def test_nd_ns_solicits_the_destination_on_its_solicited_node_group() -> None:
    packet = bytes(
        Ether(src=ROUTER_MAC, dst="00:00:00:00:00:00")
        / IPv6(src="fd00:2::1", dst="fd00:1::ab:cd12", hlim=63)
        / ICMPv6EchoRequest(id=9, seq=1)
    )
    frame = nd_ns(packet)
    _checksums_hold(frame)
    ns = Ether(frame)
    assert (ns.src, ns.dst) == (ROUTER_MAC, "33:33:ff:ab:cd:12")
    # From the link-local address of the Ethernet source, as ovn-controller sends it.
    lla = "fe80::200:ff:fe00:ff01"
    assert (ns[IPv6].src, ns[IPv6].dst, ns[IPv6].hlim) == (lla, "ff02::1:ffab:cd12", 255)
    assert (ns[ICMPv6ND_NS].type, ns[ICMPv6ND_NS].tgt) == (135, "fd00:1::ab:cd12")
    assert ns[ICMPv6NDOptSrcLLAddr].lladdr == ROUTER_MAC


def test_icmp6_quotes_the_packet_and_the_shared_opcode_picks_the_family() -> None:
    original = bytes(
        Ether(src=VM_MAC, dst=ROUTER_MAC)
        / IPv6(src="fd00:1::11", dst="fd00:2::13", hlim=1)
        / ICMPv6EchoRequest(id=1, seq=2, data=b"y" * 3000)
    )
    frame = icmp_unreachable(original)
    assert frame == icmp6_unreachable(original)
    _checksums_hold(frame)
    error = Ether(frame)
    unreach = error[ICMPv6DestUnreach]
    assert (unreach.type, unreach.code, error[IPv6].hlim) == (1, 1, 255)
    assert len(frame) == 1280  # Ethernet header included, as ovn-controller quotes
    assert error[IPv6].plen == 8 + 1218
    quoted = bytes(unreach.payload)
    assert quoted == original[14 : 14 + len(quoted)]
    v4 = bytes(Ether() / IP(src="10.0.0.11", dst="10.0.1.13", ttl=1) / UDP())
    assert Ether(icmp_unreachable(v4))[IP].proto == 1


@pytest.mark.parametrize(
    "frame",
    [
        bytes(Ether() / IP() / UDP()),  # not IPv6
        bytes(Ether() / IPv6() / ICMPv6EchoRequest()),  # IPv6 but not an NS
        bytes(Ether() / IPv6() / ICMPv6ND_NS())[:-4],  # truncated NS
        bytes(Ether() / IPv6(plen=200) / ICMPv6ND_NS()),  # payload shorter than plen
        bytes(Ether() / IPv6() / ICMPv6ND_NS() / (b"\x01\x00" + b"\0" * 6)),  # zero-length option
    ],
)
def test_nd_na_refuses_what_is_not_a_solicitation(frame: bytes) -> None:
    with pytest.raises(PinctrlError):
        nd_na(frame)


def test_put_nd_reads_the_address_from_xxreg0() -> None:
    value = int.from_bytes(bytes.fromhex("fd000001000000000000000000000011"), "big")
    regs = {f"reg{i}": value >> (96 - 32 * i) & 0xFFFFFFFF for i in range(4)}
    assert _address(regs, True) == "fd00:1::11"
    assert _address({"reg0": 0x0A00000B}, False) == "10.0.0.11"
    assert _address({}, True) is None  # ::, nothing to learn
    assert _address({"reg0": 0xFF020000}, True) is None  # multicast


def test_router_advertisement_carries_the_flow_options() -> None:
    actions = (
        'reg0[5] = put_nd_ra_opts(addr_mode = "slaac", slla = 00:00:00:00:ff:01, '
        "prefix = fd00:1::/64, mtu = 1442); next;"
    )
    ctx = CompileContext(datapath_key=1, table_id=10, ports={"lr1-sw1": 1})
    compiled = compile_flow("nd_rs", actions, priority=100, ctx=ctx)
    found = re.search(r"userdata=([0-9a-f.]+)", str(compiled.flows[0]))
    assert found is not None and ",pause" in str(compiled.flows[0])
    userdata = bytes.fromhex(found.group(1).replace(".", ""))
    assert struct.unpack_from("!I", userdata)[0] == ActionOpcode.PUT_ND_RA_OPTS
    solicitation = bytes(
        Ether(src=VM_MAC, dst="33:33:00:00:00:02")
        / IPv6(src="fe80::5254:ff:fe00:111", dst="ff02::2", hlim=255)
        / ICMPv6ND_RS()
        / ICMPv6NDOptSrcLLAddr(lladdr=VM_MAC)
    )
    frame = router_advertisement(solicitation, userdata[16:])
    _checksums_hold(frame)
    advert = Ether(frame)
    ra = advert[ICMPv6ND_RA]
    assert (ra.type, ra.chlim, ra.M, ra.O, ra.routerlifetime) == (134, 255, 0, 0, 0xFFFF)
    assert advert[ICMPv6NDOptSrcLLAddr].lladdr == ROUTER_MAC
    assert advert[ICMPv6NDOptMTU].mtu == 1442
    prefix = advert[ICMPv6NDOptPrefixInfo]
    assert (prefix.prefix, prefix.prefixlen, prefix.L, prefix.A) == ("fd00:1::", 64, 1, 1)
    with pytest.raises(PinctrlError):
        router_advertisement(_solicit(), userdata[16:])  # an NS is not an RS
    with pytest.raises(PinctrlError):
        router_advertisement(solicitation, userdata[16:30])
