"""Transaction state: a private overlay of row changes on top of a Database.

Operations (`operations.py`) read and write rows through a `Transaction`;
nothing touches the committed database until `commit()` (in `integrity.py`)
has checked references, garbage collection, indexes and row limits.
"""

from collections.abc import Iterator
from typing import Any

from pyovn.ovsdb.database import Database, Row
from pyovn.ovsdb.datum import new_uuid
from pyovn.ovsdb.errors import TransactionError

__all__ = ["NamedUuidTable", "Transaction"]


class NamedUuidTable:
    """The `uuid-name`s of one transaction.

    A name may be referenced before the insert that defines it (the IDL does
    so), so the first mention of a name fixes its UUID either way.
    """

    def __init__(self) -> None:
        self.uuids: dict[str, str] = {}
        self.defined: set[str] = set()

    def resolve(self, name: str) -> str:
        found = self.uuids.get(name)
        if found is None:
            found = self.uuids[name] = new_uuid()
        return found

    def define(self, name: str, syntax: Any) -> str:
        if name in self.defined:
            raise TransactionError(
                "duplicate uuid-name",
                'This "uuid-name" appeared on an earlier "insert" operation.',
                syntax,
            )
        self.defined.add(name)
        return self.resolve(name)


class Transaction:
    """Uncommitted changes to one database.

    `changes[table][uuid] = (old, new)`: `old` is the committed row (None for
    a row inserted here) and `new` is this transaction's private copy (None
    once deleted). Private copies may be mutated in place; committed rows
    never are.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.changes: dict[str, dict[str, tuple[Row | None, Row | None]]] = {}
        self.names = NamedUuidTable()
        self.comments: list[str] = []
        self.durable = False
        self.deleted_here: set[str] = set()

    # -- reads ---------------------------------------------------------------
    def get(self, table: str, uuid: str) -> Row | None:
        """The row as this transaction sees it, or None."""
        pending = self.changes.get(table)
        if pending is not None and uuid in pending:
            return pending[uuid][1]
        return self.db.tables[table].rows.get(uuid)

    def exists(self, table: str, uuid: str) -> bool:
        return self.get(table, uuid) is not None

    def rows(self, table: str) -> Iterator[tuple[str, Row]]:
        """Every row of `table` as this transaction sees it."""
        pending = self.changes.get(table)
        committed = self.db.tables[table].rows
        if not pending:
            yield from committed.items()
            return
        for uuid, row in committed.items():
            if uuid not in pending:
                yield uuid, row
        for uuid, (_, new) in pending.items():
            if new is not None:
                yield uuid, new

    def row_count(self, table: str) -> int:
        n = len(self.db.tables[table].rows)
        for old, new in self.changes.get(table, {}).values():
            n += (new is not None) - (old is not None)
        return n

    # -- writes --------------------------------------------------------------
    def insert(self, table: str, uuid: str, row: Row) -> None:
        self.changes.setdefault(table, {})[uuid] = (None, row)

    def writable(self, table: str, uuid: str) -> Row:
        """This transaction's private copy of an existing row, for changing."""
        pending = self.changes.setdefault(table, {})
        entry = pending.get(uuid)
        if entry is not None:
            new = entry[1]
            assert new is not None, "writing a row deleted in this transaction"
            return new
        old = self.db.tables[table].rows[uuid]
        copy = dict(old)
        pending[uuid] = (old, copy)
        return copy

    def delete(self, table: str, uuid: str) -> None:
        pending = self.changes.setdefault(table, {})
        entry = pending.get(uuid)
        old = entry[0] if entry is not None else self.db.tables[table].rows[uuid]
        if old is None:
            del pending[uuid]
        else:
            pending[uuid] = (old, None)
        self.deleted_here.add(uuid)

    def changed_rows(self) -> Iterator[tuple[str, str, Row | None, Row | None]]:
        for table, pending in self.changes.items():
            for uuid, (old, new) in pending.items():
                yield table, uuid, old, new
