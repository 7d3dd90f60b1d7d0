"""One client connection of the server: framing, per-connection state, output.

The server handles messages synchronously inside `data_received`, so every
transaction is atomic with respect to every other without locks. Output
goes through `Session.send`, which lets the server hold messages back until
the database file is durable (group commit) without reordering them.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyovn.ovsdb.errors import ProtocolError
from pyovn.ovsdb.jsonrpc import JsonStreamSplitter, Message, parse_message
from pyovn.ovsdb.monitor import Monitor
from pyovn.ovsdb.tls import peer_common_name

if TYPE_CHECKING:
    from pyovn.ovsdb.server import OvsdbServer

__all__ = ["PendingWait", "Session"]

log = logging.getLogger(__name__)

#: A client that lets this much unsent output pile up is dropped.
MAX_BACKLOG = 1024 * 1024 * 1024


@dataclass(slots=True)
class PendingWait:
    """A transaction blocked in a "wait" operation."""

    msg_id: Any
    db: str
    ops: list[Any]
    timer: asyncio.TimerHandle | None


class Session(asyncio.Protocol):
    """A connection: its monitors, locks, blocked waits and role."""

    _next_number = 0

    def __init__(self, server: "OvsdbServer", role: str | None = None) -> None:
        Session._next_number += 1
        self.number = Session._next_number
        self.server = server
        self.splitter = JsonStreamSplitter(server.max_message)
        self.transport: asyncio.Transport | None = None
        self.monitors: dict[str, Monitor] = {}
        self.monitor_keys: dict[str, Any] = {}
        self.waits: list[PendingWait] = []
        self.db_change_aware = False
        self.role = role
        self.peer = "?"
        self.client_id: str | None = None
        self.closed = False
        self.on_close: list[Callable[[], None]] = []

    # -- asyncio.Protocol ------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = str(peer) if peer else "unix"
        # On pssl: the handshake has verified the certificate by now; its CN
        # is who the client is for RBAC (None over unix: and tcp:).
        self.client_id = peer_common_name(transport.get_extra_info("peercert"))
        self.server.session_opened(self)

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        try:
            for obj in self.splitter.feed(data):
                self.server.handle(self, parse_message(obj))
                if self.closed:
                    return
        except ProtocolError as exc:
            log.warning("closing connection %s: %s", self.peer, exc)
            self.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.server.session_closed(self)
        for callback in self.on_close:
            callback()

    # -- output --------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Put bytes on the wire now (the server decides when that is)."""
        transport = self.transport
        if self.closed or transport is None or transport.is_closing():
            return
        transport.write(data)
        if transport.get_write_buffer_size() > MAX_BACKLOG:
            log.warning("closing connection %s: client is not reading its updates", self.peer)
            self.abort()

    def abort(self) -> None:
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.abort()

    def monitor_key(self, monitor_id: Any) -> str:
        """Monitor ids are any JSON value; a canonical text is their dict key."""
        from pyovn.ovsdb.jsonrpc import dumps

        return dumps(monitor_id).decode()

    def describe(self, message: Message) -> str:
        return f"{self.peer}: {message.method}"
