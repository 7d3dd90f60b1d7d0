"""`column[:key]=value` arguments: parsing them and testing rows against them.

`set`, `create` and `add` take `column[:key]=value`; `find` and `wait-until`
also take the comparison operators of ovs-vsctl(8) (`!=`, `<`, `{<=}`,
`{in}`, ...). Values are compared as sets: a scalar is a set of one, a
missing map key an empty set.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyovn.cms.api.refs import resolve_column
from pyovn.cms.api.txn import Row
from pyovn.cms.api.values import Symbols, parse_atom, parse_token, parse_value
from pyovn.cms.errors import UsageError
from pyovn.ovsdb.schema import UNLIMITED, ColumnSchema, ColumnType, TableSchema

__all__ = ["ColumnArg", "Condition", "parse_column_arg", "parse_condition", "relaxed"]

#: Operators, longest first so that `<=` is not read as `<`.
OPERATORS: tuple[str, ...] = ("{not-in}", "{!=}", "{<=}", "{>=}", "{in}", "{=}", "{<}", "{>}")
OPERATORS += ("!=", "<=", ">=", "=", "<", ">")
#: The same, in the order error messages list them.
DISPLAY_OPERATORS: tuple[str, ...] = ("=", "!=", "<", ">", "<=", ">=", "{=}", "{!=}", "{<}")
DISPLAY_OPERATORS += ("{>}", "{<=}", "{>=}")
DISPLAY_OPERATORS += ("{in}", "{not-in}")


@dataclass(frozen=True)
class ColumnArg:
    """A parsed `column[:key]OPvalue` argument (op and value may be absent)."""

    column: ColumnSchema
    key: Any
    op: str | None
    value_text: str | None
    text: str


def relaxed(ctype: ColumnType) -> ColumnType:
    """The same element types, any number of elements (for add/remove/find)."""
    return ColumnType(ctype.key, ctype.value, 0, UNLIMITED)


def parse_column_arg(
    table: TableSchema, text: str, operators: tuple[str, ...], symbols: Symbols | None = None
) -> ColumnArg:
    """Split `column[:key][OP value]`; the key is parsed with the map's key type."""
    name, _, pos = parse_token(text, 0)
    if not name:
        raise UsageError(f"{text}: missing column name")
    column = resolve_column(table, name)
    key = None
    if pos < len(text) and text[pos] == ":":
        key_text, quoted, pos = parse_token(text, pos + 1)
        if not column.type.is_map:
            raise UsageError(f"{text}: cannot specify key to set for non-map column {column.name}")
        raw = json.dumps(key_text) if quoted else key_text
        key = parse_atom(raw, column.type.key, symbols)
    rest = text[pos:]
    if not rest:
        return ColumnArg(column, key, None, None, text)
    for op in operators:
        if rest.startswith(op):
            value = rest[len(op) :]
            if value == "" and op == "=" and key is not None:
                break
            return ColumnArg(column, key, op, value, text)
    if not operators:
        raise UsageError(f'{text}: trailing garbage "{rest}" in argument')
    raise UsageError(
        f"{text}: argument does not end in {_english_ops(operators)} followed by a value."
    )


def _english_ops(operators: tuple[str, ...]) -> str:
    ordered = [op for op in DISPLAY_OPERATORS if op in operators]
    quoted = [f'"{op}"' for op in ordered]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + f", or {quoted[-1]}"


def parse_set_value(arg: ColumnArg, symbols: Symbols | None) -> Any:
    """The new value (whole column, or one map value when a key was given)."""
    assert arg.value_text is not None
    if arg.key is not None:
        assert arg.column.type.value is not None
        return parse_atom(arg.value_text, arg.column.type.value, symbols)
    return parse_value(arg.value_text, arg.column.type, symbols)


@dataclass(frozen=True)
class Condition:
    """A `find`/`wait-until` test on one column."""

    arg: ColumnArg
    wanted: Any

    def matches(self, row: Row) -> bool:
        column, key = self.arg.column, self.arg.key
        have = row[column.name]
        op = self.arg.op or "="
        if key is not None:
            if key not in have:
                if not op.startswith("{"):
                    return False
                have = frozenset()
            else:
                have = frozenset((have[key],))
        elif column.type.is_scalar:
            have = frozenset((have,))
        return _COMPARE[op](_items(have), _items(self.wanted))


def parse_condition(table: TableSchema, text: str, symbols: Symbols | None = None) -> Condition:
    arg = parse_column_arg(table, text, OPERATORS, symbols)
    if arg.op is None or arg.value_text is None:
        raise UsageError(
            f"{text}: argument does not end in {_english_ops(OPERATORS)} followed by a value."
        )
    ctype = arg.column.type
    if arg.key is not None:
        assert ctype.value is not None
        ctype = ColumnType(ctype.value)
    wanted = parse_value(arg.value_text, relaxed(ctype), symbols)
    return Condition(arg, wanted)


def _items(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return sorted(value.items())
    if isinstance(value, frozenset):
        return sorted(value)
    return [value]


def _cmp(a: list[Any], b: list[Any]) -> int:
    if a == b:
        return 0
    if len(a) != len(b):
        return -1 if len(a) < len(b) else 1
    keys_a = [x[0] if isinstance(x, tuple) else x for x in a]
    keys_b = [x[0] if isinstance(x, tuple) else x for x in b]
    pair_a, pair_b = (keys_a, keys_b) if keys_a != keys_b else (a, b)
    for x, y in zip(pair_a, pair_b, strict=True):
        if x != y:
            return -1 if x < y else 1
    return 0


def _subset(a: list[Any], b: list[Any]) -> bool:
    return set(a) <= set(b)


_COMPARE: dict[str, Callable[[list[Any], list[Any]], bool]] = {
    "=": lambda a, b: _cmp(a, b) == 0,
    "!=": lambda a, b: _cmp(a, b) != 0,
    "<": lambda a, b: _cmp(a, b) < 0,
    ">": lambda a, b: _cmp(a, b) > 0,
    "<=": lambda a, b: _cmp(a, b) <= 0,
    ">=": lambda a, b: _cmp(a, b) >= 0,
    "{=}": lambda a, b: set(a) == set(b),
    "{!=}": lambda a, b: set(a) != set(b),
    "{<}": lambda a, b: set(a) < set(b),
    "{>}": lambda a, b: set(a) > set(b),
    "{<=}": _subset,
    "{>=}": lambda a, b: set(a) >= set(b),
    "{in}": _subset,
    "{not-in}": lambda a, b: not (set(a) & set(b)),
}
