"""OVSDB schemas (RFC 7047 section 3.2): databases, tables, columns and types.

A schema is parsed once into frozen dataclasses. Every table also gets the two
system columns `_uuid` and `_version`, which clients may select and match on
but never write, and which `to_json()` leaves out again.
"""

import json
import re
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pyovn.ovsdb.errors import SchemaError

__all__ = [
    "UNLIMITED",
    "AtomicType",
    "BaseType",
    "ColumnSchema",
    "ColumnType",
    "DatabaseSchema",
    "TableSchema",
]

#: `"max": "unlimited"` in a column type.
UNLIMITED = sys.maxsize

_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")


class AtomicType(StrEnum):
    """The five atomic types of OVSDB."""

    INTEGER = "integer"
    REAL = "real"
    BOOLEAN = "boolean"
    STRING = "string"
    UUID = "uuid"


_PY_TYPES: dict[AtomicType, tuple[type, ...]] = {
    AtomicType.INTEGER: (int,),
    AtomicType.REAL: (int, float),
    AtomicType.BOOLEAN: (bool,),
    AtomicType.STRING: (str,),
    AtomicType.UUID: (str,),
}


@dataclass(frozen=True, slots=True)
class BaseType:
    """The type of one atom (a set element, a map key or a map value)."""

    type: AtomicType
    enum: frozenset[Any] | None = None
    min_integer: int | None = None
    max_integer: int | None = None
    min_real: float | None = None
    max_real: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    ref_table: str | None = None
    ref_type: str = "strong"

    @property
    def is_strong_ref(self) -> bool:
        return self.ref_table is not None and self.ref_type == "strong"

    @property
    def is_weak_ref(self) -> bool:
        return self.ref_table is not None and self.ref_type == "weak"

    @classmethod
    def from_json(cls, obj: Any, where: str) -> "BaseType":
        if isinstance(obj, str):
            return cls(_atomic_type(obj, where))
        if not isinstance(obj, dict):
            raise SchemaError(f"{where}: base type must be a string or an object")
        _check_keys(
            obj,
            {"type", "enum", "minInteger", "maxInteger", "minReal", "maxReal"}
            | {"minLength", "maxLength", "refTable", "refType"},
            where,
        )
        atype = _atomic_type(obj.get("type"), where)
        enum = None
        if "enum" in obj:
            enum = frozenset(_enum_values(obj["enum"], atype, where))
        ref_type = obj.get("refType", "strong")
        if ref_type not in ("strong", "weak"):
            raise SchemaError(f'{where}: refType must be "strong" or "weak"')
        ref_table = obj.get("refTable")
        if ref_table is not None and atype is not AtomicType.UUID:
            raise SchemaError(f"{where}: refTable is only allowed on uuid types")
        return cls(
            type=atype,
            enum=enum,
            min_integer=_opt_int(obj, "minInteger", where),
            max_integer=_opt_int(obj, "maxInteger", where),
            min_real=_opt_real(obj, "minReal", where),
            max_real=_opt_real(obj, "maxReal", where),
            min_length=_opt_int(obj, "minLength", where),
            max_length=_opt_int(obj, "maxLength", where),
            ref_table=ref_table,
            ref_type=ref_type,
        )

    def to_json(self) -> Any:
        out: dict[str, Any] = {"type": str(self.type)}
        if self.enum is not None:
            values = sorted(self.enum)
            out["enum"] = values[0] if len(values) == 1 else ["set", values]
        for key, value in (
            ("minInteger", self.min_integer),
            ("maxInteger", self.max_integer),
            ("minReal", self.min_real),
            ("maxReal", self.max_real),
            ("minLength", self.min_length),
            ("maxLength", self.max_length),
            ("refTable", self.ref_table),
        ):
            if value is not None:
                out[key] = value
        if self.ref_table is not None and self.ref_type != "strong":
            out["refType"] = self.ref_type
        return out if len(out) > 1 else str(self.type)


