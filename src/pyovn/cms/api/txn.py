"""One attempt at a transaction: a writable view over a replica.

Commands read rows through `TxnContext` and change them through `Row`. The
view shows the replica as it was when the attempt began plus the attempt's
own changes, so a later command in the same invocation sees what an earlier
one did. `TxnContext.operations()` turns the changes into RFC 7047 operations:

- `wait` operations first, one per column the attempt overwrote (its value
  must still be what was read) and one per lookup by name (the set of rows
  with that name must be unchanged), so a concurrent writer is never
  silently overwritten: the server refuses the transaction and the caller
  retries on fresher data, as the OVSDB IDL's "verify" does;
- inserts (with UUIDs chosen here, so `create` can print them at once);
- updates for whole-column writes, `mutate` for set/map additions and
  removals (which commute with other writers and need no wait);
- deletes.
"""

import uuid as uuidlib
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pyovn.cms.api.values import value_to_json
from pyovn.cms.errors import UsageError
from pyovn.ovsdb.datum import codec_for
from pyovn.ovsdb.replica import Replica
from pyovn.ovsdb.schema import UNLIMITED, ColumnType, DatabaseSchema, TableSchema

if TYPE_CHECKING:
    from pyovn.cms.api.refs import RowId

    RowIds = Mapping[str, Sequence[RowId]]

__all__ = ["Row", "TxnContext"]

_INSERT, _DELETE = "insert", "delete"


