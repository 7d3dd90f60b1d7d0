"""Build one OVSDB transaction against the Southbound DB.

Values are given in pyovn.ovsdb's in-memory form; a row inserted in the
same transaction is referred to by the `NamedUuid` that `insert` returns,
which encodes as `["named-uuid", ...]`.
"""

from typing import Any

import orjson

from pyovn.ovsdb.datum import ColumnCodec

__all__ = ["NamedUuid", "SbTxn"]


class NamedUuid(str):
    """The uuid-name of a row inserted in the same transaction."""


def _encode(value: Any) -> Any:
    if isinstance(value, list):
        if len(value) == 2 and value[0] == "uuid" and isinstance(value[1], NamedUuid):
            return ["named-uuid", str(value[1])]
        return [_encode(v) for v in value]
    return value


class SbTxn:
    """Accumulates operations, encoded as they come: `encoded()` is the JSON of
    the transact params after the database name.

    A full compute inserts one row per logical flow; holding each operation
    as nested dicts and lists until the transaction is sent would make
    tens of thousands of small objects that, freed afterwards, leave the heap
    fragmented (the daemon's resident memory stays at its peak). One growing
    byte buffer is a single allocation that goes back to the system.
    """

    def __init__(self, codecs: dict[str, dict[str, ColumnCodec]]) -> None:
        self._codecs = codecs
        self._buffer = bytearray()
        self._count = 0
        self._next = 0
        self.inserts = self.updates = self.deletes = 0
        #: uuid-name -> index of its insert in the operation list
        self.insert_index: dict[str, int] = {}

    def _row_json(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        codecs = self._codecs[table]
        return {c: _encode(codecs[c].to_json(v)) for c, v in row.items()}

    def insert(self, table: str, row: dict[str, Any]) -> NamedUuid:
        self._next += 1
        name = NamedUuid(f"row{self._next}")
        self.insert_index[name] = self._count
        self._append(
            {"op": "insert", "table": table, "row": self._row_json(table, row), "uuid-name": name}
        )
        self.inserts += 1
        return name

    def insert_json(self, table: str, row_json: dict[str, Any]) -> NamedUuid:
        """Insert a row already in wire form (for hot paths)."""
        self._next += 1
        name = NamedUuid(f"row{self._next}")
        self.insert_index[name] = self._count
        self._append({"op": "insert", "table": table, "row": row_json, "uuid-name": name})
        self.inserts += 1
        return name

    def update(self, table: str, uuid: str, columns: dict[str, Any]) -> None:
        if not columns:
            return
        self._append(
            {
                "op": "update",
                "table": table,
                "where": [["_uuid", "==", ["uuid", uuid]]],
                "row": self._row_json(table, columns),
            }
        )
        self.updates += 1

    def delete(self, table: str, uuid: str) -> None:
        self._append({"op": "delete", "table": table, "where": [["_uuid", "==", ["uuid", uuid]]]})
        self.deletes += 1

    def comment(self, text: str) -> None:
        self._append({"op": "comment", "comment": text})

    def raw(self, op: dict[str, Any]) -> None:
        self._append(op)

    def _append(self, op: dict[str, Any]) -> None:
        if self._count:
            self._buffer += b","
        self._buffer += orjson.dumps(op)
        self._count += 1

    @property
    def op_count(self) -> int:
        return self._count

    @property
    def empty(self) -> bool:
        return not (self.inserts or self.updates or self.deletes)

    def encoded(self) -> bytes:
        """The operations as a comma-separated JSON list body (no brackets)."""
        return bytes(self._buffer)

    def ops(self) -> list[Any]:
        """The operations decoded again (for tests and diagnostics)."""
        return list(orjson.loads(b"[" + self._buffer + b"]"))

    def inserted_uuids(self, results: list[Any]) -> dict[str, str]:
        """uuid-name -> real UUID, from the result array of the committed transaction."""
        return {name: results[index]["uuid"][1] for name, index in self.insert_index.items()}
