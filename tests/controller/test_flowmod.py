"""The controller's own flow-mod encoding, decoded back by ovs-ofctl.

`ovs-ofctl ofp-parse` (offline, no switch) prints what Open vSwitch reads in
our bytes; it must be the flow we meant. Text the encoder does not cover is
one `Unsupported` error naming it.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from pyovn.controller.flow_match import Unsupported, encode_match
from pyovn.controller.flowmod import bundle_messages, flow_mod
from pyovn.controller.groupmod import group_mod

needs_ofctl = pytest.mark.skipif(shutil.which("ovs-ofctl") is None, reason="no ovs-ofctl")

CASES = [
    (
        "cookie=0x5, table=0, priority=100, in_port=3 "
        "actions=load:0xd->NXM_NX_REG13[0..15],load:0x1->OXM_OF_METADATA[],resubmit(,8)",
        "ADD priority=100,in_port=3 cookie:0x5 "
        "actions=set_field:0xd/0xffff->reg13,set_field:0x1->metadata,resubmit(,8)",
    ),
    (
        "table=11, priority=100, ct_state=+new-est+trk, ip, metadata=0x2 "
        "actions=ct(commit,zone=NXM_NX_REG13[0..15],nat(src=172.16.0.100),"
        "exec(load:0x1->NXM_NX_CT_MARK[1]))",
        "ADD table:11 priority=100,ct_state=+new-est+trk,ip,metadata=0x2 "
        "actions=ct(commit,zone=NXM_NX_REG13[0..15],nat(src=172.16.0.100),"
        "exec(set_field:0x2/0x2->ct_mark))",
    ),
    (
        "table=10, priority=90, udp, tp_src=68, nw_dst=10.0.0.0/24 "
        "actions=mod_tp_src:67,mod_dl_src:00:00:00:00:ff:01,dec_ttl(),output:5",
        "ADD table:10 priority=90,udp,nw_dst=10.0.0.0/24,tp_src=68 "
        "actions=set_field:67->udp_src,set_field:00:00:00:00:ff:01->eth_src,dec_ttl(),output:5",
    ),
    (
        "table=9, priority=50, conj_id=7, icmp6, icmp_type=135, nd_target=fe80::1 "
        "actions=controller(userdata=00.00.00.05.00.00.00.00,pause)",
        "ADD table:9 priority=50,conj_id=7,icmp6,icmp_type=135,nd_target=fe80::1 "
        "actions=controller(userdata=00.00.00.05.00.00.00.00,pause)",
    ),
    (
        "table=9, priority=50, reg14=0x2, metadata=0x1 actions=conjunction(8,2/3)",
        "ADD table:9 priority=50,reg14=0x2,metadata=0x1 actions=conjunction(8,2/3)",
    ),
]


@needs_ofctl
@pytest.mark.parametrize(("text", "decoded"), CASES)
def test_ovs_reads_the_flow_we_meant(tmp_path: Path, text: str, decoded: str) -> None:
    blob = tmp_path / "msg.bin"
    blob.write_bytes(flow_mod(9, "add", text))
    out = subprocess.run(
        ["ovs-ofctl", "ofp-parse", str(blob)], capture_output=True, text=True, check=True
    ).stdout
    line = re.sub(r"^OFPT_FLOW_MOD \(OF1.5\) \(xid=0x9\): ", "", out.strip())
    assert line == decoded


@needs_ofctl
def test_a_bundle_is_open_adds_commit_with_matching_xids(tmp_path: Path) -> None:
    xids = iter(range(100, 200))
    bundle = bundle_messages(
        ["flow add table=0, priority=1 actions=drop", "flow delete_strict table=0,priority=1"],
        7,
        lambda: next(xids),
    )
    assert len(bundle.messages) == 4 and bundle.commit_xid == 103
    for message in bundle.messages[1:3]:  # inner flow-mod carries the add's xid
        (outer,) = struct.unpack_from("!I", message, 4)
        (inner,) = struct.unpack_from("!I", message, 16 + 4)
        assert outer == inner
    blob = tmp_path / "bundle.bin"
    blob.write_bytes(b"".join(bundle.messages))
    out = subprocess.run(
        ["ovs-ofctl", "ofp-parse", str(blob)], capture_output=True, text=True, check=True
    ).stdout
    assert "OPEN_REQUEST" in out and "COMMIT_REQUEST" in out and "flags=atomic ordered" in out
    assert "DEL_STRICT priority=1" in out


@pytest.mark.parametrize(
    ("match", "why"),
    [("tp_dst=80", "tp_dst without tcp/udp/sctp"), ("bogus=1", "match field bogus"),
     ("ct_state=+nope", "ct_state flag nope"), ("nw_src=10.0.0.0/0.255.0.255x", "ip_src=")],
)  # fmt: skip
def test_uncovered_match_is_one_error(match: str, why: str) -> None:
    with pytest.raises(Unsupported, match=re.escape(why)):
        encode_match(match if match != "nw_src=10.0.0.0/0.255.0.255x" else "ip," + match)


def test_uncovered_action_is_one_error() -> None:
    with pytest.raises(Unsupported, match="meter:1"):
        flow_mod(1, "add", "table=0, priority=1 actions=meter:1")
    with pytest.raises(Unsupported, match="mod_tp_src without tcp/udp/sctp"):
        flow_mod(1, "add", "table=0, priority=1, ip actions=mod_tp_src:1")
    with pytest.raises(Unsupported, match="bundle line meter add"):
        bundle_messages(["meter add meter=1,kbps,band=type=drop,rate=1"], 1, lambda: 1)


GROUP = (
    "group_id=1,type=select,selection_method=dp_hash,bucket=bucket_id:0,weight:100,"
    "actions=ct(commit,table=21,zone=NXM_NX_REG13[0..15],nat(dst=10.0.1.13:22),"
    "exec(set_field:0x2/0x2->ct_mark)),bucket=bucket_id:1,weight:50,actions=resubmit(,3)"
)


@needs_ofctl
def test_ovs_reads_the_group_we_meant(tmp_path: Path) -> None:
    blob = tmp_path / "group.bin"
    blob.write_bytes(group_mod(3, "add_or_mod", GROUP))
    out = subprocess.run(
        ["ovs-ofctl", "ofp-parse", str(blob)], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines()[1].strip() == f"ADD_OR_MOD {GROUP}"


def test_uncovered_group_is_one_error() -> None:
    with pytest.raises(Unsupported, match=re.escape("group option fields(ip_src)")):
        group_mod(1, "add", "group_id=1,type=select,selection_method=hash,fields(ip_src),"
                  "bucket=bucket_id:0,actions=drop")  # fmt: skip
    with pytest.raises(Unsupported, match="group without group_id"):
        group_mod(1, "add", "type=select,bucket=bucket_id:0,actions=drop")