class Row:
    """One row as the current transaction attempt sees it."""

    def __init__(self, ctx: "TxnContext", table: TableSchema, uuid: str, base: dict[str, Any]):
        self.ctx = ctx
        self.table = table
        self.uuid = uuid
        self._base = base
        self._values: dict[str, Any] = {}
        self._set: set[str] = set()
        self._mutations: dict[str, list[tuple[str, Any]]] = {}
        self._verify: set[str] = set()
        self.inserted = False
        self.deleted = False

    def __repr__(self) -> str:
        return f"<Row {self.table.name} {self.uuid}>"

    def __getitem__(self, column: str) -> Any:
        if column == "_uuid":
            return self.uuid
        if column in self._values:
            return self._values[column]
        return self._base[column]

    def get(self, column: str, default: Any = None) -> Any:
        value = self[column]
        return default if value in (None, frozenset(), {}) else value

    @property
    def name(self) -> str:
        """The row's `name` column."""
        return str(self["name"])

    def _codec_type(self, column: str) -> Any:
        return self.table.columns[column].type

    # -- writes ----------------------------------------------------------------
    def __setitem__(self, column: str, value: Any) -> None:
        if column not in self.table.user_columns:
            raise KeyError(f"{self.table.name} has no column {column}")
        ctype = self._codec_type(column)
        if not ctype.is_scalar and not ctype.is_map and not isinstance(value, frozenset):
            scalar = isinstance(value, (str, int, float))
            value = frozenset((value,)) if scalar else frozenset(value)
        self._values[column] = value
        self._set.add(column)
        self._mutations.pop(column, None)
        self.ctx.changed = True

    def verify(self, column: str) -> None:
        """Fail the commit if `column` changed since this attempt read it."""
        if not self.inserted:
            self._verify.add(column)

    def _mutate(self, column: str, kind: str, arg: Any, new_value: Any) -> None:
        self._values[column] = new_value
        self.ctx.changed = True
        if self.inserted or column in self._set:
            self._set.add(column)
            return
        self._mutations.setdefault(column, []).append((kind, arg))

    def add(self, column: str, *atoms: Any) -> None:
        """Add atoms to a set column (a `mutate insert`)."""
        fresh = frozenset(atoms) - self[column]
        if fresh:
            self._mutate(column, _INSERT, fresh, self[column] | fresh)

    def discard(self, column: str, *atoms: Any) -> None:
        """Remove atoms from a set column (a `mutate delete`)."""
        gone = frozenset(atoms) & self[column]
        if gone:
            self._mutate(column, _DELETE, gone, self[column] - gone)

    def setkey(self, column: str, key: Any, value: Any) -> None:
        """Set one key of a map column, replacing any old value."""
        current = self[column]
        if current.get(key, _MISSING) == value:
            return
        if key in current:
            without = {k: v for k, v in current.items() if k != key}
            self._mutate(column, _DELETE, frozenset((key,)), without)
        self._mutate(column, _INSERT, {key: value}, {**current, key: value})

    def delkey(self, column: str, key: Any, value: Any = None) -> None:
        """Remove a key of a map column (only if it maps to `value`, when given)."""
        current = self[column]
        if key not in current or (value is not None and current[key] != value):
            return
        new = {k: v for k, v in current.items() if k != key}
        arg = {key: value} if value is not None else frozenset((key,))
        self._mutate(column, _DELETE, arg, new)

    def delete(self) -> None:
        """Delete the row (its referrers must drop their references too)."""
        self.deleted = True
        self.ctx.changed = True

    # -- operations ------------------------------------------------------------
    def _json(self, column: str, value: Any) -> Any:
        return value_to_json(value, self._codec_type(column))

    def operations(self) -> tuple[list[Any], list[Any]]:
        """(wait ops, write ops) for this row's pending changes."""
        name = self.table.name
        where = [["_uuid", "==", ["uuid", self.uuid]]]
        if self.deleted:
            return [], ([] if self.inserted else [{"op": "delete", "table": name, "where": where}])
        if self.inserted:
            row = {
                column: self._json(column, value)
                for column, value in self._values.items()
                if value != codec_for(self._codec_type(column)).default
            }
            return [], [{"op": "insert", "table": name, "uuid": self.uuid, "row": row}]
        waits = [
            {
                "op": "wait",
                "timeout": 0,
                "table": name,
                "where": where,
                "columns": [column],
                "until": "==",
                "rows": [{column: self._json(column, self._base[column])}],
            }
            for column in sorted(self._verify | self._set)
        ]
        writes: list[Any] = []
        if self._set:
            row = {c: self._json(c, self._values[c]) for c in sorted(self._set)}
            writes.append({"op": "update", "table": name, "where": where, "row": row})
        mutations = [
            [column, kind, self._mutation_json(column, arg)]
            for column, steps in self._mutations.items()
            for kind, arg in steps
        ]
        if mutations:
            writes.append({"op": "mutate", "table": name, "where": where, "mutations": mutations})
        return waits, writes

    def _mutation_json(self, column: str, arg: Any) -> Any:
        ctype = self._codec_type(column)
        if isinstance(arg, dict):
            return value_to_json(arg, ColumnType(ctype.key, ctype.value, 0, UNLIMITED))
        return value_to_json(arg, ColumnType(ctype.key, None, 0, UNLIMITED))

    @property
    def dirty(self) -> bool:
        return bool(self.deleted or self.inserted or self._set or self._mutations or self._verify)


_MISSING = object()


