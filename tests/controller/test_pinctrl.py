"""pinctrl's packets: DHCP replies, ARP requests, ICMP errors, TCP resets,
and the nested actions decoded from userdata."""

from __future__ import annotations

import re
import struct

import pytest
from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether

from pyovn.controller.errors import PinctrlError
from pyovn.controller.pinctrl import _register_bit
from pyovn.controller.pinctrl.dhcp import ACK, NAK, OFFER, answer_dhcp
from pyovn.controller.pinctrl.ofactions import decode_actions_text
from pyovn.controller.pinctrl.packets import arp_request, icmp4_unreachable, tcp_reset
from pyovn.lflow import CompileContext, compile_flow
from pyovn.lflow.of_ir import render_actions
from pyovn.lflow.to_openflow import compile_actions

MAC = "50:54:00:00:01:11"
OPTIONS = (
    "offerip = 10.0.0.11, dns_server = {8.8.8.8}, lease_time = 3600, mtu = 1442, "
    "netmask = 255.255.255.0, router = 10.0.0.1, server_id = 10.0.0.1"
)


def _userdata(actions: str, *, table: int = 20) -> bytes:
    ctx = CompileContext(datapath_key=1, table_id=table, ports={"vm1": 1})
    compiled = compile_flow("ip4", actions, priority=100, ctx=ctx)
    found = re.search(r"userdata=([0-9a-f.]+)", str(compiled.flows[0]))
    assert found is not None
    return bytes.fromhex(found.group(1).replace(".", ""))


def _dhcp_request(kind: str, requested: str | None = None) -> bytes:
    options: list[object] = [("message-type", kind)]
    if requested:
        options.append(("requested_addr", requested))
    frame = (
        Ether(src=MAC, dst="ff:ff:ff:ff:ff:ff")
        / IP(src="0.0.0.0", dst="255.255.255.255")
        / UDP(sport=68, dport=67)
        / BOOTP(chaddr=bytes.fromhex(MAC.replace(":", "")), xid=0x1234, flags=0x8000)
        / DHCP(options=[*options, "end"])
    )
    return bytes(frame)


def _dhcp_options(frame: bytes) -> dict[str, object]:
    packet = Ether(frame)
    return {o[0]: o[1] for o in packet[DHCP].options if isinstance(o, tuple)}


def test_dhcp_discover_gets_an_offer_with_the_flow_options() -> None:
    userdata = _userdata(f"reg0[3] = put_dhcp_opts({OPTIONS}); next;")
    assert struct.unpack_from("!I", userdata)[0] == 2  # PUT_DHCP_OPTS
    answer = answer_dhcp(_dhcp_request("discover"), userdata[16:])
    assert answer.message_type == OFFER and answer.frame is not None
    reply = Ether(answer.frame)
    assert (
        reply[BOOTP].op == 2 and reply[BOOTP].yiaddr == "10.0.0.11" and reply[BOOTP].xid == 0x1234
    )
    # Same headers as the request: ls_in_dhcp_response rewrites MACs, source and ports.
    assert (reply[UDP].sport, reply[UDP].dport, reply[IP].dst) == (68, 67, "255.255.255.255")
    options = _dhcp_options(answer.frame)
    assert options["message-type"] == OFFER and options["router"] == "10.0.0.1"
    assert options["name_server"] == "8.8.8.8" and options["lease_time"] == 3600
    assert options["interface-mtu"] == 1442 and options["subnet_mask"] == "255.255.255.0"
    assert options["server_id"] == "10.0.0.1"


def test_dhcp_request_is_acked_for_the_offered_address_and_nacked_otherwise() -> None:
    encoded = _userdata(f"reg0[3] = put_dhcp_opts({OPTIONS}); next;")[16:]
    ack = answer_dhcp(_dhcp_request("request", "10.0.0.11"), encoded)
    assert ack.message_type == ACK and Ether(ack.frame)[BOOTP].yiaddr == "10.0.0.11"
    nak = answer_dhcp(_dhcp_request("request", "10.0.0.99"), encoded)
    assert nak.message_type == NAK and Ether(nak.frame)[BOOTP].yiaddr == "0.0.0.0"
    assert set(_dhcp_options(nak.frame or b"")) == {"message-type", "server_id"}
    assert answer_dhcp(_dhcp_request("release"), encoded).frame is None
    with pytest.raises(PinctrlError, match="not DHCP"):
        answer_dhcp(bytes(Ether() / IP() / ICMP()), encoded)


def test_result_bits_of_wide_registers_land_in_the_right_register() -> None:
    assert _register_bit("xxreg0", 99) == ("reg0", 3)
    assert _register_bit("xxreg0", 3) == ("reg3", 3)
    assert _register_bit("xreg1", 40) == ("reg2", 8)
    assert _register_bit("reg5", 7) == ("reg5", 7)


def test_arp_request_asks_for_the_ip_destination() -> None:
    ip_packet = bytes(
        Ether(src="00:00:00:00:ff:03", dst="00:00:00:00:00:00")
        / IP(src="10.0.0.11", dst="172.16.0.9")
        / ICMP()
    )
    request = Ether(arp_request(ip_packet))
    assert request[ARP].op == 1 and request[ARP].hwsrc == "00:00:00:00:ff:03"
    assert (request[ARP].psrc, request[ARP].pdst) == ("10.0.0.11", "172.16.0.9")


def test_icmp_unreachable_quotes_the_original_header() -> None:
    original = (
        Ether()
        / IP(src="10.0.0.11", dst="10.9.9.9", ttl=1)
        / UDP(sport=5000, dport=53)
        / (b"x" * 20)
    )
    error = Ether(icmp4_unreachable(bytes(original)))
    assert error[ICMP].type == 3 and error[ICMP].code == 1 and error[IP].ttl == 255
    quoted = IP(bytes(error[ICMP].payload))
    assert quoted.src == "10.0.0.11" and quoted.dst == "10.9.9.9" and quoted[UDP].dport == 53
    check = Ether(bytes(error))
    del check[ICMP].chksum, check[IP].chksum
    assert Ether(bytes(check))[ICMP].chksum == error[ICMP].chksum


def test_tcp_reset_answers_the_segment() -> None:
    syn = (
        Ether()
        / IP(src="10.0.0.11", dst="10.0.0.1")
        / TCP(sport=40000, dport=22, flags="S", seq=100)
    )
    reset = Ether(tcp_reset(bytes(syn)))
    assert reset[TCP].flags == "RA" and reset[TCP].ack == 101 and reset[TCP].seq == 0
    assert (reset[TCP].sport, reset[TCP].dport) == (22, 40000)
    check = reset.copy()
    del check[TCP].chksum
    assert Ether(bytes(check))[TCP].chksum == reset[TCP].chksum


@pytest.mark.parametrize(
    "body",
    [
        "eth.dst = ff:ff:ff:ff:ff:ff; arp.spa = reg1; arp.tpa = reg0; arp.op = 1; output;",
        "eth.dst <-> eth.src; icmp4.type = 11; icmp4.code = 0; ip4.dst <-> ip4.src; "
        'ip.ttl = 254; outport = "vm1"; flags.loopback = 1; output;',
    ],
)
def test_nested_actions_decode_to_what_they_compile_to(body: str) -> None:
    userdata = _userdata(
        f"arp {{ {body} }};" if "arp" in body else f"icmp4 {{ {body} }};", table=21
    )
    ctx = CompileContext(datapath_key=1, table_id=21, ports={"vm1": 1})
    assert decode_actions_text(userdata[8:]) == render_actions(compile_actions(body, ctx))
    with pytest.raises(PinctrlError):
        decode_actions_text(userdata[8:20])
