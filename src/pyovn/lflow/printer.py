"""Printing match expressions (and the terms actions share with them).

`format_match(parse_match(s)) == s` for every match real northd writes;
trees built in code print in the canonical style (single spaces around
binary operators, `{a, b}` sets, no space inside parentheses).
"""

from __future__ import annotations

from pyovn.lflow.expr import (
    And,
    BoolLiteral,
    ChassisResident,
    Comparison,
    ConstantSet,
    Expr,
    FieldRef,
    FieldTest,
    Not,
    Or,
    Paren,
    RangeTest,
    Term,
)
from pyovn.lflow.layout import TokenWriter

__all__ = ["format_match", "write_expr", "write_field", "write_term"]


def format_match(expr: Expr) -> str:
    """The text of `expr` (its parsed spelling when it came from the parser)."""
    writer = TokenWriter()
    write_expr(writer, expr, "")
    return writer.render(expr.layout)


def write_expr(w: TokenWriter, expr: Expr, sep: str) -> None:
    """Emit `expr`; `sep` is the canonical separator before its first token."""
    if isinstance(expr, And | Or):
        op = "&&" if isinstance(expr, And) else "||"
        write_expr(w, expr.operands[0], sep)
        for operand in expr.operands[1:]:
            w.emit(op)
            write_expr(w, operand, " ")
    elif isinstance(expr, Comparison):
        write_term(w, expr.left, sep)
        w.emit(expr.op)
        write_term(w, expr.right, " ")
    elif isinstance(expr, FieldTest):
        write_field(w, expr.field, sep)
    elif isinstance(expr, Paren):
        w.emit("(", sep)
        write_expr(w, expr.inner, "")
        w.emit(")", "")
    elif isinstance(expr, Not):
        w.emit("!", sep)
        write_expr(w, expr.operand, "")
    elif isinstance(expr, BoolLiteral):
        w.emit(expr.spelling, sep)
    elif isinstance(expr, ChassisResident):
        w.emit("is_chassis_resident", sep)
        w.emit("(", "")
        w.emit(expr.port.text, "")
        w.emit(")", "")
    elif isinstance(expr, RangeTest):
        write_term(w, expr.low, sep)
        w.emit(expr.low_op)
        write_term(w, expr.middle, " ")
        w.emit(expr.high_op)
        write_term(w, expr.high, " ")
    else:  # pragma: no cover - exhaustive over Expr
        raise TypeError(f"not an expression: {expr!r}")


def write_field(w: TokenWriter, ref: FieldRef, sep: str) -> None:
    """Emit `name`, `name[n]` or `name[m..n]` as the lexer would split it."""
    w.emit(ref.name, sep)
    if ref.start is None:
        return
    w.emit("[", "")
    w.emit(str(ref.start), "")
    if ref.range_form or ref.end != ref.start:
        w.emit("..", "")
        w.emit(str(ref.end), "")
    w.emit("]", "")


def write_term(w: TokenWriter, term: Term, sep: str) -> None:
    """Emit a field, a constant or a `{...}` set."""
    if isinstance(term, FieldRef):
        write_field(w, term, sep)
    elif isinstance(term, ConstantSet):
        write_set(w, term, sep)
    else:
        w.emit(str(term), sep)


def write_set(w: TokenWriter, items: ConstantSet, sep: str) -> None:
    w.emit("{", sep)
    for index, item in enumerate(items.items):
        if index and items.commas:
            w.emit(",", "")
        w.emit(str(item), " " if index else "")
    if items.trailing_comma:
        w.emit(",", "")
    w.emit("}", "")
