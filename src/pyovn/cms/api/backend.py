"""A connection to one database, and the `transaction()` every tool shares.

`Backend` keeps an `OvsdbClient` and a `Replica` of the database. A
transaction runs its commands against a fresh `TxnContext`, sends the
resulting operations, and, when a concurrent writer changed something it read
(a failed `wait`), waits for the replica to catch up and runs the commands
again: no writer's change is ever lost, as with the OVSDB IDL.

An optional `CfgCounter` makes a transaction that changed something (or
asked to, like `ovn-nbctl sync`) bump a sequence number in the same
transaction and wait until a daemon reports it done: NB_Global
nb_cfg -> sb_cfg/hv_cfg for `--wait=sb|hv`, Open_vSwitch next_cfg -> cur_cfg
for ovs-vsctl.
"""

import asyncio
import contextlib
import json
import ssl
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyovn.cms.api.command import Command
from pyovn.cms.api.db_commands import NotReady
from pyovn.cms.api.outcome import Verdict, judge_lost, lost_insert_guards
from pyovn.cms.api.refs import RowIds
from pyovn.cms.api.txn import TxnContext
from pyovn.cms.errors import ConflictError, OutcomeUnknownError, TransactionFailed, UsageError
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.database import Change
from pyovn.ovsdb.errors import ConnectionClosedError
from pyovn.ovsdb.replica import Replica
from pyovn.ovsdb.schema import DatabaseSchema

__all__ = ["Backend", "CfgCounter", "Transaction", "TxnResult"]

MAX_ATTEMPTS = 50


@dataclass(frozen=True)
class CfgCounter:
    """A sequence number a daemon echoes back once it has applied a change."""

    table: str
    bump: str
    done: tuple[str, ...]


@dataclass
class TxnResult:
    """What a committed transaction did."""

    committed: bool = False
    attempts: int = 0
    cfg: int | None = None
    operations: list[Any] = field(default_factory=list)
    #: When the committed transaction was sent (seconds since the epoch).
    started: float = 0.0


