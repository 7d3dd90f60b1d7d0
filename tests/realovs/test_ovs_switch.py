"""`OvsSwitch` against a real ovs-vswitchd: bundles, diffs, groups, packet-out,
packet-in with a paused pipeline and its resume.

The switch is a netdev bridge `br-test` with fail_mode=secure in a private
network namespace; flows are read back with `ovs-ofctl dump-flows`.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyovn.controller.ofctrl import PacketIn
from pyovn.controller.ovs_switch import OvsSwitch
from pyovn.dataplane.sink import FlowDiff
from pyovn.lflow.of_binary import encode_actions
from pyovn.lflow.of_ir import Resubmit
from tests.realovs.deploy import remove_namespaces, requirements
from tests.realovs.vswitchd import RealVswitchd, run

pytestmark = requirements

FRAME = bytes.fromhex("ffffffffffff5054000001110806") + bytes(46)
GROUP = "type=select,selection_method=dp_hash,bucket=bucket_id:0,weight:100,actions=resubmit(,3)"


@pytest.fixture(scope="module")
def vswitchd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealVswitchd]:
    netns = f"rs{os.getpid() % 10000}-sw"
    daemon = RealVswitchd(tmp_path_factory.mktemp("ovs-switch"), netns)
    run("ip", "netns", "add", netns)
    try:
        daemon.start()
        daemon.add_bridge("br-test", "fail-mode=secure")
        yield daemon
    finally:
        daemon.stop()
        remove_namespaces(netns.split("-")[0])


def _dump(mgmt: Path) -> dict[str, tuple[str, int]]:
    """match -> (actions, n_packets) of every flow."""
    out = run("ovs-ofctl", "-O", "OpenFlow15", "dump-flows", f"unix:{mgmt}")
    flows = {}
    for line in out.splitlines():
        if "actions=" not in line:
            continue
        head, actions = line.split(" actions=")
        packets = int(re.search(r"n_packets=(\d+)", head).group(1))  # type: ignore[union-attr]
        head = re.sub(r"(cookie|duration|n_packets|n_bytes|idle_age|hard_age)=[^,]*, ?", "", head)
        flows[head.strip().rstrip(",")] = (actions, packets)
    return flows


def test_replace_then_diff_only_touch_what_changed(vswitchd: RealVswitchd) -> None:
    mgmt = vswitchd.mgmt("br-test")

    async def scenario() -> OvsSwitch:
        switch = OvsSwitch(str(mgmt))
        await switch.connect()
        try:
            await switch.replace(
                [
                    "table=0, priority=10, metadata=0x1 actions=resubmit(,1)",
                    "table=0, priority=10, metadata=0x2 actions=group:7",
                    "table=1, priority=0 actions=drop",
                ],
                {7: GROUP},
            )
            await switch.install(
                FlowDiff(
                    add=("table=2, priority=5, reg0=0x3 actions=drop",),
                    modify=("table=0, priority=10, metadata=0x1 actions=resubmit(,2)",),
                    delete=("cookie=0x9, table=1, priority=0 actions=drop",),
                ),
                {},
            )
        finally:
            await switch.close()
        return switch

    switch = asyncio.run(scenario())
    assert switch.bundles == 2
    flows = _dump(mgmt)
    assert {k: v[0] for k, v in flows.items()} == {
        "table=0, priority=10,metadata=0x1": "resubmit(,2)",
        "table=0, priority=10,metadata=0x2": "group:7",
        "table=2, priority=5,reg0=0x3": "drop",
    }
    groups = run("ovs-ofctl", "-O", "OpenFlow15", "dump-groups", f"unix:{mgmt}")
    assert "group_id=7,type=select" in groups and "actions=resubmit(,3)" in groups


def test_packet_out_and_paused_packet_in_resumed_with_a_register(vswitchd: RealVswitchd) -> None:
    mgmt = vswitchd.mgmt("br-test")
    received: list[PacketIn] = []

    async def scenario() -> None:
        switch = OvsSwitch(str(mgmt))
        got = asyncio.Event()

        def handler(packet_in: PacketIn) -> None:
            received.append(packet_in)
            got.set()

        switch.packet_in_handler = handler
        await switch.connect()
        try:
            await switch.replace(
                [
                    "table=0, priority=10, metadata=0x5 "
                    "actions=controller(userdata=00.00.00.05.00.00.00.00,pause),resubmit(,1)",
                    "table=1, priority=10, reg0=0x7 actions=drop",
                    "table=1, priority=0 actions=drop",
                ],
                {},
            )
            actions = encode_actions([Resubmit(0)])
            await switch.packet_out(FRAME, "resubmit(,0)", {"metadata": 5, "reg3": 9}, actions)
            await asyncio.wait_for(got.wait(), 10)
            await switch.resume(received[0], None, {"reg0": 7})
            await asyncio.sleep(0.5)
        finally:
            await switch.close()

    asyncio.run(scenario())
    pin = received[0]
    assert pin.userdata == bytes.fromhex("0000000500000000")
    assert pin.frame == FRAME and pin.table_id == 0
    assert pin.metadata["metadata"] == 5 and pin.metadata["reg3"] == 9
    flows = _dump(mgmt)
    assert flows["table=1, priority=10,reg0=0x7"][1] == 1  # resumed with reg0 = 7
    assert flows["table=1, priority=0"][1] == 0


def test_a_flow_ovs_ofctl_cannot_parse_is_left_out_and_logged(
    vswitchd: RealVswitchd, caplog: pytest.LogCaptureFixture
) -> None:
    mgmt = vswitchd.mgmt("br-test")

    async def scenario() -> None:
        switch = OvsSwitch(str(mgmt))
        await switch.connect()
        try:
            await switch.replace(
                [
                    "table=0, priority=10, metadata=0x1 actions=drop",
                    "table=0, priority=10, no_such_field=1 actions=drop",
                    "table=0, priority=10, metadata=0x3 actions=drop",
                ],
                {},
            )
        finally:
            await switch.close()

    asyncio.run(scenario())
    assert set(_dump(mgmt)) == {
        "table=0, priority=10,metadata=0x1",
        "table=0, priority=10,metadata=0x3",
    }
    assert "cannot parse 'flow add table=0, priority=10, no_such_field=1" in caplog.text
