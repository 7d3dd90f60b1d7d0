"""pinctrl's DHCPv6 replies (`put_dhcpv6_opts`) read back with scapy, and
malformed requests dropped with one log line.

`REAL_*` are DHCPv6 payloads the real ovn-controller 23.03 sent for the
same flow and requests (captured on a real ovs-vswitchd, the VM sending with
scapy); the only byte difference is the domain search list, which the real
controller encodes as one label with the dots inside it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import struct
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scapy.layers.dhcp6 import (
    DUID_LL,
    DUID_LLT,
    DHCP6_Advertise,
    DHCP6_Confirm,
    DHCP6_Decline,
    DHCP6_InfoRequest,
    DHCP6_Rebind,
    DHCP6_Release,
    DHCP6_Renew,
    DHCP6_Reply,
    DHCP6_Request,
    DHCP6_Solicit,
    DHCP6OptClientFQDN,
    DHCP6OptClientId,
    DHCP6OptDNSDomains,
    DHCP6OptDNSServers,
    DHCP6OptIA_NA,
    DHCP6OptIAAddress,
    DHCP6OptRapidCommit,
    DHCP6OptServerId,
)
from scapy.layers.inet import UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Packet

from pyovn.controller.errors import PinctrlError
from pyovn.controller.ofctrl import PacketIn
from pyovn.controller.pinctrl import Pinctrl
from pyovn.controller.pinctrl.dhcp6 import ADVERTISE, REPLY, answer_dhcpv6, domain_labels
from pyovn.lflow import CompileContext, compile_flow
from pyovn.lflow.of_controller import ActionOpcode
from tests.controller.test_pinctrl_malformed import FakeController

MAC = "50:54:00:00:01:11"
LLA = "fe80::5254:ff:fe00:111"
STATEFUL = (
    "reg0[3] = put_dhcpv6_opts(ia_addr = fd00:1::11, dns_server = {fd00:1::53,fd00:1::54}, "
    'domain_search = "ovn.test", server_id = 00:00:00:00:10:02); next;'
)
STATELESS = (
    "reg0[3] = put_dhcpv6_opts(dns_server = {fd00:1::53}, server_id = 00:00:00:00:10:03); next;"
)
CLIENT = DHCP6OptClientId(duid=DUID_LLT(lladdr=MAC, timeval=1234))
SERVER = DHCP6OptServerId(duid=DUID_LL(lladdr="00:00:00:00:10:02"))
IA_NA = DHCP6OptIA_NA(iaid=0x0A0B0C0D, T1=0, T2=0)

# The real ovn-controller's answers (DHCPv6 payloads) to the stateful flow.
_REAL_TAIL = (
    "0001000e00010001000004d2505400000111000300280a0b0c0dffffffffffffffff00050018"
    "fd000001000000000000000000000011ffffffffffffffff00170020fd0000010000000000000000"
    "00000053fd0000010000000000000000000000540018000a086f766e2e74657374000002000a0003"
    "0001000000001002"
)
REAL_ADVERTISE = bytes.fromhex("02000001" + _REAL_TAIL)
REAL_REQUEST_REPLY = bytes.fromhex("07000003" + _REAL_TAIL)
REAL_STATELESS_INFO_REPLY = bytes.fromhex(
    "070000070001000e00010001000004d250540000011200170010fd00000100000000000000000000"
    "00530002000a00030001000000001003"
)


def _encoded(actions: str) -> bytes:
    """The put_dhcpv6_opts options as pyovn.lflow puts them in the userdata
    (after the opcode and the result field)."""
    ctx = CompileContext(datapath_key=1, table_id=20, ports={"vm1": 1})
    compiled = compile_flow("ip6", actions, priority=100, ctx=ctx)
    found = re.search(r"userdata=([0-9a-f.]+)", str(compiled.flows[0]))
    assert found is not None
    userdata = bytes.fromhex(found.group(1).replace(".", ""))
    assert struct.unpack_from("!I", userdata)[0] == ActionOpcode.PUT_DHCPV6_OPTS
    return userdata[8:]


def _request(message: Packet, mac: str = MAC, hlim: int = 1) -> bytes:
    frame = (
        Ether(src=mac, dst="33:33:00:01:00:02")
        / IPv6(src=LLA, dst="ff02::1:2", hlim=hlim)
        / UDP(sport=546, dport=547)
        / message
    )
    return bytes(frame)


def _answer(message: Packet, actions: str = STATEFUL) -> Packet:
    answer = answer_dhcpv6(_request(message), _encoded(actions)[8:])
    assert answer.frame is not None
    return Ether(answer.frame)


def _real_domains(payload: bytes) -> bytes:
    """`payload` with the domain search list encoded as the real controller does."""
    return payload.replace(domain_labels("ovn.test"), b"\x08ovn.test\x00")


def test_solicit_gets_an_advertise_matching_the_real_controller() -> None:
    request = DHCP6_Solicit(trid=1) / CLIENT / IA_NA
    reply = _answer(request)
    assert reply[UDP].payload.msgtype == ADVERTISE and reply[UDP].payload.trid == 1
    assert _real_domains(bytes(reply[UDP].payload)) == REAL_ADVERTISE
    # Same Ethernet, IPv6 and UDP headers as the request (the response flow
    # rewrites them), checksum valid for those addresses.
    assert (reply.src, reply.dst, reply[IPv6].src, reply[IPv6].hlim) == (
        MAC,
        "33:33:00:01:00:02",
        LLA,
        1,
    )
    assert (reply[UDP].sport, reply[UDP].dport) == (546, 547)
    checksum = reply[UDP].chksum
    del reply[UDP].chksum
    assert Ether(bytes(reply))[UDP].chksum == checksum


def test_advertise_fields_read_back_with_scapy() -> None:
    reply = _answer(DHCP6_Solicit(trid=0x123456) / CLIENT / IA_NA)
    assert reply[DHCP6OptClientId].duid.lladdr == MAC
    server = reply[DHCP6OptServerId].duid
    assert (server.type, server.hwtype, server.lladdr) == (3, 1, "00:00:00:00:10:02")
    ia = reply[DHCP6OptIA_NA]
    assert (ia.iaid, ia.T1, ia.T2) == (0x0A0B0C0D, 0xFFFFFFFF, 0xFFFFFFFF)
    address = reply[DHCP6OptIAAddress]
    assert (address.addr, address.preflft, address.validlft) == (
        "fd00:1::11",
        0xFFFFFFFF,
        0xFFFFFFFF,
    )
    assert reply[DHCP6OptDNSServers].dnsservers == ["fd00:1::53", "fd00:1::54"]
    assert reply[DHCP6OptDNSDomains].dnsdomains == ["ovn.test."]


def test_rapid_commit_solicit_still_gets_an_advertise() -> None:
    reply = _answer(DHCP6_Solicit(trid=2) / CLIENT / DHCP6OptRapidCommit() / IA_NA)
    assert isinstance(reply[UDP].payload, DHCP6_Advertise)
    assert DHCP6OptRapidCommit not in reply


@pytest.mark.parametrize(
    "message",
    [DHCP6_Request, DHCP6_Renew, DHCP6_Rebind, DHCP6_Confirm, DHCP6_Decline],
    ids=lambda m: m.__name__,
)
def test_lease_messages_get_a_reply_with_the_address(message: type[Packet]) -> None:
    reply = _answer(message(trid=3) / CLIENT / SERVER / IA_NA)
    assert isinstance(reply[UDP].payload, DHCP6_Reply)
    assert reply[UDP].payload.trid == 3
    assert reply[DHCP6OptIAAddress].addr == "fd00:1::11"
    if message is DHCP6_Request:
        assert _real_domains(bytes(reply[UDP].payload)) == REAL_REQUEST_REPLY


def test_information_request_gets_options_without_an_address() -> None:
    reply = _answer(DHCP6_InfoRequest(trid=7) / CLIENT)
    assert reply[UDP].payload.msgtype == REPLY
    assert DHCP6OptIA_NA not in reply
    assert reply[DHCP6OptDNSServers].dnsservers == ["fd00:1::53", "fd00:1::54"]


def test_stateless_information_request_matches_the_real_controller() -> None:
    request = DHCP6_InfoRequest(trid=7) / DHCP6OptClientId(
        duid=DUID_LLT(lladdr="50:54:00:00:01:12", timeval=1234)
    )
    answer = answer_dhcpv6(_request(request, "50:54:00:00:01:12"), _encoded(STATELESS)[8:])
    assert answer.frame is not None and answer.message_type == REPLY
    assert bytes(Ether(answer.frame)[UDP].payload) == REAL_STATELESS_INFO_REPLY


def test_stateless_solicit_gets_no_address() -> None:
    reply = _answer(DHCP6_Solicit(trid=1) / CLIENT / IA_NA, STATELESS)
    assert DHCP6OptIA_NA not in reply and DHCP6OptIAAddress not in reply
    assert reply[DHCP6OptServerId].duid.lladdr == "00:00:00:00:10:03"


def test_fqdn_is_sent_as_dns_labels() -> None:
    actions = 'reg0[3] = put_dhcpv6_opts(server_id = 00:00:00:00:10:02, fqdn = "vm1.ovn.test");'
    reply = _answer(DHCP6_InfoRequest(trid=7) / CLIENT, actions)
    assert reply[DHCP6OptClientFQDN].fqdn == b"vm1.ovn.test."
    assert reply[DHCP6OptClientFQDN].flags == 0


def test_release_gets_no_reply() -> None:
    request = _request(DHCP6_Release(trid=8) / CLIENT / SERVER / IA_NA)
    assert answer_dhcpv6(request, _encoded(STATEFUL)[8:]).frame is None


def test_request_without_client_identifier_is_malformed() -> None:
    with pytest.raises(PinctrlError):
        answer_dhcpv6(_request(DHCP6_Solicit(trid=1) / IA_NA), _encoded(STATEFUL)[8:])


def _run(frame: bytes, userdata: bytes) -> list[bytes]:
    controller = FakeController()
    pinctrl = Pinctrl(cast(Any, controller))
    packet_in = PacketIn(20, 0, userdata, frame, {"metadata": 1, "reg14": 1})
    asyncio.run(pinctrl._handle(packet_in))
    return [frame for frame, _ in controller.switch.sent]


def _userdata() -> bytes:
    return struct.pack("!I4x", ActionOpcode.PUT_DHCPV6_OPTS) + _encoded(STATEFUL)


ANSWERED = {1, 3, 4, 5, 6, 9, 11}  # Solicit, Request, Confirm, Renew, Rebind, Decline, Info
SOLICIT = _request(DHCP6_Solicit(trid=1) / CLIENT / IA_NA)


def test_pinctrl_resumes_with_the_advertise() -> None:
    (frame,) = _run(SOLICIT, _userdata())
    assert isinstance(Ether(frame)[UDP].payload, DHCP6_Advertise)


def _mutations() -> st.SearchStrategy[bytes]:
    """The valid Solicit truncated, with bytes overwritten, or random."""
    truncated = st.integers(0, len(SOLICIT) - 1).map(lambda n: SOLICIT[:n])
    overwritten = st.tuples(
        st.integers(12, len(SOLICIT) - 1), st.binary(min_size=1, max_size=8)
    ).map(lambda t: SOLICIT[: t[0]] + t[1] + SOLICIT[t[0] + len(t[1]) :])
    return st.one_of(truncated, overwritten, st.binary(max_size=160))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(frame=_mutations(), cut=st.integers(0, 80))
def test_malformed_requests_are_dropped_with_one_log_line(
    caplog: pytest.LogCaptureFixture, frame: bytes, cut: int
) -> None:
    userdata = _userdata()
    userdata = userdata if cut == 0 else userdata[: len(userdata) - cut]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pyovn.controller.pinctrl"):
        sent = _run(frame, userdata)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert all(r.exc_info is None for r in caplog.records)
    if sent:
        assert not warnings
        assert Ether(sent[0])[UDP].sport == 546
    elif warnings:
        assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
    else:
        # No reply and no warning: a well-formed message of a type not answered.
        assert userdata == _userdata() and len(frame) > 62
        assert frame[62] not in ANSWERED, frame.hex()
