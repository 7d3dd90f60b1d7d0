"""A daemon's control socket, speaking OVS's unixctl protocol.

OVS and OVN daemons answer `ovs-appctl -t SOCKET COMMAND ARG...` on a unix
socket: each request is a JSON-RPC request whose method is the command and
whose params are its string arguments; the reply's result is the text to
print, or its error the text of a failure. pyovn's daemons do the same, so
`ovn-appctl -t /run/pyovn-northd.ctl status` and `pyovn northd status` both
work.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyovn.ovsdb.errors import ClientError, ProtocolError
from pyovn.ovsdb.jsonrpc import (
    JsonStreamSplitter,
    encode_error,
    encode_reply,
    encode_request,
    parse_message,
)

__all__ = ["UnixctlServer", "unixctl_call"]

log = logging.getLogger(__name__)

#: A command gets its arguments and returns the text to print.
Command = Callable[[list[str]], str]


class _Connection(asyncio.Protocol):
    def __init__(self, commands: dict[str, Command]) -> None:
        self.commands = commands
        self.splitter = JsonStreamSplitter()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        try:
            for obj in self.splitter.feed(data):
                self.transport.write(self._answer(parse_message(obj)))
        except ProtocolError as exc:
            log.warning("control socket: %s", exc)
            self.transport.abort()

    def _answer(self, msg: Any) -> bytes:
        command = self.commands.get(msg.method or "")
        if command is None:
            known = ", ".join(sorted(self.commands))
            return encode_error(msg.id, f'"{msg.method}" is not a valid command ({known})')
        try:
            return encode_reply(msg.id, command([str(p) for p in msg.params]))
        except ValueError as exc:
            return encode_error(msg.id, str(exc))


class UnixctlServer:
    """Serves `commands` on a unix socket until closed."""

    def __init__(self, path: Path, commands: dict[str, Command]) -> None:
        self.path = path
        self.commands = commands
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(
            lambda: _Connection(self.commands), str(self.path)
        )

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(OSError):
            self.path.unlink()


async def unixctl_call(path: Path, command: str, args: list[str], timeout: float = 5.0) -> str:
    """Run one command on a control socket; ClientError with its error text."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(str(path)), timeout)
    except (OSError, TimeoutError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "timed out"
        raise ClientError(f"cannot connect to {path}: {reason}") from None
    try:
        writer.write(encode_request(command, list(args), 0))
        splitter = JsonStreamSplitter()
        while True:
            data = await asyncio.wait_for(reader.read(65536), timeout)
            if not data:
                raise ClientError(f"{path}: connection closed before the reply")
            for obj in splitter.feed(data):
                msg = parse_message(obj)
                if msg.kind == "error":
                    raise ClientError(str(msg.error))
                return str(msg.result)
    except TimeoutError:
        raise ClientError(f"{path}: no reply within {timeout:g} s") from None
    finally:
        writer.close()
