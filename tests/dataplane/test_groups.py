"""Groups: dump-groups/add-group syntax and bucket selection."""

from __future__ import annotations

from collections import Counter

import pytest

from pyovn.dataplane import FlowSyntaxError, Group, Packet

DUMPED = [
    "group_id=1,type=select,bucket=bucket_id:0,weight:100,actions=output:2,"
    "bucket=bucket_id:1,weight:100,actions=output:3",
    "group_id=2,type=all,bucket=bucket_id:0,actions=mod_dl_src:00:00:00:00:00:07,output:2,"
    "bucket=bucket_id:1,actions=output:3",
    "group_id=3,type=select,selection_method=dp_hash,bucket=bucket_id:0,weight:100,"
    "actions=ct(commit,table=15,zone=NXM_NX_REG13[0..15],nat(dst=10.0.0.12:80),"
    "exec(load:0x1->NXM_NX_CT_MARK[1]))",
]


@pytest.mark.parametrize("text", DUMPED)
def test_dump_groups_lines_print_back_unchanged(text: str) -> None:
    group = Group.parse(text)
    assert group.text() == text
    assert Group.parse(group.text()) == group


def test_add_group_syntax_gets_ids_and_default_weights() -> None:
    group = Group.parse("group_id=1,type=select,bucket=output:2,bucket=weight:50,actions=output:3")
    assert [(b.bucket_id, b.weight) for b in group.buckets] == [(0, 100), (1, 50)]
    assert group.text() == (
        "group_id=1,type=select,bucket=bucket_id:0,weight:100,actions=output:2,"
        "bucket=bucket_id:1,weight:50,actions=output:3"
    )


def test_select_is_stable_per_connection_and_follows_weights() -> None:
    group = Group.parse(
        "group_id=7,type=select,bucket=weight:300,actions=output:1,bucket=weight:100,actions=output:2"
    )
    chosen: Counter[int] = Counter()
    for port in range(2000):
        packet = Packet.from_flow_text(f"tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tcp_src={port}")
        first = group.select(packet.fields)
        assert first is not None and group.select(packet.fields) == first
        chosen[first.bucket_id] += 1
    assert 0.65 < chosen[0] / 2000 < 0.85


def test_all_runs_every_bucket_indirect_the_first() -> None:
    packet = Packet.from_flow_text("ip")
    everyone = Group.parse("group_id=1,type=all,bucket=output:1,bucket=output:2")
    assert len(everyone.buckets_to_run(packet.fields)) == 2
    one = Group.parse("group_id=2,type=indirect,bucket=output:1")
    assert len(one.buckets_to_run(packet.fields)) == 1


@pytest.mark.parametrize(
    ("text", "token"),
    [("type=all,bucket=output:1", "type=all,bucket=output:1"), ("group_id=1,type=odd", "odd")],
)
def test_bad_groups_are_rejected(text: str, token: str) -> None:
    with pytest.raises(FlowSyntaxError) as caught:
        Group.parse(text)
    assert token.startswith(caught.value.token[:8])
