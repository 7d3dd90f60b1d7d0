"""Argument grammar of actions, and the symbol checks on action fields.

`ArgParser` is the base of the action parser: it reads the argument lists
that several actions share (field lists, `key = value` options, ct_lb
backends, integers) and validates fields against the symbol table when a
checker is present.
"""

from __future__ import annotations

from pyovn.lflow import controller_actions as ca
from pyovn.lflow.actions import Action, CtCommitV1, CtLb, CtLbBackend
from pyovn.lflow.check import FieldInfo, SymbolChecker
from pyovn.lflow.cursor import Cursor
from pyovn.lflow.expr import Constant, ConstantSet, FieldRef, StringConst, Value
from pyovn.lflow.lexer import Number, NumberFormat, Token, TokenKind

__all__ = ["ArgParser"]

_ADDRESS_FORMATS = (NumberFormat.IPV4, NumberFormat.IPV6)


class ArgParser:
    """Shared argument parsing; subclasses add one method per action."""

    __slots__ = ("checker", "cursor")

    def __init__(self, cursor: Cursor, checker: SymbolChecker | None) -> None:
        self.cursor = cursor
        self.checker = checker

    # ---- fields and checks --------------------------------------------------

    def checked_field(self, *, writable: bool) -> FieldRef:
        token = self.cursor.token
        ref = self.cursor.parse_field()
        if self.checker:
            info = self.checker.field(ref, token)
            if writable:
                self.checker.writable(info, token)
        return ref

    def parenthesized_field(self, *, writable: bool) -> FieldRef:
        self.cursor.expect("(")
        ref = self.checked_field(writable=writable)
        self.cursor.expect(")")
        return ref

    def _info(self, ref: FieldRef, token: Token, *, writable: bool) -> FieldInfo | None:
        if self.checker is None:
            return None
        info = self.checker.field(ref, token)
        if writable:
            self.checker.writable(info, token)
        return info

    def check_exchange(
        self, left: FieldRef, left_tok: Token, right: FieldRef, right_tok: Token
    ) -> None:
        a = self._info(left, left_tok, writable=True)
        b = self._info(right, right_tok, writable=True)
        if self.checker and a and b:
            self.checker.same_type(a, b, left_tok, "exchange")

    def check_move(self, dst: FieldRef, dst_tok: Token, src: FieldRef, src_tok: Token) -> None:
        a = self._info(dst, dst_tok, writable=True)
        b = self._info(src, src_tok, writable=False)
        if self.checker and a and b:
            self.checker.same_type(a, b, dst_tok, "assign")

    def check_load(self, dst: FieldRef, dst_tok: Token, value: Constant | StringConst) -> None:
        info = self._info(dst, dst_tok, writable=True)
        if self.checker and info:
            self.checker.value_fits(info, value, dst_tok)

    # ---- argument lists -------------------------------------------------------

    def field_arguments(self, arity: int) -> tuple[FieldRef, ...]:
        cursor = self.cursor
        cursor.expect("(")
        refs: list[FieldRef] = []
        for index in range(arity):
            if index:
                cursor.expect(",")
            refs.append(self.checked_field(writable=False))
        cursor.expect(")")
        return tuple(refs)

    def int_arguments(self, least: int, most: int) -> tuple[int, ...]:
        cursor = self.cursor
        cursor.expect("(")
        values = [cursor.expect_int()]
        while len(values) < most and cursor.accept(","):
            values.append(cursor.expect_int())
        if len(values) < least:
            raise cursor.error("`,'")
        cursor.expect(")")
        return tuple(values)

    def option_arguments(self) -> tuple[ca.Option, ...]:
        """`(key = value, ...)`; values are constants, sets, strings or words."""
        cursor = self.cursor
        cursor.expect("(")
        options: list[ca.Option] = []
        while not cursor.at_punct(")"):
            if options:
                cursor.expect(",")
            key = cursor.expect_id("option name")
            cursor.expect("=")
            options.append(ca.Option(key.text, self.option_value()))
        cursor.expect(")")
        return tuple(options)

    def option_value(self) -> Value | ConstantSet | ca.Word:
        cursor = self.cursor
        if cursor.token.kind is TokenKind.ID:
            return ca.Word(cursor.advance().text)
        return cursor.parse_constant_or_set()

    def parse_result(self, cls: type[Action], dst: object, dst_token: Token) -> Action:
        """The part after `R = name` of a result action."""
        assert isinstance(dst, FieldRef)
        if issubclass(cls, ca.ResultOptionsCall):
            self._check_result(dst, dst_token, 1)
            return cls(dst, self.option_arguments())
        if cls is ca.Select:
            self._check_result(dst, dst_token, 0)
            return ca.Select(dst, self.select_choices())
        assert issubclass(cls, ca.ResultCall)
        self._check_result(dst, dst_token, cls.RESULT_BITS)
        cursor = self.cursor
        cursor.expect("(")
        args: list[FieldRef | int] = []
        for index, kind in enumerate(cls.ARGS):
            if index:
                cursor.expect(",")
            args.append(
                cursor.expect_int() if kind == "int" else self.checked_field(writable=False)
            )
        cursor.expect(")")
        return cls(dst, tuple(args))

    def _check_result(self, dst: FieldRef, token: Token, bits: int) -> None:
        info = self._info(dst, token, writable=True)
        if self.checker and info:
            self.checker.result_width(info, bits, token)

    def select_choices(self) -> tuple[ca.SelectChoice, ...]:
        cursor = self.cursor
        cursor.expect("(")
        choices = []
        while True:
            value = cursor.expect_int("integer")
            weight = cursor.expect_int("weight") if cursor.accept("=") else None
            choices.append(ca.SelectChoice(value, weight))
            if not cursor.accept(","):
                break
        cursor.expect(")")
        return tuple(choices)

    def expect_address(self) -> Constant:
        token = self.cursor.token
        number = token.value
        if (
            token.kind is not TokenKind.NUMBER
            or not isinstance(number, Number)
            or number.fmt not in _ADDRESS_FORMATS
            or number.mask is not None
        ):
            raise self.cursor.error("IPv4 or IPv6 address")
        self.cursor.advance()
        return Constant(number)

    def parse_lb_arguments(self, cls: type[CtLb]) -> Action:
        cursor = self.cursor
        if not cursor.accept("("):
            return cls()
        legacy = not cursor.token.is_id("backends")
        if not legacy:
            cursor.advance()
            cursor.expect("=")
        backends = [self.lb_backend()]
        while cursor.accept(","):
            backends.append(self.lb_backend())
        hash_fields: StringConst | None = None
        ct_flag: str | None = None
        while cursor.accept(";"):
            word = cursor.expect_id("`hash_fields', `skip_snat' or `force_snat'")
            if word.text == "hash_fields":
                cursor.expect("=")
                hash_fields = cursor.expect_string("hash fields string")
            elif word.text in ("skip_snat", "force_snat"):
                ct_flag = word.text
            else:
                raise cursor.error("`hash_fields', `skip_snat' or `force_snat'", word)
        cursor.expect(")")
        return cls(tuple(backends), hash_fields, ct_flag, legacy)

    def lb_backend(self) -> CtLbBackend:
        cursor = self.cursor
        bracketed = cursor.accept("[")
        ip = self.expect_address()
        if bracketed:
            cursor.expect("]")
        port = cursor.expect_int("port number") if cursor.accept(":") else None
        if port is not None and ip.number.width == 128 and not bracketed:
            raise cursor.fail("IPv6 address needs square brackets if port is included")
        return CtLbBackend(ip, port)

    def parse_ct_commit_arguments(self) -> CtCommitV1:
        cursor = self.cursor
        cursor.expect("(")
        values: dict[str, Constant] = {}
        order: list[str] = []
        while not cursor.at_punct(")"):
            if order:
                cursor.expect(",")
            key = cursor.expect_id("`ct_mark' or `ct_label'")
            if key.text not in ("ct_mark", "ct_label"):
                raise cursor.error("`ct_mark' or `ct_label'", key)
            cursor.expect("=")
            value = cursor.parse_value()
            if not isinstance(value, Constant):
                raise cursor.error("integer")
            values[key.text] = value
            order.append(key.text)
        cursor.expect(")")
        return CtCommitV1(values.get("ct_mark"), values.get("ct_label"), tuple(order))

    def parse_fwd_group_arguments(self) -> Action:
        cursor = self.cursor
        cursor.expect("(")
        liveness: StringConst | ca.Word | None = None
        if cursor.token.is_id("liveness"):
            cursor.advance()
            cursor.expect("=")
            value = self.option_value()
            if not isinstance(value, StringConst | ca.Word):
                raise cursor.error("true or false")
            liveness = value
            cursor.expect(",")
        cursor.expect_keyword("childports")
        cursor.expect("=")
        ports = [cursor.expect_string("logical switch port")]
        while cursor.accept(","):
            ports.append(cursor.expect_string("logical switch port"))
        cursor.expect(")")
        return ca.FwdGroup(liveness, tuple(ports))
