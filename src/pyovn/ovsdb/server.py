"""`pyovn db`: an OVSDB server (RFC 7047 plus ovsdb-server's extensions).

One asyncio event loop serves every database and connection. Requests are
handled to completion as they arrive, so transactions are serialised for
free. After a commit the database file record is queued, monitor updates are
computed at once (so later monitors never see the commit twice), and every
reply and notification waits in one ordered outbox until the next loop
iteration has written and fsynced the file: a client never hears about a
transaction that a crash could still lose (group commit).
"""

import asyncio
import json
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyovn.ovsdb.database import Change, Database, Row
from pyovn.ovsdb.datum import new_uuid
from pyovn.ovsdb.errors import TransactionError
from pyovn.ovsdb.jsonrpc import (
    DEFAULT_MAX_MESSAGE,
    Message,
    dumps,
    encode_error,
    encode_notify,
    encode_reply,
)
from pyovn.ovsdb.listeners import DbRemote, Listeners, parse_db_remote
from pyovn.ovsdb.locks import LockEvent, LockManager
from pyovn.ovsdb.monitor import Monitor, fold_changes, monitor_signature, parse_monitor_requests
from pyovn.ovsdb.operations import Outcome, WaitBlocked, execute
from pyovn.ovsdb.rbac import check_rbac
from pyovn.ovsdb.remote import Remote, RemoteError
from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.ovsdb.server_db import ServerDatabase
from pyovn.ovsdb.session import PendingWait, Session
from pyovn.ovsdb.storage import LogFile
from pyovn.ovsdb.tls import TlsFiles
from pyovn.ovsdb.txn import Transaction

__all__ = ["OvsdbServer", "ServedDatabase"]

log = logging.getLogger(__name__)

ZERO_UUID = "00000000-0000-0000-0000-000000000000"
_UPDATE_METHODS = {1: b"update", 2: b"update2", 3: b"update3"}


@dataclass(eq=False)
class ServedDatabase:
    """A database the server serves, with its file and recent history."""

    name: str
    db: Database
    storage: LogFile | None
    read_only: bool = False
    #: (txn id, changes) of recent commits, for monitor_cond_since.
    history: deque[tuple[str, list[Change]]] = field(default_factory=deque)
    history_rows: int = 0
    #: The id of the last commit; random at start so no client "has" it.
    last_txn_id: str = field(default_factory=new_uuid)
    #: The id of the state just before the oldest commit in `history`.
    history_base: str = ""

    def __post_init__(self) -> None:
        self.history_base = self.last_txn_id

    monitors: dict[tuple[int, str], tuple[Session, Monitor, str]] = field(default_factory=dict)


class _SessionView:
    """What the operations of one transaction may ask about their session."""

    def __init__(self, server: "OvsdbServer", session: Session, served: ServedDatabase) -> None:
        self.server = server
        self.session = session
        self.served = served

    def holds_lock(self, name: str) -> bool:
        return self.server.locks.holds(self.session, name)

    def check_write(
        self,
        txn: Transaction,
        table: str,
        uuid: str,
        op: str,
        row: Row | None,
        columns: frozenset[str] = frozenset(),
    ) -> None:
        if self.served.read_only:
            raise TransactionError(
                "not allowed",
                f"{op} operation not allowed on table in reserved database {self.served.name}",
            )
        role = self.session.role
        if role:
            check_rbac(self.served.db, role, self.session.client_id, table, op, row, columns)
        checker = self.server.write_checker
        if checker is not None:
            checker(self.session, self.served, txn, table, uuid, op, row)


WriteChecker = Callable[[Session, ServedDatabase, Transaction, str, str, str, Row | None], None]


