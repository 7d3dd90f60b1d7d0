"""What a match means: a boolean tree of tests on Open vSwitch fields.

`annotate()` turns a parsed match into that tree, the way ovn-controller
prepares a match before making flows:

* predicates are replaced by their expansion and every symbol brings its
  prerequisites along (`tcp.dst == 22` becomes `tcp.dst == 22 && ip.proto
  == 6 && (eth.type == 0x800 || eth.type == 0x86dd)`);
* subfields become masked tests on the OVS field that stores them
  (`reg0[7] == 1` is `xxreg0 & (1 << 103) == 1 << 103`);
* `!` is pushed down to the tests (prerequisites are never negated);
  `!=` on an ordinal field becomes an OR of single-bit tests, and `<`,
  `<=`, `>`, `>=` become ORs of prefix tests;
* sets, `$address_set`, `@port_group` and `is_chassis_resident()` are
  resolved through a `Resolver`.

Both evaluation (`evaluate.py`) and compilation (`normalize.py`) start
from this tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol, TypeAlias

from pyovn.lflow.errors import TypeMismatchError, UnresolvedNameError
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
    StringConst,
    Term,
    Value,
)
from pyovn.lflow.fields import SYMBOLS, Level, resolve_symbol, symbol_level
from pyovn.lflow.lexer import Number, TokenKind, tokenize

__all__ = [
    "FALSE",
    "TRUE",
    "BoolNode",
    "Const",
    "NodeAnd",
    "NodeOr",
    "PortTest",
    "Resolver",
    "Test",
    "annotate",
    "conj",
    "disj",
    "field_prereqs",
    "parse_address",
    "predicate_node",
]


class Resolver(Protocol):
    """Answers the names a match may contain; the tracer's environment and
    the compiler's context both implement it."""

    def address_set(self, name: str) -> Sequence[str] | None:
        """Addresses of `$name` (None if there is no such set)."""

    def port_group(self, name: str) -> Sequence[str] | None:
        """Logical port names of `@name` (None if there is no such group)."""

    def is_chassis_resident(self, port: str) -> bool:
        """Whether logical port `port` resides on this chassis."""


@dataclass(frozen=True, slots=True)
class Test:
    """`storage & mask == value` on an OVS field (value within mask)."""

    storage: str
    value: int
    mask: int


@dataclass(frozen=True, slots=True)
class PortTest:
    """`inport == "name"` (storage reg14) or `outport == "name"` (reg15)."""

    storage: str
    name: str


@dataclass(frozen=True, slots=True)
class Const:
    value: bool


@dataclass(frozen=True, slots=True)
class NodeAnd:
    children: tuple[BoolNode, ...]


@dataclass(frozen=True, slots=True)
class NodeOr:
    children: tuple[BoolNode, ...]


BoolNode: TypeAlias = Test | PortTest | Const | NodeAnd | NodeOr
TRUE = Const(True)
FALSE = Const(False)


def conj(children: Sequence[BoolNode]) -> BoolNode:
    """AND of `children`, simplified (TRUE dropped, FALSE absorbs)."""
    kept = [c for c in children if c != TRUE]
    if any(c == FALSE for c in kept):
        return FALSE
    return kept[0] if len(kept) == 1 else (NodeAnd(tuple(kept)) if kept else TRUE)


def disj(children: Sequence[BoolNode]) -> BoolNode:
    """OR of `children`, simplified (FALSE dropped, TRUE absorbs)."""
    kept = [c for c in children if c != FALSE]
    if any(c == TRUE for c in kept):
        return TRUE
    return kept[0] if len(kept) == 1 else (NodeOr(tuple(kept)) if kept else FALSE)


def annotate(expr: Expr, resolver: Resolver) -> BoolNode:
    """The meaning of `expr` as tests on OVS fields (see module docstring)."""
    return _Annotator(resolver).expr(expr, False)


def predicate_node(name: str, negated: bool = False) -> BoolNode:
    """Predicate `name` (e.g. "ip4"), annotated."""
    return _predicate(name, negated)


