"""OVN-style case files: tests/lflow/cases/expr.txt and actions.txt.

Each non-comment line is one case:

* `input` — parses, and prints back exactly as written;
* `input => expected` — parses; the canonical printing (no recorded
  layout) is `expected`, which itself round-trips;
* `input => error: message` — fails with exactly that message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pyovn.lflow import (
    ActionList,
    LflowParseError,
    format_actions,
    format_match,
    parse_actions,
    parse_match,
)

CASES = Path(__file__).parent / "cases"


def _load(name: str) -> list[tuple[int, str, str | None]]:
    cases = []
    for number, raw in enumerate((CASES / name).read_text().splitlines(), start=1):
        if (not raw.strip() and name == "expr.txt") or raw.startswith("#"):
            continue
        text, sep, expected = raw.partition(" => ")
        cases.append((number, text, expected if sep else None))
    return cases


def _canonical_match(text: str) -> str:
    expr = parse_match(text)
    object.__setattr__(expr, "layout", None)
    return format_match(expr)


def _canonical_actions(text: str) -> str:
    return format_actions(ActionList(parse_actions(text).actions))


def _run(text: str, expected: str | None, kind: str) -> None:
    parse = parse_match if kind == "expr" else parse_actions
    fmt = format_match if kind == "expr" else format_actions
    canonical = _canonical_match if kind == "expr" else _canonical_actions
    if expected is not None and expected.startswith("error: "):
        with pytest.raises(LflowParseError) as info:
            parse(text)  # type: ignore[operator]
        assert info.value.message == expected[len("error: ") :]
        assert 0 <= info.value.position <= len(text)
        return
    assert fmt(parse(text)) == text  # type: ignore[operator]
    printed = canonical(text)
    assert printed == (text if expected is None else expected)
    assert fmt(parse(printed)) == printed  # type: ignore[operator]
    assert parse(printed) == parse(text)  # type: ignore[operator]


@pytest.mark.parametrize(("line", "text", "expected"), _load("expr.txt"))
def test_expression_case(line: int, text: str, expected: str | None) -> None:
    _run(text, expected, "expr")


@pytest.mark.parametrize(("line", "text", "expected"), _load("actions.txt"))
def test_action_case(line: int, text: str, expected: str | None) -> None:
    _run(text, expected, "actions")


def test_case_files_cover_every_action_keyword() -> None:
    from pyovn.lflow.action_parser import ACTIONS, RESULT_ACTIONS

    text = (CASES / "actions.txt").read_text()
    missing = [name for name in [*ACTIONS, *RESULT_ACTIONS] if f"{name}" not in text]
    assert missing == []