class Backend:
    """One database on one (or a list of) OVSDB remotes."""

    def __init__(
        self,
        remote: str,
        db: str,
        row_ids: RowIds | None = None,
        reconnect: bool = False,
        leader_only: bool = True,
        ssl_context: ssl.SSLContext | None = None,
        shuffle: bool = False,
    ) -> None:
        self.remote = remote
        self.db = db
        self.row_ids: RowIds = row_ids or {}
        #: Daemons (the libvirt agent) reconnect by themselves; one-shot tools
        #: reconnect only to finish a transaction whose connection dropped.
        self.client = OvsdbClient(
            remote, reconnect=reconnect, ssl_context=ssl_context, shuffle=shuffle
        )
        #: Writers talk to the cluster leader, as ovn-nbctl does by default.
        self.replica = Replica(self.client, db, leader_only=leader_only)
        self._generation = 0
        self._changed = asyncio.Event()
        self.replica.listeners.append(self._on_change)
        #: The last attempt's warnings (lines for stderr).
        self.warnings: list[str] = []

    @property
    def schema(self) -> DatabaseSchema:
        assert self.replica.schema is not None, "Backend.connect() first"
        return self.replica.schema

    def _on_change(self, changes: list[Change]) -> None:
        self._generation += 1
        self._changed.set()

    async def connect(self) -> "Backend":
        """Connect and fetch the database (an error if the server lacks it).

        The check and the first download run as the connection's callbacks,
        so a member that goes away half-way (a leader killed) is simply
        followed by the next one.
        """
        self.client.on_connected.insert(1, self._check_database)
        try:
            await self.replica.start(connect_timeout=None)
        except UsageError:
            await self.close()
            raise
        return self

    async def _check_database(self, client: OvsdbClient) -> None:
        databases = await client.call("list_dbs", [])
        if self.db not in databases:
            raise UsageError(f"{self.remote}: database {self.db} not found")

    async def close(self) -> None:
        await self.client.close()

    async def __aenter__(self) -> "Backend":
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def context(self) -> TxnContext:
        """A read/write view of the current replica."""
        return TxnContext(self.replica, self.schema, self.row_ids)

    @contextlib.asynccontextmanager
    async def transaction(self, **options: Any) -> AsyncIterator["Transaction"]:
        """Collect commands; commit them as one transaction when the block ends."""
        txn = Transaction(self, **options)
        yield txn
        await txn.commit()

    async def execute(
        self,
        commands: Sequence[Command],
        *,
        dry_run: bool = False,
        counter: CfgCounter | None = None,
        force_bump: bool = False,
        comment: str | None = None,
        wait_for: Sequence[str] = (),
    ) -> TxnResult:
        """Run `commands` as one transaction, retrying on concurrent changes.

        With a `counter`, a transaction that changes something (or any, with
        `force_bump`) bumps it, and then waits until each `wait_for` column
        of the counter's row has caught up.
        """
        result = await self._execute(commands, dry_run, counter, force_bump, comment)
        if counter is not None and result.cfg is not None:
            for column in wait_for:
                await self.wait_for_cfg(counter, result.cfg, column)
        return result

    async def _execute(
        self,
        commands: Sequence[Command],
        dry_run: bool,
        counter: CfgCounter | None,
        force_bump: bool,
        comment: str | None,
    ) -> TxnResult:
        result = TxnResult()
        conflicts = 0
        #: Attempts sent whose reply the connection took with it.
        lost: list[list[Any]] = []
        while conflicts < MAX_ATTEMPTS:
            if lost and self._lost_committed(lost, counter, result):
                return result
            result.attempts += 1
            generation = self._generation
            ctx = self.context()
            try:
                for command in commands:
                    command.run(ctx)
            except NotReady:
                await self._await_newer(generation, timeout=None)
                continue
            _check_symbols(ctx)
            self.warnings = ctx.warnings
            ops = ctx.operations()
            forced = force_bump or any(c.forces_cfg_bump for c in commands)
            bump = counter is not None and (bool(ops) or forced)
            if (not ops and not bump) or dry_run:
                return result
            select_at = -1
            if counter is not None and bump:
                select_at = len(ops) + 1
                ops = [*ops, *self._bump_ops(counter)]
            if lost:
                guards = lost_insert_guards(lost)
                select_at += len(guards) if select_at >= 0 else 0
                ops = [*guards, *ops]
            if comment:
                ops = [*ops, {"op": "comment", "comment": comment}]
            if not self.client.is_connected:
                await self._resync()  # nothing was sent: simply try again
                continue
            result.started = time.time()
            try:
                replies = await self.client.transact(self.db, ops)
            except ConnectionClosedError:
                lost.append(ops)
                await self._resync()
                continue
            error = _first_error(ops, replies)
            if error is None:
                result.committed = True
                result.operations = ops
                if select_at >= 0:
                    assert counter is not None
                    result.cfg = replies[select_at]["rows"][0][counter.bump]
                return result
            if error:
                raise TransactionFailed(error)
            conflicts += 1
            await self._await_newer(generation)
        raise ConflictError(
            f"transaction kept conflicting with concurrent changes ({MAX_ATTEMPTS} attempts)"
        )

    def _lost_committed(
        self, lost: list[list[Any]], counter: CfgCounter | None, result: TxnResult
    ) -> bool:
        """True (and `result` filled) when a lost attempt turns out to have committed."""
        column = counter.bump if counter is not None else None
        tables = {name: table.rows for name, table in self.replica.tables.items()}
        verdicts = [judge_lost(ops, tables, column) for ops in lost]
        if Verdict.COMMITTED in verdicts:
            ops = lost[verdicts.index(Verdict.COMMITTED)]
            result.committed = True
            result.operations = ops
            if counter is not None and any(op.get("op") == "mutate" for op in ops):
                # The committed value is at most the current one: waiting
                # for the current one waits long enough.
                rows = list(self.replica.tables[counter.table].rows.values())
                result.cfg = rows[0][counter.bump] if rows else None
            return True
        if Verdict.UNKNOWN in verdicts:
            raise OutcomeUnknownError(
                f"{self.client.remote or self.remote}: the connection was lost before the"
                " transaction's reply, and re-running it could apply it twice; check the"
                " database before trying again"
            )
        return False

    async def _resync(self) -> None:
        """Reconnect (to another member if need be) and catch the replica up."""
        before = self.replica.syncs
        if not self.client.reconnect:
            await self.client.connect(timeout=None)
        while self.replica.syncs == before:
            await asyncio.sleep(0.01)

    def _bump_ops(self, counter: CfgCounter) -> list[Any]:
        rows = list(self.replica.tables[counter.table].rows)
        if not rows:
            raise UsageError(f"database has no {counter.table} row (run init first)")
        where = [["_uuid", "==", ["uuid", rows[0]]]]
        return [
            {
                "op": "mutate",
                "table": counter.table,
                "where": where,
                "mutations": [[counter.bump, "+=", 1]],
            },
            {"op": "select", "table": counter.table, "where": where, "columns": [counter.bump]},
        ]

    async def _await_newer(self, generation: int, timeout: float | None = 1.0) -> None:
        """Wait (up to `timeout`) until the replica has moved past `generation`."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while self._generation == generation:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return
            self._changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    async def wait_until(self, predicate: Any) -> None:
        """Wait until `predicate()` holds on the replica."""
        while not predicate():
            self._changed.clear()
            if predicate():
                return
            await self._changed.wait()

    async def wait_for_cfg(self, counter: CfgCounter, target: int, done: str) -> None:
        """Wait until the `done` column of the counter's row reaches `target`."""

        def reached() -> bool:
            rows = self.replica.tables[counter.table].rows.values()
            return any(row[done] >= target for row in rows)

        await self.wait_until(reached)


class Transaction:
    """Commands collected by `Backend.transaction()`; committed on exit."""

    def __init__(self, backend: Backend, **options: Any) -> None:
        self.backend = backend
        self.options = options
        self.commands: list[Command] = []
        self.result: TxnResult | None = None

    def add(self, command: Command) -> Command:
        self.commands.append(command)
        return command

    async def commit(self) -> TxnResult:
        self.result = await self.backend.execute(self.commands, **self.options)
        return self.result


def _check_symbols(ctx: TxnContext) -> None:
    for name in sorted(ctx.symbol_refs - set(ctx.symbols_created)):
        raise UsageError(
            f'row id "{name}" is referenced but never created (e.g. with "-- --id={name} '
            'create ...")'
        )


def _first_error(ops: list[Any], replies: list[Any]) -> str | None:
    """None on success; "" when a `wait` failed (a conflict); else the error text."""
    for index, reply in enumerate(replies):
        if isinstance(reply, dict) and "error" in reply:
            op = ops[index] if index < len(ops) else {}
            if op.get("op") == "wait" and reply["error"] == "timed out":
                return ""
            return "transaction error: " + json.dumps(reply, sort_keys=True, separators=(",", ":"))
    if len(replies) < len(ops):
        return "transaction error: short reply"
    return None
