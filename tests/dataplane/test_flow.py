"""Flow text: dump-flows and add-flow syntax, the reference dump, fuzzing."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyovn.dataplane import Flow, FlowSyntaxError, Group, parse_flows
from pyovn.dataplane.errors import DataplaneError
from tests.dataplane.conftest import reference_text


def test_every_reference_line_prints_back_byte_identical() -> None:
    """All 899 flows of the real ovn-controller's br-int dump round-trip exactly."""
    lines = [line for line in reference_text().splitlines() if "cookie=" in line]
    assert len(lines) == 899
    mismatched = [line for line in lines if Flow.parse(line).dump_text() != line]
    assert mismatched == []


def test_reference_parse_print_parse_is_stable() -> None:
    flows = list(parse_flows(reference_text()))
    assert len(flows) == 899
    for flow in flows:
        again = Flow.parse(flow.ofctl_text())
        assert again == flow
        assert Flow.parse(again.dump_text()) == flow


def test_reference_counts_per_table_match_the_real_dump() -> None:
    counts: dict[int, int] = {}
    for flow in parse_flows(reference_text()):
        counts[flow.table] = counts.get(flow.table, 0) + 1
    assert (counts[0], counts[11], counts[75], counts[74]) == (9, 70, 28, 32)
    assert sum(counts.values()) == 899


def test_dump_line_keeps_statistics() -> None:
    line = (
        " cookie=0x40943f71, duration=9.911s, table=0, n_packets=16, n_bytes=1316, idle_age=2,"
        " priority=100,in_port=2 actions=load:0xb->NXM_NX_REG13[],resubmit(,8)"
    )
    flow = Flow.parse(line)
    assert (flow.table, flow.priority, flow.cookie) == (0, 100, 0x40943F71)
    assert flow.stats is not None and (flow.stats.n_packets, flow.stats.n_bytes) == (16, 1316)
    assert flow.ofctl_text() == (
        "table=0,priority=100,cookie=0x40943f71,in_port=2,"
        "actions=load:0xb->NXM_NX_REG13[],resubmit(,8)"
    )


@pytest.mark.parametrize(
    ("text", "dump"),
    [
        (
            "actions=drop",
            " cookie=0x0, duration=0.000s, table=0, n_packets=0, n_bytes=0, actions=drop",
        ),
        (
            "table=3,priority=0,actions=drop",
            " cookie=0x0, duration=0.000s, table=3, "
            "n_packets=0, n_bytes=0, priority=0 actions=drop",
        ),
        (
            "table=1,idle_timeout=10,hard_timeout=20,send_flow_rem,ip,actions=output:1",
            " cookie=0x0, duration=0.000s, table=1, n_packets=0, n_bytes=0, idle_timeout=10, "
            "hard_timeout=20, send_flow_rem ip actions=output:1",
        ),
    ],
)
def test_add_flow_syntax_prints_as_dump_flows(text: str, dump: str) -> None:
    assert Flow.parse(text).dump_text() == dump


def test_parse_flows_skips_headers_comments_and_blank_lines() -> None:
    text = "NXST_FLOW reply (xid=0x4):\n# a comment\n\n priority=1 actions=drop\n"
    assert [flow.priority for flow in parse_flows(text)] == [1]


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("priority=1", "priority=1"),
        ("table=300,actions=drop", "300"),
        ("priority=70000,actions=drop", "70000"),
        ("bogus_field=3,actions=drop", "bogus_field"),
        ("ip,actions=output:1,frob", "frob"),
    ],
)
def test_bad_flows_name_the_offending_token(text: str, token: str) -> None:
    with pytest.raises(FlowSyntaxError) as caught:
        Flow.parse(text)
    assert caught.value.token == token


def test_parse_flows_reports_the_line_number() -> None:
    with pytest.raises(FlowSyntaxError, match="line 2"):
        list(parse_flows("actions=drop\nfoo=1,actions=drop\n"))


_ALPHABET = "abcdefghijklmnopqrstuvwxyz_0123456789=,:()[]./->+x!@ "
_PIECES = st.sampled_from(
    [
        "actions=",
        "load:",
        "->",
        "NXM_NX_REG",
        "[",
        "]",
        "..",
        "resubmit(",
        ",",
        ")",
        "ct(",
        "nat(",
        "src=",
        "table=",
        "priority=",
        "ip",
        "tcp",
        "reg0=",
        "0x",
        "/",
        "set_field:",
        "move:",
        "learn(",
        "controller(",
        "userdata=",
        "clone(",
        "conjunction(",
        "output:",
        "dl_src=",
        "00:00",
        "nw_src=",
        "10.0.0.1",
        "ct_state=",
        "+trk",
        "-est",
        "group:",
        "note:",
        "exec(",
        "zone=",
        "check_pkt_larger(",
        "dec_ttl(",
        "1",
        "65536",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_PIECES, st.text(_ALPHABET, max_size=6)), max_size=20))
def test_garbage_only_raises_the_parsers_own_error(pieces: list[str]) -> None:
    text = "".join(pieces)
    try:
        flow = Flow.parse(text)
    except FlowSyntaxError as error:
        assert error.message
        return
    assert Flow.parse(flow.ofctl_text()) == flow


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_only_raises_the_parsers_own_error(text: str) -> None:
    for parse in (Flow.parse, Group.parse):
        with contextlib.suppress(DataplaneError):
            parse(text)
