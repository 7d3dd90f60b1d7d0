"""A cursor over tokens, shared by the match and the action parsers.

It owns the error wording, which follows OVN's:
"Syntax error at `foo' expecting field name." and, at the end of the
input, "Syntax error at end of input expecting `)'.".
"""

from __future__ import annotations

from pyovn.lflow.errors import LflowSyntaxError
from pyovn.lflow.expr import (
    Constant,
    ConstantSet,
    FieldRef,
    MacroRef,
    PortGroupRef,
    StringConst,
    Value,
)
from pyovn.lflow.layout import Layout
from pyovn.lflow.lexer import Number, NumberFormat, Token, TokenKind

__all__ = ["Cursor"]


class Cursor:
    """Position in a token list, with the helpers both grammars use."""

    __slots__ = ("index", "tokens")

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not TokenKind.END:
            self.index += 1
        return token

    def at_punct(self, text: str) -> bool:
        return self.tokens[self.index].is_punct(text)

    def at_end(self) -> bool:
        return self.tokens[self.index].kind is TokenKind.END

    def accept(self, text: str) -> bool:
        """Consume punctuation `text` if it is next."""
        if self.tokens[self.index].is_punct(text):
            self.index += 1
            return True
        return False

    def expect(self, text: str) -> Token:
        """Consume punctuation `text` or fail saying it was expected."""
        if not self.tokens[self.index].is_punct(text):
            raise self.error(f"`{text}'")
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect_id(self, what: str = "identifier") -> Token:
        if self.token.kind is not TokenKind.ID:
            raise self.error(what)
        return self.advance()

    def expect_keyword(self, name: str) -> None:
        if not self.token.is_id(name):
            raise self.error(f"`{name}'")
        self.advance()

    def expect_int(self, what: str = "integer") -> int:
        """An unmasked decimal or hexadecimal integer."""
        token = self.token
        number = token.value
        if (
            token.kind is not TokenKind.NUMBER
            or not isinstance(number, Number)
            or number.mask is not None
            or number.fmt not in (NumberFormat.DECIMAL, NumberFormat.HEX)
        ):
            raise self.error(what)
        self.advance()
        return number.value

    def expect_string(self, what: str = "string") -> StringConst:
        token = self.token
        if token.kind is not TokenKind.STRING:
            raise self.error(what)
        self.advance()
        return StringConst(str(token.value), token.text)

    def error(self, expected: str, token: Token | None = None) -> LflowSyntaxError:
        """A syntax error at `token` (default: the current one)."""
        token = token or self.token
        where = "end of input" if token.kind is TokenKind.END else f"`{token.text}'"
        return LflowSyntaxError(
            f"Syntax error at {where} expecting {expected}.",
            position=token.start,
            token=token.text,
            expected=expected,
        )

    def fail(self, message: str, token: Token | None = None) -> LflowSyntaxError:
        """A syntax error with OVN's wording for rules beyond "expecting"."""
        token = token or self.token
        where = "end of input" if token.kind is TokenKind.END else f"`{token.text}'"
        return LflowSyntaxError(
            f"Syntax error at {where} {message}.",
            position=token.start,
            token=token.text,
            expected=message,
        )

    def layout(self) -> Layout:
        """The layout of everything parsed (all tokens up to END)."""
        body = self.tokens[:-1]
        return Layout(
            tokens=tuple(tok.text for tok in body),
            separators=tuple(tok.trivia for tok in body),
            trailing=self.tokens[-1].trivia,
        )

    # ---- pieces both grammars contain --------------------------------------

    def parse_field(self) -> FieldRef:
        """`name`, `name[n]` or `name[m..n]`."""
        name = self.expect_id("field name").text
        if not self.accept("["):
            return FieldRef(name)
        start = self.expect_int("bit index")
        end = start
        range_form = False
        if self.accept(".."):
            end = self.expect_int("bit index")
            range_form = True
        self.expect("]")
        if end < start:
            raise self.fail("subfield range must not be reversed", self.tokens[self.index - 2])
        return FieldRef(name, start, end, range_form)

    def parse_value(self) -> Value:
        """One constant: number, string, `$set` or `@group`."""
        token = self.token
        if token.kind is TokenKind.NUMBER:
            self.advance()
            assert isinstance(token.value, Number)
            return Constant(token.value)
        if token.kind is TokenKind.STRING:
            self.advance()
            return StringConst(str(token.value), token.text)
        if token.kind is TokenKind.MACRO:
            self.advance()
            return MacroRef(str(token.value))
        if token.kind is TokenKind.PORT_GROUP:
            self.advance()
            return PortGroupRef(str(token.value))
        raise self.error("constant")

    def parse_constant_or_set(self) -> Value | ConstantSet:
        """A constant, or `{c1, c2, ...}` (commas optional, as in OVN)."""
        if not self.accept("{"):
            return self.parse_value()
        items: list[Value] = []
        commas = True
        trailing = False
        while not self.accept("}"):
            if self.at_end():
                raise self.error("`}'")
            items.append(self.parse_value())
            trailing = False
            if self.accept(","):
                trailing = True
            elif not self.at_punct("}"):
                commas = False
        if not items:
            raise self.error("constant", self.tokens[self.index - 1])
        return ConstantSet(tuple(items), commas, trailing)