class OvsdbServer:
    """Serves databases over any number of listening remotes."""

    def __init__(
        self,
        max_message: int = DEFAULT_MAX_MESSAGE,
        history_rows: int = 200_000,
        tls: TlsFiles | None = None,
    ) -> None:
        self.server_id = new_uuid()
        self.max_message = max_message
        self.history_limit = history_rows
        self.databases: dict[str, ServedDatabase] = {}
        self.sessions: set[Session] = set()
        self.locks = LockManager()
        self.write_checker: WriteChecker | None = None
        self._server_db = ServerDatabase()
        self.databases["_Server"] = ServedDatabase("_Server", self._server_db.db, None, True)
        self._outbox: list[tuple[Session, bytes]] = []
        self._flush_pending = False
        self.listeners = Listeners(lambda role: Session(self, role), tls)
        self._db_remotes: list[tuple[DbRemote, set[str]]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._handlers: dict[str, Callable[[Session, Message], None]] = {
            "transact": self._transact,
            "cancel": self._cancel,
            "monitor": self._monitor,
            "monitor_cond": self._monitor,
            "monitor_cond_since": self._monitor,
            "monitor_cond_change": self._monitor_cond_change,
            "monitor_cancel": self._monitor_cancel,
            "list_dbs": self._list_dbs,
            "get_schema": self._get_schema,
            "echo": self._echo,
            "get_server_id": self._get_server_id,
            "set_db_change_aware": self._set_db_change_aware,
            "lock": self._lock,
            "steal": self._lock,
            "unlock": self._lock,
        }

    # -- databases -----------------------------------------------------------
    def add_database_file(self, path: str | Path, fsync: bool = True) -> ServedDatabase:
        """Open (and replay) a database file and serve it."""
        storage = LogFile(path, fsync=fsync)
        return self._add(storage.db, storage)

    def add_database(self, schema: DatabaseSchema) -> ServedDatabase:
        """Serve an in-memory database (nothing survives a restart)."""
        return self._add(Database(schema), None)

    def _add(self, db: Database, storage: LogFile | None) -> ServedDatabase:
        if db.name in self.databases:
            raise TransactionError("duplicate database", f"{db.name} is already served")
        served = ServedDatabase(db.name, db, storage)
        self.databases[db.name] = served
        changes = self._server_db.add(db.schema)
        self._commit_done(self.databases["_Server"], Outcome([], changes, True))
        return served

    # -- listening -------------------------------------------------------------
    async def listen(self, remote_name: str, role: str | None = None) -> Remote:
        """Accept connections on a passive remote (punix:, ptcp:, pssl:).

        `db:DB,TABLE,COLUMN` listens on the Connection rows configured there
        (and follows their changes); it returns the remote unchanged.
        """
        if remote_name.startswith("db:"):
            await self._add_db_remote(parse_db_remote(remote_name))
            return Remote("db", True, path=remote_name[3:])
        return await self.listeners.listen(remote_name, role)

    async def _add_db_remote(self, source: DbRemote) -> None:
        served = self.databases.get(source.db)
        if served is None:
            raise RemoteError(f"db:{source.db},...: no database {source.db} is served")
        if source.table not in served.db.tables:
            raise RemoteError(f"db:{source.db},{source.table},...: no table {source.table}")
        managed: set[str] = set()
        self._db_remotes.append((source, managed))
        await self.listeners.reconcile(source.targets(served.db), managed)

    def _remotes_may_change(self, served: ServedDatabase, changes: list[Change]) -> None:
        for source, managed in self._db_remotes:
            if source.db != served.name:
                continue
            if any(ch.table in (source.table, "Connection") for ch in changes):
                wanted = source.targets(served.db)
                task = asyncio.get_running_loop().create_task(
                    self.listeners.reconcile(wanted, managed)
                )
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        await self.listeners.close()
        for session in list(self.sessions):
            session.abort()
        self._flush()
        for served in self.databases.values():
            if served.storage is not None:
                served.storage.close()

    # -- sessions --------------------------------------------------------------
    def session_opened(self, session: Session) -> None:
        self.sessions.add(session)

    def session_closed(self, session: Session) -> None:
        self.sessions.discard(session)
        for served in self.databases.values():
            for key in [k for k in served.monitors if k[0] == session.number]:
                del served.monitors[key]
        for pending in session.waits:
            if pending.timer is not None:
                pending.timer.cancel()
        session.waits.clear()
        self._send_lock_events(self.locks.release_all(session))

    # -- output ------------------------------------------------------------------
    def send(self, session: Session, data: bytes) -> None:
        """Send now, or after the pending file flush, keeping global order."""
        if self._flush_pending:
            self._outbox.append((session, data))
        else:
            session.write(data)

    @staticmethod
    def _write_storage(storage: LogFile) -> None:
        storage.flush()
        if storage.should_compact():
            log.info("compacting %s", storage.path)
            storage.compact()

    def _schedule_flush(self) -> None:
        if not self._flush_pending:
            self._flush_pending = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        for served in self.databases.values():
            storage = served.storage
            if storage is not None and storage.has_pending:
                self._write_storage(storage)
        self._flush_pending = False
        outbox, self._outbox = self._outbox, []
        for session, data in outbox:
            session.write(data)

    # -- dispatch ---------------------------------------------------------------
    def handle(self, session: Session, msg: Message) -> None:
        if msg.kind in ("reply", "error"):
            return  # replies to our echo probes
        handler = self._handlers.get(msg.method or "")
        if handler is None:
            if msg.kind == "request":
                self.send(session, encode_error(msg.id, "unknown method"))
            return
        try:
            handler(session, msg)
        except TransactionError as exc:
            if msg.kind == "request":
                self.send(session, encode_error(msg.id, exc.to_json()))
        except Exception:
            log.exception("internal error handling %s from %s", msg.method, session.peer)
            if msg.kind == "request":
                self.send(session, encode_error(msg.id, {"error": "internal error"}))

    def _served(self, params: list[Any], method: str) -> ServedDatabase:
        if not params or not isinstance(params[0], str):
            raise TransactionError(
                "syntax error", f"{method} request params must begin with <db-name>", _dump(params)
            )
        served = self.databases.get(params[0])
        if served is None:
            raise TransactionError(
                "unknown database",
                f"{method} request specifies unknown database {params[0]}",
                _dump(params),
            )
        return served

    # -- transact -------------------------------------------------------------
    def _transact(self, session: Session, msg: Message) -> None:
        served = self._served(msg.params, "transact")
        self._run_transaction(session, msg.id, served, msg.params[1:], deadline_passed=False)

    def _run_transaction(
        self,
        session: Session,
        msg_id: Any,
        served: ServedDatabase,
        ops: list[Any],
        deadline_passed: bool,
    ) -> bool:
        """Execute; False when it blocked in a "wait" (and was queued)."""
        try:
            outcome = execute(served.db, ops, _SessionView(self, session, served), deadline_passed)
        except WaitBlocked as blocked:
            self._block(session, msg_id, served, ops, blocked.timeout_ms)
            return False
        if outcome.committed and outcome.changes:
            self._commit_done(served, outcome)
        if msg_id is not None:
            self.send(session, encode_reply(msg_id, outcome.results))
        return True

    def _commit_done(self, served: ServedDatabase, outcome: Outcome) -> None:
        changes = outcome.changes
        txn_id = new_uuid()
        served.last_txn_id = txn_id
        self._remember(served, txn_id, changes)
        storage = served.storage
        if storage is not None:
            storage.append(changes, outcome.comments)
            if storage.fsync_enabled:
                self._schedule_flush()  # one fsync for every commit of this loop turn
            else:
                # Without fsync there is nothing to batch: write now, so the
                # reply needs no extra turn of the event loop.
                self._write_storage(storage)
        self._notify_monitors(served, changes, txn_id)
        self._retry_waits(served)
        if self._db_remotes:
            self._remotes_may_change(served, changes)

    def _remember(self, served: ServedDatabase, txn_id: str, changes: list[Change]) -> None:
        served.history.append((txn_id, changes))
        served.history_rows += len(changes)
        while served.history and served.history_rows > self.history_limit:
            served.history_base, dropped = served.history.popleft()
            served.history_rows -= len(dropped)

    def _notify_monitors(self, served: ServedDatabase, changes: list[Change], txn_id: str) -> None:
        bodies: dict[str, bytes] = {}
        for session, monitor, signature in list(served.monitors.values()):
            body = bodies.get(signature)
            if body is None:
                updates = monitor.updates(changes)
                body = bodies[signature] = dumps(updates) if updates else b""
            if body:
                self.send(session, _update_message(monitor, body, txn_id))

    # -- wait / cancel -------------------------------------------------------
    def _block(
        self,
        session: Session,
        msg_id: Any,
        served: ServedDatabase,
        ops: list[Any],
        timeout_ms: float | None,
    ) -> None:
        pending = PendingWait(msg_id, served.name, ops, None)
        if timeout_ms is not None:
            loop = asyncio.get_running_loop()
            pending.timer = loop.call_later(
                timeout_ms / 1000.0, self._wait_expired, session, pending
            )
        session.waits.append(pending)

    def _retry_waits(self, served: ServedDatabase) -> None:
        if not any(session.waits for session in self.sessions):
            return  # the usual case: nothing is blocked
        for session in list(self.sessions):
            for pending in list(session.waits):
                if pending.db != served.name or pending not in session.waits:
                    continue
                session.waits.remove(pending)
                if self._run_transaction(session, pending.msg_id, served, pending.ops, False):
                    if pending.timer is not None:
                        pending.timer.cancel()
                else:
                    # _block queued a fresh entry; keep the original timer.
                    fresh = session.waits.pop()
                    fresh.timer = pending.timer
                    session.waits.append(fresh)

    def _wait_expired(self, session: Session, pending: PendingWait) -> None:
        if pending in session.waits:
            session.waits.remove(pending)
            served = self.databases[pending.db]
            self._run_transaction(session, pending.msg_id, served, pending.ops, True)

    def _cancel(self, session: Session, msg: Message) -> None:
        target = msg.params[0] if msg.params else None
        for pending in list(session.waits):
            if pending.msg_id == target:
                session.waits.remove(pending)
                if pending.timer is not None:
                    pending.timer.cancel()
                self.send(session, encode_error(pending.msg_id, "canceled"))

    # -- monitors --------------------------------------------------------------
    def _monitor(self, session: Session, msg: Message) -> None:
        method = msg.method or ""
        version = {"monitor": 1, "monitor_cond": 2, "monitor_cond_since": 3}[method]
        params = msg.params
        served = self._served(params, method)
        if len(params) != (4 if version == 3 else 3):
            raise TransactionError("syntax error", "invalid parameters", _dump(params))
        monitor_id = params[1]
        key = session.monitor_key(monitor_id)
        if key in session.monitors:
            raise TransactionError("syntax error", "duplicate monitor ID", _dump(monitor_id))
        monitor = parse_monitor_requests(served.db, params[2], version, monitor_id)
        result: Any = (
            self._monitor_since(served, monitor, params[3]) if version == 3 else monitor.initial()
        )
        session.monitors[key] = monitor
        served.monitors[(session.number, key)] = (session, monitor, monitor_signature(monitor))
        self.send(session, encode_reply(msg.id, result))

    def _monitor_since(self, served: ServedDatabase, monitor: Monitor, last: Any) -> list[Any]:
        if isinstance(last, str) and last == served.last_txn_id:
            return [True, served.last_txn_id, {}]
        # A client may hold any state from the one before the oldest
        # remembered commit on; `start` is the first commit it lacks.
        ids = [served.history_base] + [txn_id for txn_id, _ in served.history]
        if isinstance(last, str) and last in ids:
            start = ids.index(last)
            batches = [changes for _, changes in list(served.history)[start:]]
            return [True, served.last_txn_id, monitor.updates(fold_changes(batches))]
        return [False, served.last_txn_id, monitor.initial()]

    def _monitor_cond_change(self, session: Session, msg: Message) -> None:
        params = msg.params
        if len(params) != 3:
            raise TransactionError("syntax error", "invalid parameters", _dump(params))
        old_key = session.monitor_key(params[0])
        monitor = session.monitors.get(old_key)
        if monitor is None:
            raise TransactionError("syntax error", "unknown monitor session", _dump(params[0]))
        new_key = session.monitor_key(params[1])
        if new_key != old_key and new_key in session.monitors:
            raise TransactionError("syntax error", "duplicate monitor ID", _dump(params[1]))
        updates = monitor.change_conditions(params[2])
        served = next(s for s in self.databases.values() if s.db is monitor.db)
        del session.monitors[old_key]
        served.monitors.pop((session.number, old_key), None)
        monitor.monitor_id = params[1]
        session.monitors[new_key] = monitor
        served.monitors[(session.number, new_key)] = (session, monitor, monitor_signature(monitor))
        if updates:
            self.send(session, _update_message(monitor, dumps(updates), served.last_txn_id))
        self.send(session, encode_reply(msg.id, {}))

    def _monitor_cancel(self, session: Session, msg: Message) -> None:
        if len(msg.params) != 1:
            self.send(session, encode_error(msg.id, "invalid parameters"))
            return
        key = session.monitor_key(msg.params[0])
        monitor = session.monitors.pop(key, None)
        if monitor is None:
            self.send(session, encode_error(msg.id, "unknown monitor"))
            return
        for served in self.databases.values():
            served.monitors.pop((session.number, key), None)
        self.send(session, encode_reply(msg.id, {}))

    # -- small methods -----------------------------------------------------------
    def _list_dbs(self, session: Session, msg: Message) -> None:
        self.send(session, encode_reply(msg.id, sorted(self.databases)))

    def _get_schema(self, session: Session, msg: Message) -> None:
        served = self._served(msg.params, "get_schema")
        self.send(session, encode_reply(msg.id, served.db.schema.to_json()))

    def _echo(self, session: Session, msg: Message) -> None:
        if msg.kind == "request":
            self.send(session, encode_reply(msg.id, msg.params))

    def _get_server_id(self, session: Session, msg: Message) -> None:
        self.send(session, encode_reply(msg.id, self.server_id))

    def _set_db_change_aware(self, session: Session, msg: Message) -> None:
        session.db_change_aware = bool(msg.params and msg.params[0])
        self.send(session, encode_reply(msg.id, {}))

    def _lock(self, session: Session, msg: Message) -> None:
        method = msg.method or ""
        if len(msg.params) != 1 or not isinstance(msg.params[0], str):
            raise TransactionError(
                "syntax error", f"{method} request params must be <id>", _dump(msg.params)
            )
        name = msg.params[0]
        requested = self.locks.is_requested_by(session, name)
        if method == "unlock":
            if not requested:
                raise TransactionError(
                    "syntax error", 'unlock: "unlock" without "lock" or "steal"', _dump(msg.params)
                )
            events = self.locks.unlock(session, name)
            self.send(session, encode_reply(msg.id, {}))
        elif requested:
            raise TransactionError(
                "syntax error", f'must issue "unlock" before new "{method}"', _dump(msg.params)
            )
        elif method == "steal":
            events = self.locks.steal(session, name)
            self.send(session, encode_reply(msg.id, {"locked": True}))
        else:
            locked = self.locks.lock(session, name)
            events = []
            self.send(session, encode_reply(msg.id, {"locked": locked}))
        self._send_lock_events(events)

    def _send_lock_events(self, events: list[LockEvent]) -> None:
        for event in events:
            session = event.session
            assert isinstance(session, Session)
            self.send(session, encode_notify(event.method, [event.lock]))


def _update_message(monitor: Monitor, body: bytes, txn_id: str) -> bytes:
    method = _UPDATE_METHODS[monitor.version]
    head = b'{"id":null,"method":"' + method + b'","params":[' + dumps(monitor.monitor_id) + b","
    if monitor.version == 3:
        head += b'"' + txn_id.encode() + b'",'
    return head + body + b"]}"


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
