"""Monitors: `monitor` (update), `monitor_cond` (update2) and
`monitor_cond_since` (update3), with conditions and their changes.

A `Monitor` turns committed `Change`s into the <table-updates> object its
client asked for. It holds no connection; the server sends what it returns.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyovn.ovsdb.condition import Predicate, compile_where
from pyovn.ovsdb.database import Change, Database, Row, Table
from pyovn.ovsdb.errors import TransactionError

__all__ = ["Monitor", "MonitorTable", "fold_changes", "parse_monitor_requests"]

_SELECT_KEYS = ("initial", "insert", "delete", "modify")


@dataclass(slots=True)
class MonitorTable:
    """What one monitor watches in one table."""

    table: Table
    columns: list[str]
    initial: bool = True
    insert: bool = True
    delete: bool = True
    modify: bool = True
    where: Any = None
    predicate: Predicate | None = None

    def matches(self, uuid: str, row: Row | None) -> bool:
        if row is None:
            return False
        return self.predicate is None or self.predicate(uuid, row)


@dataclass(slots=True)
class Monitor:
    """One monitor of one client: its id, update format and tables."""

    monitor_id: Any
    db: Database
    version: int  # 1: update, 2: update2, 3: update3
    tables: dict[str, MonitorTable] = field(default_factory=dict)

    # -- initial contents ------------------------------------------------------
    def initial(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, mt in self.tables.items():
            if not mt.initial:
                continue
            rows = {
                uuid: self._row_update_new(mt, uuid, row, "initial")
                for uuid, row in mt.table.rows.items()
                if mt.matches(uuid, row)
            }
            if rows:
                out[name] = rows
        return out

    # -- changes -------------------------------------------------------------
    def updates(self, changes: Iterable[Change]) -> dict[str, Any]:
        """The <table-updates> (or <table-updates2>) for committed changes."""
        out: dict[str, dict[str, Any]] = {}
        tables = self.tables
        for ch in changes:
            mt = tables.get(ch.table)
            if mt is None:
                continue
            update = self._row_update(mt, ch)
            if update is not None:
                out.setdefault(ch.table, {})[ch.uuid] = update
        return out

    def _row_update(self, mt: MonitorTable, ch: Change) -> Any:
        was = mt.matches(ch.uuid, ch.old)
        now = mt.matches(ch.uuid, ch.new)
        if now and not was:
            if not mt.insert:
                return None
            return self._row_update_new(mt, ch.uuid, ch.new, "insert")
        if was and not now:
            if not mt.delete:
                return None
            assert ch.old is not None
            if self.version == 1:
                return {"old": _full_row(mt, ch.uuid, ch.old)}
            return {"delete": None}
        if not (was and now) or not mt.modify:
            return None
        assert ch.old is not None and ch.new is not None
        return self._modify(mt, ch.uuid, ch.old, ch.new)

    def _row_update_new(self, mt: MonitorTable, uuid: str, row: Row | None, kind: str) -> Any:
        assert row is not None
        if self.version == 1:
            return {"new": _full_row(mt, uuid, row)}
        codecs = mt.table.codecs
        body: dict[str, Any] = {}
        for c in mt.columns:
            if c == "_uuid":
                body[c] = ["uuid", uuid]
                continue
            value = row[c]
            if c == "_version":
                body[c] = ["uuid", value]
                continue
            codec = codecs[c]
            if value != codec.default:
                body[c] = codec.to_json(value)
        return {kind: body}

    def _modify(self, mt: MonitorTable, uuid: str, old: Row, new: Row) -> Any:
        codecs = mt.table.codecs
        changed = [c for c in mt.columns if c != "_uuid" and old[c] != new[c]]
        if not changed or changed == ["_version"]:
            return None
        if self.version == 1:
            old_part = {c: _column_json(mt, c, old[c]) for c in changed}
            return {"old": old_part, "new": _full_row(mt, uuid, new)}
        body: dict[str, Any] = {}
        for c in changed:
            if c == "_version":
                body[c] = ["uuid", new[c]]
            else:
                body[c] = codecs[c].diff(old[c], new[c])
        return {"modify": body}

    # -- condition changes (monitor_cond_change) -------------------------------
    def change_conditions(self, requests: Any) -> dict[str, Any]:
        """Install new conditions; returns the updates the change implies."""
        if not isinstance(requests, dict):
            raise TransactionError("syntax error", "monitor_cond_change requests must be an object")
        out: dict[str, Any] = {}
        for name, reqs in requests.items():
            mt = self.tables.get(name)
            if mt is None:
                raise TransactionError("syntax error", f"no table named {name} in monitor")
            req = _single_request(reqs, name)
            where = req.get("where")
            predicate = compile_where(mt.table.schema, where, any_of=True) if where else None
            rows: dict[str, Any] = {}
            for uuid, row in mt.table.rows.items():
                was = mt.matches(uuid, row)
                now = predicate is None or predicate(uuid, row)
                if now and not was and mt.insert:
                    rows[uuid] = self._row_update_new(mt, uuid, row, "insert")
                elif was and not now and mt.delete:
                    rows[uuid] = {"delete": None}
            mt.where, mt.predicate = where, predicate
            if rows:
                out[name] = rows
        return out


def parse_monitor_requests(db: Database, requests: Any, version: int, monitor_id: Any) -> Monitor:
    """Build a Monitor from the <monitor-requests>/<monitor-cond-requests> object."""
    if not isinstance(requests, dict):
        raise TransactionError("syntax error", "monitor-requests must be object", _dump(requests))
    monitor = Monitor(monitor_id, db, version)
    for name, reqs in requests.items():
        table = db.tables.get(name)
        if table is None:
            raise TransactionError("syntax error", f"no table named {name}")
        items = reqs if isinstance(reqs, list) else [reqs]
        for req in items:
            mt = _table_request(table, req, version)
            existing = monitor.tables.get(name)
            if existing is not None:
                # Several requests for one table may not share a column.
                for c in mt.columns:
                    if c in existing.columns:
                        raise TransactionError(
                            "syntax error", f"column {c} mentioned more than once",
                            _dump(req.get("columns")),
                        )  # fmt: skip
                existing.columns.extend(mt.columns)
            else:
                monitor.tables[name] = mt
    return monitor


def _table_request(table: Table, req: Any, version: int) -> MonitorTable:
    where_ = f"Parsing table {table.name}"
    if not isinstance(req, dict):
        raise TransactionError("syntax error", f"{where_} failed: Object expected.")
    allowed = {"columns", "select"} | ({"where"} if version > 1 else set())
    columns = req.get("columns")
    if columns is None:
        columns = [c for c in table.schema.columns if c != "_uuid"]
    elif not isinstance(columns, list):
        raise _member_error(f"{where_} failed", "Type mismatch for member 'columns'.", req)
    for c in columns:
        if not isinstance(c, str) or c not in table.schema.columns:
            raise TransactionError(
                "syntax error", f"{c} is not a valid column name", _dump(columns)
            )
    # A column listed twice would be reported twice; ovsdb-server rejects it.
    for index, c in enumerate(columns):
        if c in columns[:index]:
            raise TransactionError(
                "syntax error", f"column {c} mentioned more than once", _dump(columns)
            )
    mt = MonitorTable(table, list(columns))
    select = req.get("select")
    if select is not None:
        if not isinstance(select, dict):
            raise _member_error(f"{where_} failed", "Type mismatch for member 'select'.", req)
        for key in _SELECT_KEYS:
            value = select.get(key, True)
            if not isinstance(value, bool):
                raise _member_error(
                    f"{where_} select failed", f"Type mismatch for member '{key}'.", select
                )
            setattr(mt, key, value)
        for key in sorted(set(select) - set(_SELECT_KEYS)):
            raise _member_error(
                f"{where_} select failed",
                f"Member '{key}' is present but not allowed here.",
                select,
            )
    for key in sorted(set(req) - allowed):
        raise _member_error(
            f"{where_} failed", f"Member '{key}' is present but not allowed here.", req
        )
    where = req.get("where")
    if where is not None:
        if not isinstance(where, list):
            raise _member_error(f"{where_} failed", "Type mismatch for member 'where'.", req)
        mt.where = where
        mt.predicate = compile_where(table.schema, where, any_of=True) if where else None
    return mt


def _single_request(reqs: Any, name: str) -> dict[str, Any]:
    items = reqs if isinstance(reqs, list) else [reqs]
    if len(items) != 1 or not isinstance(items[0], dict):
        raise TransactionError("syntax error", f"condition change for {name} must be one request")
    return items[0]


def _column_json(mt: MonitorTable, column: str, value: Any) -> Any:
    if column == "_version":
        return ["uuid", value]
    return mt.table.codecs[column].to_json(value)


def _full_row(mt: MonitorTable, uuid: str, row: Row) -> dict[str, Any]:
    return {c: ["uuid", uuid] if c == "_uuid" else _column_json(mt, c, row[c]) for c in mt.columns}


def _member_error(context: str, details: str, syntax: Any) -> TransactionError:
    return TransactionError("syntax error", f"{context}: {details}", _dump(syntax))


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def fold_changes(batches: Iterable[list[Change]]) -> list[Change]:
    """Merge consecutive commits into one change per row (first old, last new)."""
    merged: dict[tuple[str, str], Change] = {}
    for changes in batches:
        for ch in changes:
            key = (ch.table, ch.uuid)
            first = merged.get(key)
            if first is None:
                merged[key] = ch
            else:
                merged[key] = Change(ch.table, ch.uuid, first.old, ch.new)
    return [ch for ch in merged.values() if ch.old is not None or ch.new is not None]


def monitor_signature(monitor: Monitor) -> str:
    """Monitors with equal signatures produce equal updates for equal changes."""
    parts = {
        name: [mt.columns, mt.initial, mt.insert, mt.delete, mt.modify, mt.where]
        for name, mt in monitor.tables.items()
    }
    return json.dumps([monitor.version, parts], sort_keys=True)
