"""Operators of the match language: each one evaluated on packets and
compiled to OpenFlow, checked against Python's own arithmetic.

An 8-bit subfield (`reg0[0..7]`) is small enough to check every value:
the set of values the compiled OpenFlow matches accept must equal the set
the operator describes, and `match_packet` must agree value by value.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable

import pytest

from pyovn.lflow import CompileContext, Packet, compile_flow, parse_match
from pyovn.lflow.evaluate import Environment, match_packet

OPERATORS: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
CONSTANTS = (0, 1, 7, 100, 128, 200, 254, 255)


def _accepted_by_flows(text: str) -> set[int]:
    """Values v of reg0[0..7] that some compiled flow matches (reg0=V/M)."""
    flows = compile_flow(text, "next;", priority=1, ctx=CompileContext(datapath_key=1)).flows
    accepted: set[int] = set()
    for flow in flows:
        constraint = next((p for p in flow.match.split(",") if p.startswith("reg0=")), None)
        if constraint is None:
            return set(range(256))
        value_text, _, mask_text = constraint[len("reg0=") :].partition("/")
        value, mask = int(value_text, 0), int(mask_text, 0) if mask_text else 0xFFFFFFFF
        accepted |= {v for v in range(256) if v & mask == value}
    return accepted


@pytest.mark.parametrize(("op", "constant"), list(itertools.product(OPERATORS, CONSTANTS)))
def test_relational_operator_on_ordinal_subfield(op: str, constant: int) -> None:
    text = f"reg0[0..7] {op} {constant}"
    expected = {v for v in range(256) if OPERATORS[op](v, constant)}
    assert _accepted_by_flows(text) == expected
    expr = parse_match(text)
    env = Environment()
    for value in (0, 1, constant - 1, constant, constant + 1, 255):
        if 0 <= value < 256:
            packet = Packet.from_logical({"reg0[0..7]": value})
            assert match_packet(expr, packet, env) == OPERATORS[op](value, constant)


@pytest.mark.parametrize(
    ("text", "predicate"),
    [
        ("reg0[0..7] == {1, 2, 3}", lambda v: v in (1, 2, 3)),
        ("reg0[0..7] != {1, 2, 3}", lambda v: v not in (1, 2, 3)),
        ("reg0[0..7] == 0x10/0xf0", lambda v: v & 0xF0 == 0x10),
        ("reg0[0..7] != 0x10/0xf0", lambda v: v & 0xF0 != 0x10),
        ("reg0[0..7] == {0x10/0xf0, 0x22}", lambda v: v & 0xF0 == 0x10 or v == 0x22),
        ("10 <= reg0[0..7] <= 20", lambda v: 10 <= v <= 20),
        ("10 < reg0[0..7] < 20", lambda v: 10 < v < 20),
        ("!(10 <= reg0[0..7] <= 20)", lambda v: not 10 <= v <= 20),
        ("200 == reg0[0..7]", lambda v: v == 200),
        ("200 > reg0[0..7]", lambda v: v < 200),
        ("reg0[0..7] >= 16 && reg0[0..7] < 32", lambda v: 16 <= v < 32),
        ("reg0[0..7] < 16 || reg0[0..7] > 240", lambda v: v < 16 or v > 240),
        ("reg0[3]", lambda v: v & 8 != 0),
        ("!reg0[3]", lambda v: v & 8 == 0),
        ("reg0[0..7] == 0 || 1", lambda v: True),
        ("reg0[0..7] == 0 && 0", lambda v: False),
    ],
)
def test_sets_masks_ranges_and_boolean_operators(
    text: str, predicate: Callable[[int], bool]
) -> None:
    expected = {v for v in range(256) if predicate(v)}
    assert _accepted_by_flows(text) == expected
    expr, env = parse_match(text), Environment()
    assert {
        v for v in range(256) if match_packet(expr, Packet.from_logical({"reg0[0..7]": v}), env)
    } == expected


BITS = ("reg0[0]", "reg0[1]", "reg0[2]")
BOOLEAN_FORMULAS = [
    ("reg0[0] && reg0[1]", lambda a, b, c: a and b),
    ("reg0[0] || reg0[1]", lambda a, b, c: a or b),
    ("!reg0[0]", lambda a, b, c: not a),
    ("!(reg0[0] && reg0[1])", lambda a, b, c: not (a and b)),
    ("!(reg0[0] || reg0[1])", lambda a, b, c: not (a or b)),
    ("(reg0[0] || reg0[1]) && reg0[2]", lambda a, b, c: (a or b) and c),
    ("(reg0[0] && reg0[1]) || !reg0[2]", lambda a, b, c: (a and b) or not c),
    ("!(!reg0[0] || (reg0[1] && !reg0[2]))", lambda a, b, c: a and not (b and not c)),
    ("reg0[0] == 0 && reg0[1] != 0", lambda a, b, c: not a and b),
    ("reg0[0] && reg0[0]", lambda a, b, c: a),
    ("reg0[0] && !reg0[0]", lambda a, b, c: False),
    ("reg0[0] || !reg0[0]", lambda a, b, c: True),
]


@pytest.mark.parametrize(("text", "truth"), BOOLEAN_FORMULAS)
def test_boolean_operators_truth_table(
    text: str, truth: Callable[[bool, bool, bool], bool]
) -> None:
    expr, env = parse_match(text), Environment()
    accepted = _accepted_by_flows(text)
    for a, b, c in itertools.product((False, True), repeat=3):
        value = a | b << 1 | c << 2
        packet = Packet.from_logical({"reg0[0..7]": value})
        assert match_packet(expr, packet, env) == truth(a, b, c)
        assert (value in accepted) == truth(a, b, c)


def test_string_fields_ports_and_groups() -> None:
    env = Environment(port_groups={"pg": ["vm1", "vm3"]})
    ctx = CompileContext(
        datapath_key=2, ports={"vm1": 1, "vm3": 3}, port_groups={"pg": ["vm1", "vm3"]}
    )
    flows = compile_flow('outport == @pg && inport == "vm1"', "next;", priority=1, ctx=ctx).flows
    assert sorted(f.match for f in flows) == [
        "reg14=0x1,reg15=0x1,metadata=0x2",
        "reg14=0x1,reg15=0x3,metadata=0x2",
    ]
    packet = Packet.from_logical({"inport": "vm1", "outport": "vm3"})
    assert match_packet(parse_match('outport == @pg && inport == "vm1"'), packet, env)
    assert not match_packet(parse_match('inport == {"vm2", "vm3"}'), packet, env)


def test_unknown_port_names_make_no_flow() -> None:
    ctx = CompileContext(datapath_key=1, ports={"vm1": 1})
    assert compile_flow('inport == "nope"', "next;", priority=1, ctx=ctx).flows == ()
    flows = compile_flow('inport == {"nope", "vm1"}', "next;", priority=1, ctx=ctx).flows
    assert [f.match for f in flows] == ["reg14=0x1,metadata=0x1"]
    # OVN treats "none" as port key 0.
    flows = compile_flow('outport == "none"', "next;", priority=1, ctx=ctx).flows
    assert [f.match for f in flows] == ["reg15=0,metadata=0x1"]


def test_chassis_residency() -> None:
    here = CompileContext(datapath_key=1, resident_ports={"cr-lr1-ext"})
    away = CompileContext(datapath_key=1)
    text = 'is_chassis_resident("cr-lr1-ext") && ip4'
    assert len(compile_flow(text, "next;", priority=1, ctx=here).flows) == 1
    assert compile_flow(text, "next;", priority=1, ctx=away).flows == ()
    negated = '!is_chassis_resident("cr-lr1-ext") && ip4'
    assert compile_flow(negated, "next;", priority=1, ctx=here).flows == ()


def test_conjunctive_match_for_two_large_sets() -> None:
    ctx = CompileContext(
        datapath_key=1,
        ports={"a": 1, "b": 2},
        port_groups={"pg": ["a", "b"]},
        address_sets={"as": ["10.0.0.1", "10.0.0.2", "10.0.0.0/24"]},
        conj_id_base=5,
    )
    text = "outport == @pg && ip4.src == $as && tcp.dst == {22, 80}"
    result = compile_flow(text, "next;", priority=100, ctx=ctx)
    lines = sorted(f"{f.match} actions={f.actions}" for f in result.flows)
    # 10.0.0.1 and 10.0.0.2 lie inside 10.0.0.0/24, so only the /24 remains.
    assert lines == [
        "conj_id=5,tcp,metadata=0x1,nw_src=10.0.0.0/24 actions=resubmit(,9)",
        "tcp,metadata=0x1,nw_src=10.0.0.0/24,tp_dst=22 actions=conjunction(5,2/2)",
        "tcp,metadata=0x1,nw_src=10.0.0.0/24,tp_dst=80 actions=conjunction(5,2/2)",
        "tcp,reg15=0x1,metadata=0x1,nw_src=10.0.0.0/24 actions=conjunction(5,1/2)",
        "tcp,reg15=0x2,metadata=0x1,nw_src=10.0.0.0/24 actions=conjunction(5,1/2)",
    ]
    assert result.conj_ids_used == 1


def test_prerequisite_fields_are_multiplied_out_not_conjoined() -> None:
    flows = compile_flow(
        "ip.ttl == {0, 1}", "drop;", priority=30, ctx=CompileContext(datapath_key=4)
    )
    assert sorted(f.match for f in flows.flows) == [
        "ip,metadata=0x4,nw_ttl=0",
        "ip,metadata=0x4,nw_ttl=1",
        "ipv6,metadata=0x4,nw_ttl=0",
        "ipv6,metadata=0x4,nw_ttl=1",
    ]
