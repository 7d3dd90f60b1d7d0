"""An asyncio OVSDB client: JSON-RPC calls, notifications, reconnection.

`OvsdbClient` keeps one connection to one of its remotes. Calls are matched
to replies by id. When the connection drops, pending calls fail with
`ConnectionClosedError`, and (unless `reconnect=False`) the client keeps
trying the remotes in turn with exponential backoff; `on_connected`
callbacks run after every (re)connection so that replicas can resume their
monitors.
"""

import asyncio
import contextlib
import itertools
import logging
import random
import ssl as ssllib
from collections.abc import Awaitable, Callable
from typing import Any

from pyovn.ovsdb.errors import ClientError, ConnectionClosedError, ProtocolError
from pyovn.ovsdb.jsonrpc import (
    DEFAULT_MAX_MESSAGE,
    JsonStreamSplitter,
    dumps,
    encode_notify,
    encode_reply,
    encode_request,
    parse_message,
    request_envelope,
)
from pyovn.ovsdb.remote import Remote, parse_remotes

__all__ = ["OvsdbClient", "RpcError"]

log = logging.getLogger(__name__)

#: The longest pause between rounds while cluster members answer but none will do.
_ELECTION_POLL = 0.25

NotificationHandler = Callable[[list[Any]], None]
ConnectedCallback = Callable[["OvsdbClient"], Awaitable[None]]


class RpcError(ClientError):
    """The server answered a request with a JSON-RPC error."""

    def __init__(self, method: str, error: Any) -> None:
        detail = error.get("details") if isinstance(error, dict) else None
        name = error.get("error") if isinstance(error, dict) else error
        super().__init__(f"{method}: {name}" + (f" ({detail})" if detail else ""))
        self.error = error


class _Protocol(asyncio.Protocol):
    def __init__(self, client: "OvsdbClient") -> None:
        self.client = client
        self.splitter = JsonStreamSplitter(DEFAULT_MAX_MESSAGE)
        self.transport: asyncio.Transport | None = None
        self.lost = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.client.bytes_received += len(data)
        try:
            for obj in self.splitter.feed(data):
                self.client._dispatch(obj)
        except ProtocolError as exc:
            log.warning("%s: %s; dropping connection", self.client.remote, exc)
            assert self.transport is not None
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.lost.done():
            self.lost.set_result(None)
        self.client._connection_lost(self)


