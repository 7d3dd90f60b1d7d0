"""The "mutate" operation's mutations (RFC 7047 section 5.1, <mutation>).

Arithmetic mutators (`+= -= *= /= %=`) apply to integer and real atoms (to
every element of a set of numbers); `insert` and `delete` apply to sets and
maps. Results are checked against the column's constraints and counts.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyovn.ovsdb.database import Row, Table
from pyovn.ovsdb.datum import ColumnCodec, NamedUuids, type_to_english
from pyovn.ovsdb.errors import TransactionError
from pyovn.ovsdb.schema import AtomicType

__all__ = ["Mutation", "apply_mutations", "parse_mutations"]

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_ARITHMETIC = {"+=", "-=", "*=", "/=", "%="}


@dataclass(frozen=True, slots=True)
class Mutation:
    column: str
    mutator: str
    codec: ColumnCodec
    argument: Any


def parse_mutations(table: Table, mutations: Any, names: NamedUuids) -> list[Mutation]:
    if not isinstance(mutations, list):
        raise TransactionError("syntax error", '"mutations" must be an array', _dump(mutations))
    return [_parse_one(table, m, names) for m in mutations]


def _parse_one(table: Table, item: Any, names: NamedUuids) -> Mutation:
    if not (
        isinstance(item, list)
        and len(item) == 3
        and isinstance(item[0], str)
        and isinstance(item[1], str)
    ):
        raise TransactionError("syntax error", "Parse error in mutation.", _dump(item))
    cname, mutator, arg = item
    column = table.schema.columns.get(cname)
    if column is None:
        raise TransactionError(
            "unknown column", f"No column {cname} in table {table.name}.", _dump(item)
        )
    if cname in ("_uuid", "_version") or not column.mutable:
        raise TransactionError(
            "constraint violation",
            f"Cannot mutate immutable column {cname} in table {table.name}.",
            _dump(item),
        )
    codec = table.codecs[cname]
    key_type = codec.type.key.type
    if mutator in _ARITHMETIC:
        if codec.is_map or key_type not in (AtomicType.INTEGER, AtomicType.REAL):
            raise _type_mismatch(mutator, cname, codec, item)
        if mutator == "%=" and key_type is AtomicType.REAL:
            raise _type_mismatch(mutator, cname, codec, item)
        # The argument is an atom of the key's atomic type, without its
        # constraints: only the result has to satisfy them.
        arg_value = _number(arg, key_type, item)
        if mutator in ("/=", "%=") and arg_value == 0:
            raise TransactionError("domain error", "Division by zero.")
        return Mutation(cname, mutator, codec, arg_value)
    if mutator == "insert":
        if codec.scalar:
            raise _type_mismatch(mutator, cname, codec, item)
        value = (
            codec.map_from_json(arg, names) if codec.is_map else codec.atoms_from_json(arg, names)
        )
        return Mutation(cname, mutator, codec, value)
    if mutator == "delete":
        if codec.scalar:
            raise _type_mismatch(mutator, cname, codec, item)
        if codec.is_map and isinstance(arg, list) and arg and arg[0] == "map":
            return Mutation(cname, "delete-pairs", codec, codec.map_from_json(arg, names))
        # A set of keys: for a map, deletes those keys whatever their values.
        keys = codec.atoms_from_json(arg, names)
        return Mutation(cname, "delete", codec, keys)
    raise TransactionError("unknown mutator", f"No mutator named {mutator}.")


def _number(arg: Any, key_type: AtomicType, item: Any) -> Any:
    if key_type is AtomicType.INTEGER:
        if type(arg) is not int:
            raise TransactionError("syntax error", "expected integer", _dump(arg))
        return arg
    if isinstance(arg, bool) or not isinstance(arg, (int, float)):
        raise TransactionError("syntax error", "expected real", _dump(arg))
    return float(arg)


def apply_mutations(table: Table, row: Row, mutations: list[Mutation]) -> dict[str, Any]:
    """The changed column values after applying `mutations` to `row`."""
    changed: dict[str, Any] = {}
    for m in mutations:
        current = changed.get(m.column, row[m.column])
        new = _apply(m, current)
        if new != current or m.column in changed:
            changed[m.column] = new
    return {c: v for c, v in changed.items() if v != row[c]}


def _apply(m: Mutation, current: Any) -> Any:
    codec = m.codec
    if m.mutator in _ARITHMETIC:
        op = _arith(m.mutator)
        if codec.scalar:
            return _checked(m, op(current, m.argument))
        result = frozenset(_checked(m, op(a, m.argument)) for a in current)
        if len(result) != len(current):
            raise TransactionError(
                "constraint violation", f'Result of "{m.mutator}" operation contains duplicates.'
            )
        return result
    if m.mutator == "insert":
        if codec.is_map:
            merged = dict(current)
            for k, v in m.argument.items():
                merged.setdefault(k, v)
            return _counted(codec, merged)
        return _counted(codec, current | m.argument)
    if m.mutator == "delete-pairs":
        return _counted(
            codec,
            {k: v for k, v in current.items() if not (k in m.argument and m.argument[k] == v)},
        )
    if codec.is_map:
        return _counted(codec, {k: v for k, v in current.items() if k not in m.argument})
    return _counted(codec, current - m.argument)


def _arith(mutator: str) -> Callable[[Any, Any], Any]:
    def div(a: Any, b: Any) -> Any:
        if isinstance(a, float) or isinstance(b, float):
            return a / b
        # C semantics: integer division truncates toward zero.
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q

    def mod(a: int, b: int) -> int:
        result: int = a - b * div(a, b)
        return result

    return {
        "+=": lambda a, b: a + b,
        "-=": lambda a, b: a - b,
        "*=": lambda a, b: a * b,
        "/=": div,
        "%=": mod,
    }[mutator]


def _checked(m: Mutation, value: Any) -> Any:
    codec = m.codec
    if isinstance(value, int) and not _INT64_MIN <= value <= _INT64_MAX:
        raise TransactionError("range error", f'Result of "{m.mutator}" operation is out of range.')
    if codec.type.key.type is AtomicType.REAL:
        value = float(value)
    return codec.check_key_atom(value)


def _counted(codec: ColumnCodec, value: Any) -> Any:
    n = len(value)
    if not codec.min <= n <= codec.max:
        raise TransactionError(
            "constraint violation",
            f"Attempted to store {n} elements in {type_to_english(codec.type)}.",
        )
    return frozenset(value) if not codec.is_map else value


def _type_mismatch(mutator: str, cname: str, codec: ColumnCodec, item: Any) -> TransactionError:
    return TransactionError(
        "syntax error",
        f'Type mismatch: "{mutator}" operator may not be applied to column {cname} of type '
        f"{type_to_english(codec.type)}.",
        _dump(item),
    )


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