@dataclass(frozen=True, slots=True)
class ColumnType:
    """A column's type: a key type, an optional value type (maps) and counts."""

    key: BaseType
    value: BaseType | None = None
    min: int = 1
    max: int = 1

    @property
    def is_scalar(self) -> bool:
        """Exactly one atom, stored bare rather than as a set."""
        return self.min == 1 and self.max == 1 and self.value is None

    @property
    def is_map(self) -> bool:
        return self.value is not None

    @property
    def is_optional(self) -> bool:
        return self.min == 0 and self.max == 1

    @classmethod
    def from_json(cls, obj: Any, where: str) -> "ColumnType":
        if isinstance(obj, str):
            return cls(BaseType(_atomic_type(obj, where)))
        if not isinstance(obj, dict):
            raise SchemaError(f"{where}: column type must be a string or an object")
        if "key" not in obj:
            # A bare base type object ({"type": "integer", "minInteger": 0}).
            return cls(BaseType.from_json(obj, where))
        _check_keys(obj, {"key", "value", "min", "max"}, where)
        key = BaseType.from_json(obj["key"], where)
        value = BaseType.from_json(obj["value"], where) if "value" in obj else None
        min_n = obj.get("min", 1)
        max_n = obj.get("max", 1)
        if max_n == "unlimited":
            max_n = UNLIMITED
        if type(min_n) is not int or min_n not in (0, 1):
            raise SchemaError(f"{where}: min must be 0 or 1")
        if type(max_n) is not int or max_n < 1 or max_n < min_n:
            raise SchemaError(f'{where}: max must be a positive integer or "unlimited"')
        return cls(key, value, min_n, max_n)

    def to_json(self) -> Any:
        if self.is_scalar:
            key = self.key.to_json()
            return key if isinstance(key, str) else {"key": key}
        out: dict[str, Any] = {"key": self.key.to_json()}
        if self.value is not None:
            out["value"] = self.value.to_json()
        if self.min != 1:
            out["min"] = self.min
        if self.max != 1:
            out["max"] = "unlimited" if self.max == UNLIMITED else self.max
        return out


@dataclass(frozen=True, slots=True)
class ColumnSchema:
    """One column of a table."""

    name: str
    type: ColumnType
    ephemeral: bool = False
    mutable: bool = True

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type.to_json()}
        if self.ephemeral:
            out["ephemeral"] = True
        if not self.mutable:
            out["mutable"] = False
        return out


UUID_COLUMN_TYPE = ColumnType(BaseType(AtomicType.UUID))
SYSTEM_COLUMNS = ("_uuid", "_version")


@dataclass(slots=True)
class TableSchema:
    """One table: its columns (system columns included), root flag, limits, indexes."""

    name: str
    columns: dict[str, ColumnSchema]
    max_rows: int | None = None
    is_root: bool = False
    indexes: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def user_columns(self) -> dict[str, ColumnSchema]:
        return {n: c for n, c in self.columns.items() if n not in SYSTEM_COLUMNS}

    @classmethod
    def from_json(cls, name: str, obj: Any, is_root_default: bool) -> "TableSchema":
        where = f"table {name}"
        if not isinstance(obj, dict):
            raise SchemaError(f"{where}: must be an object")
        _check_keys(obj, {"columns", "maxRows", "isRoot", "indexes"}, where)
        cols_json = obj.get("columns")
        if not isinstance(cols_json, dict) or not cols_json:
            raise SchemaError(f'{where}: "columns" must be a non-empty object')
        columns: dict[str, ColumnSchema] = {}
        for cname, cobj in cols_json.items():
            columns[cname] = _column_from_json(name, cname, cobj)
        for sys_name in SYSTEM_COLUMNS:
            columns[sys_name] = ColumnSchema(sys_name, UUID_COLUMN_TYPE, mutable=False)
        max_rows = obj.get("maxRows")
        if max_rows is not None and (type(max_rows) is not int or max_rows < 1):
            raise SchemaError(f"{where}: maxRows must be a positive integer")
        is_root = obj.get("isRoot", is_root_default)
        if not isinstance(is_root, bool):
            raise SchemaError(f"{where}: isRoot must be a boolean")
        indexes = [_index_from_json(where, columns, idx) for idx in obj.get("indexes", [])]
        return cls(name, columns, max_rows, is_root, indexes)

    def to_json(self, root_by_default: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "columns": {n: c.to_json() for n, c in self.user_columns.items()},
        }
        if self.max_rows is not None:
            out["maxRows"] = self.max_rows
        if self.is_root and not root_by_default:
            out["isRoot"] = True
        if self.indexes:
            out["indexes"] = [list(i) for i in self.indexes]
        return out


