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
    assert switch.native_bundles == 2  # group mod included
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

    async def scenario() -> OvsSwitch:
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
        return switch

    assert asyncio.run(scenario()).native_bundles == 1
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


# The controller's own syntax (OpenFlow 1.0-style loads and setters, as
# pyovn.lflow renders its flows), one of each construct it uses.
CONTROLLER_FLOWS = [
    "cookie=0x5, table=0, priority=100, in_port=3 actions=load:0xd->NXM_NX_REG13[0..15],"
    "load:0x1->NXM_NX_REG14[],load:0x1->OXM_OF_METADATA[],resubmit(,8)",
    "table=0, priority=150, in_port=4, dl_vlan=0 actions=strip_vlan,resubmit(,8)",
    "table=0, priority=100, in_port=4, vlan_tci=0x0000/0x1000 actions=resubmit(,8)",
    "table=8, priority=50, reg14=0x1, metadata=0x1, dl_src=50:54:00:00:01:11 "
    "actions=conjunction(7,1/2)",
    "table=8, priority=50, conj_id=7, metadata=0x1 actions=resubmit(,9)",
    "table=9, priority=100, ip, metadata=0x1, nw_src=10.0.0.0/24, nw_ttl=1 "
    "actions=controller(userdata=00.00.00.0a.00.00.00.00.00.19.00.10.80.00.06.04,pause)",
    "table=10, priority=90, udp, metadata=0x1, tp_src=68, tp_dst=67 "
    "actions=mod_dl_src:00:00:00:00:ff:01,mod_nw_src:10.0.0.1,mod_tp_src:67,mod_tp_dst:68,"
    "mod_nw_tos:16,load:0x1->NXM_NX_REG10[0],resubmit(,11)",
    "table=11, priority=100, ct_state=+new-est+trk, ip, metadata=0x2 "
    "actions=ct(commit,zone=NXM_NX_REG13[0..15],nat(src=172.16.0.100),"
    "exec(load:0x1->NXM_NX_CT_MARK[1],move:NXM_NX_XXREG0[0..31]->NXM_NX_CT_LABEL[96..127]))",
    "table=11, priority=90, ip, metadata=0x2, nw_dst=172.16.0.110 "
    "actions=ct(commit,table=12,zone=NXM_NX_REG11[0..15],nat(dst=10.0.0.12))",
    "table=11, priority=80, ipv6, metadata=0x2, ipv6_dst=ff00::/8 "
    "actions=ct(table=12,zone=NXM_NX_REG13[0..15],nat),ct_clear,dec_ttl(),"
    "push:NXM_NX_IPV6_SRC[],pop:NXM_NX_IPV6_DST[],resubmit(,12)",
    "table=12, priority=100, icmp6, metadata=0x2, icmp_type=135, icmp_code=0, "
    "nd_target=fe80::1 actions=clone(load:0->NXM_NX_REG15[],move:NXM_NX_REG14[]->"
    "NXM_NX_REG15[],load:0x88->NXM_NX_ICMPV6_TYPE[],resubmit(,13)),output:5",
    "table=12, priority=90, arp, metadata=0x2, arp_op=1, arp_tpa=10.0.0.1 "
    "actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:00:00:00:00:ff:01,"
    "load:0x2->NXM_OF_ARP_OP[],load:0xa000001->NXM_OF_ARP_SPA[],load:0->NXM_OF_IN_PORT[],"
    "resubmit(,13)",
    "table=13, priority=100, ip, nw_frag=later, metadata=0x3, reg0=0x8/0x8 actions=drop",
    "table=13, priority=100, tcp6, metadata=0x3, tp_dst=80, ct_mark=0/0x1, "
    "ct_state=-new+est-rel-inv+trk actions=load:0xffff0000ffff->NXM_NX_XXREG1[0..63],"
    "load:0xfe80000000000000->NXM_NX_XXREG1[64..127],resubmit(,14)",
]


def test_own_encoding_matches_ovs_ofctl_on_the_controller_syntax(vswitchd: RealVswitchd) -> None:
    """The same flow text, installed by OvsSwitch over its own connection on
    br-test and by ovs-ofctl on br-ref, dumps the same (dec_ttl: see above)."""
    vswitchd.add_bridge("br-ref", "fail-mode=secure")
    mgmt = vswitchd.mgmt("br-test")

    async def scenario() -> OvsSwitch:
        switch = OvsSwitch(str(mgmt))
        await switch.connect()
        try:
            await switch.replace(CONTROLLER_FLOWS, {})
        finally:
            await switch.close()
        return switch

    assert asyncio.run(scenario()).native_bundles == 1
    reference = vswitchd.dir / "ref.bundle"
    reference.write_text("".join(f"flow add {flow}\n" for flow in CONTROLLER_FLOWS))
    ref = f"unix:{vswitchd.mgmt('br-ref')}"
    run("ovs-ofctl", "-O", "OpenFlow15", "bundle", ref, str(reference))
    ours, theirs = _dump(mgmt), _dump(vswitchd.mgmt("br-ref"))
    assert len(ours) == len(CONTROLLER_FLOWS)
    assert {k: v[0].replace("dec_ttl()", "dec_ttl") for k, v in ours.items()} == {
        k: v[0] for k, v in theirs.items()
    }
