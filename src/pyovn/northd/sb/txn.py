"""Build one OVSDB transaction against the Southbound DB.

Values are given in pyovn.ovsdb's in-memory form; a row inserted in the
same transaction is referred to by the `NamedUuid` that `insert` returns,
which encodes as `["named-uuid", ...]`.
"""

from typing import Any

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
    """Accumulates operations; `ops()` gives the transact params after the db name."""

    def __init__(self, codecs: dict[str, dict[str, ColumnCodec]]) -> None:
        self._codecs = codecs
        self._ops: list[dict[str, Any]] = []
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
        self.insert_index[name] = len(self._ops)
        self._ops.append(
            {"op": "insert", "table": table, "row": self._row_json(table, row), "uuid-name": name}
        )
        self.inserts += 1
        return name

    def insert_json(self, table: str, row_json: dict[str, Any]) -> NamedUuid:
        """Insert a row already in wire form (for hot paths)."""
        self._next += 1
        name = NamedUuid(f"row{self._next}")
        self.insert_index[name] = len(self._ops)
        self._ops.append({"op": "insert", "table": table, "row": row_json, "uuid-name": name})
        self.inserts += 1
        return name

    def update(self, table: str, uuid: str, columns: dict[str, Any]) -> None:
        if not columns:
            return
        self._ops.append(
            {
                "op": "update",
                "table": table,
                "where": [["_uuid", "==", ["uuid", uuid]]],
                "row": self._row_json(table, columns),
            }
        )
        self.updates += 1

    def delete(self, table: str, uuid: str) -> None:
        self._ops.append(
            {"op": "delete", "table": table, "where": [["_uuid", "==", ["uuid", uuid]]]}
        )
        self.deletes += 1

    def comment(self, text: str) -> None:
        self._ops.append({"op": "comment", "comment": text})

    def raw(self, op: dict[str, Any]) -> None:
        self._ops.append(op)

    @property
    def empty(self) -> bool:
        return not (self.inserts or self.updates or self.deletes)

    def ops(self) -> list[dict[str, Any]]:
        return list(self._ops)

    def inserted_uuids(self, results: list[Any]) -> dict[str, str]:
        """uuid-name -> real UUID, from the result array of the committed transaction."""
        return {name: results[index]["uuid"][1] for name, index in self.insert_index.items()}
