"""Checks of parsed text against the symbol table (`fields.py`).

The parsers call these while they build the tree, so every error points at
the token at fault.  Rules follow ovn-sb(5): unknown symbols, subscripts
out of range, constants wider than their field, strings where integers are
needed, relational operators and negation on nominal fields ("taking
enclosing `!' operators into account"), and writes to read-only fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyovn.lflow.errors import (
    ReadOnlyFieldError,
    TypeMismatchError,
    UnknownFieldError,
    WidthMismatchError,
)
from pyovn.lflow.expr import (
    Constant,
    ConstantSet,
    FieldRef,
    MacroRef,
    PortGroupRef,
    StringConst,
    Term,
    Value,
)
from pyovn.lflow.fields import SYMBOLS, Level, Symbol, symbol_level
from pyovn.lflow.lexer import Token

__all__ = ["FieldInfo", "SymbolChecker"]

_NEGATED = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """What the checks need to know about a (sub)field reference."""

    ref: FieldRef
    symbol: Symbol
    width: int
    level: Level

    @property
    def is_string(self) -> bool:
        return self.level is Level.STRING


class SymbolChecker:
    """Validates references, comparisons and assignments; raises LflowTypeError."""

    __slots__ = ()

    def field(self, ref: FieldRef, token: Token) -> FieldInfo:
        """Resolve `ref` (whose first token is `token`) or raise."""
        symbol = SYMBOLS.get(ref.name)
        if symbol is None:
            raise UnknownFieldError(
                f"Syntax error at `{ref.name}' expecting field name.",
                position=token.start,
                token=ref.name,
            )
        level = symbol_level(ref.name)
        if ref.start is None:
            return FieldInfo(ref, symbol, symbol.width, level)
        assert ref.end is not None
        if symbol.is_predicate or level in (Level.STRING, Level.NOMINAL):
            raise TypeMismatchError(
                f"Cannot select subfield of {_kind(symbol, level)} {ref.name}.",
                position=token.start,
                token=ref.name,
            )
        if ref.end >= symbol.width:
            raise WidthMismatchError(
                f"Cannot select bits {ref.start} to {ref.end} of {symbol.width}-bit "
                f"field {ref.name}.",
                position=token.start,
                token=ref.name,
            )
        return FieldInfo(ref, symbol, ref.end - ref.start + 1, Level.ORDINAL)

    def field_test(self, info: FieldInfo, token: Token, negated: bool) -> None:
        """A bare field in a match: a predicate or a one-bit field."""
        if info.symbol.is_predicate:
            if negated and info.level is Level.NOMINAL:
                raise TypeMismatchError(
                    f"Nominal predicate {info.ref} may only be tested positively, e.g. "
                    f"`{info.ref}' or `{info.ref} == 1' but not `!{info.ref}' or "
                    f"`{info.ref} == 0'.",
                    position=token.start,
                    token=str(info.ref),
                )
            return
        if info.is_string or info.width != 1:
            raise TypeMismatchError(
                "Explicit `!= 0' is required for inequality test of multibit field against 0.",
                position=token.start,
                token=str(info.ref),
            )

    def comparison(
        self, info: FieldInfo, op: str, value: Term, token: Token, negated: bool
    ) -> None:
        """`field op value` (either order), `negated` under an odd number of `!`."""
        effective = _NEGATED[op] if negated else op
        if isinstance(value, FieldRef):
            raise TypeMismatchError(
                f"Comparison of field {info.ref} with field {value} is not supported.",
                position=token.start,
                token=str(info.ref),
            )
        values = value.items if isinstance(value, ConstantSet) else (value,)
        if op not in ("==", "!="):
            self._relational(info, values, isinstance(value, ConstantSet), token)
        if info.level in (Level.STRING, Level.NOMINAL) and effective != "==":
            raise TypeMismatchError(
                f"Nominal field {info.ref} may only be tested for equality (taking "
                "enclosing `!' operators into account).",
                position=token.start,
                token=str(info.ref),
            )
        if info.symbol.is_predicate and effective != "==" and info.level is Level.NOMINAL:
            raise TypeMismatchError(
                f"Nominal predicate {info.ref} may only be tested positively.",
                position=token.start,
                token=str(info.ref),
            )
        for item in values:
            self.value_fits(info, item, token)

    def _relational(
        self, info: FieldInfo, values: tuple[Value, ...], is_set: bool, token: Token
    ) -> None:
        problem = None
        if info.level is not Level.ORDINAL:
            problem = f"field {info.ref}, which is {info.level.value}"
        elif is_set or any(not isinstance(v, Constant) for v in values):
            problem = "value sets"
        elif any(isinstance(v, Constant) and v.mask is not None for v in values):
            problem = "masked constants"
        if problem:
            raise TypeMismatchError(
                f"Only == and != operators may be used with {problem}.",
                position=token.start,
                token=str(info.ref),
            )

    def value_fits(self, info: FieldInfo, value: Value, token: Token) -> None:
        """`value` has the type of the field and fits its width."""
        if info.is_string:
            if not isinstance(value, StringConst | PortGroupRef):
                raise TypeMismatchError(
                    f"String field {info.ref} is not compatible with {_describe(value)}.",
                    position=token.start,
                    token=str(info.ref),
                )
            return
        if isinstance(value, StringConst | PortGroupRef):
            raise TypeMismatchError(
                f"Integer field {info.ref} is not compatible with {_describe(value)}.",
                position=token.start,
                token=str(info.ref),
            )
        if isinstance(value, MacroRef):
            return
        widest = max(value.value.bit_length(), (value.mask or 0).bit_length())
        if widest > info.width:
            raise WidthMismatchError(
                f"{widest}-bit constant {value} does not fit in {info.width}-bit field {info.ref}.",
                position=token.start,
                token=str(info.ref),
            )
        if value.mask is not None and info.level is Level.NOMINAL:
            raise TypeMismatchError(
                f"Nominal field {info.ref} may not be matched with a mask.",
                position=token.start,
                token=str(info.ref),
            )

    def writable(self, info: FieldInfo, token: Token) -> None:
        """Destinations of assignments, exchanges, pops and results."""
        if info.symbol.is_predicate or not _is_writable(info.symbol):
            raise ReadOnlyFieldError(
                f"Field {info.ref.name} is not modifiable.",
                position=token.start,
                token=str(info.ref),
            )

    def same_type(self, dst: FieldInfo, src: FieldInfo, token: Token, verb: str) -> None:
        """Both sides of `=`/`<->` between fields: same type and width."""
        if dst.is_string != src.is_string:
            kinds = ["string" if i.is_string else "integer" for i in (dst, src)]
            raise TypeMismatchError(
                f"Can't {verb} {kinds[1]} field ({src.ref}) {'to' if verb == 'assign' else 'with'} "
                f"{kinds[0]} field ({dst.ref}).",
                position=token.start,
                token=str(dst.ref),
            )
        if not dst.is_string and dst.width != src.width:
            raise WidthMismatchError(
                f"Can't {verb} {src.width}-bit field with {dst.width}-bit field.",
                position=token.start,
                token=str(dst.ref),
            )

    def result_width(self, info: FieldInfo, bits: int, token: Token) -> None:
        """The destination of `R = action(...)` has the width the action needs."""
        if bits == -1:
            if not info.is_string:
                raise TypeMismatchError(
                    f"Destination {info.ref} must be a port string field.",
                    position=token.start,
                    token=str(info.ref),
                )
        elif bits and (info.is_string or info.width != bits):
            raise WidthMismatchError(
                f"Cannot use {info.width}-bit field {info.ref} where {bits}-bit field is required.",
                position=token.start,
                token=str(info.ref),
            )


def _is_writable(symbol: Symbol) -> bool:
    if symbol.ovn_only or symbol.is_string:
        return True
    parent = symbol
    while parent.parent is not None:
        parent = SYMBOLS[parent.parent]
    return parent.writable


def _kind(symbol: Symbol, level: Level) -> str:
    if symbol.is_predicate:
        return "predicate"
    return f"{level.value} field"


def _describe(value: Value) -> str:
    if isinstance(value, StringConst):
        return "string constant"
    if isinstance(value, PortGroupRef):
        return f"port group {value}"
    if isinstance(value, MacroRef):
        return f"address set {value}"
    return f"integer constant {value}"