def field_prereqs(name: str) -> BoolNode:
    """The prerequisites of symbol `name`, annotated (TRUE if none)."""
    return _prereqs_of(name)


class _Annotator:
    __slots__ = ("resolver",)

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver

    def expr(self, expr: Expr, negated: bool) -> BoolNode:
        if isinstance(expr, And | Or):
            children = [self.expr(operand, negated) for operand in expr.operands]
            return conj(children) if isinstance(expr, And) != negated else disj(children)
        if isinstance(expr, Paren):
            return self.expr(expr.inner, negated)
        if isinstance(expr, Not):
            return self.expr(expr.operand, not negated)
        if isinstance(expr, BoolLiteral):
            return Const(expr.value != negated)
        if isinstance(expr, ChassisResident):
            return Const(self.resolver.is_chassis_resident(expr.port.value) != negated)
        if isinstance(expr, FieldTest):
            return _field_test(expr.field, negated)
        if isinstance(expr, Comparison):
            return self.comparison(expr.left, expr.op, expr.right, negated)
        assert isinstance(expr, RangeTest)
        parts = [
            self.comparison(expr.low, expr.low_op, expr.middle, negated),
            self.comparison(expr.middle, expr.high_op, expr.high, negated),
        ]
        return disj(parts) if negated else conj(parts)

    def comparison(self, left: Term, op: str, right: Term, negated: bool) -> BoolNode:
        if not isinstance(left, FieldRef):
            left, op, right = right, _MIRRORED[op], left
        if not isinstance(left, FieldRef):
            raise TypeMismatchError("comparison needs a field", position=0, token="")
        if negated:
            op = _NEGATED[op]
        values = self.values(right)
        name = left.name
        if SYMBOLS[name].is_string:
            return self.port_comparison(left, op, values)
        if SYMBOLS[name].is_predicate:
            return self.predicate_comparison(left, op, values)
        storage, offset, width = _bits(left)
        body = _int_comparison(storage, offset, width, op, values, symbol_level(name), name)
        return conj([body, _prereqs_of(name)])

    def values(self, term: Term) -> list[Value]:
        items = term.items if isinstance(term, ConstantSet) else (term,)
        out: list[Value] = []
        for item in items:
            if isinstance(item, MacroRef):
                out.extend(self.macro(item.name))
            elif isinstance(item, PortGroupRef):
                names = self.resolver.port_group(item.name)
                if names is None:
                    raise UnresolvedNameError(f"unknown port group @{item.name}")
                out.extend(StringConst(n, n) for n in names)
            elif isinstance(item, FieldRef | ConstantSet):
                raise TypeMismatchError("constant expected", position=0, token=str(item))
            else:
                out.append(item)
        return out

    def macro(self, name: str) -> list[Value]:
        addresses = self.resolver.address_set(name)
        if addresses is None:
            raise UnresolvedNameError(f"unknown address set ${name}")
        return [Constant(parse_address(address)) for address in addresses]

    def port_comparison(self, ref: FieldRef, op: str, values: list[Value]) -> BoolNode:
        if op != "==":
            raise TypeMismatchError(
                f"Nominal field {ref} may only be tested for equality.", position=0, token=str(ref)
            )
        storage = resolve_symbol(ref.name).storage
        names = [v.value for v in values if isinstance(v, StringConst)]
        return disj([PortTest(storage, n) for n in names])

    def predicate_comparison(self, ref: FieldRef, op: str, values: list[Value]) -> BoolNode:
        wanted = [v.value != 0 for v in values if isinstance(v, Constant)]
        if op not in ("==", "!="):
            raise TypeMismatchError(f"Predicate {ref} is boolean.", position=0, token=str(ref))
        return disj(
            [_predicate(ref.name, (want if op == "==" else not want) is False) for want in wanted]
        )


_MIRRORED = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
_NEGATED = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


