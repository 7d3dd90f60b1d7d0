"""Malformed packet-ins reach pinctrl's handler: each is dropped with one
warning line, never an exception (property-based over frames and userdata)."""

from __future__ import annotations

import asyncio
import logging
import re
import struct
from collections.abc import Mapping
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scapy.layers.inet6 import ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, IPv6
from scapy.layers.l2 import Ether

from pyovn.controller.index import SbView
from pyovn.controller.ofctrl import PacketIn
from pyovn.controller.pinctrl import Pinctrl
from pyovn.lflow import CompileContext, compile_flow
from pyovn.lflow.of_controller import ActionOpcode

ND_OPCODES = [
    ActionOpcode.ND_NA,
    ActionOpcode.ND_NA_ROUTER,
    ActionOpcode.ND_NS,
    ActionOpcode.PUT_ND,
    ActionOpcode.ICMP,
    ActionOpcode.ICMP6_ERROR,
    ActionOpcode.PUT_ND_RA_OPTS,
]
SOLICIT = bytes(
    Ether(src="50:54:00:00:01:11", dst="33:33:ff:00:00:01")
    / IPv6(src="fd00:1::11", dst="ff02::1:ff00:1", hlim=255)
    / ICMPv6ND_NS(tgt="fd00:1::1")
    / ICMPv6NDOptSrcLLAddr(lladdr="50:54:00:00:01:11")
)


class FakeSwitch:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes, str]] = []

    async def packet_out(
        self, frame: bytes, actions: str, metadata: Mapping[str, int], encoded: bytes = b""
    ) -> None:
        self.sent.append((frame, actions))

    async def resume(self, packet_in: PacketIn, frame: bytes | None, metadata: Any) -> None:
        if frame is not None:
            self.sent.append((frame, "resume"))


class FakeController:
    def __init__(self) -> None:
        self.switch = FakeSwitch()
        self.view = SbView()
        self.sb = None


def _run(frame: bytes, opcode: int, actions: bytes = b"") -> FakeSwitch:
    controller = FakeController()
    pinctrl = Pinctrl(cast(Any, controller))
    userdata = struct.pack("!I4x", opcode) + actions
    packet_in = PacketIn(20, 0, userdata, frame, {"metadata": 1, "reg14": 1})
    asyncio.run(pinctrl._handle(packet_in))
    return controller.switch


def _mutations() -> st.SearchStrategy[bytes]:
    """The valid solicitation truncated, with bytes overwritten, or random."""
    truncated = st.integers(0, len(SOLICIT) - 1).map(lambda n: SOLICIT[:n])
    overwritten = st.tuples(
        st.integers(12, len(SOLICIT) - 1), st.binary(min_size=1, max_size=8)
    ).map(lambda t: SOLICIT[: t[0]] + t[1] + SOLICIT[t[0] + len(t[1]) :])
    return st.one_of(truncated, overwritten, st.binary(max_size=120))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(frame=_mutations(), opcode=st.sampled_from(ND_OPCODES), junk=st.binary(max_size=24))
def test_malformed_nd_packet_ins_are_dropped_with_one_log_line(
    caplog: pytest.LogCaptureFixture, frame: bytes, opcode: int, junk: bytes
) -> None:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pyovn.controller.pinctrl"):
        switch = _run(frame, opcode, junk)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert all(r.exc_info is None for r in caplog.records)
    if switch.sent:
        # Whatever went out is a frame scapy reads as IPv4/IPv6.
        assert not warnings
        assert Ether(switch.sent[0][0]).type in (0x0800, 0x86DD)
    elif opcode != ActionOpcode.PUT_ND:
        assert len(warnings) == 1, [r.getMessage() for r in caplog.records]


def test_a_valid_solicitation_is_answered_with_the_flow_nested_actions() -> None:
    body = (
        "eth.src = 00:00:00:00:ff:01; ip6.src = fd00:1::1; nd.target = fd00:1::1; "
        "nd.tll = 00:00:00:00:ff:01; outport = inport; flags.loopback = 1; output;"
    )
    ctx = CompileContext(datapath_key=1, table_id=20, ports={"vm1": 1})
    compiled = compile_flow("nd_ns", f"nd_na_router {{ {body} }};", priority=90, ctx=ctx)
    found = re.search(r"userdata=([0-9a-f.]+)", str(compiled.flows[0]))
    assert found is not None
    userdata = bytes.fromhex(found.group(1).replace(".", ""))
    assert struct.unpack_from("!I", userdata)[0] == ActionOpcode.ND_NA_ROUTER
    switch = _run(SOLICIT, ActionOpcode.ND_NA_ROUTER, userdata[8:])
    (frame, actions) = switch.sent[0]
    assert Ether(frame)[ICMPv6ND_NA].R == 1
    assert "load:0xff01->NXM_NX_ND_TLL[]" in actions and "resubmit(,37)" in actions, actions
