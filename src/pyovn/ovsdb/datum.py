"""OVSDB values: atoms and datums, between their JSON wire form and Python.

In memory a column's value is:
- a bare atom (int, float, bool, str) when the type is scalar (min = max = 1);
- a `frozenset` of atoms for every other set type, optional values included;
- a `dict` for maps, never mutated after it is built, so rows can share it.

UUIDs are plain lowercase strings; the column type says when a string is a
UUID. `ColumnCodec` holds the per-type conversion and checks, built once per
column type because conversion is the server's hottest path.
"""

import json
import random
import re
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, Protocol

from pyovn.ovsdb.errors import TransactionError
from pyovn.ovsdb.schema import UNLIMITED, AtomicType, BaseType, ColumnType

__all__ = [
    "ZERO_UUID",
    "ColumnCodec",
    "NamedUuids",
    "codec_for",
    "format_atom",
    "is_uuid",
    "new_uuid",
    "type_to_english",
]

ZERO_UUID = "00000000-0000-0000-0000-000000000000"
_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)

_DEFAULT_ATOMS: dict[AtomicType, Any] = {
    AtomicType.INTEGER: 0,
    AtomicType.REAL: 0.0,
    AtomicType.BOOLEAN: False,
    AtomicType.STRING: "",
    AtomicType.UUID: ZERO_UUID,
}
_EMPTY: frozenset[Any] = frozenset()


class NamedUuids(Protocol):
    """Resolves `["named-uuid", name]` inside one transaction."""

    def resolve(self, name: str) -> str: ...


_V4_MASK = ~((0xF << 76) | (0xC << 60)) & ((1 << 128) - 1)
_V4_BITS = (0x4 << 76) | (0x8 << 60)


def new_uuid() -> str:
    """A fresh random (version 4) UUID as text.

    Five times cheaper than `str(uuid.uuid4())`, which matters because every
    inserted row and every commit takes one or two. UUIDs name rows; they are
    not secrets, so `random` (seeded from the OS, reseeded after fork) will do.
    """
    h = f"{random.getrandbits(128) & _V4_MASK | _V4_BITS:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def is_uuid(text: Any) -> bool:
    return isinstance(text, str) and _UUID_RE.match(text) is not None


def _syntax(details: str, value: Any) -> TransactionError:
    return TransactionError("syntax error", details, _compact(value))


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


_BARE_STRING_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def format_atom(atom: Any) -> str:
    """An atom as ovsdb-server writes it in error details.

    Reals use 17 significant digits without a trailing ".0"; a string is
    quoted unless it reads as a bare word that is not a boolean or a UUID.
    """
    if isinstance(atom, bool):
        return "true" if atom else "false"
    if isinstance(atom, float):
        return f"{atom:.17g}"
    if isinstance(atom, str):
        bare = _BARE_STRING_RE.match(atom) and atom not in ("true", "false") and not is_uuid(atom)
        return atom if bare else json.dumps(atom)
    return str(atom)


def type_to_english(ctype: ColumnType) -> str:
    """A column type in words: "integer", "set of 1 to 3 integers",
    "map of (string, integer) pairs" (the phrasing of ovsdb-server's errors)."""
    key = str(ctype.key.type)
    if ctype.is_scalar:
        return key
    kind = "map" if ctype.is_map else "set"
    if ctype.max == UNLIMITED:
        count = f" of {ctype.min} or more" if ctype.min else " of"
    elif ctype.min:
        count = f" of {ctype.min} to {ctype.max}"
    else:
        count = f" of up to {ctype.max}"
    if ctype.value is None:
        return f"{kind}{count} {key}s"
    return f"{kind}{count} ({key}, {ctype.value.type}) pairs"


def _atom_parser(base: BaseType) -> Callable[[Any, NamedUuids | None], Any]:
    """A function JSON -> atom that checks the type and the constraints of `base`."""
    atype = base.type
    check = _constraint_checker(base)

    if atype is AtomicType.INTEGER:

        def parse(value: Any, names: NamedUuids | None) -> Any:
            if type(value) is not int:
                raise _syntax("expected integer", value)
            return check(value) if check else value

    elif atype is AtomicType.REAL:

        def parse(value: Any, names: NamedUuids | None) -> Any:
            if type(value) is not float and type(value) is not int:
                raise _syntax("expected real", value)
            value = float(value)
            return check(value) if check else value

    elif atype is AtomicType.BOOLEAN:

        def parse(value: Any, names: NamedUuids | None) -> Any:
            if type(value) is not bool:
                raise _syntax("expected boolean", value)
            return check(value) if check else value

    elif atype is AtomicType.STRING:

        def parse(value: Any, names: NamedUuids | None) -> Any:
            if type(value) is not str:
                raise _syntax("expected string", value)
            return check(value) if check else value

    else:

        def parse(value: Any, names: NamedUuids | None) -> Any:
            if type(value) is list and len(value) == 2 and type(value[1]) is str:
                if value[0] == "uuid":
                    if _UUID_RE.match(value[1]) is None:
                        raise _syntax(f'"{value[1]}" is not a valid UUID', value)
                    return value[1].lower()
                if value[0] == "named-uuid" and names is not None:
                    return names.resolve(value[1])
            raise _syntax('expected ["uuid", <string>]', value)

    return parse


