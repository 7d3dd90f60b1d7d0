"""Conditions (RFC 7047 section 5.1): `[column, function, value]` clauses.

`compile_where` turns a JSON array of clauses into a predicate on
`(uuid, row)`. Transactions AND the clauses together; monitor_cond ORs them
(`any_of=True`) and also accepts bare `true`/`false` clauses.
"""

import json
import operator
from collections.abc import Callable
from typing import Any

from pyovn.ovsdb.datum import ColumnCodec, NamedUuids, codec_for, type_to_english
from pyovn.ovsdb.errors import TransactionError
from pyovn.ovsdb.schema import AtomicType, ColumnType, TableSchema

__all__ = ["Predicate", "compile_where", "uuid_lookup"]

Predicate = Callable[[str, dict[str, Any]], bool]

_RELATIONAL: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_FUNCTIONS = {"<", "<=", "==", "!=", ">=", ">", "includes", "excludes"}


def _always(uuid: str, row: dict[str, Any]) -> bool:
    return True


def _never(uuid: str, row: dict[str, Any]) -> bool:
    return False


def compile_where(
    table: TableSchema,
    where: Any,
    names: NamedUuids | None = None,
    any_of: bool = False,
) -> Predicate:
    """A predicate for the clauses in `where` (AND, or OR when `any_of`)."""
    if where is None:
        return _always
    if not isinstance(where, list):
        raise TransactionError("syntax error", '"where" must be an array', _dump(where))
    clauses = [_compile_clause(table, c, names, any_of) for c in where]
    if not clauses:
        return _always
    if len(clauses) == 1:
        return clauses[0]
    if any_of:
        return lambda uuid, row: any(c(uuid, row) for c in clauses)
    return lambda uuid, row: all(c(uuid, row) for c in clauses)


def uuid_lookup(where: Any) -> str | None:
    """The UUID when `where` is exactly `[["_uuid", "==", ["uuid", U]]]`.

    Clients such as the IDL address nearly every update this way; the
    transaction uses it to skip a table scan.
    """
    if (
        type(where) is list
        and len(where) == 1
        and type(where[0]) is list
        and len(where[0]) == 3
        and where[0][0] == "_uuid"
        and where[0][1] == "=="
        and type(where[0][2]) is list
        and len(where[0][2]) == 2
        and where[0][2][0] == "uuid"
        and type(where[0][2][1]) is str
    ):
        return where[0][2][1].lower()
    return None


def _compile_clause(
    table: TableSchema, clause: Any, names: NamedUuids | None, allow_bool: bool
) -> Predicate:
    if allow_bool and isinstance(clause, bool):
        return _always if clause else _never
    if not (
        isinstance(clause, list)
        and len(clause) == 3
        and isinstance(clause[0], str)
        and isinstance(clause[1], str)
    ):
        raise TransactionError("syntax error", "Parse error in condition.", _dump(clause))
    cname, function, arg = clause
    column = table.columns.get(cname)
    if column is None:
        raise TransactionError(
            "unknown column", f"No column {cname} in table {table.name}.", _dump(clause)
        )
    if function not in _FUNCTIONS:
        raise TransactionError("unknown function", f"No function named {function}.")
    codec = codec_for(column.type)
    get = _getter(cname)
    if function in _RELATIONAL:
        return _relational(table, cname, codec, function, arg, names, get, clause)
    return _equality(codec, function, arg, names, get)


def _getter(cname: str) -> Callable[[str, dict[str, Any]], Any]:
    if cname == "_uuid":
        return lambda uuid, row: uuid
    return lambda uuid, row: row[cname]


def _relational(
    table: TableSchema,
    cname: str,
    codec: ColumnCodec,
    function: str,
    arg: Any,
    names: NamedUuids | None,
    get: Callable[[str, dict[str, Any]], Any],
    clause: Any,
) -> Predicate:
    ctype = codec.type
    numeric = ctype.key.type in (AtomicType.INTEGER, AtomicType.REAL)
    if ctype.is_map or ctype.max != 1 or not numeric:
        raise TransactionError(
            "syntax error",
            f'Type mismatch: "{function}" operator may not be applied to column '
            f"{cname} of type {type_to_english(ctype)}.",
            _dump(clause),
        )
    # The argument is one atom of the key type, even for an optional column.
    bound = codec_for(ColumnType(ctype.key)).from_json(arg, names)
    op = _RELATIONAL[function]
    if ctype.is_scalar:
        return lambda uuid, row: bool(op(get(uuid, row), bound))

    def optional(uuid: str, row: dict[str, Any]) -> bool:
        # An empty optional column compares false (ovsdb-server(7), 5.1).
        current = get(uuid, row)
        return bool(current) and bool(op(next(iter(current)), bound))

    return optional


def _equality(
    codec: ColumnCodec,
    function: str,
    arg: Any,
    names: NamedUuids | None,
    get: Callable[[str, dict[str, Any]], Any],
) -> Predicate:
    if codec.scalar:
        value = codec.from_json(arg, names)
        if function in ("==", "includes"):
            return lambda uuid, row: bool(get(uuid, row) == value)
        return lambda uuid, row: bool(get(uuid, row) != value)
    if codec.is_map:
        pairs = codec.map_from_json(arg, names)
        if function == "==":
            return lambda uuid, row: bool(get(uuid, row) == pairs)
        if function == "!=":
            return lambda uuid, row: bool(get(uuid, row) != pairs)
        items = list(pairs.items())
        if function == "includes":
            return lambda uuid, row: _map_includes(get(uuid, row), items)
        return lambda uuid, row: _map_excludes(get(uuid, row), items)
    atoms = codec.atoms_from_json(arg, names)
    if function == "==":
        return lambda uuid, row: bool(get(uuid, row) == atoms)
    if function == "!=":
        return lambda uuid, row: bool(get(uuid, row) != atoms)
    if function == "includes":
        return lambda uuid, row: atoms <= get(uuid, row)
    return lambda uuid, row: atoms.isdisjoint(get(uuid, row))


def _map_includes(current: dict[Any, Any], items: list[tuple[Any, Any]]) -> bool:
    return all(k in current and current[k] == v for k, v in items)


def _map_excludes(current: dict[Any, Any], items: list[tuple[Any, Any]]) -> bool:
    return not any(k in current and current[k] == v for k, v in items)


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
