"""OVSDB values as people type and read them (ovs-vsctl(8), "Database Values").

Atoms: integers, reals, `true`/`false`, strings (bare when they look like an
identifier, else JSON-quoted) and UUIDs (or `@name`, a row created earlier in
the same invocation). Sets are written `[a, b]` or `a,b`, maps `{k=v, k2=v2}`
or `k=v,k2=v2`; an empty set is `[]`, an empty map `{}`.

`parse_value` reads that syntax into the in-memory form of `pyovn.ovsdb.datum`
(scalars bare, sets as frozensets, maps as dicts); `format_value` writes it
back the way the OVS/OVN tools print it, in "string" or "bare" style.
"""

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from pyovn.cms.errors import ValueSyntaxError
from pyovn.ovsdb.datum import codec_for, is_uuid
from pyovn.ovsdb.errors import TransactionError
from pyovn.ovsdb.schema import UNLIMITED, AtomicType, BaseType, ColumnType

__all__ = [
    "Symbols",
    "english",
    "format_atom",
    "format_value",
    "needs_quotes",
    "parse_atom",
    "parse_token",
    "parse_value",
    "sort_atoms",
    "value_to_json",
]

#: Resolves `@name` to the UUID of a row created in the same invocation.
Symbols = Callable[[str], str]

_DELIMITERS = frozenset(":=, []{}!<>\t\n\r\f\v")
_BARE_STRING = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_INT_RANGE = re.compile(r"(-?[0-9]+)-(-?[0-9]+)")
_INT = re.compile(r"[-+]?[0-9]+")
_PLURAL = {
    AtomicType.INTEGER: "integers",
    AtomicType.REAL: "reals",
    AtomicType.BOOLEAN: "booleans",
    AtomicType.STRING: "strings",
    AtomicType.UUID: "uuids",
}


# -- formatting ---------------------------------------------------------------
def needs_quotes(text: str) -> bool:
    """Whether a string atom must be printed in double quotes."""
    return _BARE_STRING.fullmatch(text) is None or text in ("true", "false") or is_uuid(text)


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def format_atom(atom: Any, base: BaseType, bare: bool = False) -> str:
    """One atom in the tools' syntax; `bare` never quotes strings."""
    atype = base.type
    if atype is AtomicType.STRING:
        return atom if bare or not needs_quotes(atom) else _quote(atom)
    if atype is AtomicType.BOOLEAN:
        return "true" if atom else "false"
    if atype is AtomicType.REAL:
        return format(atom, ".15g")
    return str(atom)


def sort_atoms(atoms: Iterable[Any]) -> list[Any]:
    """Atoms in OVSDB's order (numbers by value, strings and UUIDs by bytes)."""
    return sorted(atoms)


def format_value(value: Any, ctype: ColumnType, bare: bool = False) -> str:
    """A column value as `list`/`get` print it ("string" or "bare" data style)."""
    if ctype.is_scalar:
        return format_atom(value, ctype.key, bare)
    if ctype.is_map:
        assert ctype.value is not None
        vbase = ctype.value
        items = [
            f"{format_atom(k, ctype.key, bare)}={format_atom(value[k], vbase, bare)}"
            for k in sort_atoms(value)
        ]
        return " ".join(items) if bare else "{" + ", ".join(items) + "}"
    atoms = [format_atom(a, ctype.key, bare) for a in sort_atoms(value)]
    if bare:
        return " ".join(atoms)
    if ctype.max == 1 and len(atoms) == 1:
        return atoms[0]
    return "[" + ", ".join(atoms) + "]"


def value_to_json(value: Any, ctype: ColumnType) -> Any:
    """A value in RFC 7047 wire form (sets of one element as the bare atom)."""
    return codec_for(ctype).to_json(value)


