"""A client-side replica of (part of) one database, kept current by monitors.

`Replica` asks for `monitor_cond_since` and applies `update3` notifications
to `tables[table][uuid] = row`, rows in the same in-memory form as the
server's (`datum.py`). After a reconnection it resumes from the last
transaction id it saw, so a server that still has that id in its history
sends only what changed. Listeners receive the `Change`s of each update.
Falls back to `monitor_cond` for servers without `monitor_cond_since`.
"""

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from pyovn.ovsdb.client import OvsdbClient, RpcError
from pyovn.ovsdb.cluster import ClusterWatch
from pyovn.ovsdb.database import Change, Row
from pyovn.ovsdb.datum import ColumnCodec, codec_for
from pyovn.ovsdb.errors import ClientError
from pyovn.ovsdb.schema import DatabaseSchema, TableSchema

__all__ = ["Replica", "ReplicaTable"]

log = logging.getLogger(__name__)

ZERO_UUID = "00000000-0000-0000-0000-000000000000"
ChangeListener = Callable[[list[Change]], None]


class ReplicaTable:
    """The replicated rows of one table and how to decode them."""

    def __init__(self, schema: TableSchema, columns: list[str] | None) -> None:
        self.schema = schema
        self.name = schema.name
        user = schema.user_columns
        self.columns = list(user) if columns is None else list(columns)
        self.codecs: dict[str, ColumnCodec] = {n: codec_for(c.type) for n, c in user.items()}
        self.defaults: Row = {n: c.default for n, c in self.codecs.items()}
        self.rows: dict[str, Row] = {}