def _constraint_checker(base: BaseType) -> Callable[[Any], Any] | None:
    """The enum/range/length check of `base`, or None when it has none."""
    if base.enum is not None:
        allowed = base.enum
        listing = ", ".join(format_atom(v) for v in sorted(allowed))

        def check_enum(atom: Any) -> Any:
            if atom not in allowed:
                raise TransactionError(
                    "constraint violation",
                    f"{format_atom(atom)} is not one of the allowed values ([{listing}])",
                )
            return atom

        return check_enum
    if base.type is AtomicType.INTEGER and (
        base.min_integer is not None or base.max_integer is not None
    ):
        return _range_checker(base.min_integer, base.max_integer)
    if base.type is AtomicType.REAL and (base.min_real is not None or base.max_real is not None):
        return _range_checker(base.min_real, base.max_real)
    if base.type is AtomicType.STRING and (
        base.min_length is not None or base.max_length is not None
    ):
        return _length_checker(base.min_length, base.max_length)
    return None


def _range_checker(low: float | None, high: float | None) -> Callable[[Any], Any]:
    def check(atom: Any) -> Any:
        if (low is not None and atom < low) or (high is not None and atom > high):
            if low is not None and high is not None:
                what = (
                    f"is not in the valid range {format_atom(low)} to {format_atom(high)} "
                    "(inclusive)"
                )
            elif low is not None:
                what = f"is less than minimum allowed value {format_atom(low)}"
            else:
                what = f"is greater than maximum allowed value {format_atom(high)}"
            raise TransactionError("constraint violation", f"{format_atom(atom)} {what}")
        return atom

    return check


def _length_checker(low: int | None, high: int | None) -> Callable[[Any], Any]:
    def check(atom: Any) -> Any:
        n = len(atom)
        if low is not None and n < low:
            raise TransactionError(
                "constraint violation",
                f'"{atom}" length {n} is less than minimum allowed length {low}',
            )
        if high is not None and n > high:
            raise TransactionError(
                "constraint violation",
                f'"{atom}" length {n} is greater than maximum allowed length {high}',
            )
        return atom

    return check


def _atom_emitter(base: BaseType) -> Callable[[Any], Any]:
    if base.type is AtomicType.UUID:
        return lambda atom: ["uuid", atom]
    return lambda atom: atom