def english(ctype: ColumnType) -> str:
    """The type's description in error messages ("set of up to 1 integers")."""
    if ctype.is_scalar:
        return str(ctype.key.type)
    if ctype.is_map:
        assert ctype.value is not None
        return f"map of ({ctype.key.type}, {ctype.value.type}) pairs"
    plural = _PLURAL[ctype.key.type]
    if ctype.min == 0 and ctype.max == UNLIMITED:
        return f"set of {plural}"
    if ctype.max == UNLIMITED:
        return f"set of {ctype.min} or more {plural}"
    if ctype.min == 0:
        return f"set of up to {ctype.max} {plural}"
    return f"set of {ctype.min} to {ctype.max} {plural}"


# -- parsing ------------------------------------------------------------------
def parse_token(text: str, pos: int) -> tuple[str, bool, int]:
    """One token at `pos`: (text, was_quoted, position after it).

    A quoted token follows JSON string syntax; a bare one runs to the next
    delimiter (`:=, []{}!<>` or white space), `\\` escaping the next character.
    An empty bare token means `pos` is at a delimiter or the end.
    """
    if pos < len(text) and text[pos] == '"':
        return _parse_quoted(text, pos)
    out: list[str] = []
    while pos < len(text) and text[pos] not in _DELIMITERS:
        if text[pos] == "\\" and pos + 1 < len(text):
            pos += 1
        out.append(text[pos])
        pos += 1
    return "".join(out), False, pos


def _parse_quoted(text: str, pos: int) -> tuple[str, bool, int]:
    end = pos + 1
    while end < len(text):
        if text[end] == "\\":
            end += 2
            continue
        if text[end] == '"':
            break
        end += 1
    if end >= len(text):
        raise ValueSyntaxError(f"{text[pos:]}: quoted string extends past end of argument")
    literal = text[pos : end + 1]
    try:
        decoded = json.loads(literal)
    except ValueError:
        bad = re.search(r"\\(.)", literal)
        what = f"bad escape \\{bad.group(1)}" if bad else "syntax error in string"
        raise ValueSyntaxError(f"{literal}: {what}") from None
    return str(decoded), True, end + 1


def parse_atom(text: str, base: BaseType, symbols: Symbols | None = None) -> Any:
    """A whole argument as one atom (a map value in `column:key=value`)."""
    if text == "":
        raise ValueSyntaxError(
            'An empty string is not valid as input; use "" to represent the empty string'
        )
    atoms = _atoms_from_token(text, text.startswith('"'), base, symbols, whole=True)
    if len(atoms) != 1:
        raise ValueSyntaxError(f'"{text}" is not a valid integer')
    return atoms[0]


def _atoms_from_token(
    token: str, quoted: bool, base: BaseType, symbols: Symbols | None, whole: bool = False
) -> list[Any]:
    """Atoms a token stands for (an integer range stands for several)."""
    atype = base.type
    if atype is AtomicType.STRING:
        if quoted and whole:
            value, _, end = _parse_quoted(token, 0)
            if end != len(token):
                raise ValueSyntaxError(f"{token}: trailing garbage after quoted string")
            return [_check(value, base)]
        return [_check(token, base)]
    if quoted:
        raise ValueSyntaxError(f'"{token}" is not a valid {atype}')
    if atype is AtomicType.INTEGER:
        return [_check(n, base) for n in _integers(token)]
    if atype is AtomicType.REAL:
        try:
            return [_check(float(token), base)]
        except ValueError:
            raise ValueSyntaxError(f'"{token}" is not a valid real number') from None
    if atype is AtomicType.BOOLEAN:
        if token not in ("true", "false"):
            raise ValueSyntaxError(f'"{token}" is not a valid boolean (use "true" or "false")')
        return [token == "true"]
    return [_uuid_atom(token, symbols)]


def _integers(token: str) -> list[int]:
    if _INT.fullmatch(token):
        return [int(token)]
    found = _INT_RANGE.fullmatch(token)
    if found:
        low, high = int(found.group(1)), int(found.group(2))
        if low <= high:
            return list(range(low, high + 1))
    raise ValueSyntaxError(f'"{token}" is not a valid integer or range')