def _bits(ref: FieldRef) -> tuple[str, int, int]:
    resolved = resolve_symbol(ref.name)
    if ref.start is None:
        return resolved.storage, resolved.offset, resolved.width
    assert ref.end is not None
    return resolved.storage, resolved.offset + ref.start, ref.end - ref.start + 1


def _field_test(ref: FieldRef, negated: bool) -> BoolNode:
    symbol = SYMBOLS[ref.name]
    if symbol.is_predicate:
        return _predicate(ref.name, negated)
    storage, offset, _width = _bits(ref)
    value = 0 if negated else 1 << offset
    return conj([Test(storage, value, 1 << offset), _prereqs_of(ref.name)])


@cache
def _predicate(name: str, negated: bool) -> BoolNode:
    from pyovn.lflow.parser import parse_expression

    symbol = SYMBOLS[name]
    assert symbol.expansion is not None
    if negated and symbol_level(name) is Level.NOMINAL:
        raise TypeMismatchError(
            f"Nominal predicate {name} may only be tested positively.", position=0, token=name
        )
    return _Annotator(_NO_NAMES).expr(parse_expression(symbol.expansion), negated)


@cache
def _prereqs_of(name: str) -> BoolNode:
    from pyovn.lflow.parser import parse_expression

    resolved = resolve_symbol(name)
    parts = [_Annotator(_NO_NAMES).expr(parse_expression(p), False) for p in resolved.prereqs]
    return conj(parts)


def _int_comparison(
    storage: str, offset: int, width: int, op: str, values: list[Value], level: Level, name: str
) -> BoolNode:
    full = ((1 << width) - 1) << offset
    parts: list[BoolNode] = []
    for value in values:
        if not isinstance(value, Constant):
            raise TypeMismatchError(f"{name} needs integer constants", position=0, token=name)
        mask = full if value.mask is None else (value.mask << offset) & full
        shifted = (value.value << offset) & mask
        if op == "==":
            parts.append(Test(storage, shifted, mask) if mask else TRUE)
        elif op == "!=":
            if level is not Level.ORDINAL and (width > 1 or mask != full):
                raise TypeMismatchError(
                    f"Nominal field {name} may only be tested for equality (taking enclosing "
                    "`!' operators into account).",
                    position=0,
                    token=name,
                )
            bits = [1 << b for b in range(offset, offset + width) if mask >> b & 1]
            parts.append(disj([Test(storage, (shifted ^ bit) & bit, bit) for bit in bits]))
        else:
            parts.append(_relational(storage, offset, width, op, value.value))
    # `!=` against a set means "differs from every member".
    return conj(parts) if op == "!=" else disj(parts)


def _relational(storage: str, offset: int, width: int, op: str, value: int) -> BoolNode:
    """`field op value` as an OR of prefix tests (bits above z equal, bit z
    decides, bits below z free), plus equality for `<=`/`>=`."""
    full = (1 << width) - 1
    less = op in ("<", "<=")
    parts: list[BoolNode] = []
    if op in ("<=", ">="):
        parts.append(Test(storage, value << offset, full << offset))
    for z in range(width):
        if (value >> z & 1) == less:
            mask = full & ~((1 << z) - 1)
            prefix = (value & mask) ^ (1 << z)
            parts.append(Test(storage, prefix << offset, mask << offset))
    return disj(parts)


def parse_address(text: str) -> Number:
    """An address-set member (`10.0.0.0/24`, `fe80::1`, a MAC) as a number."""
    tokens = tokenize(text)
    if len(tokens) != 2 or tokens[0].kind is not TokenKind.NUMBER:
        raise UnresolvedNameError(f"bad address {text!r} in address set")
    number = tokens[0].value
    assert isinstance(number, Number)
    return number


class _NoNames:
    """Resolver for expansions and prerequisites, which name nothing."""

    def address_set(self, name: str) -> Sequence[str] | None:
        return None

    def port_group(self, name: str) -> Sequence[str] | None:
        return None

    def is_chassis_resident(self, port: str) -> bool:
        return False


_NO_NAMES = _NoNames()