class TxnContext:
    """The rows one attempt reads and writes."""

    def __init__(
        self, replica: Replica, schema: DatabaseSchema, row_ids: "RowIds | None" = None
    ) -> None:
        self.replica = replica
        self.schema = schema
        #: How records of each table may be named (see `refs.RowId`).
        self.row_ids: RowIds = row_ids or {}
        #: Lines for stderr (ovn-nbctl's warnings), one per problem.
        self.warnings: list[str] = []
        self._rows: dict[tuple[str, str], Row] = {}
        self._inserted: dict[str, list[Row]] = {}
        self._guards: list[Any] = []
        self._guarded: set[tuple[str, str]] = set()
        self.changed = False
        #: `@name` -> UUID, for `--id=@name` (created or looked up) and references.
        self.symbols: dict[str, str] = {}
        self.symbol_refs: set[str] = set()
        self.symbols_created: set[str] = set()

    def symbol(self, name: str) -> str:
        """The UUID `@name` stands for (reserved now if the row comes later)."""
        self.symbol_refs.add(name)
        return self.symbols.setdefault(name, str(uuidlib.uuid4()))

    def define_symbol(self, name: str, uuid: str | None = None) -> str:
        """Bind `@name` (from `--id=@name`) to a row's UUID and return it."""
        if not name.startswith("@") or len(name) < 2:
            raise UsageError(f'row id "{name}" does not begin with "@"')
        if name in self.symbols_created:
            raise UsageError(f'row id "{name}" may only be specified on one --id option')
        self.symbols_created.add(name)
        if uuid is not None:
            if name in self.symbols and self.symbols[name] != uuid:
                raise UsageError(f'row id "{name}" is referenced before "get" binds it')
            self.symbols[name] = uuid
            return uuid
        return self.symbols.setdefault(name, str(uuidlib.uuid4()))

    def table(self, name: str) -> TableSchema:
        return self.schema.tables[name]

    def get(self, table: str, uuid: str) -> Row | None:
        """The row with this UUID, or None (also when deleted in this attempt)."""
        row = self._rows.get((table, uuid))
        if row is None:
            base = self.replica.tables[table].rows.get(uuid)
            if base is None:
                return None
            row = self._rows[(table, uuid)] = Row(self, self.table(table), uuid, base)
        return None if row.deleted else row

    def rows(self, table: str) -> Iterator[Row]:
        """Every row of `table`, in UUID order, including this attempt's inserts."""
        uuids = set(self.replica.tables[table].rows)
        uuids.update(r.uuid for r in self._inserted.get(table, []))
        for uuid in sorted(uuids):
            row = self.get(table, uuid)
            if row is not None:
                yield row

    def insert(self, table: str, uuid: str | None = None, **values: Any) -> Row:
        """A new row (with a UUID chosen now) holding `values` over the defaults."""
        tschema = self.table(table)
        defaults = {n: codec_for(c.type).default for n, c in tschema.user_columns.items()}
        row = Row(self, tschema, uuid or str(uuidlib.uuid4()), defaults)
        row.inserted = True
        self._rows[(table, row.uuid)] = row
        self._inserted.setdefault(table, []).append(row)
        for column, value in values.items():
            row[column] = value
        self.changed = True
        return row

    def find(self, table: str, column: str, value: Any) -> list[Row]:
        """Rows whose scalar `column` equals `value` (as this attempt sees them).

        The commit is guarded: it fails (and the transaction retries) if the
        set of committed rows with that value changed in the meantime.
        """
        found = [row for row in self.rows(table) if row[column] == value]
        ctype = self.table(table).columns[column].type
        where = [[column, "==", value_to_json(value, ctype)]]
        key = (table, repr(where))
        if key not in self._guarded:
            self._guarded.add(key)
            base = self.replica.tables[table].rows
            committed = sorted(uuid for uuid, row in base.items() if row[column] == value)
            self._guards.append(
                {
                    "op": "wait",
                    "timeout": 0,
                    "table": table,
                    "where": where,
                    "columns": ["_uuid"],
                    "until": "==",
                    "rows": [{"_uuid": ["uuid", uuid]} for uuid in committed],
                }
            )
        return found

    def operations(self) -> list[Any]:
        """The attempt's changes as OVSDB operations (waits first)."""
        if not self.changed and not any(r.dirty for r in self._rows.values()):
            return []
        waits: list[Any] = []
        writes: list[Any] = []
        deletes: list[Any] = []
        ordered = sorted(self._rows.values(), key=lambda r: not r.inserted)
        for row in ordered:
            row_waits, row_writes = row.operations()
            waits.extend(row_waits)
            target = deletes if row.deleted else writes
            target.extend(row_writes)
        if not writes and not deletes:
            return []
        return [*self._guards, *waits, *writes, *deletes]
