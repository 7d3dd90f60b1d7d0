"""Property tests: the parsers never fail any other way than with their own
errors, and printing then parsing gives back the same tree and text."""

from __future__ import annotations

import contextlib
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from pyovn.lflow import (
    ActionList,
    LflowParseError,
    LflowSyntaxError,
    format_actions,
    format_match,
    parse_actions,
    parse_match,
)
from pyovn.lflow import actions as la
from pyovn.lflow.expr import (
    And,
    BoolLiteral,
    ChassisResident,
    Comparison,
    Constant,
    ConstantSet,
    Expr,
    FieldRef,
    FieldTest,
    MacroRef,
    Not,
    Or,
    Paren,
    PortGroupRef,
    RangeTest,
    Term,
    Value,
    int_constant,
    string_constant,
)
from pyovn.lflow.lexer import NumberFormat

EXAMPLES = settings(max_examples=300, deadline=None)

# ---- arbitrary text --------------------------------------------------------------

PIECES = [
    "ip4", "tcp.dst", "reg0", "reg0[3]", "xxreg0[96..127]", "inport", "outport", "ct.est",
    "eth.src", "foo", "next", "output", "ct_commit", "clone", "put_dhcp_opts", "lookup_arp",
    "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!", "(", ")", "{", "}", "[", "]", "..",
    ",", ";", "=", "<->", "--", ":", "-", "$as", "@pg", '"vm1"', '"a\\"b"', "0", "1", "80",
    "0x800", "10.0.0.1", "10.0.0.0/24", "fe80::1", "::", "00:00:00:00:00:01", "/", "/*c*/",
    "//c\n", " ", "  ", "\t", "\n", "is_chassis_resident", "&", "|", '"', "/*", "#", "0x",
    "1.2.3", "ff::/200", "backends", "pipeline", "table",
]  # fmt: skip
TEXT = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=20).map("".join),
    st.lists(st.sampled_from(PIECES), max_size=12).map(" ".join),
    st.text(max_size=40),
    st.text(alphabet=string.printable, max_size=40),
)


@EXAMPLES
@given(TEXT)
def test_match_parser_raises_only_its_own_errors(text: str) -> None:
    with contextlib.suppress(LflowSyntaxError):
        parse_match(text, check=False)
    with contextlib.suppress(LflowParseError):
        parse_match(text)


@EXAMPLES
@given(TEXT)
def test_action_parser_raises_only_its_own_errors(text: str) -> None:
    with contextlib.suppress(LflowSyntaxError):
        parse_actions(text, check=False)
    with contextlib.suppress(LflowParseError):
        parse_actions(text)


# ---- generated trees -------------------------------------------------------------

FIELD_NAMES = ["ip4", "tcp.dst", "reg0", "eth.src", "ct.est", "inport", "x.y_z", "flags"]


@st.composite
def field_refs(draw: st.DrawFn) -> FieldRef:
    name = draw(st.sampled_from(FIELD_NAMES))
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return FieldRef(name)
    start = draw(st.integers(0, 127))
    if kind == 1:
        return FieldRef(name, start, start)
    return FieldRef(name, start, draw(st.integers(start, 127)), True)


@st.composite
def constants(draw: st.DrawFn) -> Constant:
    fmt = draw(st.sampled_from(list(NumberFormat)))
    bits = {NumberFormat.IPV4: 32, NumberFormat.IPV6: 128, NumberFormat.ETHERNET: 48}.get(fmt, 64)
    value = draw(st.integers(0, (1 << bits) - 1))
    mask = draw(st.one_of(st.none(), st.integers(0, (1 << bits) - 1)))
    return int_constant(value, fmt, mask)


VALUES: st.SearchStrategy[Value] = st.one_of(
    constants(),
    st.text(alphabet=string.ascii_letters + ' -_"\\é', max_size=8).map(string_constant),
    st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True).map(MacroRef),
    st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True).map(PortGroupRef),
)
TERMS: st.SearchStrategy[Term] = st.one_of(
    field_refs(),
    VALUES,
    st.lists(VALUES, min_size=1, max_size=4).map(lambda items: ConstantSet(tuple(items))),
)
RELOPS = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])

