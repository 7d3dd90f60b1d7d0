"""The RFC 7047 database operations of a `transact` request (section 5.2).

`execute(db, ops, session)` runs the operations in order on a fresh
`Transaction`, then commits. Its `Outcome` carries the result array exactly
as ovsdb-server shapes it: one result per executed operation, the first
error, `null` for the operations that never ran, and one more element when
the commit itself fails.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pyovn.ovsdb.condition import compile_where, uuid_lookup
from pyovn.ovsdb.database import Change, Database, Row, Table
from pyovn.ovsdb.datum import ColumnCodec, is_uuid, new_uuid
from pyovn.ovsdb.errors import TransactionError
from pyovn.ovsdb.integrity import commit
from pyovn.ovsdb.mutation import apply_mutations, parse_mutations
from pyovn.ovsdb.txn import Transaction

__all__ = ["Outcome", "SessionView", "WaitBlocked", "execute"]


class SessionView(Protocol):
    """What operations need to know about the client connection."""

    def holds_lock(self, name: str) -> bool: ...

    def check_write(
        self,
        txn: Transaction,
        table: str,
        uuid: str,
        op: str,
        row: Row | None,
        columns: frozenset[str] = frozenset(),
    ) -> None:
        """Raise TransactionError("permission error", ...) when RBAC forbids it.

        `op` is insert, update, mutate or delete; `columns` are the columns an
        update or mutate writes.
        """


class WaitBlocked(Exception):
    """A "wait" operation is not satisfied yet and its timeout has not run out."""

    def __init__(self, timeout_ms: float | None) -> None:
        super().__init__("wait not satisfied")
        self.timeout_ms = timeout_ms


@dataclass
class Outcome:
    """The result array of a transaction and, when it committed, its changes."""

    results: list[Any]
    changes: list[Change] = field(default_factory=list)
    committed: bool = False
    comments: list[str] = field(default_factory=list)
    durable: bool = False


# Each operation's members in the order they are parsed: (name, JSON kind, required).
_OP_MEMBERS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "insert": (("table", "id", True), ("row", "object", True), ("uuid-name", "id", False),
               ("uuid", "string", False)),
    "select": (("table", "id", True), ("where", "array", True), ("columns", "array", False)),
    "update": (("table", "id", True), ("where", "array", True), ("row", "object", True)),
    "mutate": (("table", "id", True), ("where", "array", True), ("mutations", "array", True)),
    "delete": (("table", "id", True), ("where", "array", True)),
    "wait": (("table", "id", True), ("where", "array", True), ("columns", "array", False),
             ("until", "string", True), ("rows", "array", True), ("timeout", "number", False)),
    "commit": (("durable", "boolean", True),),
    "abort": (),
    "comment": (("comment", "string", True),),
    "assert": (("lock", "id", True),),
}  # fmt: skip
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


#: The handler method of each operation.
_HANDLERS = {
    "insert": "insert",
    "select": "select",
    "update": "update",
    "mutate": "mutate",
    "delete": "delete",
    "wait": "wait",
    "commit": "commit",
    "abort": "abort",
    "comment": "comment",
    "assert": "assert_lock",
}
# type(True) is bool, so a boolean is never taken for a number here.
_KIND_TYPES: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "string": (str,),
    "array": (list,),
    "object": (dict,),
    "boolean": (bool,),
    "number": (int, float),
}


def _json_kind_ok(value: Any, kind: str) -> bool:
    if type(value) not in _KIND_TYPES[kind]:
        return False
    return kind != "id" or _IDENTIFIER.match(value) is not None


def execute(
    db: Database, ops: list[Any], session: SessionView, now_waiting: bool = False
) -> Outcome:
    """Run `ops` (the params after the database name) as one transaction.

    Raises WaitBlocked when a "wait" fails with a non-zero timeout, unless
    `now_waiting` says the caller's deadline has passed, in which case the
    wait fails with "timed out".
    """
    txn = Transaction(db)
    results: list[Any] = []
    runner = _OperationRunner(db, txn, session, now_waiting)
    for index, op in enumerate(ops):
        try:
            results.append(runner.run(op, index, len(ops)))
        except TransactionError as exc:
            results.append(exc.to_json())
            results.extend([None] * (len(ops) - index - 1))
            return Outcome(results)
    try:
        changes = commit(txn)
    except TransactionError as exc:
        results.append(exc.to_json())
        return Outcome(results)
    return Outcome(results, changes, True, txn.comments, txn.durable)


class _OperationRunner:
    def __init__(self, db: Database, txn: Transaction, session: SessionView, waiting: bool) -> None:
        self.db = db
        self.txn = txn
        self.session = session
        self.deadline_passed = waiting

    def run(self, op: Any, index: int, total: int) -> Any:
        if not isinstance(op, dict):
            raise TransactionError(
                "syntax error",
                f"Parsing ovsdb operation {index + 1} of {total} failed: Object expected.",
            )
        if "op" not in op:
            raise _parse_error(index, total, "Required 'op' member is missing.", op)
        name = op["op"]
        if not isinstance(name, str):
            raise _parse_error(index, total, "Type mismatch for member 'op'.", op)
        method = _HANDLERS.get(name)
        if method is None:
            raise _parse_error(index, total, f'No operation "{name}"', op)
        handler: Callable[[dict[str, Any]], Any] = getattr(self, method)
        members = _OP_MEMBERS[name]
        for member, kind, required in members:
            if member not in op:
                if required:
                    raise _parse_error(index, total, f"Required '{member}' member is missing.", op)
            elif not _json_kind_ok(op[member], kind):
                raise _parse_error(index, total, f"Type mismatch for member '{member}'.", op)
            if member == "table" and op["table"] not in self.db.tables:
                raise _parse_error(index, total, f"No table named {op['table']}.", op)
        result = handler(op)
        # Unknown members are reported once the operation itself has parsed.
        extra = set(op) - {"op"} - {m for m, _, _ in members}
        if extra:
            member = sorted(extra)[0]
            raise _parse_error(
                index, total, f"Member '{member}' is present but not allowed here.", op
            )
        return result

    # -- row-level operations -------------------------------------------------
    def insert(self, op: dict[str, Any]) -> Any:
        table = self.db.tables[op["table"]]
        uuid = self._insert_uuid(op, table)
        row = table.new_row()
        values = op.get("row", {})
        self._fill_row(table, row, values, op, for_update=False)
        for cname, error in table.default_errors.items():
            if cname not in values:
                raise error
        row["_version"] = new_uuid()
        self.session.check_write(self.txn, table.name, uuid, "insert", row)
        self.txn.insert(table.name, uuid, row)
        return {"uuid": ["uuid", uuid]}

    def _insert_uuid(self, op: dict[str, Any], table: Table) -> str:
        name = op.get("uuid-name")
        given = op.get("uuid")
        if given is not None:
            if not is_uuid(given):
                raise TransactionError("syntax error", "bad uuid", _dump(given))
            uuid = str(given).lower()
            if self.txn.exists(table.name, uuid) or uuid in self.txn.deleted_here:
                raise TransactionError(
                    "duplicate uuid",
                    "This UUID would duplicate a UUID already present within the table "
                    "or deleted within the same transaction.",
                    _dump(given),
                )
            if isinstance(name, str):
                self.txn.names.uuids.setdefault(name, uuid)
            return uuid
        if name is None:
            return new_uuid()
        return self.txn.names.define(name, _dump(name))

    def _fill_row(
        self, table: Table, row: Row, values: Any, op: dict[str, Any], for_update: bool
    ) -> None:
        if not isinstance(values, dict):
            raise TransactionError("syntax error", "Object expected.", _dump(values))
        codecs = table.codecs
        names = self.txn.names
        for cname, value in values.items():
            codec = codecs.get(cname)
            if codec is None:
                if cname not in table.schema.columns:
                    raise TransactionError(
                        "unknown column", f"No column {cname} in table {table.name}.", _dump(values)
                    )
                # _uuid and _version are the server's to set: an update may
                # not name them, an insert's values for them are ignored.
                if for_update:
                    raise _immutable(cname, table.name, op)
                continue
            if for_update and not table.schema.columns[cname].mutable:
                raise _immutable(cname, table.name, op)
            row[cname] = codec.from_json(value, names)

    def select(self, op: dict[str, Any]) -> Any:
        table = self.db.tables[op["table"]]
        columns = self._columns(table, op.get("columns"))
        out = []
        for uuid, row in self._matching(table, op.get("where")):
            out.append(_project(table, uuid, row, columns))
        return {"rows": out}

    def update(self, op: dict[str, Any]) -> Any:
        table = self.db.tables[op["table"]]
        values = op.get("row")
        scratch = table.new_row()
        self._fill_row(table, scratch, values, op, for_update=True)
        assert isinstance(values, dict)
        updates = {c: scratch[c] for c in values}
        count = 0
        written = frozenset(updates)
        for uuid, row in list(self._matching(table, op.get("where"))):
            self.session.check_write(self.txn, table.name, uuid, "update", row, written)
            count += 1
            if any(row[c] != v for c, v in updates.items()):
                self.txn.writable(table.name, uuid).update(updates)
        return {"count": count}

    def mutate(self, op: dict[str, Any]) -> Any:
        table = self.db.tables[op["table"]]
        mutations = parse_mutations(table, op.get("mutations"), self.txn.names)
        count = 0
        written = frozenset(m.column for m in mutations)
        for uuid, row in list(self._matching(table, op.get("where"))):
            self.session.check_write(self.txn, table.name, uuid, "mutate", row, written)
            count += 1
            changed = apply_mutations(table, row, mutations)
            if changed:
                self.txn.writable(table.name, uuid).update(changed)
        return {"count": count}

    def delete(self, op: dict[str, Any]) -> Any:
        table = self.db.tables[op["table"]]
        count = 0
        for uuid, row in list(self._matching(table, op.get("where"))):
            self.session.check_write(self.txn, table.name, uuid, "delete", row)
            self.txn.delete(table.name, uuid)
            count += 1
        return {"count": count}

    def wait(self, op: dict[str, Any]) -> Any:
        table = self.db.tables[op["table"]]
        timeout = op.get("timeout")
        until = op.get("until")
        if until not in ("==", "!="):
            raise TransactionError("syntax error", '"until" must be "==" or "!="', _dump(until))
        columns = self._columns(table, op.get("columns"))
        expected_json = op.get("rows")
        if not isinstance(expected_json, list):
            raise TransactionError("syntax error", '"rows" must be an array', _dump(expected_json))
        expected = []
        for item in expected_json:
            scratch = table.new_row()
            user = (
                {k: v for k, v in item.items() if k not in _SYSTEM}
                if isinstance(item, dict)
                else item
            )
            self._fill_row(table, scratch, user, op, for_update=False)
            expected.append(
                tuple(
                    _system_atom(item[c]) if c in _SYSTEM else _hashable(scratch.get(c))
                    for c in columns
                    if c in item
                )
            )
        actual = [
            tuple(
                (uuid if c == "_uuid" else row["_version"]) if c in _SYSTEM else _hashable(row[c])
                for c in columns
            )
            for uuid, row in self._matching(table, op.get("where"))
        ]
        equal = sorted(map(repr, actual)) == sorted(map(repr, expected))
        if equal == (until == "=="):
            return {}
        if timeout == 0:
            raise TransactionError("timed out", '"where" clause test failed')
        if self.deadline_passed:
            raise TransactionError("timed out", f'"wait" timed out after {int(timeout or 0)} ms')
        raise WaitBlocked(None if timeout is None else float(timeout))

    # -- transaction-level operations ----------------------------------------
    def commit(self, op: dict[str, Any]) -> Any:
        self.txn.durable = self.txn.durable or bool(op["durable"])
        return {}

    def abort(self, op: dict[str, Any]) -> Any:
        raise TransactionError("aborted", "aborted by request")

    def comment(self, op: dict[str, Any]) -> Any:
        self.txn.comments.append(op["comment"])
        return {}

    def assert_lock(self, op: dict[str, Any]) -> Any:
        lock = op["lock"]
        if not self.session.holds_lock(lock):
            raise TransactionError("not owner", f"Asserted lock {lock} not held.")
        return {}

    # -- helpers -----------------------------------------------------------
    def _matching(self, table: Table, where: Any) -> list[tuple[str, Row]]:
        uuid = uuid_lookup(where)
        if uuid is not None:
            row = self.txn.get(table.name, uuid)
            return [] if row is None else [(uuid, row)]
        predicate = compile_where(table.schema, where if where is not None else [], self.txn.names)
        return [(u, r) for u, r in self.txn.rows(table.name) if predicate(u, r)]

    def _columns(self, table: Table, columns: Any) -> list[str]:
        if columns is None:
            return list(table.schema.columns)
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise TransactionError(
                "syntax error", '"columns" must be an array of names', _dump(columns)
            )
        for cname in columns:
            if cname not in table.schema.columns:
                raise TransactionError(
                    "syntax error", f"{cname} is not a valid column name", _dump(columns)
                )
        return columns


def _project(table: Table, uuid: str, row: Row, columns: list[str]) -> dict[str, Any]:
    codecs: dict[str, ColumnCodec] = table.codecs
    out: dict[str, Any] = {}
    for cname in columns:
        if cname == "_uuid":
            out[cname] = ["uuid", uuid]
        elif cname == "_version":
            out[cname] = ["uuid", row["_version"]]
        else:
            out[cname] = codecs[cname].to_json(row[cname])
    return out


_SYSTEM = ("_uuid", "_version")


def _system_atom(value: Any) -> str:
    """A `_uuid`/`_version` value of a "wait" row (["uuid", "..."])."""
    if isinstance(value, list) and len(value) == 2 and value[0] == "uuid" and is_uuid(value[1]):
        return str(value[1]).lower()
    raise TransactionError("syntax error", "expected uuid", _dump(value))


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    if isinstance(value, frozenset):
        return tuple(sorted(value))
    return value


def _immutable(cname: str, table: str, op: dict[str, Any]) -> TransactionError:
    return TransactionError(
        "constraint violation",
        f"Cannot update immutable column {cname} in table {table}.",
        _dump(op),
    )


def _parse_error(index: int, total: int, details: str, op: Any) -> TransactionError:
    return TransactionError(
        "syntax error",
        f"Parsing ovsdb operation {index + 1} of {total} failed: {details}",
        _dump(op),
    )


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
