"""The in-memory state of one OVSDB database: tables of rows, plus the
bookkeeping that makes commits cheap (reference counts, weak-reference
back-pointers, unique-index maps).

A row is a dict of every user column plus `_version`; the row's UUID is its
key in `Table.rows`. Committed row dicts are never mutated: a transaction
copies a row before changing it, so readers (monitors, snapshots) can hold
on to old versions safely.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pyovn.ovsdb.datum import ColumnCodec, codec_for
from pyovn.ovsdb.errors import TransactionError
from pyovn.ovsdb.schema import DatabaseSchema, TableSchema

__all__ = ["Change", "Database", "IndexMap", "Row", "Table", "index_key"]

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Change:
    """One committed row change: insert (old None), delete (new None) or modify."""

    table: str
    uuid: str
    old: Row | None
    new: Row | None


def _hashable(value: Any) -> Any:
    return frozenset(value.items()) if isinstance(value, dict) else value


def index_key(row: Row, columns: tuple[str, ...]) -> tuple[Any, ...]:
    """The value tuple a unique index compares."""
    return tuple(_hashable(row[c]) for c in columns)


@dataclass(slots=True)
class IndexMap:
    """A unique index: key tuple -> the UUID of the one row that has it."""

    columns: tuple[str, ...]
    rows: dict[tuple[Any, ...], str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RefColumn:
    """A column that holds references, with where its keys and values point."""

    name: str
    codec: ColumnCodec
    key_table: str | None
    key_strong: bool
    value_table: str | None
    value_strong: bool

    def targets(self, value: Any) -> Iterator[tuple[str, str, bool]]:
        """(table, uuid, strong) for every reference inside `value`."""
        codec = self.codec
        if codec.is_map:
            if self.key_table is not None:
                for k in value:
                    yield self.key_table, k, self.key_strong
            if self.value_table is not None:
                for v in value.values():
                    yield self.value_table, v, self.value_strong
        elif codec.scalar:
            assert self.key_table is not None
            yield self.key_table, value, self.key_strong
        else:
            assert self.key_table is not None
            for k in value:
                yield self.key_table, k, self.key_strong


class Table:
    """The rows of one table and its per-table bookkeeping."""

    def __init__(self, schema: TableSchema) -> None:
        self.schema = schema
        self.name = schema.name
        self.rows: dict[str, Row] = {}
        self.codecs: dict[str, ColumnCodec] = {
            name: codec_for(col.type) for name, col in schema.user_columns.items()
        }
        self.defaults: Row = {name: codec.default for name, codec in self.codecs.items()}
        #: Columns whose default value breaks their own constraints: an insert
        #: must give them a value.
        self.default_errors: dict[str, TransactionError] = {}
        for name, codec in self.codecs.items():
            error = codec.default_violation()
            if error is not None:
                self.default_errors[name] = error
        self.ref_columns: list[RefColumn] = []
        for name, col in schema.user_columns.items():
            key, value = col.type.key, col.type.value
            if key.ref_table is None and (value is None or value.ref_table is None):
                continue
            self.ref_columns.append(
                RefColumn(
                    name,
                    self.codecs[name],
                    key.ref_table,
                    key.is_strong_ref,
                    value.ref_table if value is not None else None,
                    value.is_strong_ref if value is not None else False,
                )
            )
        #: The reference columns that hold at least one weak reference.
        self.weak_ref_columns = [
            rc
            for rc in self.ref_columns
            if (rc.key_table is not None and not rc.key_strong)
            or (rc.value_table is not None and not rc.value_strong)
        ]
        self.indexes = [IndexMap(cols) for cols in schema.indexes]

    def new_row(self) -> Row:
        return dict(self.defaults)

    def refs(self, row: Row | None) -> Iterator[tuple[str, str, bool]]:
        """Every reference held by `row` as (table, uuid, strong)."""
        if row is None:
            return
        for rc in self.ref_columns:
            value = row[rc.name]
            if value:  # most reference columns of most rows are empty sets
                yield from rc.targets(value)


class Database:
    """A database: schema, tables and cross-table reference bookkeeping."""

    def __init__(self, schema: DatabaseSchema) -> None:
        self.schema = schema
        self.name = schema.name
        self.tables: dict[str, Table] = {n: Table(t) for n, t in schema.tables.items()}
        #: UUID -> number of strong references to it from any row.
        self.strong_refs: dict[str, int] = {}
        #: UUID -> the rows (table, uuid) that hold weak references to it.
        self.weak_referrers: dict[str, set[tuple[str, str]]] = {}
        #: UUID -> table name, for every row of every table.
        self.row_table: dict[str, str] = {}
        #: Hooks called after every commit with the changes (storage, monitors).
        self.commit_hooks: list[Callable[[list[Change]], None]] = []

    def get(self, table: str, uuid: str) -> Row | None:
        return self.tables[table].rows.get(uuid)

    def apply(self, changes: list[Change]) -> None:
        """Make validated changes the committed state (no checks here)."""
        for ch in changes:
            table = self.tables[ch.table]
            self._unaccount(table, ch.uuid, ch.old)
            if ch.new is None:
                del table.rows[ch.uuid]
                del self.row_table[ch.uuid]
            else:
                table.rows[ch.uuid] = ch.new
                self.row_table[ch.uuid] = ch.table
        for ch in changes:
            self._account(self.tables[ch.table], ch.uuid, ch.new)

    def _unaccount(self, table: Table, uuid: str, row: Row | None) -> None:
        if row is None:
            return
        for ref_table, target, strong in table.refs(row):
            del ref_table
            if strong:
                n = self.strong_refs[target] - 1
                if n:
                    self.strong_refs[target] = n
                else:
                    del self.strong_refs[target]
            else:
                referrers = self.weak_referrers.get(target)
                if referrers is not None:
                    referrers.discard((table.name, uuid))
                    if not referrers:
                        del self.weak_referrers[target]
        for index in table.indexes:
            key = index_key(row, index.columns)
            if index.rows.get(key) == uuid:
                del index.rows[key]

    def _account(self, table: Table, uuid: str, row: Row | None) -> None:
        if row is None:
            return
        for ref_table, target, strong in table.refs(row):
            del ref_table
            if strong:
                self.strong_refs[target] = self.strong_refs.get(target, 0) + 1
            else:
                self.weak_referrers.setdefault(target, set()).add((table.name, uuid))
        for index in table.indexes:
            index.rows[index_key(row, index.columns)] = uuid

    def load_row(self, table: str, uuid: str, row: Row) -> None:
        """Insert a committed row while reading a snapshot (no checks, no hooks)."""
        t = self.tables[table]
        t.rows[uuid] = row
        self.row_table[uuid] = table
        self._account(t, uuid, row)

    def row_count(self) -> int:
        return sum(len(t.rows) for t in self.tables.values())
