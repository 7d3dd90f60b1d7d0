"""The public face of pyovn.lflow."""

from __future__ import annotations

import pyovn.lflow as lflow
from pyovn.errors import PyovnError


def test_all_is_exactly_the_public_api() -> None:
    assert sorted(lflow.__all__) == sorted(
        [
            "SYMBOLS", "Action", "ActionList", "CompileContext", "CompiledFlows",
            "ControllerEvent", "CtEvent", "DropEvent", "DumpCheck", "DumpedFlow",
            "Environment", "Event", "Expr", "FieldRef", "FieldSetEvent", "LflowCompileError",
            "LflowError", "LflowEvalError", "LflowParseError", "LflowSyntaxError",
            "LflowTypeError", "LookupEvent", "NestedEvent", "NextEvent", "OpenFlowFlow",
            "OutputEvent", "Packet", "ReadOnlyFieldError", "StopEvent", "Symbol",
            "TableLayout", "TypeMismatchError", "UnknownActionError", "UnknownFieldError",
            "UnresolvedNameError", "WidthMismatchError", "check_lflow_dump", "compile_flow",
            "execute_actions", "format_actions", "format_match", "lookup_symbol",
            "match_packet", "parse_actions", "parse_match", "read_lflow_dump",
        ]
    )  # fmt: skip
    for name in lflow.__all__:
        assert getattr(lflow, name) is not None


def test_error_family_derives_from_pyovn_error() -> None:
    assert issubclass(lflow.LflowError, PyovnError)
    for name in lflow.__all__:
        value = getattr(lflow, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, lflow.LflowError)
    assert issubclass(lflow.UnknownActionError, lflow.LflowSyntaxError)
    assert issubclass(lflow.UnknownFieldError, lflow.LflowTypeError)
    assert issubclass(lflow.LflowTypeError, lflow.LflowParseError)


def test_syntax_error_carries_position_token_and_expectation() -> None:
    try:
        lflow.parse_match("ip4 && foo ==")
    except lflow.LflowSyntaxError as exc:
        assert exc.position == len("ip4 && foo ==")
        assert exc.token == ""
        assert exc.expected == "constant"
        assert str(exc) == "Syntax error at end of input expecting constant."
    else:  # pragma: no cover
        raise AssertionError("no error")
    try:
        lflow.parse_actions("next; frobnicate(1);")
    except lflow.UnknownActionError as exc:
        assert (exc.position, exc.token) == (6, "frobnicate")
        assert str(exc) == "Syntax error at `frobnicate' expecting action."
    else:  # pragma: no cover
        raise AssertionError("no error")


def test_unknown_field_error_points_at_the_field() -> None:
    try:
        lflow.parse_match("ip4 && tcp.dsst == 80")
    except lflow.UnknownFieldError as exc:
        assert (exc.position, exc.token) == (7, "tcp.dsst")
    else:  # pragma: no cover
        raise AssertionError("no error")


def test_unchecked_parse_accepts_unknown_symbols() -> None:
    expr = lflow.parse_match("foo == 1 && bar", check=False)
    assert lflow.format_match(expr) == "foo == 1 && bar"
    actions = lflow.parse_actions("foo = bar; next;", check=False)
    assert lflow.format_actions(actions) == "foo = bar; next;"


def test_action_list_is_a_sequence() -> None:
    actions = lflow.parse_actions("reg0 = 1; next;")
    assert len(actions) == 2
    assert [type(a).__name__ for a in actions] == ["Load", "Next"]
    assert actions[1] == lflow.parse_actions("next;")[0]
    assert actions == lflow.parse_actions("reg0=1;next;")