def _uuid_atom(token: str, symbols: Symbols | None) -> str:
    if token.startswith("@") and symbols is not None:
        return symbols(token)
    if not is_uuid(token):
        raise ValueSyntaxError(f'"{token}" is not a valid UUID')
    return token.lower()


def _check(atom: Any, base: BaseType) -> Any:
    try:
        return codec_for(ColumnType(base)).check_key_atom(atom)
    except TransactionError as exc:
        raise ValueSyntaxError(str(exc)) from None


def parse_value(text: str, ctype: ColumnType, symbols: Symbols | None = None) -> Any:
    """A whole argument as a column value, checked against the column's type."""
    if ctype.is_scalar and text == "":
        raise ValueSyntaxError(
            'An empty string is not valid as input; use "" to represent the empty string'
        )
    keys, values = _Elements(text, ctype, symbols).parse()
    count = len(keys)
    if count < ctype.min:
        raise ValueSyntaxError(
            f"{text}: {count} value(s) specified but the minimum number is {ctype.min}"
        )
    if count > ctype.max:
        raise ValueSyntaxError(
            f"{text}: {count} value(s) specified but the maximum number is {ctype.max}"
        )
    if ctype.is_map:
        if len(set(keys)) != count:
            raise ValueSyntaxError(f"{text}: map contains duplicate key")
        return dict(zip(keys, values, strict=True))
    atoms = frozenset(keys)
    if len(atoms) != count:
        raise ValueSyntaxError(f"{text}: set contains duplicate value")
    return keys[0] if ctype.is_scalar else atoms


class _Elements:
    """The element list of a set or map argument."""

    def __init__(self, text: str, ctype: ColumnType, symbols: Symbols | None) -> None:
        self.text = text
        self.ctype = ctype
        self.symbols = symbols
        self.pos = 0

    def _skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _unexpected(self) -> ValueSyntaxError:
        return ValueSyntaxError(
            f'{self.text}: unexpected "{self._peek()}" parsing {english(self.ctype)}'
        )

    def _atoms(self, base: BaseType) -> list[Any]:
        token, quoted, end = parse_token(self.text, self.pos)
        if not quoted and token == "":
            raise self._unexpected()
        self.pos = end
        return _atoms_from_token(token, quoted, base, self.symbols)

    def parse(self) -> tuple[list[Any], list[Any]]:
        opener, closer = ("{", "}") if self.ctype.is_map else ("[", "]")
        self._skip_space()
        bracketed = self._peek() == opener
        if bracketed:
            self.pos += 1
        keys: list[Any] = []
        values: list[Any] = []
        while True:
            self._skip_space()
            if self._peek() == "" or (bracketed and self._peek() == closer):
                break
            self._element(keys, values)
            before = self.pos
            self._skip_space()
            if self._peek() == ",":
                self.pos += 1
            elif not (
                self._peek() == "" or (bracketed and self._peek() == closer) or self.pos > before
            ):
                raise self._unexpected()
        if bracketed:
            if self._peek() != closer:
                raise ValueSyntaxError(f'{self.text}: missing "{closer}" at end of data')
            self.pos += 1
            self._skip_space()
            if self.pos != len(self.text):
                raise ValueSyntaxError(f'{self.text}: trailing garbage after "{closer}"')
        return keys, values

    def _element(self, keys: list[Any], values: list[Any]) -> None:
        start = self.pos
        key_atoms = self._atoms(self.ctype.key)
        if not self.ctype.is_map:
            keys.extend(key_atoms)
            return
        assert self.ctype.value is not None
        self._skip_space()
        if self._peek() != "=":
            found = self._peek()
            expecting = f'{found}" expecting "="' if found else ""
            raise ValueSyntaxError(f'{self.text[start:]}: syntax error at "{expecting}')
        self.pos += 1
        self._skip_space()
        keys.extend(key_atoms)
        values.extend(self._atoms(self.ctype.value))