class ColumnCodec:
    """Conversion, checks, defaults and diffs for one column type."""

    def __init__(self, ctype: ColumnType) -> None:
        self.type = ctype
        self.scalar = ctype.is_scalar
        self.is_map = ctype.is_map
        self.min = ctype.min
        self.max = ctype.max
        self._key = _atom_parser(ctype.key)
        self._value = _atom_parser(ctype.value) if ctype.value is not None else None
        self._emit_key = _atom_emitter(ctype.key)
        self._emit_value = _atom_emitter(ctype.value) if ctype.value is not None else None
        self.key_is_uuid = ctype.key.type is AtomicType.UUID
        self._check_key = _constraint_checker(ctype.key)
        self._check_value = _constraint_checker(ctype.value) if ctype.value is not None else None
        # The default is `min` default atoms: a set or map of at least one
        # element starts with one (RFC 7047 section 5.2.1).
        key_default = _DEFAULT_ATOMS[ctype.key.type]
        self.default: Any
        if self.scalar:
            self.default = key_default
        elif self.is_map:
            assert ctype.value is not None
            self.default = {key_default: _DEFAULT_ATOMS[ctype.value.type]} if self.min else {}
        else:
            self.default = frozenset((key_default,)) if self.min else _EMPTY

    def default_violation(self) -> TransactionError | None:
        """The error a row would get for leaving this column at its default, if any.

        A default atom need not satisfy the column's enum, range or length
        constraints (the empty string is not in most enums).
        """
        if self.scalar:
            keys, values = [self.default], []
        elif self.is_map:
            keys, values = list(self.default), list(self.default.values())
        else:
            keys, values = list(self.default), []
        try:
            for atom in keys:
                self.check_key_atom(atom)
            if self._check_value is not None:
                for atom in values:
                    self._check_value(atom)
        except TransactionError as exc:
            return exc
        return None

    def check_key_atom(self, atom: Any) -> Any:
        """`atom` if it satisfies the key type's enum/range/length constraints."""
        return self._check_key(atom) if self._check_key is not None else atom

    # -- JSON -> value -------------------------------------------------------
    def from_json(self, value: Any, names: NamedUuids | None = None) -> Any:
        """Parse a datum in wire form; raises TransactionError on any violation."""
        if self.scalar:
            if type(value) is list and len(value) == 2 and value[0] == "set":
                atoms = self._set_atoms(value, names)
                if len(atoms) != 1:
                    raise self._count_error(len(atoms), value)
                return next(iter(atoms))
            return self._key(value, names)
        if self.is_map:
            return self._map_from_json(value, names)
        if type(value) is list and len(value) == 2 and value[0] == "set":
            atoms = self._set_atoms(value, names)
        else:
            atoms = frozenset((self._key(value, names),))
        if not self.min <= len(atoms) <= self.max:
            raise self._count_error(len(atoms), value)
        return atoms

    def atoms_from_json(self, value: Any, names: NamedUuids | None = None) -> frozenset[Any]:
        """A set of key atoms with no count limit (mutate "insert"/"delete" arguments)."""
        if type(value) is list and len(value) == 2 and value[0] == "set":
            return self._set_atoms(value, names)
        return frozenset((self._key(value, names),))

    def map_from_json(self, value: Any, names: NamedUuids | None = None) -> dict[Any, Any]:
        """A map with no count limit (mutate arguments)."""
        return self._map_pairs(value, names)

    def _set_atoms(self, value: list[Any], names: NamedUuids | None) -> frozenset[Any]:
        elems = value[1]
        if type(elems) is not list:
            raise _syntax('set must be ["set", [atoms...]]', value)
        parse = self._key
        atoms = frozenset(parse(e, names) for e in elems)
        if len(atoms) != len(elems):
            raise TransactionError("ovsdb error", "set contains duplicate")
        return atoms

    def _map_from_json(self, value: Any, names: NamedUuids | None) -> dict[Any, Any]:
        pairs = self._map_pairs(value, names)
        if not self.min <= len(pairs) <= self.max:
            raise self._count_error(len(pairs), value)
        return pairs

    def _map_pairs(self, value: Any, names: NamedUuids | None) -> dict[Any, Any]:
        if not (type(value) is list and len(value) == 2 and value[0] == "map"):
            raise _syntax('expected ["map", <array>]', value)
        assert self._value is not None
        parse_key, parse_value = self._key, self._value
        out: dict[Any, Any] = {}
        items = value[1]
        if type(items) is not list:
            raise _syntax('map must be ["map", [[key, value]...]]', value)
        for item in items:
            if type(item) is not list or len(item) != 2:
                raise _syntax("expected 2-element array", item)
            key = parse_key(item[0], names)
            if key in out:
                raise TransactionError("ovsdb error", "map contains duplicate key")
            out[key] = parse_value(item[1], names)
        return out

    def _count_error(self, n: int, value: Any) -> TransactionError:
        kind = "map" if self.is_map else "set"
        if self.min == self.max == 1:
            return _syntax(f"{kind} must have exactly one member but {n} are present", value)
        high = "unlimited" if self.max == UNLIMITED else str(self.max)
        return _syntax(f"{kind} must have {self.min} to {high} members but {n} are present", value)

    # -- value -> JSON -------------------------------------------------------
    def to_json(self, value: Any) -> Any:
        if self.scalar:
            return ["uuid", value] if self.key_is_uuid else value
        if self.is_map:
            emit_key, emit_value = self._emit_key, self._emit_value
            assert emit_value is not None
            return ["map", [[emit_key(k), emit_value(value[k])] for k in sorted(value)]]
        if len(value) == 1:
            (atom,) = value
            return ["uuid", atom] if self.key_is_uuid else atom
        emit = self._emit_key
        return ["set", [emit(a) for a in sorted(value)]]

    # -- diffs (update2 "modify" and the log's "_is_diff" records) ------------
    def diff(self, old: Any, new: Any) -> Any:
        """The update2 difference old -> new, in wire form."""
        if self.is_map:
            changed: dict[Any, Any] = {}
            for k, v in new.items():
                if k not in old or old[k] != v:
                    changed[k] = v
            for k, v in old.items():
                if k not in new:
                    changed[k] = v
            return self.to_json(changed)
        if self.max == 1:
            return self.to_json(new)
        return self.to_json(old ^ new)

    def apply_diff(self, old: Any, diff: Any, names: NamedUuids | None = None) -> Any:
        """Apply an update2 difference in wire form to `old`."""
        if self.is_map:
            result = dict(old)
            for k, v in self._map_pairs(diff, names).items():
                if k not in result:
                    result[k] = v
                elif result[k] == v:
                    del result[k]
                else:
                    result[k] = v
            return result
        if self.max == 1:
            return self.from_json(diff, names)
        return old ^ self.atoms_from_json(diff, names)

    def refs(self, value: Any) -> Iterable[str]:
        """The UUIDs `value` holds in its reference positions."""
        if self.scalar:
            return (value,)
        if self.is_map:
            out: list[str] = []
            if self.type.key.ref_table is not None:
                out.extend(value)
            if self.type.value is not None and self.type.value.ref_table is not None:
                out.extend(value.values())
            return out
        atoms: Iterable[str] = value
        return atoms


@cache
def codec_for(ctype: ColumnType) -> ColumnCodec:
    """The shared codec of a column type."""
    return ColumnCodec(ctype)