LEAVES: st.SearchStrategy[Expr] = st.one_of(
    st.builds(FieldTest, field_refs()),
    st.builds(Comparison, TERMS, RELOPS, TERMS),
    st.builds(RangeTest, TERMS, RELOPS, TERMS, RELOPS, TERMS),
    st.sampled_from([BoolLiteral(True, "1"), BoolLiteral(False, "0")]),
    st.builds(ChassisResident, st.text(max_size=6).map(string_constant)),
)


def _operand(expr: Expr, parent: type) -> Expr:
    """Wrap `expr` in parentheses where the grammar needs them."""
    if isinstance(expr, And | Or) or (parent is Not and isinstance(expr, Comparison | RangeTest)):
        return Paren(expr)
    return expr


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        children.map(lambda e: Not(_operand(e, Not))),
        children.map(Paren),
        st.lists(children, min_size=2, max_size=4).map(
            lambda items: And(tuple(_operand(e, And) for e in items))
        ),
        st.lists(children, min_size=2, max_size=4).map(
            lambda items: Or(tuple(_operand(e, Or) for e in items))
        ),
    )


EXPRESSIONS = st.recursive(LEAVES, _extend, max_leaves=12)


@EXAMPLES
@given(EXPRESSIONS)
def test_print_then_parse_is_identity_for_matches(expr: Expr) -> None:
    text = format_match(expr)
    parsed = parse_match(text, check=False)
    assert parsed == expr
    assert format_match(parsed) == text


SPACES = st.sampled_from(["", " ", "  ", "\t", "\n", " /* x */ ", " // y\n"])


@EXAMPLES
@given(EXPRESSIONS, st.data())
def test_layout_is_kept_and_reprinting_is_stable(expr: Expr, data: st.DataObject) -> None:
    # Re-space the canonical text token by token; the parse keeps the spacing.
    from pyovn.lflow.lexer import tokenize

    tokens = tokenize(format_match(expr))
    spaced = "".join(data.draw(SPACES) + tok.text for tok in tokens[:-1]) + data.draw(SPACES)
    if spaced.rstrip().endswith("// y"):
        spaced += "\n"
    once = format_match(parse_match(spaced, check=False))
    assert once == spaced
    assert format_match(parse_match(once, check=False)) == once
    assert parse_match(spaced, check=False) == expr


# ---- generated action lists --------------------------------------------------------

SIMPLE_ACTIONS = st.one_of(
    st.sampled_from(
        [
            la.Output(),
            la.Drop(),
            la.CtNext(),
            la.CtClear(),
            la.DecTtl(),
            la.CtCommitNat(),
            la.CtLbMark(),
            la.CtDnat(),
        ]
    ),
    st.builds(la.Next, st.one_of(st.none(), st.integers(0, 30))),
    st.builds(lambda t: la.Next(t, "egress"), st.integers(0, 30)),
    st.builds(la.Load, field_refs(), constants()),
    st.builds(la.Load, field_refs(), st.text(max_size=5).map(string_constant)),
    st.builds(la.Move, field_refs(), field_refs()),
    st.builds(la.Exchange, field_refs(), field_refs()),
    st.builds(la.Push, field_refs()),
    st.builds(
        la.CtSnat, st.builds(int_constant, st.integers(0, 2**32 - 1), st.just(NumberFormat.IPV4))
    ),
)


def _nested(children: st.SearchStrategy[la.Action]) -> st.SearchStrategy[la.Action]:
    bodies = st.lists(children, max_size=3).map(lambda items: ActionList(tuple(items)))
    return st.one_of(
        bodies.map(la.Clone),
        bodies.map(la.CtCommit),
    )


ACTION_LISTS = st.lists(st.recursive(SIMPLE_ACTIONS, _nested, max_leaves=8), max_size=6).map(
    lambda items: ActionList(tuple(items))
)


@EXAMPLES
@given(ACTION_LISTS)
def test_print_then_parse_is_identity_for_actions(actions: ActionList) -> None:
    text = format_actions(actions)
    parsed = parse_actions(text, check=False)
    assert parsed == actions
    assert format_actions(parsed) == text
