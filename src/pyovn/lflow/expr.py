"""The syntax tree of match expressions.

The tree keeps the source's structure (parentheses, set braces, the order of
operands, the spelling of constants) so that a parsed match prints back
byte for byte; meaning-level work (prerequisites, DNF, evaluation) happens on
views of it in `normalize.py` and `evaluate.py`.  Nodes are frozen and
hashable.  `layout` (the trivia between tokens, see `printer.py`) is ignored
by equality.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TypeAlias

from pyovn.lflow.layout import Layout
from pyovn.lflow.lexer import Number, NumberFormat, format_number

__all__ = [
    "RELATIONAL_OPERATORS",
    "And",
    "BoolLiteral",
    "ChassisResident",
    "Comparison",
    "Constant",
    "ConstantSet",
    "Expr",
    "FieldRef",
    "FieldTest",
    "MacroRef",
    "Not",
    "Or",
    "Paren",
    "PortGroupRef",
    "RangeTest",
    "StringConst",
    "Term",
    "Value",
    "int_constant",
    "string_constant",
    "walk_fields",
]

RELATIONAL_OPERATORS = ("==", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field, optionally subscripted: `ip4.src`, `reg0[3]`, `xxreg0[96..127]`.

    `start`/`end` are inclusive bit offsets; `end == start` for `[n]`.
    `range_form` keeps whether a one-bit subscript was written `[n..n]`.
    """

    name: str
    start: int | None = None
    end: int | None = None
    range_form: bool = False

    @property
    def is_subfield(self) -> bool:
        return self.start is not None

    def __str__(self) -> str:
        if self.start is None:
            return self.name
        if self.end == self.start and not self.range_form:
            return f"{self.name}[{self.start}]"
        return f"{self.name}[{self.start}..{self.end}]"


@dataclass(frozen=True, slots=True)
class Constant:
    """An integer constant with its spelling (`0x800`, `10.0.0.0/24`, `2048`)."""

    number: Number

    @property
    def value(self) -> int:
        return self.number.value

    @property
    def mask(self) -> int | None:
        return self.number.mask

    def __str__(self) -> str:
        return self.number.text


@dataclass(frozen=True, slots=True)
class StringConst:
    """A quoted string; `text` is the source spelling with quotes and escapes."""

    value: str
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class MacroRef:
    """`$name`: an address set (or a port group's `_ip4`/`_ip6` set)."""

    name: str

    def __str__(self) -> str:
        return f"${self.name}"


@dataclass(frozen=True, slots=True)
class PortGroupRef:
    """`@name`: the logical ports of a port group."""

    name: str

    def __str__(self) -> str:
        return f"@{self.name}"


Value: TypeAlias = Constant | StringConst | MacroRef | PortGroupRef


@dataclass(frozen=True, slots=True)
class ConstantSet:
    """`{a, b, $c}`; `commas` records whether commas separated the items."""

    items: tuple[Value, ...]
    commas: bool = True
    trailing_comma: bool = False


Term: TypeAlias = FieldRef | Value | ConstantSet


@dataclass(frozen=True, slots=True)
class _Node:
    layout: Layout | None = dataclass_field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True, slots=True)
class BoolLiteral(_Node):
    """`1` (true) or `0` (false), with the spelling used."""

    value: bool
    text: str = ""

    @property
    def spelling(self) -> str:
        return self.text or ("1" if self.value else "0")


@dataclass(frozen=True, slots=True)
class FieldTest(_Node):
    """A bare one-bit field or predicate: `ip4`, `ct.est`, `eth.src[40]`."""

    field: FieldRef


@dataclass(frozen=True, slots=True)
class Comparison(_Node):
    """`left op right`; either side may be the field (`80 == tcp.src`)."""

    left: Term
    op: str
    right: Term


@dataclass(frozen=True, slots=True)
class RangeTest(_Node):
    """`low op1 field op2 high`, e.g. `1024 <= tcp.src <= 49151`."""

    low: Term
    low_op: str
    middle: Term
    high_op: str
    high: Term


@dataclass(frozen=True, slots=True)
class ChassisResident(_Node):
    """`is_chassis_resident("port")`."""

    port: StringConst


@dataclass(frozen=True, slots=True)
class Not(_Node):
    """`!operand`."""

    operand: Expr


@dataclass(frozen=True, slots=True)
class And(_Node):
    """`a && b && ...` as written (flat, in source order)."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or(_Node):
    """`a || b || ...` as written (flat, in source order)."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Paren(_Node):
    """Explicit parentheses around `inner`."""

    inner: Expr


Expr: TypeAlias = (
    BoolLiteral | FieldTest | Comparison | RangeTest | ChassisResident | Not | And | Or | Paren
)


def int_constant(
    value: int, fmt: NumberFormat = NumberFormat.DECIMAL, mask: int | None = None
) -> Constant:
    """A constant spelled canonically in `fmt` (for trees built in code)."""
    text = format_number(value, fmt)
    if mask is not None:
        text += "/" + format_number(mask, NumberFormat.HEX if fmt is NumberFormat.DECIMAL else fmt)
    return Constant(Number(value, mask, fmt, text))


def string_constant(value: str) -> StringConst:
    """A string constant spelled as JSON (OVN's string syntax)."""
    return StringConst(value, json.dumps(value))


def walk_fields(expr: Expr) -> Iterator[FieldRef]:
    """Every field reference in `expr`, in source order."""
    if isinstance(expr, And | Or):
        for operand in expr.operands:
            yield from walk_fields(operand)
    elif isinstance(expr, Not):
        yield from walk_fields(expr.operand)
    elif isinstance(expr, Paren):
        yield from walk_fields(expr.inner)
    elif isinstance(expr, FieldTest):
        yield expr.field
    elif isinstance(expr, Comparison):
        yield from (t for t in (expr.left, expr.right) if isinstance(t, FieldRef))
    elif isinstance(expr, RangeTest):
        terms = (expr.low, expr.middle, expr.high)
        yield from (t for t in terms if isinstance(t, FieldRef))