class OvsdbClient:
    """A JSON-RPC connection to one of several OVSDB remotes."""

    def __init__(
        self,
        remotes: str | list[Remote],
        reconnect: bool = True,
        ssl_context: ssllib.SSLContext | None = None,
        max_backoff: float = 8.0,
        shuffle: bool = False,
    ) -> None:
        self.remotes = parse_remotes(remotes) if isinstance(remotes, str) else list(remotes)
        if shuffle:
            # As the OVSDB IDL does by default: many clients with the same
            # list spread over a cluster's members instead of all taking the first.
            random.shuffle(self.remotes)
        self.reconnect = reconnect
        self.ssl_context = ssl_context
        self.max_backoff = max_backoff
        self.remote: Remote | None = None
        self._protocol: _Protocol | None = None
        self._ids = itertools.count(1)
        self._pending: dict[Any, tuple[str, asyncio.Future[Any]]] = {}
        self._handlers: dict[str, list[NotificationHandler]] = {}
        self.on_connected: list[ConnectedCallback] = []
        self._closing = False
        self._connected = asyncio.Event()
        self._reconnect_task: asyncio.Task[None] | None = None
        self._remote_cycle = itertools.cycle(range(len(self.remotes)))
        self.connections = 0
        #: Bytes read from every connection so far (for benchmarks and tests).
        self.bytes_received = 0
        self._members_answered = False

    # -- connection management -------------------------------------------------
    @property
    def is_connected(self) -> bool:
        return self._protocol is not None

    async def connect(self, timeout: float | None = 10.0) -> "OvsdbClient":
        """Connect to the first reachable remote (waiting up to `timeout`)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        backoff = 0.05
        while True:
            error = await self._try_all_remotes()
            if error is None:
                return self
            if deadline is not None and loop.time() >= deadline:
                names = ", ".join(str(r) for r in self.remotes)
                raise ClientError(f"cannot connect to {names}: {error}")
            await asyncio.sleep(backoff)
            backoff = self._next_backoff(backoff)

    def _next_backoff(self, backoff: float) -> float:
        # Members that answer but will not do (a cluster electing its
        # leader) come good within an election timeout: keep polling them
        # briskly instead of backing off as from a dead server.
        limit = _ELECTION_POLL if self._members_answered else self.max_backoff
        return min(backoff * 2, limit)

    async def _try_all_remotes(self) -> str | None:
        error = "no remotes"
        self._members_answered = False
        for _ in range(len(self.remotes)):
            remote = self.remotes[next(self._remote_cycle)]
            try:
                await self._open(remote)
            except (OSError, ssllib.SSLError) as exc:
                error = exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)
                continue
            try:
                for callback in list(self.on_connected):
                    await callback(self)
            except (ClientError, OSError) as exc:
                error = str(exc)
                self._members_answered = True
                self._discard()
                continue
            self._connected.set()
            return None
        return error

    async def _open(self, remote: Remote) -> None:
        loop = asyncio.get_running_loop()
        factory = lambda: _Protocol(self)  # noqa: E731
        if remote.kind == "unix":
            _, protocol = await loop.create_unix_connection(factory, remote.path)
        elif remote.kind == "tcp":
            _, protocol = await loop.create_connection(factory, remote.host, remote.port)
        else:
            if self.ssl_context is None:
                raise ClientError(f"{remote}: SSL needs --private-key, --certificate and --ca-cert")
            _, protocol = await loop.create_connection(
                factory, remote.host, remote.port, ssl=self.ssl_context, server_hostname=None
            )
        self._protocol = protocol
        self.remote = remote
        self.connections += 1

    def _drop(self) -> None:
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.abort()

    def _discard(self) -> None:
        """Abandon a connection that failed its checks, without a reconnect."""
        protocol, self._protocol = self._protocol, None
        pending, self._pending = self._pending, {}
        for method, future in pending.values():
            if not future.done():
                future.set_exception(ConnectionClosedError(f"{method}: connection closed"))
        if protocol is not None and protocol.transport is not None:
            protocol.transport.abort()

    def disconnect(self) -> None:
        """Drop the current connection (a reconnect follows if enabled)."""
        self._drop()

    def _connection_lost(self, protocol: _Protocol) -> None:
        if protocol is not self._protocol:
            return
        self._protocol = None
        self._connected.clear()
        pending, self._pending = self._pending, {}
        for method, future in pending.values():
            if not future.done():
                future.set_exception(ConnectionClosedError(f"{method}: connection closed"))
        if self.reconnect and not self._closing and self._reconnect_task is None:
            self._reconnect_task = asyncio.get_running_loop().create_task(self._reconnect_loop())

    async def _reconnect_loop(self) -> None:
        backoff = 0.05
        try:
            while not self._closing:
                await asyncio.sleep(backoff * (0.5 + random.random()))
                error = await self._try_all_remotes()
                if error is None:
                    log.info("reconnected to %s", self.remote)
                    return
                log.debug("reconnect failed: %s", error)
                backoff = self._next_backoff(backoff)
        finally:
            self._reconnect_task = None

    async def wait_connected(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def close(self) -> None:
        self._closing = True
        if self._reconnect_task is not None:
            self._reconnect_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnect_task
        protocol = self._protocol
        if protocol is not None and protocol.transport is not None:
            protocol.transport.close()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(protocol.lost), 2.0)

    # -- requests ------------------------------------------------------------
    def add_handler(self, method: str, handler: NotificationHandler) -> None:
        self._handlers.setdefault(method, []).append(handler)

    def _write(self, data: bytes | bytearray | memoryview) -> None:
        protocol = self._protocol
        if protocol is None or protocol.transport is None:
            raise ConnectionClosedError("not connected")
        protocol.transport.write(data)

    def send_request(self, method: str, params: list[Any]) -> "asyncio.Future[Any]":
        """Send a request; the future resolves to its result (or raises)."""
        msg_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._write(encode_request(method, params, msg_id))
        self._pending[msg_id] = (method, future)
        return future

    def send_request_raw(
        self, method: str, *params_json: bytes | bytearray | memoryview
    ) -> "asyncio.Future[Any]":
        """`send_request` with the params array already encoded as JSON, in
        pieces written one after the other (a multi-megabyte transaction is
        never copied into one message first)."""
        msg_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        head, tail = request_envelope(method, msg_id)
        for piece in (head, *params_json, tail):
            self._write(piece)
        self._pending[msg_id] = (method, future)
        return future

    async def call(self, method: str, params: list[Any], timeout: float | None = None) -> Any:
        """Send a request and wait for its result; RpcError on an error reply."""
        future = self.send_request(method, params)
        if timeout is None:
            return await future
        return await asyncio.wait_for(future, timeout)

    def notify(self, method: str, params: list[Any]) -> None:
        self._write(encode_notify(method, params))

    async def transact(self, db: str, ops: list[Any], timeout: float | None = None) -> list[Any]:
        """Run one transaction; returns the result array (which may hold errors)."""
        result = await self.call("transact", [db, *ops], timeout)
        if not isinstance(result, list):
            raise ClientError(f"transact: unexpected result {result!r}")
        return result

    async def transact_encoded(
        self, db: str, ops_json: bytes | bytearray | memoryview
    ) -> list[Any]:
        """`transact` with the operations already encoded (`op,op,...` without brackets)."""
        if ops_json:
            result = await self.send_request_raw("transact", b"[%s," % dumps(db), ops_json, b"]")
        else:
            result = await self.send_request_raw("transact", b"[%s]" % dumps(db))
        if not isinstance(result, list):
            raise ClientError(f"transact: unexpected result {result!r}")
        return result

    async def get_schema(self, db: str) -> Any:
        return await self.call("get_schema", [db])

    def _dispatch(self, obj: Any) -> None:
        try:
            msg = parse_message(obj)
        except ProtocolError as exc:
            log.warning("%s: ignoring malformed message: %s", self.remote, exc)
            return
        if msg.kind in ("reply", "error"):
            entry = self._pending.pop(msg.id, None)
            if entry is None:
                return
            method, future = entry
            if future.done():
                return
            if msg.kind == "error":
                future.set_exception(RpcError(method, msg.error))
            else:
                future.set_result(msg.result)
            return
        if msg.method == "echo" and msg.kind == "request":
            self._write(encode_reply(msg.id, msg.params))
            return
        for handler in self._handlers.get(msg.method or "", []):
            handler(msg.params)
