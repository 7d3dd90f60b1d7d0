"""One OVSDB transaction built from rows in the replica's in-memory form.

The controller writes to two databases (the Southbound DB and the local
Open_vSwitch DB) through `Txn`: values are given as `pyovn.ovsdb` holds them
(sets as frozensets, maps as dicts, references as UUID strings); a row
inserted in the same transaction is referred to by the `Named` handle that
`insert` returns.
"""

from __future__ import annotations

from typing import Any

from pyovn.ovsdb.datum import codec_for
from pyovn.ovsdb.replica import Replica

__all__ = ["Named", "Txn", "first_error"]


class Named(str):
    """The uuid-name of a row inserted in the same transaction."""

    __slots__ = ()


def _named(value: Any) -> Any:
    if isinstance(value, list):
        if len(value) == 2 and value[0] == "uuid" and isinstance(value[1], Named):
            return ["named-uuid", str(value[1])]
        return [_named(item) for item in value]
    return value


class Txn:
    """Operations for one `transact` on the database `replica` mirrors."""

    def __init__(self, replica: Replica) -> None:
        self.replica = replica
        self.ops: list[dict[str, Any]] = []
        self._names = 0

    def _row(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        columns = self.replica.tables[table].schema.user_columns
        return {name: _named(codec_for(columns[name].type).to_json(v)) for name, v in row.items()}

    def insert(self, table: str, row: dict[str, Any]) -> Named:
        """Insert `row`; returns the handle other values may refer to."""
        self._names += 1
        name = Named(f"row{self._names}")
        self.ops.append(
            {"op": "insert", "table": table, "row": self._row(table, row), "uuid-name": name}
        )
        return name

    def update(self, table: str, uuid: str, row: dict[str, Any]) -> None:
        """Set columns of one row (nothing when `row` is empty)."""
        if row:
            self.ops.append(
                {
                    "op": "update",
                    "table": table,
                    "where": _by_uuid(uuid),
                    "row": self._row(table, row),
                }
            )

    def set_keys(self, table: str, uuid: str, column: str, pairs: dict[str, str]) -> None:
        """Add or replace keys of a map column without touching the others."""
        if not pairs:
            return
        self.ops.append(
            {
                "op": "mutate",
                "table": table,
                "where": _by_uuid(uuid),
                "mutations": [
                    [column, "delete", ["set", sorted(pairs)]],
                    [column, "insert", ["map", sorted([k, v] for k, v in pairs.items())]],
                ],
            }
        )

    def delete_keys(self, table: str, uuid: str, column: str, keys: list[str]) -> None:
        """Remove keys of a map column."""
        if keys:
            self.ops.append(
                {
                    "op": "mutate",
                    "table": table,
                    "where": _by_uuid(uuid),
                    "mutations": [[column, "delete", ["set", sorted(keys)]]],
                }
            )

    def add_refs(self, table: str, uuid: str, column: str, refs: list[str]) -> None:
        """Insert references (UUIDs or `Named` handles) into a set column."""
        if refs:
            atoms = [["named-uuid", r] if isinstance(r, Named) else ["uuid", r] for r in refs]
            self.ops.append(
                {
                    "op": "mutate",
                    "table": table,
                    "where": _by_uuid(uuid),
                    "mutations": [[column, "insert", ["set", atoms]]],
                }
            )

    def remove_refs(self, table: str, uuid: str, column: str, refs: list[str]) -> None:
        """Remove references from a set column."""
        if refs:
            atoms = [["uuid", r] for r in refs]
            self.ops.append(
                {
                    "op": "mutate",
                    "table": table,
                    "where": _by_uuid(uuid),
                    "mutations": [[column, "delete", ["set", atoms]]],
                }
            )

    def delete(self, table: str, uuid: str) -> None:
        """Delete one row."""
        self.ops.append({"op": "delete", "table": table, "where": _by_uuid(uuid)})

    @property
    def empty(self) -> bool:
        return not self.ops

    async def commit(self, timeout: float = 10.0) -> list[Any]:
        """Run the transaction; returns the per-operation results.

        The caller decides what a failed operation means (a conflicting
        insert from another chassis is normal and retried on the next run).
        """
        if not self.ops:
            return []
        return await self.replica.client.transact(self.replica.db, self.ops, timeout)


def _by_uuid(uuid: str) -> list[Any]:
    return [["_uuid", "==", ["uuid", uuid]]]


def first_error(results: list[Any]) -> str | None:
    """The first error of a transaction result array, as one line."""
    for result in results:
        if isinstance(result, dict) and "error" in result:
            details = result.get("details")
            return f"{result['error']}" + (f": {details}" if details else "")
    return None