class Replica:
    """Monitors `tables` of database `db` over `client` and mirrors them."""

    def __init__(
        self,
        client: OvsdbClient,
        db: str,
        tables: dict[str, list[str] | None] | None = None,
        conditions: dict[str, list[Any]] | None = None,
        leader_only: bool = False,
        resume: bool = True,
    ) -> None:
        self.client = client
        #: Skips cluster members that are behind (or, for writers, not the leader).
        self.cluster = ClusterWatch(client, db, leader_only)
        # First in line on every connection, before anything reads or writes.
        client.on_connected.insert(0, self.cluster.check)
        self.db = db
        self._wanted = tables
        self.conditions = dict(conditions or {})
        self.schema: DatabaseSchema | None = None
        self.tables: dict[str, ReplicaTable] = {}
        self.last_txn_id = ZERO_UUID
        self.listeners: list[ChangeListener] = []
        self._monitor_id = f"replica-{db}-{id(self)}"
        self._old_monitor_id: str | None = None
        #: monitor_cond_since (resume after a reconnect), unless told not to.
        self._since_supported = resume
        self.synced = asyncio.Event()
        #: Updates that arrived while a monitor request awaited its reply.
        self._held: list[tuple[str, list[Any]]] | None = None
        #: Bytes-free statistics for tests and benchmarks.
        self.full_syncs = 0
        self.resumed_syncs = 0
        #: Bumped when a (re)connection's monitor reply has been applied.
        self.syncs = 0
        client.add_handler("update3", self._on_update3)
        client.add_handler("update2", self._on_update2)

    async def start(self, connect_timeout: float | None = 10.0) -> None:
        """Fetch the schema and start monitoring; resumes on every reconnection."""
        self.client.on_connected.append(self._on_connected)
        if self.client.is_connected:
            await self.cluster.check(self.client)
            await self._on_connected(self.client)
        else:
            await self.client.connect(timeout=connect_timeout)
        await self.synced.wait()

    def table(self, name: str) -> dict[str, Row]:
        return self.tables[name].rows

    async def _on_connected(self, client: OvsdbClient) -> None:
        if self.schema is None:
            self.schema = DatabaseSchema.from_json(await client.get_schema(self.db))
            wanted = self._wanted or {n: None for n in self.schema.tables}
            for name, columns in wanted.items():
                tschema = self.schema.tables.get(name)
                if tschema is None:
                    raise ClientError(f"{self.db} has no table {name}")
                self.tables[name] = ReplicaTable(tschema, columns)
        await self._monitor(client)

    def _requests(self) -> dict[str, Any]:
        requests: dict[str, Any] = {}
        for name, table in self.tables.items():
            req: dict[str, Any] = {"columns": table.columns}
            if name in self.conditions:
                req["where"] = self.conditions[name]
            requests[name] = [req]
        return requests

    async def _monitor(self, client: OvsdbClient) -> None:
        # The server sends the reply first and updates after it, but the
        # client dispatches an update in the same read before this coroutine
        # resumes with the reply: hold updates back until the reply is applied.
        self._held = []
        try:
            await self._request_monitor(client)
        except BaseException:
            self._held = None
            raise
        held, self._held = self._held, None
        for method, params in held:
            (self._on_update3 if method == "update3" else self._on_update2)(params)

    async def _request_monitor(self, client: OvsdbClient) -> None:
        requests = self._requests()
        if self._since_supported:
            try:
                found, last, updates = await client.call(
                    "monitor_cond_since", [self.db, self._monitor_id, requests, self.last_txn_id]
                )
            except RpcError as exc:
                if exc.error != "unknown method":
                    raise
                self._since_supported = False
            else:
                self._apply_sync(updates, resumed=bool(found))
                self.last_txn_id = last
                return
        updates = await client.call("monitor_cond", [self.db, self._monitor_id, requests])
        self._apply_sync(updates, resumed=False)

    def _apply_sync(self, updates: dict[str, Any], resumed: bool) -> None:
        if resumed:
            self.resumed_syncs += 1
            self._apply(updates)
        else:
            self.full_syncs += 1
            self._replace_all(updates)
        self.syncs += 1
        self.synced.set()

    async def set_conditions(self, conditions: dict[str, list[Any]]) -> None:
        """Change monitor conditions (monitor_cond_change) for some tables."""
        self.conditions.update(conditions)
        old_id = self._monitor_id
        new_id = f"{old_id}+"
        requests = {name: [{"where": where}] for name, where in conditions.items()}
        # The server sends the rows the change brings in or out (and every
        # later update) under the new id, before its reply: accept both ids
        # until the reply is in.
        self._monitor_id = new_id
        self._old_monitor_id = old_id
        try:
            await self.client.call("monitor_cond_change", [old_id, new_id, requests])
        except BaseException:
            self._monitor_id = old_id
            raise
        finally:
            self._old_monitor_id = None

    # -- applying updates -------------------------------------------------------
    def _on_update3(self, params: list[Any]) -> None:
        if len(params) != 3 or params[0] not in (self._monitor_id, self._old_monitor_id):
            return
        if self._held is not None:
            self._held.append(("update3", params))
            return
        self._apply(params[2])
        self.last_txn_id = params[1]

    def _on_update2(self, params: list[Any]) -> None:
        if len(params) != 2 or params[0] not in (self._monitor_id, self._old_monitor_id):
            return
        if self._held is not None:
            self._held.append(("update2", params))
            return
        self._apply(params[1])

    def _replace_all(self, updates: dict[str, Any]) -> None:
        changes: list[Change] = []
        fresh: dict[str, dict[str, Row]] = {name: {} for name in self.tables}
        for name, rows in updates.items():
            table = self.tables.get(name)
            if table is None:
                continue
            for uuid, update in rows.items():
                body = update.get("initial", update.get("insert"))
                if body is not None:
                    fresh[name][uuid] = self._decode_new(table, body)
        for name, table in self.tables.items():
            old_rows, table.rows = table.rows, fresh[name]
            for uuid, old in old_rows.items():
                new = table.rows.get(uuid)
                if new != old:
                    changes.append(Change(name, uuid, old, new))
            changes.extend(
                Change(name, uuid, None, new)
                for uuid, new in table.rows.items()
                if uuid not in old_rows
            )
        self._emit(changes)

    def _apply(self, updates: dict[str, Any]) -> None:
        changes: list[Change] = []
        for name, rows in updates.items():
            table = self.tables.get(name)
            if table is None:
                continue
            for uuid, update in rows.items():
                change = self._apply_row(table, uuid, update)
                if change is not None:
                    changes.append(change)
        self._emit(changes)

    def _apply_row(self, table: ReplicaTable, uuid: str, update: dict[str, Any]) -> Change | None:
        old = table.rows.get(uuid)
        if "delete" in update:
            if old is None:
                return None
            del table.rows[uuid]
            return Change(table.name, uuid, old, None)
        if "modify" in update:
            if old is None:
                log.warning("%s: modify of unknown row %s in %s", self.db, uuid, table.name)
                return None
            new = dict(old)
            for column, diff in update["modify"].items():
                codec = table.codecs.get(column)
                if codec is not None:
                    new[column] = codec.apply_diff(old[column], diff)
            table.rows[uuid] = new
            return Change(table.name, uuid, old, new)
        body = update.get("insert", update.get("initial"))
        if body is None:
            return None
        new = self._decode_new(table, body)
        table.rows[uuid] = new
        return Change(table.name, uuid, old, new)

    @staticmethod
    def _decode_new(table: ReplicaTable, body: dict[str, Any]) -> Row:
        row = dict(table.defaults)
        codecs = table.codecs
        for column, value in body.items():
            codec = codecs.get(column)
            if codec is not None:
                row[column] = codec.from_json(value)
        return row

    def _emit(self, changes: list[Change]) -> None:
        if not changes:
            return
        for listener in list(self.listeners):
            listener(changes)

    # -- queries ---------------------------------------------------------------
    def find(self, table: str, **columns: Any) -> list[tuple[str, Row]]:
        """Rows whose columns equal the given values."""
        return [
            (uuid, row)
            for uuid, row in self.tables[table].rows.items()
            if all(row.get(c) == v for c, v in columns.items())
        ]

    def rows(self, table: str) -> Iterable[tuple[str, Row]]:
        return self.tables[table].rows.items()
