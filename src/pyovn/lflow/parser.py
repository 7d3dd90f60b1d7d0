"""Parser of match expressions (the `match` column of Logical_Flow).

Grammar, as OVN 23.03 accepts it::

    expr     := and_or
    and_or   := unary (('&&' unary)* | ('||' unary)*)    # no mixing without ()
    unary    := '!' unary | primary
    primary  := '(' expr ')'
              | 'is_chassis_resident' '(' string ')'
              | term relop term [relop term]               # comparison / range
              | field                                      # one-bit field or predicate
              | '0' | '1'
    term     := field | constant | '{' constant [','] ... '}'
    constant := number | string | $address_set | @port_group

`!` directly before a comparison needs parentheses (`!(arp.op == 1)`), as
in OVN.  Symbols are checked separately (`check.py`), so the grammar needs
no symbol table.
"""

from __future__ import annotations

from pyovn.lflow.check import SymbolChecker
from pyovn.lflow.cursor import Cursor
from pyovn.lflow.expr import (
    RELATIONAL_OPERATORS,
    And,
    BoolLiteral,
    ChassisResident,
    Comparison,
    Expr,
    FieldRef,
    FieldTest,
    Not,
    Or,
    Paren,
    RangeTest,
    Term,
    walk_fields,
)
from pyovn.lflow.lexer import Number, NumberFormat, Token, TokenKind, tokenize

__all__ = ["parse_expression", "referenced_fields"]

_MAX_DEPTH = 200
_CONSTANT_STARTS = (TokenKind.NUMBER, TokenKind.STRING, TokenKind.MACRO, TokenKind.PORT_GROUP)


def parse_expression(text: str, *, check: bool = True, layout: bool = True) -> Expr:
    """Parse `text` as a match expression; the root carries its `Layout`
    (unless `layout` is false: compiling never reprints the text).

    Raises LflowSyntaxError on grammar errors and, when `check` is true,
    LflowTypeError subclasses for symbol-table violations (both are
    LflowParseError).
    """
    cursor = Cursor(tokenize(text))
    parser = _MatchParser(cursor, SymbolChecker() if check else None)
    if cursor.at_end():
        raise cursor.error("expression")
    expr = parser.parse_or_and(0, False)
    if not cursor.at_end():
        raise parser.trailing_error()
    return _with_layout(expr, cursor) if layout else expr


def _with_layout(expr: Expr, cursor: Cursor) -> Expr:
    object.__setattr__(expr, "layout", cursor.layout())
    return expr


def referenced_fields(text: str) -> set[str]:
    """Names of the fields and predicates `text` mentions (unchecked parse)."""
    return {ref.name for ref in walk_fields(parse_expression(text, check=False))}


class _MatchParser:
    __slots__ = ("checker", "cursor")

    def __init__(self, cursor: Cursor, checker: SymbolChecker | None) -> None:
        self.cursor = cursor
        self.checker = checker

    def trailing_error(self) -> Exception:
        cursor = self.cursor
        if cursor.at_punct(")"):
            return cursor.fail("unexpected `)'")
        return cursor.error("`&&' or `||'")

    def parse_or_and(self, depth: int, negated: bool) -> Expr:
        if depth > _MAX_DEPTH:
            raise self.cursor.fail("nesting too deep")
        first = self.parse_unary(depth, negated)
        cursor = self.cursor
        if cursor.at_punct("&&") or cursor.at_punct("||"):
            op = cursor.token.text
            operands = [first]
            while cursor.accept(op):
                operands.append(self.parse_unary(depth, negated))
            other = "||" if op == "&&" else "&&"
            if cursor.at_punct(other):
                raise cursor.fail("&& and || must be parenthesized when used together")
            return And(tuple(operands)) if op == "&&" else Or(tuple(operands))
        return first

    def parse_unary(self, depth: int, negated: bool) -> Expr:
        cursor = self.cursor
        if cursor.accept("!"):
            operand_token = cursor.token
            operand = self.parse_unary(depth + 1, not negated)
            if isinstance(operand, Comparison | RangeTest):
                raise cursor.fail("missing parentheses around operand of !", operand_token)
            return Not(operand)
        return self.parse_primary(depth, negated)

    def parse_primary(self, depth: int, negated: bool) -> Expr:
        cursor = self.cursor
        token = cursor.token
        if cursor.accept("("):
            inner = self.parse_or_and(depth + 1, negated)
            cursor.expect(")")
            return Paren(inner)
        if token.is_id("is_chassis_resident") and cursor.peek().is_punct("("):
            cursor.advance()
            cursor.advance()
            port = cursor.expect_string("port name string")
            cursor.expect(")")
            return ChassisResident(port)
        if token.kind is TokenKind.ID:
            field = cursor.parse_field()
            if cursor.token.text in RELATIONAL_OPERATORS and cursor.token.kind is TokenKind.PUNCT:
                return self.parse_comparison(field, token, negated)
            if self.checker:
                self.checker.field_test(self.checker.field(field, token), token, negated)
            return FieldTest(field)
        if token.kind is TokenKind.NUMBER and not self._followed_by_relop():
            return self.parse_bool(token.value)
        if token.kind in _CONSTANT_STARTS or token.is_punct("{"):
            return self.parse_comparison(cursor.parse_constant_or_set(), token, negated)
        raise cursor.error("expression")

    def _followed_by_relop(self) -> bool:
        following = self.cursor.peek()
        return following.kind is TokenKind.PUNCT and following.text in RELATIONAL_OPERATORS

    def parse_bool(self, number: object) -> Expr:
        cursor = self.cursor
        token = cursor.token
        assert isinstance(number, Number)
        if number.mask is None and number.fmt is NumberFormat.DECIMAL and number.value in (0, 1):
            cursor.advance()
            return BoolLiteral(bool(number.value), token.text)
        raise cursor.error("relational operator", cursor.peek())

    def parse_comparison(self, left: Term, token: Token, negated: bool) -> Expr:
        cursor = self.cursor
        op = self._relop()
        middle_token = cursor.token
        middle = self._term()
        if cursor.token.kind is TokenKind.PUNCT and cursor.token.text in RELATIONAL_OPERATORS:
            op2 = self._relop()
            high = self._term()
            if self.checker:
                self._check(left, token, op, middle, middle_token, negated)
                self._check(middle, middle_token, op2, high, token, negated)
            return RangeTest(left, op, middle, op2, high)
        if self.checker:
            self._check(left, token, op, middle, middle_token, negated)
        return Comparison(left, op, middle)

    def _check(
        self,
        left: Term,
        left_token: Token,
        op: str,
        right: Term,
        right_token: Token,
        negated: bool,
    ) -> None:
        checker = self.checker
        assert checker is not None
        if isinstance(left, FieldRef):
            checker.comparison(checker.field(left, left_token), op, right, left_token, negated)
        elif isinstance(right, FieldRef):
            checker.comparison(checker.field(right, right_token), op, left, right_token, negated)
        else:
            raise self.cursor.fail("comparison needs a field on one side", left_token)

    def _relop(self) -> str:
        cursor = self.cursor
        token = cursor.token
        if token.kind is not TokenKind.PUNCT or token.text not in RELATIONAL_OPERATORS:
            raise cursor.error("relational operator")
        cursor.advance()
        return token.text

    def _term(self) -> Term:
        cursor = self.cursor
        if cursor.token.kind is TokenKind.ID:
            return cursor.parse_field()
        return cursor.parse_constant_or_set()