@dataclass(slots=True)
class DatabaseSchema:
    """A whole database schema."""

    name: str
    version: str
    tables: dict[str, TableSchema]
    cksum: str | None = None

    @classmethod
    def from_json(cls, obj: Any) -> "DatabaseSchema":
        if not isinstance(obj, dict):
            raise SchemaError("schema must be a JSON object")
        _check_keys(obj, {"name", "version", "cksum", "tables", "doc"}, "schema")
        name = obj.get("name")
        if not isinstance(name, str) or not _ID_RE.match(name):
            raise SchemaError('schema: "name" must be an identifier')
        version = obj.get("version", "0.0.0")
        if not isinstance(version, str) or not _VERSION_RE.match(version):
            raise SchemaError(f'schema {name}: "version" must look like x.y.z')
        tables_json = obj.get("tables")
        if not isinstance(tables_json, dict):
            raise SchemaError(f'schema {name}: "tables" must be an object')
        tables = {
            tname: TableSchema.from_json(_identifier(tname, "table"), tobj, False)
            for tname, tobj in tables_json.items()
        }
        # isRoot defaults to false, but a schema with no root table at all has
        # every table as root: old schemas predate the flag (ovsdb(7)).
        if not any(t.is_root for t in tables.values()):
            for table in tables.values():
                table.is_root = True
        schema = cls(name, version, tables, obj.get("cksum"))
        schema._check_references()
        return schema

    @classmethod
    def from_file(cls, path: str | Path) -> "DatabaseSchema":
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise SchemaError(f"{path}: cannot read schema: {exc.strerror}") from exc
        try:
            obj = json.loads(text)
        except ValueError as exc:
            raise SchemaError(f"{path}: not valid JSON: {exc}") from exc
        return cls.from_json(obj)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "version": self.version}
        if self.cksum is not None:
            out["cksum"] = self.cksum
        # When every table is a root, the schema says so by naming none.
        all_root = all(t.is_root for t in self.tables.values())
        out["tables"] = {n: t.to_json(all_root) for n, t in self.tables.items()}
        return out

    def _check_references(self) -> None:
        for table in self.tables.values():
            for column in table.columns.values():
                for base in (column.type.key, column.type.value):
                    ref = base.ref_table if base is not None else None
                    if ref is not None and ref not in self.tables:
                        raise SchemaError(
                            f"table {table.name} column {column.name}: refTable "
                            f"{ref} does not exist"
                        )


def _column_from_json(table: str, name: str, obj: Any) -> ColumnSchema:
    where = f"table {table} column {name}"
    _identifier(name, where)
    if name.startswith("_"):
        raise SchemaError(f"{where}: names beginning with _ are reserved")
    if not isinstance(obj, dict) or "type" not in obj:
        raise SchemaError(f'{where}: must be an object with a "type"')
    _check_keys(obj, {"type", "ephemeral", "mutable", "doc"}, where)
    ephemeral = obj.get("ephemeral", False)
    mutable = obj.get("mutable", True)
    if not isinstance(ephemeral, bool) or not isinstance(mutable, bool):
        raise SchemaError(f"{where}: ephemeral and mutable must be booleans")
    return ColumnSchema(name, ColumnType.from_json(obj["type"], where), ephemeral, mutable)


def _index_from_json(where: str, columns: dict[str, ColumnSchema], obj: Any) -> tuple[str, ...]:
    if not isinstance(obj, list) or not obj or not all(isinstance(c, str) for c in obj):
        raise SchemaError(f"{where}: an index must be a non-empty array of column names")
    for cname in obj:
        column = columns.get(cname)
        if column is None:
            raise SchemaError(f"{where}: index column {cname} does not exist")
        if column.ephemeral:
            raise SchemaError(f"{where}: index column {cname} is ephemeral")
    return tuple(obj)


def _identifier(name: str, what: str) -> str:
    if not _ID_RE.match(name):
        raise SchemaError(f"{what}: {name!r} is not a valid identifier")
    return name


def _atomic_type(obj: Any, where: str) -> AtomicType:
    try:
        return AtomicType(obj)
    except ValueError:
        raise SchemaError(f"{where}: unknown atomic type {obj!r}") from None


def _enum_values(obj: Any, atype: AtomicType, where: str) -> list[Any]:
    values = obj[1] if isinstance(obj, list) and len(obj) == 2 and obj[0] == "set" else [obj]
    if not isinstance(values, list) or not values:
        raise SchemaError(f"{where}: enum must be an atom or a non-empty set")
    for value in values:
        if not isinstance(value, _PY_TYPES[atype]) or (
            atype is not AtomicType.BOOLEAN and isinstance(value, bool)
        ):
            raise SchemaError(f"{where}: enum value {value!r} is not of type {atype}")
    return [float(v) if atype is AtomicType.REAL else v for v in values]


def _opt_int(obj: dict[str, Any], key: str, where: str) -> int | None:
    value = obj.get(key)
    if value is not None and type(value) is not int:
        raise SchemaError(f"{where}: {key} must be an integer")
    return value


def _opt_real(obj: dict[str, Any], key: str, where: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SchemaError(f"{where}: {key} must be a number")
    return float(value)


def _check_keys(obj: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(obj) - allowed
    if unknown:
        raise SchemaError(f"{where}: unknown member(s) {', '.join(sorted(unknown))}")
