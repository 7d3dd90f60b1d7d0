"""Role-based access control, as ovsdb-server enforces it (ovn-sb(5) RBAC_Role).

A connection accepted on a remote with a role (a `Connection` row whose
`role` column is set, or `--remote ...` with `--role`) may only write what
the database's own `RBAC_Role` row of that name permits. The role's
`permissions` map names, per table, an `RBAC_Permission` row:

- `insert_delete`: rows of the table may be inserted and deleted;
- `update`: the columns an update or mutate may write;
- `authorization`: columns (or `column:key` map entries) one of which must
  equal the client's identity, the Common Name of its certificate, for the
  row to be the client's; an empty string authorizes every client.

A table without a permission row is read-only for the role, and a client
without an identity (no certificate, e.g. over plain TCP) may write nothing,
exactly as ovsdb-server answers, error texts included (the client is then
named "(null)"). Reads are never restricted.
"""

from collections.abc import Mapping
from typing import Any

from pyovn.ovsdb.database import Database, Row
from pyovn.ovsdb.errors import TransactionError

__all__ = ["check_rbac"]

_DENIED = {
    "insert": "prohibit row insertion into table",
    "delete": "prohibit row deletion from table",
    "update": "prohibit modification of table",
    "mutate": "prohibit mutate operation on table",
}


def check_rbac(
    db: Database,
    role: str,
    client_id: str | None,
    table: str,
    op: str,
    row: Row | None,
    columns: frozenset[str],
) -> None:
    """Raise "permission error" unless `role` lets `client_id` do `op` on `row`."""
    if _allowed(db, role, client_id, table, op, row, columns):
        return
    client = "(null)" if client_id is None else client_id
    raise TransactionError(
        "permission error",
        f'RBAC rules for client "{client}" role "{role}" {_DENIED[op]} "{table}".',
    )


def _allowed(
    db: Database,
    role: str,
    client_id: str | None,
    table: str,
    op: str,
    row: Row | None,
    columns: frozenset[str],
) -> bool:
    if client_id is None:
        return False
    perms = _permission(db, role, table)
    if perms is None or row is None:
        return False
    if op in ("insert", "delete"):
        if not _first(perms["insert_delete"]):
            return False
    elif not columns <= set(perms["update"]):
        return False
    return _authorized(perms["authorization"], client_id, row)


def _permission(db: Database, role: str, table: str) -> Row | None:
    roles = db.tables.get("RBAC_Role")
    permissions = db.tables.get("RBAC_Permission")
    if roles is None or permissions is None:
        return None
    for role_row in roles.rows.values():
        if role_row["name"] == role:
            uuid = role_row["permissions"].get(table)
            return None if uuid is None else permissions.rows.get(uuid)
    return None


def _authorized(authorization: frozenset[str], client_id: str, row: Row) -> bool:
    if not authorization:
        return True
    for name in authorization:
        if not name:
            return True
        column, sep, key = name.partition(":")
        if column not in row:
            continue
        value = row[column]
        owner = value.get(key) if sep and isinstance(value, Mapping) else _first(value)
        if owner == client_id:
            return True
    return False


def _first(value: Any) -> Any:
    """A scalar column's value, or the one element of an optional one."""
    if isinstance(value, frozenset):
        return next(iter(value), None)
    return value
